"""UploadTableModel without widgets: rows keyed by id, roles, human units, targeted dataChanged."""

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from hoist.core.checkpoint.states import TaskState
from hoist.core.policy.planner import MiB
from hoist.engine.info import TaskInfo
from hoist.ui.model import (
    COLUMN_COUNT,
    DESTINATION,
    ETA,
    NAME,
    PROGRESS,
    RATE_WINDOW,
    SIZE,
    SPEED,
    STATUS,
    InfoRole,
    ProgressRole,
    StateRole,
    TaskIdRole,
    UploadTableModel,
)


def info(task_id, **changes) -> TaskInfo:
    base = dict(id=task_id, source_path=f"/src/file{task_id}.bin", name=f"file{task_id}.bin",
                account="default", bucket="media", key=f"file{task_id}.bin", size=10 * MiB,
                bytes_done=0, parts_done=0, parts_total=2, state=TaskState.QUEUED,
                message="Waiting for a free slot", speed=0.0, eta=None)
    base.update(changes)
    return TaskInfo(**base)


class Changes:
    """Collects (first row, last row, first column, last column) of every dataChanged."""

    def __init__(self, model, drawn=True):
        self.seen = []
        if drawn:       # as a view does: read every cell, so the rows are rendered
            for row in range(model.rowCount()):
                for col in range(model.columnCount()):
                    cell(model, row, col)
        model.dataChanged.connect(
            lambda tl, br, _roles=(): self.seen.append((tl.row(), br.row(), tl.column(), br.column())))

    def rows(self):
        return sorted({r for first, last, _, _ in self.seen for r in range(first, last + 1)})


@pytest.fixture
def model(qapp):
    return UploadTableModel()


def cell(model, row, col, role=Qt.DisplayRole):
    return model.data(model.index(row, col), role)


def test_rows_are_keyed_by_task_id(model):
    model.add_task(info(7))
    model.add_task(info(3))
    assert model.rowCount() == 2 and model.columnCount() == 7
    assert model.row_of(7) == 0 and model.row_of(3) == 1
    assert cell(model, 1, NAME, TaskIdRole) == 3
    assert cell(model, 0, NAME, InfoRole).key == "file7.bin"
    model.add_task(info(3, bytes_done=MiB))      # the same id again refreshes, never twins
    assert model.rowCount() == 2


def test_cells_use_human_units(model):
    model.add_task(info(1, state=TaskState.UPLOADING, bytes_done=4 * MiB, parts_done=1,
                        speed=2.5 * MiB, eta=72.0, message="Uploading part 2/2",
                        account="Demo (local)", bucket="hoist-demo", key="photos/file1.bin"))
    assert cell(model, 0, SIZE) == "10.0 MiB"
    assert cell(model, 0, SPEED) == "2.5 MiB/s"
    assert cell(model, 0, ETA) == "1 min 12 s"
    assert cell(model, 0, PROGRESS) == "40%"
    assert cell(model, 0, PROGRESS, ProgressRole) == pytest.approx(0.4)
    assert cell(model, 0, STATUS) == "Uploading part 2/2"
    # The name is in its own column: the destination says the account, bucket and folder.
    assert cell(model, 0, DESTINATION) == "Demo (local) · s3://hoist-demo/photos/"
    assert "s3://hoist-demo/photos/file1.bin" in cell(model, 0, DESTINATION, Qt.ToolTipRole)
    assert cell(model, 0, STATUS, StateRole) is TaskState.UPLOADING
    assert cell(model, 0, SIZE, Qt.TextAlignmentRole) == int(Qt.AlignRight | Qt.AlignVCenter)
    assert "4.0 MiB of 10.0 MiB" in cell(model, 0, PROGRESS, Qt.ToolTipRole)
    assert cell(model, 0, NAME, Qt.ToolTipRole) == "/src/file1.bin"


def test_destination_shows_a_key_that_differs_from_the_name(model):
    model.add_tasks([info(1, key="file1.bin"), info(2, key="a/b/file2 (1).bin", account="AWS")])
    assert cell(model, 0, DESTINATION) == "s3://media/"
    assert cell(model, 1, DESTINATION) == "AWS · s3://media/a/b/file2 (1).bin"


