#!/usr/bin/env python3
"""Regenerate the window's screenshots: the queue's, the Bucket pane's, the watch folders'.

    .venv/bin/python docs/screenshots/make_screenshots.py [--out docs/screenshots]
                     [--only window|bucket|watch]

The queue's (``--only window``): empty.png, uploading.png, failed.png, details.png,
speed-graph.png, then transfers-downloads.png (downloads beside the uploads, one
finished and one on the way) and details-download.png.
The Bucket pane's (``--only bucket``): bucket.png (a folder listed), bucket-empty.png,
bucket-loading.png and bucket-denied.png.
The watch folders' (``--only watch``): watch-folders.png (the Watch folders dialog,
its watches in three states) and watch-edit.png (one of them being edited).

Runs offscreen against the embedded demo server (moto) in a throw-away data
directory, with a bandwidth limit so that five uploads are caught in flight.
Needs a font (Debian: fonts-dejavu-core, which packaging/install.sh installs);
without one Qt draws every letter as a box.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "app"))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

MiB = 1024 * 1024
FILES = [("Holiday 2025 — Lisbon.mov", 48), ("interview-raw-cam-A.mp4", 64),
         ("project-backup-2026-03.tar.zst", 80), ("scans/contract-signed.pdf", 24),
         ("photos-export.zip", 56)]


def spin(ms: int) -> None:
    """Run the event loop for ``ms``. (QTest.qWait holds the GIL in PySide, starving the
    engine's threads; QEventLoop.exec releases it, as the real application does.)"""
    from PySide6.QtCore import QEventLoop, QTimer
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(condition, timeout=30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the state to photograph")
        spin(50)


def settle(window) -> None:
    spin(300)                     # one engine tick and the status bar's refresh
    window.repaint()


def write_file(path: Path, size_mib: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    block = os.urandom(MiB)
    with open(path, "wb") as f:
        for _ in range(size_mib):
            f.write(block)
    return path


def use_memory_keyring() -> None:
    """Photograph the usual desktop, which has a keyring, without touching the real one.
    (With none, the window would look the same: the demo keeps no secret of the user's.)"""
    import keyring

    from support.memory_keyring import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())


BUCKET = [("Backups/", 0, ""), ("Photos/", 0, ""), ("Projects/", 0, ""),
          ("Holiday 2025 — Lisbon.mov", 23_500_000, "STANDARD"),
          ("archive-2019.tar.zst", 9_400_000, "DEEP_ARCHIVE"),
          ("contract-signed.pdf", 312_000, "STANDARD"),
          ("interview-raw-cam-A.mp4", 17_800_000, "STANDARD_IA"),
          ("tax-return-2023.pdf", 1_250_000, "GLACIER"),
          ("notes.md", 4_200, "STANDARD")]


def bucket_shots(window, out: Path) -> None:
    """The Bucket pane: a folder of the demo bucket, an empty one, one being listed, and one
    the account may not list."""
    from hoist.core.remote.browse.listing import list_denied
    from hoist.ui.bucket.model import Listing

    account = window.current_account()
    client = window.clients.bucket(account.destination()).client()
    for name, size, storage in BUCKET:
        key = name + "keep" if name.endswith("/") else name
        client.put_object(Bucket=account.bucket, Key=key, Body=os.urandom(size) if size else b"",
                          StorageClass=storage or "STANDARD")
    pane = window.bucket_pane
    window.tabs.setCurrentWidget(pane)
    wait_until(lambda: pane.model.state is Listing.READY and not pane.model.loading)
    pane.view.selectRow(3)
    settle(window)
    window.grab().save(str(out / "bucket.png"))
    pane.go("Drafts/")
    wait_until(lambda: pane.model.state is Listing.EMPTY)
    settle(window)
    window.grab().save(str(out / "bucket-empty.png"))
    pane.back()
    # Grabbed before the event loop runs again: the answer cannot have been handed over yet.
    window.repaint()
    window.grab().save(str(out / "bucket-loading.png"))
    wait_until(lambda: pane.model.state is Listing.READY and not pane.model.loading)
    # The demo server lets every account list; the refusal is shown as the engine's
    # answer would be (tests/ui/bucket/test_bucket_pane.py gets it from a real 403).
    pane.model.clear(Listing.DENIED)
    pane.model.error = list_denied(account.bucket)
    pane.model.listing_changed.emit()
    settle(window)
    window.grab().save(str(out / "bucket-denied.png"))
    pane.refresh()
    wait_until(lambda: pane.model.state is Listing.READY and not pane.model.loading)


def download_shots(window, out: Path) -> None:
    """Two downloads beside the uploads: a small one finished (its row says how it was proved)
    and a big one on the way, selected, with its Details, while one more upload goes up."""
    from hoist.core.checkpoint.states import TaskState

    account = window.current_account()
    client = window.clients.bucket(account.destination()).client()
    for key, size in (("Footage/cam-B-2026-11.mov", 160), ("Footage/shot-list.pdf", 1)):
        client.put_object(Bucket=account.bucket, Key=key, Body=os.urandom(size * MiB))
    model, manager = window.model, window.manager
    target = Path.home() / "Downloads"
    target.mkdir()
    small = manager.add_downloads(account.destination(), account.bucket,
                                  ["Footage/shot-list.pdf"], str(target))
    wait_until(lambda: model.row_of(small[0]) is not None
               and model.info(small[0]).state is TaskState.COMPLETED, timeout=60)
    big = manager.add_downloads(account.destination(), account.bucket,
                                ["Footage/cam-B-2026-11.mov"], str(target))
    window.add_paths([str(write_file(Path.home() / "Videos" / "render-final-v3.mov", 96))])
    wait_until(lambda: any(i.name == "render-final-v3.mov" and i.state is TaskState.UPLOADING
                           and i.bytes_done > 0 for i in model.infos()), timeout=60)
    wait_until(lambda: model.row_of(big[0]) is not None
               and model.info(big[0]).state is TaskState.UPLOADING
               and model.info(big[0]).speed > 0, timeout=60)
    wait_until(lambda: model.info(big[0]).fraction > 0.1, timeout=60)
    window.view.selectRow(model.row_of(big[0]))
    window.details_dock.raise_()
    settle(window)
    spin(600)                     # the Details pane refreshes twice a second
    window.grab().save(str(out / "transfers-downloads.png"))
    window.details_dock.grab().save(str(out / "details-download.png"))
    window.speed_dock.raise_()


def watch_shots(window, out: Path) -> None:
    """The Watch folders dialog with three watches: one watching (it has sent a file), one
    settling three files just dropped, one whose folder is gone; then one being edited."""
    from PySide6.QtWidgets import QDialogButtonBox

    from hoist.core.checkpoint.watches import Watch
    from hoist.ui.dialogs.watch_edit import WatchEditDialog

    account = window.current_account()
    destination = account.destination()
    manager = window.manager
    folders = {name: Path.home() / name for name in ("Photos", "Scans", "NAS share")}
    for folder in folders.values():
        folder.mkdir(parents=True)
    photos = manager.save_watch(Watch(str(folders["Photos"]), account.bucket, prefix="laptop/",
                                      settle=0.3).with_destination(destination))
    (folders["Photos"] / "IMG_2041.jpg").write_bytes(os.urandom(300_000))
    wait_until(lambda: any(i.watch.id == photos.watch.id and i.watch.last_upload
                           for i in manager.watches()), timeout=60)
    scans = manager.save_watch(Watch(str(folders["Scans"]), account.bucket, prefix="laptop/",
                                     settle=60, rules=(("exclude", "**/*.tmp"),))
                               .with_destination(destination))
    for name in ("invoice-0193.pdf", "invoice-0194.pdf", "receipt-march.pdf"):
        (folders["Scans"] / name).write_bytes(os.urandom(40_000))
    manager.save_watch(Watch(str(folders["NAS share"]), account.bucket, prefix="nas/",
                             delete=True).with_destination(destination))
    folders["NAS share"].rmdir()                         # unmounted, say
    wait_until(lambda: sorted(i.state for i in manager.watches())
               == ["folder missing", "settling", "watching"], timeout=60)
    dialog = window.watch_folders()
    wait_until(lambda: dialog.model.rowCount() == 3)
    dialog.view.selectRow(1)
    spin(300)
    dialog.grab().save(str(out / "watch-folders.png"))
    editor = WatchEditDialog(manager, window.accounts(), scans.watch, dialog)
    editor.show()
    # focus on OK, as after a click: no text caret in the first box
    editor.findChild(QDialogButtonBox).button(QDialogButtonBox.Ok).setFocus()
    spin(300)
    editor.grab().save(str(out / "watch-edit.png"))
    editor.close()
    dialog.close()


def queue_shots(window, out: Path) -> None:
    """The Transfers tab: empty, five uploads in flight, one failed, its Details, the speed
    graph, then downloads beside the uploads."""
    from hoist.core.checkpoint.states import TaskState

    settle(window)
    window.grab().save(str(out / "empty.png"))

    paths = [write_file(Path.home() / "Videos" / name, size) for name, size in FILES]
    # object defaults of the demo account, for the Details pane's Object row
    window.current_account().objects = {"cache_control": "private, max-age=600",
                                        "tags": {"project": "contracts"}}
    window.add_paths([str(p) for p in paths])
    model = window.model
    wait_until(lambda: model.rowCount() == len(FILES))
    wait_until(lambda: all(i.state is TaskState.UPLOADING and i.speed > 0 and i.bytes_done > 0
                           for i in model.infos()))
    wait_until(lambda: min(i.fraction for i in model.infos()) > 0.06, timeout=60)
    window.view.selectRow(1)
    settle(window)
    window.grab().save(str(out / "uploading.png"))

    # A source that disappears mid-upload fails its row; the others carry on.
    victim = next(i for i in model.infos() if i.name == "contract-signed.pdf")
    Path(victim.source_path).unlink()
    wait_until(lambda: model.info(victim.id).state is TaskState.FAILED, timeout=60)
    window.view.selectRow(model.row_of(victim.id))
    settle(window)
    window.grab().save(str(out / "failed.png"))
    window.details_dock.raise_()
    settle(window)
    window.details_dock.grab().save(str(out / "details.png"))
    window.speed_dock.raise_()

    # The speed graph after some seconds more of samples, one uploading row selected.
    busy = next(i for i in model.infos() if i.state is TaskState.UPLOADING)
    window.view.selectRow(model.row_of(busy.id))
    spin(8_000)
    window.speed_dock.grab().save(str(out / "speed-graph.png"))
    download_shots(window, out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", choices=("window", "bucket", "watch"),
                        help="make only the queue's screenshots, the Bucket pane's or the "
                             "watch folders'")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="hoist-shots-"))
    os.environ["HOIST_DATA_DIR"] = str(work / "data")
    # a home of its own, so that the pictures show folders under it as ~/Downloads, ~/Photos
    os.environ["HOME"] = str(work / "home")
    (work / "home").mkdir()

    from PySide6.QtWidgets import QApplication

    from hoist.core.settings.config import TransferConfig
    from hoist.ui.icons import icon
    from hoist.ui.main import Session

    use_memory_keyring()
    app = QApplication(["hoist"])
    app.setWindowIcon(icon("hoist"))
    config = TransferConfig(part_size=8 * MiB, files_at_once=5, parts_per_file=2, parts_total=10,
                            bandwidth_limit=12 * MiB)
    session = Session(work / "data", demo=True, config=config)
    window = session.window
    window.confirm = lambda *_args: True
    # the Bucket pane's pictures put some of the same names in the bucket: send them again
    window.ask_existing = lambda _key, _remaining: ("overwrite", True)
    window.move(120, 120)         # away from the offscreen cursor at (10, 10): no hover highlight
    window.show()
    try:
        if args.only in (None, "bucket"):
            bucket_shots(window, args.out)
            window.tabs.setCurrentIndex(0)
        if args.only in (None, "window"):
            queue_shots(window, args.out)
        if args.only in (None, "watch"):        # last: a watch's upload is a row of the queue
            watch_shots(window, args.out)
    finally:
        session.manager.pause_all()
        session.close()
    for name in sorted(p.name for p in args.out.glob("*.png")):
        print(args.out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
