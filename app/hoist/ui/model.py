"""UploadTableModel: one row per task, keyed by task id, fed by the engine's batched signals.

Every row keeps its TaskInfo and the display text of its cells, computed once
per update; painting then only indexes lists, and an update batch compares the
new text with the old to emit ``dataChanged`` for the cells that really
changed. Totals for the status bar are kept incrementally, so a tick over
10,000 rows costs as much as the rows that changed.
"""

import os
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import replace

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from hoist.core.checkpoint.states import TaskState
from hoist.core.local.units import format_duration, format_path, format_rate, format_size
from hoist.engine.info import TaskInfo
from hoist.ui.tray import RATE_WINDOW, Summary  # noqa: F401 -- RATE_WINDOW: tests read it

NAME, SIZE, PROGRESS, SPEED, ETA, STATUS, DESTINATION = range(7)
HEADERS = ("Name", "Size", "Progress", "Speed", "ETA", "Status", "Destination")
COLUMN_COUNT = len(HEADERS)

# Roles are read once here: a view asks data() for about six roles per cell on every paint,
# and PySide6's short spelling (``Qt.DisplayRole``) costs microseconds per lookup.
_Role = Qt.ItemDataRole
DisplayRole, ToolTipRole = _Role.DisplayRole, _Role.ToolTipRole
TextAlignmentRole, ForegroundRole = _Role.TextAlignmentRole, _Role.ForegroundRole
TaskIdRole = _Role.UserRole + 1     # int
ProgressRole = _Role.UserRole + 2   # float, 0.0–1.0
StateRole = _Role.UserRole + 3      # TaskState
InfoRole = _Role.UserRole + 4       # the row's TaskInfo
_RIGHT_COLUMNS = frozenset((SIZE, SPEED, ETA))

STATE_LABELS = {
    TaskState.QUEUED: "Queued", TaskState.PREPARING: "Preparing", TaskState.UPLOADING: "Uploading",
    TaskState.PAUSED: "Paused", TaskState.COMPLETING: "Completing",
    TaskState.COMPLETED: "Completed", TaskState.FAILED: "Failed", TaskState.CANCELLED: "Cancelled",
}
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_FAILED_COLOR = QColor("#b3261e")
_DONE_COLOR = QColor("#1e7b34")
TLS_OFF_MARK = "⚠ TLS verification off · "    # before the Destination of such an account's rows


def is_download(info: TaskInfo) -> bool:
    return getattr(info, "direction", "upload") == "download"


def state_label(info: TaskInfo) -> str:
    """"Uploading", or "Downloading" for a download: the store keeps one state for both."""
    if info.state is TaskState.UPLOADING and is_download(info):
        return "Downloading"
    return STATE_LABELS[info.state]


def status_label(info: TaskInfo) -> str:
    """The Status cell: the engine's message, prefixed where it alone would not say the state.

    The source's full path is shortened to its name (the Name column's tooltip has the path),
    so that what went wrong is what fits in the cell.
    """
    label = state_label(info)
    message = info.message.replace(info.source_path, info.name) if info.source_path else info.message
    if not message:
        return label
    if info.state in (TaskState.PAUSED, TaskState.FAILED) and not message.startswith(label):
        return f"{label} — {message}"
    return message


def destination_label(info: TaskInfo) -> str:
    """``Account · s3://bucket/folder/``: the file's own name is in the Name column already.
    A download's destination is the local folder it lands in (``~/Downloads/``); where it
    comes from is in the cell's tooltip."""
    if is_download(info):
        folder = os.path.dirname(info.source_path)
        return format_path(folder).rstrip("/\\") + os.sep if folder else ""
    folder, _, base = info.key.rpartition("/")
    where = f"s3://{info.bucket}/{folder + '/' if folder else ''}{'' if base == info.name else base}"
    return where if info.account in ("", "default") else f"{info.account} · {where}"


def render(info: TaskInfo) -> tuple:
    """The display text of every column, plus the progress in tenths of a percent."""
    active = info.state.is_active
    fraction = info.fraction
    speed = format_rate(info.speed) if active and info.speed > 0 else ""
    if active and info.state is not TaskState.COMPLETING:
        eta = format_duration(info.eta) if info.eta is not None else "—"
    else:
        eta = ""
    # a download is marked by its arrow; uploads, the usual rows, are not
    name = f"↓ {info.name}" if is_download(info) else info.name
    return (name, format_size(info.size), f"{int(fraction * 100)}%", speed, eta,
            status_label(info), destination_label(info), int(fraction * 1000))


def _progress(info: TaskInfo) -> int:
    """The bytes of a row that count as sent (a completed row's parts are no longer listed)."""
    return info.size if info.state is TaskState.COMPLETED else info.bytes_done