def test_status_shortens_the_source_path_to_the_name(model):
    model.add_task(info(1, state=TaskState.FAILED,
                        message="/src/file1.bin cannot be read any more (No such file)."))
    assert cell(model, 0, STATUS) == "Failed — file1.bin cannot be read any more (No such file)."
    assert cell(model, 0, STATUS, Qt.ToolTipRole).startswith("/src/file1.bin")


def test_status_says_the_state_when_the_message_alone_would_not(model):
    model.add_tasks([info(1, state=TaskState.PAUSED, message=""),
                     info(2, state=TaskState.PAUSED, message="Interrupted — resume to continue"),
                     info(3, state=TaskState.FAILED, message="Access denied to bucket media."),
                     info(4, state=TaskState.COMPLETED, bytes_done=10 * MiB,
                          message="Completed in 1 min 12 s · verified")])
    assert cell(model, 0, STATUS) == "Paused"
    assert cell(model, 1, STATUS) == "Paused — Interrupted — resume to continue"
    assert cell(model, 2, STATUS) == "Failed — Access denied to bucket media."
    assert cell(model, 3, STATUS) == "Completed in 1 min 12 s · verified"
    assert cell(model, 3, PROGRESS) == "100%"
    # Inactive rows show no speed or ETA rather than a stale number.
    assert cell(model, 0, SPEED) == "" and cell(model, 0, ETA) == ""


def test_a_batch_emits_data_changed_only_for_changed_rows_and_cells(model):
    rows = [info(i, state=TaskState.UPLOADING, message="Uploading part 1/2") for i in range(1, 6)]
    model.add_tasks(rows)
    changes = Changes(model)
    # Row 2 moved on; row 4 is sent again unchanged (the engine may repeat a task).
    moved = replace(rows[1], bytes_done=5 * MiB, parts_done=1, message="Uploading part 2/2",
                    speed=MiB, eta=5.0)
    model.update_tasks([moved, rows[3]])
    assert changes.rows() == [1]
    [(first, last, left, right)] = changes.seen
    assert (first, last) == (1, 1)
    assert left == PROGRESS and right == STATUS       # not the name, size or destination
    assert cell(model, 1, PROGRESS) == "50%"


def test_rows_never_drawn_are_rendered_when_read(model):
    rows = [info(i, state=TaskState.UPLOADING, message="Uploading part 1/2") for i in range(1, 4)]
    model.add_tasks(rows)
    changes = Changes(model, drawn=False)
    moved = replace(rows[0], bytes_done=5 * MiB, parts_done=1, message="Uploading part 2/2")
    model.update_tasks([moved, rows[1]])
    # Nothing to compare with: the changed row is refreshed whole, the repeated one not at all.
    assert changes.seen == [(0, 0, 0, COLUMN_COUNT - 1)]
    assert cell(model, 0, PROGRESS) == "50%"
    assert cell(model, 0, STATUS) == "Uploading part 2/2"


def test_speed_only_change_touches_speed_and_eta_cells(model):
    row = info(1, state=TaskState.UPLOADING, speed=MiB, eta=10.0, message="Uploading part 1/2")
    model.add_task(row)
    changes = Changes(model)
    model.update_tasks([replace(row, speed=2 * MiB, eta=5.0)])
    assert changes.seen == [(0, 0, SPEED, ETA)]


def test_state_change_applies_at_once(model):
    model.add_tasks([info(1, state=TaskState.UPLOADING, speed=MiB), info(2)])
    changes = Changes(model)
    model.set_state(1, "paused")
    assert cell(model, 0, STATUS, StateRole) is TaskState.PAUSED
    assert cell(model, 0, SPEED) == ""
    assert changes.rows() == [0]
    assert model.summary().count(TaskState.PAUSED) == 1


