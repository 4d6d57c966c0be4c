"""The Bucket pane against moto over HTTP, listing through the window's engine process.

The window is shared by the module (conftest.py); "Big" holds 100,000 keys at its
root, each "small" bucket a handful of objects and folders.
"""

import urllib.request

from PySide6.QtCore import QEventLoop, QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from hoist.ui.bucket.model import SIZE, STORAGE, Listing
from support.moto_fill import fill


def spin(ms: int) -> None:
    """Run the event loop for ``ms``: only to prove that nothing more happens."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_listed(pane, qtbot, timeout=15_000):
    qtbot.waitUntil(lambda: pane.model.state is not Listing.LOADING and not pane.model.loading,
                    timeout=timeout)


def select(pane, *keys):
    view, model = pane.pane.view, pane.model
    view.clearSelection()
    flags = view.selectionModel().SelectionFlag
    for row, entry in enumerate(model.entries()):
        if entry.key in keys:
            view.selectionModel().select(model.index(row, 0), flags.Select | flags.Rows)


def test_opening_a_folder_of_100000_keys_lists_only_what_is_shown(pane, qtbot, s3_server):
    s3_server.reset()
    pane.use("Big")
    pane.pane.refresh()
    wait_listed(pane, qtbot)
    spin(300)                       # proves that no further page is asked for unseen rows
    model = pane.model
    assert model.state is Listing.READY and model.rowCount() == 1000 and model.pages == 1
    assert s3_server.count("ListObjects", pane.big) <= model.pages + 1
    assert model.token is not None and model.canFetchMore()
    assert "1,000 items · more as you scroll" == pane.pane.count_label.text()
    assert model.index(0, SIZE).data() == "1.2 KiB"
    assert model.index(0, STORAGE).data() == "Standard"
    pane.pane.view.scrollToBottom()             # the next page only when the view gets there
    qtbot.waitUntil(lambda: model.pages == 2 and not model.loading, timeout=15_000)
    assert model.rowCount() == 2000 and model.entry(1999).key == "IMG_001999.jpg"
    assert s3_server.count("ListObjects", pane.big) <= model.pages + 1
    assert pane.big_keys > model.listed       # held: only what was fetched


def test_filter_narrows_what_is_listed_and_reads_no_further(pane, qtbot, s3_server):
    pane.use("Big")
    pane.pane.refresh()
    wait_listed(pane, qtbot)
    s3_server.reset()
    pane.pane.filter.setText("img_00099")
    assert pane.rows() == [f"IMG_{n:06}.jpg" for n in range(990, 1000)]
    assert pane.pane.count_label.text() == \
        "10 of 1,000 listed match · clear the filter to list more"
    assert not pane.model.canFetchMore()
    pane.pane.view.scrollToBottom()
    spin(200)
    assert s3_server.count("ListObjects", pane.big) == 0
    pane.pane.filter.clear()
    assert pane.model.rowCount() == 1000


def test_navigate_into_a_folder_back_and_up(pane, small, qtbot):
    wait_listed(pane, qtbot)
    p = pane.pane
    assert pane.rows() == ["cold/", "docs/", "photos/", "readme.txt"]
    docs = pane.model.index(pane.rows().index("docs/"), 0)
    p.view.activated.emit(docs)
    wait_listed(pane, qtbot)
    assert pane.rows() == ["docs/inner/", "docs/guide.pdf"]
    assert p.path.text() == f"s3://{small}/docs/"
    p.go("docs/inner/")
    wait_listed(pane, qtbot)
    assert pane.rows() == ["docs/inner/deep.txt"]
    p.back()
    wait_listed(pane, qtbot)
    assert pane.model.prefix == "docs/"
    p.view.setFocus()
    QTest.keyClick(p.view, Qt.Key_Backspace)                  # up, from the keyboard
    wait_listed(pane, qtbot)
    assert pane.model.prefix == "" and "readme.txt" in pane.rows()
    assert not p.up_button.isEnabled()
    p.path.setText(f"s3://{small}/photos")
    p.path.returnPressed.emit()
    wait_listed(pane, qtbot)
    assert pane.rows() == ["photos/a.jpg"]


def test_copy_s3_uri_and_a_share_link_that_downloads(pane, small, qtbot):
    wait_listed(pane, qtbot)
    select(pane, "readme.txt", "docs/")
    actions = pane.pane.actions
    assert actions.copy_uri.isEnabled() and not actions.share.isEnabled()
    actions.copy_uri.trigger()
    assert QGuiApplication.clipboard().text() == f"s3://{small}/docs/\ns3://{small}/readme.txt"
    select(pane, "readme.txt")
    assert actions.share.isEnabled()
    QGuiApplication.clipboard().clear()
    actions.share_choices["1 day"].trigger()
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text().startswith("http"), timeout=10_000)
    with urllib.request.urlopen(QGuiApplication.clipboard().text(), timeout=10) as answer:
        assert answer.read() == b"hello, bucket"
    assert "Share link copied: it works for 1 d" in pane.window.statusBar().currentMessage()


def test_scroll_to_the_end_then_delete_in_batches_of_1000(pane, small, qtbot, s3_server, s3):
    fill(s3, small, (f"many/{n:05}.bin" for n in range(2500)), body=b"z" * 2048)
    p = pane.pane
    p.go("many/")
    wait_listed(pane, qtbot)
    s3_server.reset()
    while pane.model.token is not None:                # lazily, a page as the view gets there
        p.view.scrollToBottom()
        qtbot.waitUntil(lambda: not pane.model.loading, timeout=15_000)
    assert pane.model.rowCount() == 2500 and pane.model.pages == 3
    assert s3_server.count("ListObjects", small) == 2
    p.view.selectAll()
    assert p.actions.delete.isEnabled()
    pane.answer = False                            # asked once; "Keep" deletes nothing
    p.actions.delete.trigger()
    assert pane.questions == [("Delete from the bucket?", f"Delete 2,500 objects (4.9 MiB in "
                               f"all) from s3://{small}/many/? This cannot be undone (unless "
                               "the bucket keeps versions).")]
    assert s3_server.count("DeleteObjects", small) == 0
    pane.answer = True
    p.actions.delete.trigger()
    qtbot.waitUntil(lambda: pane.model.state is Listing.EMPTY, timeout=15_000)
    assert s3_server.count("DeleteObjects", small) == 3
    assert s3.list_objects_v2(Bucket=small, Prefix="many/")["KeyCount"] == 0
    assert "Deleted 2,500 objects." == pane.window.statusBar().currentMessage()
    assert p.state_page.title.text() == "This folder is empty"      # and the pane says so


def test_restore_a_glacier_object_and_refusal_of_a_standard_one(pane, small, qtbot, s3_server,
                                                               monkeypatch):
    from hoist.ui.bucket.restore_dialog import RestoreDialog
    p = pane.pane
    p.go("cold/")
    wait_listed(pane, qtbot)
    assert pane.model.index(0, STORAGE).data() == \
        "Glacier Flexible Retrieval · restore before download"
    assert "restore it" in pane.model.index(0, 0).data(Qt.ToolTipRole)
    select(pane, "cold/archive.bin")
    assert p.actions.restore.isEnabled() and not p.actions.share.isEnabled()

    def accept(dialog):
        dialog.days_box.setValue(3)
        dialog.tier_box.setCurrentIndex(dialog.tier_box.findData("Bulk"))
        return RestoreDialog.Accepted
    monkeypatch.setattr(RestoreDialog, "exec", accept)
    p.actions.restore.trigger()
    status = pane.window.statusBar()
    qtbot.waitUntil(lambda: "restore requested" in status.currentMessage(), timeout=10_000)
    assert status.currentMessage() == "cold/archive.bin: restore requested (Bulk, 3 days)"
    assert s3_server.count("RestoreObject", small) == 1
    p.actions.request_restore(["readme.txt"], 1, "Standard")       # moto: InvalidObjectState
    qtbot.waitUntil(lambda: "no restore needed" in status.currentMessage(), timeout=10_000)


def test_states_loading_denied_no_account(pane, small, qtbot, s3_server):
    p = pane.pane
    wait_listed(pane, qtbot)
    release = s3_server.stall_next("ListObjects")
    p.refresh()
    qtbot.waitUntil(s3_server.holding.is_set, timeout=5000)
    assert p.stack.currentWidget() is p.state_page and p.state_page.title.text() == "Listing…"
    release.set()
    wait_listed(pane, qtbot)
    assert p.stack.currentWidget() is p.view
    s3_server.fail_next("ListObjects", 403, "AccessDenied")
    p.refresh()
    wait_listed(pane, qtbot)
    assert pane.model.state is Listing.DENIED
    assert p.state_page.title.text() == "This account may not list the bucket"
    assert "s3:ListBucket" in p.state_page.text.text()
    p.set_account(None)
    assert p.state_page.title.text() == "No bucket chosen"
    assert not p.refresh_button.isEnabled()


def test_a_drop_on_a_folder_row_uploads_into_that_folder(pane, small, qtbot, make_file, s3):
    wait_listed(pane, qtbot)
    p = pane.pane
    path = make_file("dropped.txt", 321)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    at = p.view.visualRect(pane.model.index(pane.rows().index("photos/"), 0)).center()
    enter = QDragEnterEvent(at, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(p.view.viewport(), enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(at), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(p.view.viewport(), drop)
    assert drop.isAccepted()

    def landed():
        found = s3.list_objects_v2(Bucket=small, Prefix="photos/dropped.txt")
        return found["KeyCount"] == 1
    qtbot.waitUntil(landed, timeout=20_000)
    assert s3.get_object(Bucket=small, Key="photos/dropped.txt")["Body"].read() == \
        path.read_bytes()
    # below the rows: into the folder shown, which is listed again once the file has landed
    here = make_file("here.txt", 12)
    mime.setUrls([QUrl.fromLocalFile(str(here))])
    below = p.view.viewport().rect().bottomLeft() + QPoint(20, -5)
    QApplication.sendEvent(p.view.viewport(), QDragEnterEvent(below, Qt.CopyAction, mime,
                                                               Qt.LeftButton, Qt.NoModifier))
    QApplication.sendEvent(p.view.viewport(), QDropEvent(QPointF(below), Qt.CopyAction, mime,
                                                          Qt.LeftButton, Qt.NoModifier))
    qtbot.waitUntil(lambda: "here.txt" in pane.rows(), timeout=20_000)


def test_download_to_a_folder_queues_rows_that_complete_with_identical_files(
        pane, small, qtbot, tmp_path, s3):
    from hoist.core.checkpoint.states import TaskState
    p, window = pane.pane, pane.window
    wait_listed(pane, qtbot)
    target = tmp_path / "downloads"
    target.mkdir()
    (target / "readme.txt").write_bytes(b"an older, different file")
    asked = []
    p.actions.ask_folder = lambda: str(target)
    p.actions.ask_existing = lambda paths: asked.append(paths) or "keep-both"
    select(pane, "readme.txt", "docs/", "cold/")
    cold = pane.model.index(pane.rows().index("cold/"), 0)
    p.view.activated.emit(cold)
    wait_listed(pane, qtbot)
    select(pane, "cold/archive.bin")
    assert not p.actions.download.isEnabled()          # archived: restore first
    p.back()
    wait_listed(pane, qtbot)
    select(pane, "readme.txt", "docs/")
    before = {i.id for i in window.model.infos()}
    p.actions.download.trigger()

    def downloads():
        return [i for i in window.model.infos() if i.id not in before]
    qtbot.waitUntil(lambda: len(downloads()) == 3 and all(
        i.state is TaskState.COMPLETED for i in downloads()), timeout=30_000)
    assert asked == [[str(target / "readme.txt")]]        # asked once, for the one that differs
    assert {i.direction for i in downloads()} == {"download"}
    row = window.model.row_of(downloads()[0].id)
    assert window.model.index(row, 0).data().startswith("↓ ")
    assert (target / "readme (1).txt").read_bytes() == b"hello, bucket"
    assert (target / "readme.txt").read_bytes() == b"an older, different file"
    for key in ("docs/guide.pdf", "docs/inner/deep.txt"):
        landed = next(target.rglob(key.rsplit("/", 1)[1]))
        assert landed.read_bytes() == s3.get_object(Bucket=small, Key=key)["Body"].read()
    assert "Queued 3 downloads" in window.statusBar().currentMessage()