class UploadTableModel(QAbstractTableModel):
    summaryChanged = Signal()      # counts or totals changed (after a batch, not per row)

    def __init__(self, parent=None, clock: Callable[[], float] = time.monotonic):
        super().__init__(parent)
        self._clock = clock             # for the total speed (Summary.rate); tests drive it
        self._infos: list[TaskInfo] = []
        self._cells: list[tuple | None] = []   # rendered when first drawn (None until then)
        self._row_of: dict[int, int] = {}
        self._summary = Summary(clock=self._clock)
        self._pending: dict[int, TaskInfo] | None = None   # rows held back inside batch()
        self._removed: set[int] = set()                      # ids removed inside batch()
        self._lookup = None          # task id -> fresh TaskInfo, once bound to an engine
        self._unverified: frozenset[str] = frozenset()   # accounts with TLS verification off

    # -- Qt model interface -----------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._infos)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else COLUMN_COUNT

    def headerData(self, section, orientation, role=DisplayRole):
        if orientation == Qt.Orientation.Horizontal:
            if role == DisplayRole:
                return HEADERS[section]
            if role == TextAlignmentRole and section in _RIGHT_COLUMNS:
                return _RIGHT
        return None

    def data(self, index, role=DisplayRole):
        row = index.row()
        if not index.isValid() or row >= len(self._infos):
            return None
        if role == DisplayRole:
            text = self._rendered(row)[index.column()]
            if index.column() == DESTINATION and self._infos[row].account in self._unverified:
                return TLS_OFF_MARK + text
            return text
        info = self._infos[row]
        if role == ProgressRole:
            return info.fraction
        if role == StateRole:
            return info.state
        if role == TaskIdRole:
            return info.id
        if role == InfoRole:
            return info
        col = index.column()
        if role == TextAlignmentRole:
            return _RIGHT if col in _RIGHT_COLUMNS else None
        if role == ToolTipRole:
            return self._tooltip(info, col)
        if role == ForegroundRole and col == DESTINATION and info.account in self._unverified:
            return _FAILED_COLOR
        if role == ForegroundRole and col == STATUS:
            if info.state is TaskState.FAILED:
                return _FAILED_COLOR
            if info.state is TaskState.COMPLETED:
                return _DONE_COLOR
        return None

    def _tooltip(self, info: TaskInfo, col: int) -> str | None:
        down = is_download(info)
        if col == NAME:
            if down:
                return f"Download of {info.s3_uri}\nto {info.source_path}"
            return info.source_path
        if col == PROGRESS:
            part = "range" if down else "part"
            parts = f" · {part} {info.parts_done}/{info.parts_total}" if info.parts_total else ""
            return f"{format_size(info.bytes_done)} of {format_size(info.size)}{parts}"
        if col == STATUS:
            return info.message or state_label(info)
        if col == DESTINATION:
            off = ("\nTLS verification is off for this account: the store's certificate is "
                   "not checked" if info.account in self._unverified else "")
            if down:
                return f"{info.source_path}\nfrom {info.account}: {info.s3_uri}{off}"
            return f"{info.account}\n{info.s3_uri}{off}"
        return None

    def set_unverified_accounts(self, names) -> None:
        """Mark the rows of accounts whose store's certificate is not checked."""
        names = frozenset(names)
        if names != self._unverified:
            self._unverified = names
            if self._infos:
                self.dataChanged.emit(self.index(0, DESTINATION),
                                      self.index(len(self._infos) - 1, DESTINATION))

    # -- lookups ----------------------------------------------------------------------
    def row_of(self, task_id: int) -> int | None:
        return self._row_of.get(task_id)

    def info_at(self, row: int) -> TaskInfo:
        return self._infos[row]

    def info(self, task_id: int) -> TaskInfo | None:
        row = self._row_of.get(task_id)
        return None if row is None else self._infos[row]

    def infos(self) -> list[TaskInfo]:
        return list(self._infos)

    def summary(self) -> Summary:
        return self._summary

    # -- changes from the engine ------------------------------------------------------
    def bind(self, manager) -> None:
        """Follow an UploadManager's signals (the window and the benchmark use this)."""
        self._lookup = manager.task
        manager.task_added.connect(self.add_task)
        manager.tasks_added.connect(self.add_tasks)         # a chunk of a big drop at once
        manager.task_removed.connect(self.remove_task)
        manager.tasks_removed.connect(self.remove_tasks)    # Clear completed
        manager.task_state_changed.connect(self.set_state)
        manager.tasks_updated.connect(self.update_tasks)

    def reset(self, infos: list[TaskInfo]) -> None:
        self.beginResetModel()
        self._infos = list(infos)
        self._cells = [None] * len(self._infos)
        self._row_of = {info.id: row for row, info in enumerate(self._infos)}
        self._summary = Summary(clock=self._clock)
        for info in self._infos:
            self._count(info, +1)
        self.endResetModel()
        self.summaryChanged.emit()

    @contextmanager
    def batch(self):
        """Hold back added and removed rows and apply them in one go (a folder of 10,000 files,
        Clear completed): one insert or remove per run of rows instead of one per row."""
        outer = self._pending is None
        if outer:
            self._pending, self._removed = {}, set()
        try:
            yield
        finally:
            if outer:
                pending, self._pending = self._pending, None
                removed, self._removed = self._removed, set()
                self.add_tasks(list(pending.values()))
                self.remove_tasks(removed)

    def add_task(self, info: TaskInfo) -> None:
        if self._pending is not None and info.id not in self._row_of:
            self._pending[info.id] = info
        else:
            self.add_tasks([info])

    def add_tasks(self, infos: list[TaskInfo]) -> None:
        fresh = []
        for info in infos:
            if info.id in self._row_of:       # known already (re-added): just refresh it
                self._replace(self._row_of[info.id], info)
            else:
                fresh.append(info)
        if fresh:
            first = len(self._infos)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            for offset, info in enumerate(fresh):
                self._infos.append(info)
                self._cells.append(None)
                self._row_of[info.id] = first + offset
                self._count(info, +1)
            self.endInsertRows()
        if infos:
            self.summaryChanged.emit()

    def remove_task(self, task_id: int) -> None:
        if self._pending is None:
            self.remove_tasks([task_id])
        elif self._pending.pop(task_id, None) is None:
            self._removed.add(task_id)

    def remove_tasks(self, task_ids) -> None:
        rows = sorted({self._row_of[i] for i in task_ids if i in self._row_of}, reverse=True)
        if not rows:
            return
        # Remove contiguous runs from the bottom up, so earlier row numbers stay valid.
        start = 0
        while start < len(rows):
            end = start
            while end + 1 < len(rows) and rows[end + 1] == rows[end] - 1:
                end += 1
            low, high = rows[end], rows[start]
            self.beginRemoveRows(QModelIndex(), low, high)
            for info in self._infos[low:high + 1]:
                self._count(info, -1)
                del self._row_of[info.id]
            del self._infos[low:high + 1]
            del self._cells[low:high + 1]
            self.endRemoveRows()
            start = end + 1
        for row in range(rows[-1], len(self._infos)):
            self._row_of[self._infos[row].id] = row
        self.summaryChanged.emit()

    def set_state(self, task_id: int, state: str) -> None:
        """A state change arrives at once (before the next tick): the row and actions follow it."""
        new_state = TaskState(state)
        fresh = self._lookup(task_id) if self._lookup else None
        if fresh is not None and fresh.state is not new_state:
            fresh = None                # the engine moved on again; this signal is older
        row = self._row_of.get(task_id)
        if row is not None:
            info = self._infos[row]
            if fresh is None:
                fresh = replace(info, state=new_state,
                                speed=info.speed if new_state.is_active else 0.0)
            self._replace(row, fresh)
            self.summaryChanged.emit()
        elif self._pending and task_id in self._pending:
            self._pending[task_id] = fresh or replace(self._pending[task_id], state=new_state)

    def update_tasks(self, infos: list[TaskInfo]) -> None:
        """One engine tick: refresh the rows and emit dataChanged for the changed cells only."""
        for info in infos:
            row = self._row_of.get(info.id)
            if row is not None:
                self._replace(row, info)
            elif self._pending is not None and info.id in self._pending:
                self._pending[info.id] = info
        if infos:
            self.summaryChanged.emit()

    def _rendered(self, row: int) -> tuple:
        """The row's display texts; of 10,000 rows only those a view draws are ever rendered."""
        cells = self._cells[row]
        if cells is None:
            cells = self._cells[row] = render(self._infos[row])
        return cells

    def _replace(self, row: int, info: TaskInfo) -> None:
        old_info, old = self._infos[row], self._cells[row]
        self._count(old_info, -1)
        self._infos[row] = info
        self._count(info, +1)
        gained = _progress(info) - _progress(old_info)
        if gained > 0 and info.state is not TaskState.CANCELLED:
            self._summary.moved.append((self._clock(), gained))
        if old is None:             # never drawn: nothing to compare, render it when it is
            if info != old_info:
                self.dataChanged.emit(self.index(row, 0), self.index(row, COLUMN_COUNT - 1))
            return
        new = self._cells[row] = render(info)
        changed = [c for c in range(COLUMN_COUNT) if old[c] != new[c]]
        if old[COLUMN_COUNT] != new[COLUMN_COUNT] or old_info.state is not info.state:
            changed.append(PROGRESS)        # the bar moved, or its look (state) changed
        if changed:
            self.dataChanged.emit(self.index(row, min(changed)), self.index(row, max(changed)))

    def _count(self, info: TaskInfo, sign: int) -> None:
        s = self._summary
        s.counts[info.state] += sign
        if info.state is not TaskState.CANCELLED:
            s.size += sign * info.size
            s.done += sign * _progress(info)
        if info.state.is_active:
            s.active_downloads += sign * is_download(info)
            s.speed += sign * info.speed
            if abs(s.speed) < 1e-6:     # keep float drift from showing "0 B/s" as "-0"
                s.speed = 0.0