def test_remove_keeps_the_id_index_right(model):
    model.add_tasks([info(i) for i in range(1, 8)])
    model.remove_tasks([2, 3, 6])
    assert [cell(model, r, NAME, TaskIdRole) for r in range(model.rowCount())] == [1, 4, 5, 7]
    assert [model.row_of(i) for i in (1, 4, 5, 7)] == [0, 1, 2, 3]
    assert model.row_of(2) is None
    model.remove_task(7)
    assert model.rowCount() == 3 and model.row_of(5) == 2


def test_summary_counts_and_totals(model):
    model.add_tasks([info(1, state=TaskState.UPLOADING, bytes_done=5 * MiB, speed=MiB),
                     info(2, state=TaskState.UPLOADING, bytes_done=MiB, speed=3 * MiB),
                     info(3, state=TaskState.FAILED), info(4, state=TaskState.PAUSED),
                     info(5, state=TaskState.COMPLETED, bytes_done=10 * MiB),
                     info(6, state=TaskState.CANCELLED, bytes_done=MiB)])
    s = model.summary()
    assert s.active == 2 and s.count(TaskState.FAILED) == 1 and s.count(TaskState.PAUSED) == 1
    assert s.count(TaskState.COMPLETED) == 1
    assert s.speed == pytest.approx(4 * MiB)
    assert s.size == 50 * MiB and s.done == 16 * MiB      # the cancelled row does not count
    model.remove_tasks([1, 2])
    assert model.summary().speed == 0 and model.summary().size == 30 * MiB


def test_total_speed_counts_files_too_small_to_show_a_speed_of_their_own(qapp):
    now = [100.0]
    model = UploadTableModel(clock=lambda: now[0])
    small = dict(size=4096, parts_total=0)
    model.add_tasks([info(i, **small) for i in (1, 2, 3)] + [
        info(9, state=TaskState.PAUSED, bytes_done=5 * MiB)])    # progress restored, not sent
    assert model.summary().rate == 0
    # two 4 KiB files went up between two ticks: queued, then completed, never a speed
    model.update_tasks([info(i, state=TaskState.COMPLETED, bytes_done=4096, **small)
                        for i in (1, 2)])
    assert model.summary().speed == 0
    assert model.summary().rate == pytest.approx(2 * 4096 / RATE_WINDOW)
    model.update_tasks([info(9, state=TaskState.QUEUED, bytes_done=5 * MiB)])  # resumed: no gain
    assert model.summary().rate == pytest.approx(2 * 4096 / RATE_WINDOW)
    now[0] += RATE_WINDOW + 0.1                                   # and then nothing moved
    assert model.summary().rate == 0
    # a row's own speed counts when it is more than the progress seen lately
    model.update_tasks([info(3, state=TaskState.UPLOADING, bytes_done=1024, speed=MiB, **small)])
    assert model.summary().rate == pytest.approx(MiB)
    model.update_tasks([info(3, state=TaskState.CANCELLED, bytes_done=2048, **small)])
    assert model.summary().rate == pytest.approx(1024 / RATE_WINDOW)   # not the cancel's 1024


def test_batch_inserts_rows_in_one_go(model):
    inserted = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    with model.batch():
        for i in range(1, 101):
            model.add_task(info(i))
        model.set_state(50, "uploading")    # changes while held back are not lost
        assert model.rowCount() == 0
    assert inserted == [(0, 99)]
    assert cell(model, 49, STATUS, StateRole) is TaskState.UPLOADING


def test_ten_thousand_rows_update_touches_only_the_changed_rows(model):
    rows = [info(i) for i in range(10_000)]
    model.add_tasks(rows)
    changes = Changes(model)
    moving = [replace(rows[i], state=TaskState.UPLOADING, bytes_done=MiB, speed=MiB, eta=9.0,
                      message="Uploading part 1/2") for i in range(0, 10_000, 200)]
    model.update_tasks(moving)
    assert changes.rows() == list(range(0, 10_000, 200))
    assert model.summary().active == 50
    from hoist.ui.tray import tooltip
    assert tooltip(model.summary()).endswith("50 uploading, 9,950 queued")


