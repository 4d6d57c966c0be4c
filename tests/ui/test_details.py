"""The Details pane follows the selection and shows what the upload cost this run."""

from dataclasses import replace

from PySide6.QtWidgets import QTableView

from hoist.core.checkpoint.states import TaskState
from hoist.core.remote.objects import ObjectSettings
from hoist.engine.info import TaskInfo
from hoist.ui.details import DetailsPane
from hoist.ui.model import UploadTableModel

MiB = 1024 * 1024


def info(task_id, **kw):
    base = dict(id=task_id, source_path=f"/data/file{task_id}.bin", name=f"file{task_id}.bin",
                account="Local", bucket="b", key=f"file{task_id}.bin", size=20 * MiB,
                bytes_done=5 * MiB, parts_done=1, parts_total=4, state=TaskState.UPLOADING,
                message="Uploading parts 2–3 of 4", speed=2 * MiB, eta=7.5,
                stats="2 retries (reset 2), 2 parts re-sent")
    base.update(kw)
    return TaskInfo(**base)


def test_details_follow_the_selection(qtbot):
    model = UploadTableModel()
    model.reset([info(1), info(2, stats="")])
    view = QTableView()
    view.setModel(model)
    pane = DetailsPane(view, model)
    qtbot.addWidget(view)
    qtbot.addWidget(pane)
    assert pane.empty.isVisibleTo(pane) and pane.values["File"].text() == ""
    view.selectRow(0)
    assert not pane.empty.isVisibleTo(pane)
    assert pane.values["File"].text() == "/data/file1.bin"
    assert pane.values["Destination"].text() == "s3://b/file1.bin (Local)"
    assert pane.values["Progress"].text() == "1 of 4 parts · 5.0 MiB sent (25%)"
    assert pane.values["Speed"].text() == "2.0 MiB/s, 8 s left"
    assert pane.values["This run"].text() == "2 retries (reset 2), 2 parts re-sent"
    view.selectRow(1)
    assert pane.values["This run"].text() == "no retries"
    model.update_tasks([replace(info(2, stats=""), state=TaskState.COMPLETED, bytes_done=20 * MiB,
                          message="Completed in 9 s · verified (CRC32)", speed=0.0, eta=None)])
    qtbot.waitUntil(lambda: pane.values["State"].text() == "Completed in 9 s · verified (CRC32)",
                    timeout=3000)
    assert pane.values["Speed"].text() == "—"


def test_details_show_what_the_object_looks_like(qtbot):
    styled = ObjectSettings(content_type="text/csv", cache_control="max-age=60",
                            tags={"team": "data"}, storage_class="STANDARD_IA",
                            sse_c_key_md5="S0VZTUQ1")
    model = UploadTableModel()
    model.reset([info(1, objects=styled.to_json()), info(2)])
    view = QTableView()
    view.setModel(model)
    pane = DetailsPane(view, model)
    qtbot.addWidget(view)
    qtbot.addWidget(pane)
    view.selectRow(0)
    assert pane.values["Object"].text().splitlines() == [
        "Content-Type: text/csv", "Cache-Control: max-age=60", "Storage class: STANDARD_IA",
        "Tags: team=data", "Encryption: SSE-C, key MD5 S0VZTUQ1"]
    view.selectRow(1)                       # made before settings were kept: the defaults
    assert pane.values["Object"].text() == "Content-Type: (guessed from the name)"


def test_details_of_a_download_name_its_source_and_where_it_is_saved(qtbot, monkeypatch):
    monkeypatch.setenv("HOME", "/home/me")
    model = UploadTableModel()
    model.reset([info(1, direction="download", source_path="/home/me/Downloads/cam-B.mov",
                      name="cam-B.mov", key="Footage/cam-B.mov", message="Downloading ranges "
                      "2–3 of 4", stats="", objects=ObjectSettings().to_json())])
    view = QTableView()
    view.setModel(model)
    pane = DetailsPane(view, model)
    qtbot.addWidget(view)
    qtbot.addWidget(pane)
    view.selectRow(0)
    assert pane.labels["File"].text() == "Source:"
    assert pane.values["File"].text() == "s3://b/Footage/cam-B.mov (Local)"
    assert pane.labels["Destination"].text() == "Saved to:"
    assert pane.values["Destination"].text() == "~/Downloads/cam-B.mov"
    assert pane.values["State"].text() == "Downloading ranges 2–3 of 4"     # not "Uploading — …"
    assert pane.values["Progress"].text() == "1 of 4 ranges · 5.0 MiB received (25%)"
    assert pane.values["Object"].text() == "—"        # an upload's defaults say nothing of it
    model.reset([info(2)])                             # an upload again: the labels come back
    view.selectRow(0)
    assert pane.labels["File"].text() == "File:" and pane.values["File"].text() == "/data/file2.bin"
