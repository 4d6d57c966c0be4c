"""The window's everyday loops: dropping the same folder again."""

from test_window import Harness, account, harness, small_config  # noqa: F401 -- fixtures

from hoist.core.checkpoint.states import TaskState


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