def test_batch_removes_rows_in_runs(model):
    model.add_tasks([info(i) for i in range(1, 11)])
    removed = []
    model.rowsRemoved.connect(lambda _parent, first, last: removed.append((first, last)))
    with model.batch():
        for task_id in (2, 3, 4, 8, 9):
            model.remove_task(task_id)
        assert model.rowCount() == 10
    assert sorted(removed) == [(1, 3), (7, 8)]
    assert [model.info_at(r).id for r in range(model.rowCount())] == [1, 5, 6, 7, 10]
    assert model.row_of(10) == 4


def test_tray_tooltip_sums_up_the_queue(model):
    from hoist.ui.tray import tooltip
    assert tooltip(model.summary()) == "Hoist — nothing uploading or downloading"
    model.add_tasks([info(1, state=TaskState.UPLOADING, bytes_done=5 * MiB, speed=2 * MiB),
                     info(2)])
    assert tooltip(model.summary()) == "Hoist — 25% · 2.0 MiB/s · 1 uploading, 1 queued"


def test_rows_of_an_account_with_tls_verification_off_say_so(model, qtbot):
    model.reset([info(1, account="NAS"), info(2, account="AWS")])
    with qtbot.waitSignal(model.dataChanged):
        model.set_unverified_accounts({"NAS"})
    nas, aws = model.index(0, DESTINATION), model.index(1, DESTINATION)
    assert model.data(nas).startswith("⚠ TLS verification off · NAS")
    assert "TLS verification is off" in model.data(nas, Qt.ToolTipRole)
    assert "TLS" not in model.data(aws) and "TLS" not in model.data(aws, Qt.ToolTipRole)
    model.set_unverified_accounts(set())
    assert "TLS" not in model.data(nas)


def download(task_id, **changes) -> TaskInfo:
    """A download of s3://media/Footage/clipN.mov into /home/me/Downloads, 2 of 8 ranges done."""
    base = dict(source_path=f"/home/me/Downloads/clip{task_id}.mov", name=f"clip{task_id}.mov",
                key=f"Footage/clip{task_id}.mov", direction="download",
                state=TaskState.UPLOADING, bytes_done=MiB, parts_done=2, parts_total=8,
                speed=MiB, eta=9.0, message="")
    base.update(changes)
    return info(task_id, **base)


def test_a_download_row_says_downloading_and_where_it_lands(model, monkeypatch):
    monkeypatch.setenv("HOME", "/home/me")
    model.add_tasks([download(1), download(2, state=TaskState.PAUSED, message="Paused by you")])
    assert cell(model, 0, NAME) == "↓ clip1.mov"
    assert cell(model, 0, STATUS) == "Downloading"          # the store's state is "uploading"
    assert cell(model, 1, STATUS) == "Paused by you"
    assert cell(model, 0, DESTINATION) == "~/Downloads/"     # not the bucket it comes from
    tip = cell(model, 0, DESTINATION, Qt.ToolTipRole)
    assert "/home/me/Downloads/clip1.mov" in tip and "s3://media/Footage/clip1.mov" in tip
    assert "range 2/8" in cell(model, 0, PROGRESS, Qt.ToolTipRole)
    model.update_tasks([download(1, state=TaskState.COMPLETED, bytes_done=10 * MiB, speed=0.0,
                                 message="Completed in 3 s · proved by CRC32")])
    assert cell(model, 0, STATUS) == "Completed in 3 s · proved by CRC32"


def test_status_bar_arrow_and_tray_tell_downloads_from_uploads(model):
    from hoist.ui.tray import tooltip
    model.add_tasks([download(1)])
    summary = model.summary()
    assert summary.transfer_arrow == "↓" and summary.active_downloads == 1
    assert tooltip(summary).endswith("· 1 downloading, 0 queued")
    model.add_tasks([info(2, state=TaskState.UPLOADING, bytes_done=MiB, speed=MiB)])
    assert summary.transfer_arrow == "↑↓"
    assert tooltip(summary).endswith("· 1 uploading, 1 downloading, 0 queued")
    model.update_tasks([download(1, state=TaskState.COMPLETED, bytes_done=10 * MiB, speed=0.0)])
    assert summary.transfer_arrow == "↑" and summary.active_downloads == 0
    assert tooltip(summary).endswith("· 1 uploading, 0 queued")
