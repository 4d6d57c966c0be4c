"""The main window's widgets, built once: the queue table, the docks under it, the toolbars.

MainWindow (ui/window.py) calls these from its constructor and keeps the widgets
they make as its attributes; everything here is construction and wiring, none of
it state. The actions the toolbars hold call the window's own methods.
"""

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QFrame,
    QHeaderView,
    QLabel,
    QMenu,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QTabWidget,
    QToolBar,
    QToolButton,
    QWidget,
)

from hoist.ui.delegate import ElideDelegate, ProgressDelegate
from hoist.ui.details import DetailsPane
from hoist.ui.icons import icon
from hoist.ui.model import ETA, NAME, PROGRESS, SIZE, SPEED, STATUS
from hoist.ui.speed_graph import SpeedGraph

COLUMN_WIDTHS = {NAME: 210, SIZE: 80, PROGRESS: 140, SPEED: 90, ETA: 75, STATUS: 270}
CONTEXT_MENU = ("pause", "resume", "retry", "cancel", None, "copy_uri", "share", "show_in_folder",
                None,
                "remove", None, "pause_all", "resume_all", "clear_completed")


def make_view(window, model) -> QTableView:
    """The queue table; its right-click menu offers the window's queue actions."""
    view = QTableView(window)
    view.setModel(model)
    view.setItemDelegateForColumn(PROGRESS, ProgressDelegate(view))
    # A status is read from its start; names and keys keep both ends (the extension).
    view.setItemDelegateForColumn(STATUS, ElideDelegate(Qt.ElideRight, view))
    set_up_rows(view, COLUMN_WIDTHS)
    view.setContextMenuPolicy(Qt.CustomContextMenu)
    view.customContextMenuRequested.connect(lambda pos: _context_menu(window, pos))
    return view


def set_up_rows(view: QTableView, widths: dict[int, int]) -> None:
    """A table of rows as Hoist shows them (the transfers, the Bucket pane): whole rows
    selected, fixed row heights (100,000 rows stay cheap), long names kept at both ends."""
    view.setSelectionBehavior(QAbstractItemView.SelectRows)
    view.setSelectionMode(QAbstractItemView.ExtendedSelection)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.ElideMiddle)       # keeps both ends of long names and keys
    rows = view.verticalHeader()
    rows.hide()
    rows.setSectionResizeMode(QHeaderView.Fixed)
    rows.setDefaultSectionSize(max(view.fontMetrics().height() + 10, 26))
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setStretchLastSection(True)
    header.setDefaultAlignment(Qt.AlignLeft | Qt.AlignVCenter)
    for column, width in widths.items():
        view.setColumnWidth(column, width)


def _context_menu(window, pos) -> None:
    menu = QMenu(window)
    menu.setAttribute(Qt.WA_DeleteOnClose)
    for name in CONTEXT_MENU:
        menu.addSeparator() if name is None else menu.addAction(getattr(window.queue_actions, name))
    menu.popup(window.view.viewport().mapToGlobal(pos))


def make_tabs(window) -> QTabWidget:
    """Transfers (the queue, or the empty state) and Bucket (ui/bucket/pane.py): sets
    ``tabs`` and ``bucket_pane`` on ``window``; files dropped on the pane go up into its folder
    (their rows appear under Transfers; the pane lists its folder again as they complete)."""
    from hoist.ui.bucket.pane import BucketPane
    tabs = window.tabs = QTabWidget(window, documentMode=True)
    tabs.addTab(window.stack, icon("hoist"), "Transfers")
    window.bucket_pane = BucketPane(window, tabs)
    window.bucket_pane.upload.connect(window.add_paths)
    tabs.addTab(window.bucket_pane, icon("folder"), "Bucket")
    return tabs


