"""The window's everyday loops: dropping the same folder again, the history of uploads,
share links."""

import sqlite3
import urllib.parse
import urllib.request

from PySide6.QtGui import QGuiApplication

from test_window import Harness, account, enabled, harness, small_config  # noqa: F401 -- fixtures

from hoist.core.checkpoint.states import TaskState
from hoist.core.policy.planner import MiB
from hoist.core.settings.datadir import STORE_NAME


def test_dropping_again_skips_unchanged_files_and_asks_only_about_changed_ones(
        harness, make_file, s3_server, bucket):
    same, changed = make_file("same.txt", 100), make_file("changed.txt", 200)
    harness.drop_and_wait(same, changed, rows=2)
    harness.qtbot.waitUntil(lambda: harness.model.summary().count(TaskState.COMPLETED) == 2,
                            timeout=30_000)
    with open(changed, "ab") as f:
        f.write(b"more")
    asked = []
    harness.window.ask_existing = lambda key, remaining: (asked.append(key), ("overwrite", False))[1]
    puts = s3_server.count("PutObject", bucket=bucket)
    harness.drop_and_wait(same, changed, rows=3)
    assert asked == ["changed.txt"]
    assert "1 file is on the server already, unchanged" in harness.window.statusBar().currentMessage()
    harness.qtbot.waitUntil(lambda: harness.model.summary().count(TaskState.COMPLETED) == 3,
                            timeout=30_000)
    assert s3_server.count("PutObject", bucket=bucket) == puts + 1
    assert s3_server.count("HeadObject", bucket=bucket) == 0


def test_completed_rows_survive_a_restart_until_cleared(harness, make_file):
    harness.manager.set_limits(1, 1, 1, 2 * MiB)          # paused.bin is paused mid-way
    harness.drop_and_wait(make_file("kept.txt", 100), make_file("paused.bin", 12 * MiB), rows=2)
    harness.wait_state("kept.txt", TaskState.COMPLETED)
    harness.manager.pause(harness.task_id("paused.bin"))
    harness.close()

    window = harness.open()
    assert {(i.name, i.state) for i in harness.model.infos()} == {
        ("kept.txt", TaskState.COMPLETED), ("paused.bin", TaskState.PAUSED)}
    assert "Completed" in harness.info("kept.txt").message
    assert "clear_completed" in enabled(window.queue_actions)
    window.queue_actions.clear_completed.trigger()
    harness.qtbot.waitUntil(lambda: harness.model.rowCount() == 1)
    harness.close()
    harness.open()
    assert [i.name for i in harness.model.infos()] == ["paused.bin"]


def test_history_older_than_the_preference_is_forgotten(qtbot, data_dir, account, make_file):
    harness = Harness(qtbot, data_dir)
    harness.open(small_config(history_days=2))
    harness.drop_and_wait(make_file("old.txt", 10), make_file("new.txt", 10), rows=2)
    qtbot.waitUntil(lambda: harness.model.summary().count(TaskState.COMPLETED) == 2)
    harness.close()
    with sqlite3.connect(data_dir / STORE_NAME) as db:         # old.txt finished 3 days ago
        db.execute("UPDATE tasks SET finished_at = finished_at - 3 * 86400 WHERE key = 'old.txt'")
    harness.open(small_config(history_days=2))
    assert [i.name for i in harness.model.infos()] == ["new.txt"]
    harness.close()


def test_copy_share_link_puts_a_working_url_on_the_clipboard(harness, make_file, data_dir):
    path = make_file("shared.txt", 3000)
    harness.drop_and_wait(path, rows=1)
    harness.wait_state("shared.txt", TaskState.COMPLETED)
    harness.select("shared.txt")
    actions = harness.window.queue_actions
    assert actions.share.isEnabled()
    clipboard = QGuiApplication.clipboard()
    clipboard.setText("")
    actions.share_choices["1 day"].trigger()
    harness.qtbot.waitUntil(lambda: clipboard.text().startswith("http"), timeout=10_000)
    url = clipboard.text()
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.read() == path.read_bytes()
    assert "X-Amz-Expires=86400" in url
    assert "works for 1 d" in harness.window.statusBar().currentMessage()
    signature = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["X-Amz-Signature"][0]
    harness.close()                                      # every log line is written
    for file in data_dir.rglob("*"):
        if file.is_file():
            assert signature.encode() not in file.read_bytes(), file
