"""BucketModel: one folder of the bucket, listed lazily a page (1,000 entries) at a time.

The model holds only what has been listed. ``canFetchMore``/``fetchMore`` ask for
the next page (``page_wanted``) only when the view scrolls near its end, and
each page's rows go in with one insertion. The pane carries the request to the
engine off the GUI thread and hands the answer back (``add_page`` / ``fail``),
tagged with the listing it belongs to, so a late page of a folder the user has
left is dropped. The filter narrows what has been listed so far.
"""

from datetime import datetime
from enum import Enum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QStyle

from hoist.core.local.units import format_size

NAME, SIZE, MODIFIED, STORAGE = range(4)
HEADERS = ("Name", "Size", "Modified", "Storage class")
EntryRole = Qt.UserRole + 1
RESTORE_FIRST = "restore before download"


class Listing(Enum):
    """What the pane shows instead of (or with) the rows."""

    NO_ACCOUNT = "no_account"     # no account chosen under Upload to
    LOADING = "loading"           # the first page is on its way
    READY = "ready"               # rows to show (more may follow as the view scrolls)
    EMPTY = "empty"               # the folder holds nothing
    DENIED = "denied"             # the account may not list (s3:ListBucket)
    ERROR = "error"               # anything else: said, with what to do


# S3's storage classes by the names the AWS console gives them
STORAGE_NAMES = {"STANDARD": "Standard", "STANDARD_IA": "Standard-IA",
                 "ONEZONE_IA": "One Zone-IA", "INTELLIGENT_TIERING": "Intelligent-Tiering",
                 "REDUCED_REDUNDANCY": "Reduced redundancy", "GLACIER_IR": "Glacier Instant Retrieval",
                 "GLACIER": "Glacier Flexible Retrieval", "DEEP_ARCHIVE": "Glacier Deep Archive",
                 "EXPRESS_ONEZONE": "Express One Zone"}


def storage_label(storage_class: str) -> str:
    """``DEEP_ARCHIVE`` → ``Glacier Deep Archive``; a class S3 does not name (a store's own)
    as it is."""
    return STORAGE_NAMES.get(storage_class, storage_class)


class BucketModel(QAbstractTableModel):
    page_wanted = Signal(int, str, object)    # listing number, prefix, continuation token
    listing_changed = Signal()                # state, error, counts or "more to come"

    def __init__(self, parent=None):
        super().__init__(parent)
        self._entries: list = []        # every entry listed so far (core Entry)
        self._folded: list[str] = []    # their names, casefolded once: a filter over 100,000
        self._shown: list = []          # those the filter lets through, in order
        self._filter = ""
        self.prefix = ""
        self.token: str | None = None   # where the next page starts; None: all listed
        self.loading = False
        self.state = Listing.NO_ACCOUNT
        self.error = ""
        self.number = 0                 # which listing the pages belong to
        self.pages = 0                  # pages received for this listing
        style = QApplication.style()
        self._icons = (style.standardIcon(QStyle.SP_DirIcon),
                       style.standardIcon(QStyle.SP_FileIcon))

    # -- listing -----------------------------------------------------------------------
    def open(self, prefix: str) -> None:
        """Start listing the folder ``prefix`` afresh (the first page is asked at once)."""
        self.beginResetModel()
        self._entries, self._shown, self._folded = [], [], []
        self.prefix, self.token, self.pages, self.error = prefix, None, 0, ""
        self.number += 1
        self.state, self.loading = Listing.LOADING, True
        self.endResetModel()
        self.listing_changed.emit()
        self.page_wanted.emit(self.number, prefix, None)

    def clear(self, state: Listing = Listing.NO_ACCOUNT) -> None:
        """No listing (no account): pages still on their way are dropped."""
        self.beginResetModel()
        self._entries, self._shown, self._folded = [], [], []
        self.token, self.loading = None, False
        self.number += 1
        self.state, self.error = state, ""
        self.endResetModel()
        self.listing_changed.emit()

    def canFetchMore(self, parent=QModelIndex()) -> bool:
        # not while filtering: a filter narrows what is listed, it does not read on and on
        return (not parent.isValid() and self.token is not None and not self.loading
                and not self._filter and self.state is Listing.READY)

    def fetchMore(self, parent=QModelIndex()) -> None:
        if self.canFetchMore(parent):
            self.loading = True
            self.listing_changed.emit()
            self.page_wanted.emit(self.number, self.prefix, self.token)

    def add_page(self, number: int, page) -> None:
        """A page of listing ``number`` arrived (core.remote.browse.listing.Page)."""
        if number != self.number:
            return                          # of a folder the user has left
        self.loading, self.token = False, page.token
        self.pages += 1
        folded = [e.name.casefold() for e in page.entries]
        fresh = [e for e, name in zip(page.entries, folded) if self._filter in name]
        self._entries.extend(page.entries)
        self._folded.extend(folded)
        if fresh:
            first = len(self._shown)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self._shown.extend(fresh)
            self.endInsertRows()
        self.state = Listing.READY if self._entries else Listing.EMPTY
        self.listing_changed.emit()

    def fail(self, number: int, code: str, message: str) -> None:
        if number != self.number:
            return
        self.loading = False
        self.error = message
        if not self._entries:       # a later page that fails keeps the rows listed so far
            self.state = Listing.DENIED if code == "AccessDenied" else Listing.ERROR
        self.listing_changed.emit()

    # -- filter ------------------------------------------------------------------------
    def set_filter(self, text: str) -> None:
        self.beginResetModel()
        self._filter = text.strip().casefold()
        wanted = self._filter
        self._shown = ([e for e, name in zip(self._entries, self._folded) if wanted in name]
                       if wanted else list(self._entries))
        self.endResetModel()
        self.listing_changed.emit()

    @property
    def filter(self) -> str:
        return self._filter

    # -- reads -------------------------------------------------------------------------
    @property
    def listed(self) -> int:
        """Entries listed so far (whatever the filter shows)."""
        return len(self._entries)

    def entry(self, row: int):
        return self._shown[row]

    def entries(self) -> list:
        return list(self._shown)

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return HEADERS[section]
        if orientation == Qt.Horizontal and role == Qt.TextAlignmentRole and section == SIZE:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        entry, column = self._shown[index.row()], index.column()
        if role == Qt.DisplayRole:
            return self._text(entry, column)
        if role == EntryRole:
            return entry
        if role == Qt.DecorationRole and column == NAME:
            return self._icons[0 if entry.is_folder else 1]
        if role == Qt.TextAlignmentRole and column == SIZE:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        if role == Qt.ToolTipRole:
            if entry.archived:
                return (f"{entry.key} is in {entry.storage_class}: restore it (Restore…) "
                        "before it can be downloaded.")
            return entry.key
        if role == Qt.ForegroundRole and column == STORAGE and entry.archived:
            return QColor("#8a5a00")
        return None

    @staticmethod
    def _text(entry, column: int) -> str:
        if column == NAME:
            return entry.name
        if entry.is_folder:
            return "Folder" if column == STORAGE else ""
        if column == SIZE:
            return format_size(entry.size)
        if column == MODIFIED:
            return _local(entry.modified)
        label = storage_label(entry.storage_class)
        return f"{label} · {RESTORE_FIRST}" if entry.archived else label


def _local(when: datetime | None) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M") if when else ""