def make_docks(window) -> None:
    """The Speed and Details tabs under the table: ``speed_graph``, ``speed_dock``,
    ``details``, ``details_dock`` and ``speed_action`` (Ctrl+G) on ``window``. The graph
    samples the model once a second and repaints only itself."""
    model, view = window.model, window.view
    window.speed_graph = graph = SpeedGraph(lambda: model.summary().rate,
                                            lambda: _selected_speed(graph, view, model),
                                            lambda: window.manager.config.bandwidth_limit, window)
    dock = QDockWidget("Speed", window, objectName="speedDock")
    dock.setFeatures(QDockWidget.DockWidgetClosable | QDockWidget.DockWidgetMovable)
    dock.setWidget(graph)
    window.addDockWidget(Qt.BottomDockWidgetArea, dock)
    window.speed_dock = dock
    window.details = DetailsPane(view, model, window)
    details = QDockWidget("Details", window, objectName="detailsDock")
    details.setFeatures(QDockWidget.DockWidgetClosable | QDockWidget.DockWidgetMovable)
    scroll = QScrollArea(details, widgetResizable=True, frameShape=QFrame.NoFrame)
    scroll.setWidget(window.details)     # its rows never make the dock taller than the graph
    details.setWidget(scroll)
    window.addDockWidget(Qt.BottomDockWidgetArea, details)
    window.tabifyDockWidget(dock, details)        # one tab each under the queue
    dock.raise_()
    window.resizeDocks([dock], [170], Qt.Vertical)   # the queue keeps most of the height
    window.details_dock = details
    view.doubleClicked.connect(lambda _index: (details.show(), details.raise_()))
    window.speed_action = dock.toggleViewAction()
    window.speed_action.setText("Speed graph")
    window.speed_action.setShortcut(QKeySequence("Ctrl+G"))


def _selected_speed(graph, view, model) -> float | None:
    """The one selected row's speed for the graph (and its name for the legend), else None."""
    rows = view.selectionModel().selectedRows()
    if len(rows) != 1:
        graph.selected_name = ""
        return None
    info = model.info_at(rows[0].row())
    graph.selected_name = info.name
    return info.speed


def make_toolbars(window) -> None:
    """The queue's toolbar and, under it, the destination bar: sets ``add_files_action``,
    ``add_folder_action``, ``accounts_action``, ``incomplete_action``,
    ``preferences_action``, ``quit_action`` and ``destination_combo`` on ``window``."""
    a = window.queue_actions
    window.add_files_action = action(window, "Add files…", "add-file", window.choose_files,
                                     "Ctrl+O")
    window.add_folder_action = action(window, "Add folder…", "add-folder", window.choose_folder,
                                      "Ctrl+Shift+O")
    window.accounts_action = action(window, "Accounts…", "account", window.edit_accounts)
    window.preferences_action = action(window, "Preferences…", "settings",
                                       window.edit_preferences, "Ctrl+,")
    window.quit_action = action(window, "Quit", "cancel", window.quit, "Ctrl+Q")
    window.addAction(window.quit_action)
    bar = QToolBar("Uploads", window, movable=False, objectName="mainToolbar")
    bar.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
    for item in (window.add_files_action, window.add_folder_action, None, a.pause, a.resume,
                 a.cancel, a.retry, a.remove, None, a.pause_all, a.resume_all,
                 a.clear_completed):
        bar.addSeparator() if item is None else bar.addAction(item)
    window.addToolBar(bar)
    place = QToolBar("Destination", window, movable=False, objectName="destinationToolbar")
    place.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
    place.addWidget(QLabel(" Upload to: ", place))
    combo = window.destination_combo = QComboBox(place, minimumContentsLength=28)
    combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
    combo.setPlaceholderText("No account yet")
    combo.currentIndexChanged.connect(window._on_destination_changed)
    place.addWidget(combo)
    spacer = QWidget(place)
    spacer.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
    place.addWidget(spacer)
    place.addAction(window.speed_action)
    place.addAction(window.accounts_action)
    # Accounts is a split button: click for the accounts, its arrow for the uploads left there
    window.incomplete_action = action(window, "Incomplete uploads on the server…", "clear",
                                      window.show_incomplete)
    accounts_menu = QMenu(window)
    accounts_menu.addAction(QAction("Accounts…", window, triggered=window.edit_accounts))
    accounts_menu.addAction(window.incomplete_action)
    window.watch_action = action(window, "Watch folders…", "add-folder", window.watch_folders)
    accounts_menu.addAction(window.watch_action)
    window.accounts_action.setMenu(accounts_menu)
    place.widgetForAction(window.accounts_action).setPopupMode(QToolButton.MenuButtonPopup)
    place.addAction(window.preferences_action)
    window.addToolBarBreak()
    window.addToolBar(place)
    window.empty.add_files.connect(window.choose_files)
    window.empty.add_folder.connect(window.choose_folder)
    window.empty.accounts.connect(window.edit_accounts)


def action(parent, text: str, icon_name: str, slot, shortcut: str | None = None) -> QAction:
    """A QAction with an icon and an optional shortcut that calls ``slot()`` with no arguments."""
    made = QAction(icon(icon_name), text, parent)
    if shortcut:
        made.setShortcut(QKeySequence(shortcut))
    made.triggered.connect(lambda _checked=False: slot())
    return made
