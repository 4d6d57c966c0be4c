"""Accounts → Watch folders… in the window, its engine in a process of its own (issue #27)."""

import subprocess
import sys
import time

import pytest
from test_window import Harness, account, small_config  # noqa: F401 -- a fixture

from hoist.core.checkpoint.states import TaskState
from hoist.ui.dialogs.watch_folders import LAST, STATE
from hoist.ui.single_instance import InstanceServer


def completed(manager, key) -> bool:
    return any(i.key == key and i.state is TaskState.COMPLETED for i in manager.tasks())


@pytest.mark.usefixtures("account")
def test_a_watch_added_in_the_dialog_sends_a_dropped_file_and_survives_a_restart(
        qtbot, data_dir, tmp_path, s3, bucket):
    harness = Harness(qtbot, data_dir)
    window = harness.open()
    try:
        folder = tmp_path / "inbox"
        folder.mkdir()
        dialog = window.watch_folders()

        def fill(editor):
            editor.folder.setText(str(folder))
            editor.settle.setValue(0.2)
            editor.save()
        assert dialog.add(fill).saved is not None
        qtbot.waitUntil(lambda: dialog.model.rowCount() == 1)
        (folder / "drop.txt").write_bytes(b"dropped")
        qtbot.waitUntil(lambda: completed(harness.manager, "inbox/drop.txt"), timeout=15_000)
        qtbot.waitUntil(lambda: "drop.txt" in dialog.model.index(0, LAST).data(),
                        timeout=5_000)
        assert dialog.model.index(0, STATE).data() == "Watching"

        # a second folder of the same name, under the same prefix: the dialog says what to do
        other = tmp_path / "elsewhere" / "inbox"
        other.mkdir(parents=True)

        def clash(editor):
            editor.folder.setText(str(other))
            editor.save()
        editor = dialog.add(clash)
        assert editor.saved is None and "another prefix" in editor.error.text()
        # turning delete on asks first; "no" leaves it off
        asked = []
        dialog.ask = lambda title, text: asked.append(text) or False
        dialog.view.selectRow(0)
        editor = dialog.edit(lambda e: e.delete.setChecked(True))
        assert asked and not editor.delete.isChecked()
        dialog.close()

        harness.close()                           # quit and start Hoist again
        window = harness.open()
        dialog = window.watch_folders()
        qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=5_000)
        assert dialog.model.index(0, 0).data() == str(folder)
        (folder / "after.txt").write_bytes(b"still watched")
        qtbot.waitUntil(lambda: completed(harness.manager, "inbox/after.txt"), timeout=15_000)
        dialog.close()
    finally:
        harness.close()


def start_watch(folder, bucket, endpoint_url):
    return subprocess.Popen([sys.executable, "-m", "hoist", "watch", str(folder), "--bucket",
                             bucket, "--endpoint-url", endpoint_url, "--settle", "0.2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.usefixtures("account")
def test_hoist_watch_hands_its_watches_to_the_open_window_and_exits(
        qtbot, data_dir, tmp_path, s3_server, bucket):
    harness = Harness(qtbot, data_dir)
    window = harness.open()
    server = InstanceServer(data_dir)          # as run_window listens
    assert server.listen()
    server.watches_received.connect(window.receive_watches)
    try:
        folder = tmp_path / "farm"
        folder.mkdir()
        proc = start_watch(folder, bucket, s3_server.endpoint_url)
        qtbot.waitUntil(lambda: proc.poll() is not None, timeout=20_000)
        out, err = proc.communicate()
        assert proc.returncode == 0, err
        assert "Handed 1 watch(es) to the Hoist window" in out
        qtbot.waitUntil(lambda: len(harness.manager.watches()) == 1, timeout=5_000)
        (folder / "frame0001.exr").write_bytes(b"frame")
        qtbot.waitUntil(lambda: completed(harness.manager, "farm/frame0001.exr"),
                        timeout=15_000)
    finally:
        server.close()
        harness.close()


@pytest.mark.usefixtures("account")
def test_the_window_says_hoist_watch_is_running_and_takes_over(qtbot, data_dir, tmp_path, s3,
                                                               s3_server, bucket):
    from hoist.core.checkpoint.store import StoreLocked
    from hoist.ui.main import Session, take_over
    folder = tmp_path / "dumps"
    folder.mkdir()
    (folder / "monday.sql").write_bytes(b"monday")
    proc = start_watch(folder, bucket, s3_server.endpoint_url)
    try:
        deadline = time.monotonic() + 20
        while not (data_dir / "watching.pid").exists():      # it holds the store, and says so
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        with pytest.raises(StoreLocked) as locked:
            Session(data_dir, config=small_config())
        asked = []
        assert take_over(data_dir, locked.value, ask=lambda text: asked.append(text) or True)
        assert f"process {proc.pid}" in asked[0] and "Take over?" in asked[0]
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    harness = Harness(qtbot, data_dir)
    harness.open()
    try:
        qtbot.waitUntil(lambda: len(harness.manager.watches()) == 1, timeout=5_000)
        qtbot.waitUntil(lambda: completed(harness.manager, "dumps/monday.sql"), timeout=15_000)
        (folder / "tuesday.sql").write_bytes(b"tuesday")
        qtbot.waitUntil(lambda: completed(harness.manager, "dumps/tuesday.sql"), timeout=15_000)
    finally:
        harness.close()
