"""Accounts → Watch folders… in the window, its engine in a process of its own (issue #27)."""

import pytest
from test_window import Harness, account  # noqa: F401 -- a fixture

from hoist.core.checkpoint.states import TaskState
from hoist.ui.dialogs.watch_folders import LAST, STATE


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
        assert dialog.model.index(0, STATE).data() == "watching"

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
