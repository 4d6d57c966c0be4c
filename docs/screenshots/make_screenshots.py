#!/usr/bin/env python3
"""Regenerate the window's screenshots: empty.png, uploading.png, failed.png, speed-graph.png, details.png, bucket*.png.

    .venv/bin/python docs/screenshots/make_screenshots.py [--out docs/screenshots] [--only bucket]

The Bucket pane's (``--only bucket`` makes only these): bucket.png (a folder
listed), bucket-empty.png, bucket-loading.png and bucket-denied.png.

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", choices=("window", "bucket"),
                        help="make only the queue's screenshots, or only the Bucket pane's")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="hoist-shots-"))
    os.environ["HOIST_DATA_DIR"] = str(work / "data")

    from PySide6.QtWidgets import QApplication

    from hoist.core.checkpoint.states import TaskState
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
    window.move(120, 120)         # away from the offscreen cursor at (10, 10): no hover highlight
    window.show()
    try:
        if args.only != "window":
            bucket_shots(window, args.out)
            window.tabs.setCurrentIndex(0)
        if args.only == "bucket":
            return 0
        settle(window)
        window.grab().save(str(args.out / "empty.png"))

        paths = [write_file(work / "src" / name, size) for name, size in FILES]
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
        window.grab().save(str(args.out / "uploading.png"))

        # A source that disappears mid-upload fails its row; the others carry on.
        victim = next(i for i in model.infos() if i.name == "contract-signed.pdf")
        Path(victim.source_path).unlink()
        wait_until(lambda: model.info(victim.id).state is TaskState.FAILED, timeout=60)
        window.view.selectRow(model.row_of(victim.id))
        settle(window)
        window.grab().save(str(args.out / "failed.png"))
        window.details_dock.raise_()
        settle(window)
        window.details_dock.grab().save(str(args.out / "details.png"))
        window.speed_dock.raise_()

        # The speed graph after some seconds more of samples, one uploading row selected.
        busy = next(i for i in model.infos() if i.state is TaskState.UPLOADING)
        window.view.selectRow(model.row_of(busy.id))
        spin(8_000)
        window.speed_dock.grab().save(str(args.out / "speed-graph.png"))
    finally:
        session.manager.pause_all()
        session.close()
    for name in ("empty.png", "uploading.png", "speed-graph.png", "failed.png", "details.png"):
        print(args.out / name)
    for name in ("bucket.png", "bucket-empty.png", "bucket-loading.png", "bucket-denied.png"):
        print(args.out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
