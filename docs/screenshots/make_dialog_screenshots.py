#!/usr/bin/env python3
"""Regenerate the dialogs' screenshots: account-dialog.png, account-dialog-key.png,
account-objects.png,
preferences.png, preferences-schedule.png, existing.png, incomplete-uploads.png.

    .venv/bin/python docs/screenshots/make_dialog_screenshots.py [--out docs/screenshots]

Runs offscreen against the embedded demo server (moto), so "Test connection"
really connects. Nothing touches the real keyring or ~/.aws: a throw-away AWS
config lists two profiles and secrets stay in memory. Needs a font (Debian:
fonts-dejavu-core); without one Qt draws every letter as a box.
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


def _spin(ms: int) -> None:
    """Run the event loop (QEventLoop.exec releases the GIL, so worker threads progress)."""
    from PySide6.QtCore import QEventLoop, QTimer
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the dialog did not reach the state to photograph")
        _spin(50)


def _use_memory_keyring(persistent: bool) -> None:
    """An in-memory keyring (persistent=True), or none at all, as on a bare server."""
    import keyring
    from keyring.backends import fail

    from support.memory_keyring import MemoryKeyring

    keyring.set_keyring(MemoryKeyring() if persistent else fail.Keyring())


def _photograph(widget, path: Path) -> Path:
    widget.show()
    _spin(150)
    widget.grab().save(str(path))
    return path


def _incomplete_uploads(out: Path, server, demo) -> Path:
    """Three uploads left on the demo server, one of them owned by a row in the queue."""
    import boto3

    from hoist.core.remote.s3 import S3Clients
    from hoist.ui.dialogs.incomplete import IncompleteUploadsDialog

    s3 = boto3.client("s3", endpoint_url=server.endpoint_url, region_name="us-east-1")
    ids = {}
    for key, parts in (("videos/2026/wedding-cam-B.mov", 3), ("backups/nas-2026-10.tar", 2),
                       ("scans/archive.zip", 1)):
        upload = s3.create_multipart_upload(Bucket=demo.bucket, Key=key)["UploadId"]
        for number in range(1, parts + 1):
            s3.upload_part(Bucket=demo.bucket, Key=key, UploadId=upload, PartNumber=number,
                           Body=os.urandom(5 * 1024 * 1024))
        ids[key] = upload

    class Engine:              # the parts of UploadManager the dialog uses
        def register_destination(self, _destination):
            pass

        def upload_owners(self, _bucket):
            return {ids["backups/nas-2026-10.tar"]: 12}

    dialog = IncompleteUploadsDialog([demo], S3Clients(secrets=server.secrets(None)), Engine())
    dialog.show()
    _wait_until(lambda: dialog._job is None and dialog.model.rowCount() == 3)
    dialog.view.selectRow(0)
    path = _photograph(dialog, out / "incomplete-uploads.png")
    dialog.close()
    return path


def make_dialog_screenshots(out: Path) -> list[Path]:
    """Render each dialog offscreen in a realistic state and save it under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="hoist-dialog-shots-"))
    (work / "aws-config").write_text("[default]\nregion = eu-west-1\n\n"
                                     "[profile work]\nregion = eu-central-1\n\n"
                                     "[profile archive]\nregion = us-east-1\n")
    os.environ["AWS_CONFIG_FILE"] = str(work / "aws-config")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(work / "no-credentials")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "screenshot")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "screenshot-secret")

    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QApplication, QDialogButtonBox

    from hoist.core.policy.planner import MiB
    from hoist.core.settings.accounts import Account, AccountBook
    from hoist.core.settings.preferences import Preferences
    from hoist.core.settings.secrets import SecretStore
    from hoist.demo import DemoServer
    from hoist.ui.dialogs.accounts import AccountDialog
    from hoist.ui.dialogs.existing import ExistingObjectDialog
    from hoist.ui.dialogs.preferences import PreferencesDialog
    from hoist.ui.icons import icon

    app = QApplication.instance() or QApplication(["hoist"])
    app.setWindowIcon(icon("hoist"))
    server = DemoServer()
    demo = server.start()
    saved: list[Path] = []
    try:
        # 1. The usual desktop (a keyring): the demo account, tested, connected.
        _use_memory_keyring(persistent=True)
        book = AccountBook(work / "accounts.json", [
            demo,
            Account("AWS backups", region="eu-west-1", bucket="acme-backups", prefix="laptop/",
                    profile="work")])
        dialog = AccountDialog(book, server.secrets(SecretStore()))
        dialog.show()
        dialog.test_connection()
        _wait_until(dialog.test_button.isEnabled)
        saved.append(_photograph(dialog, out / "account-dialog.png"))
        dialog.close()

        # 1b. An account's New objects tab: what its uploads look like.
        book = AccountBook(work / "accounts-objects.json", [
            Account("Web assets", region="eu-west-1", bucket="acme-www", profile="work",
                    objects={"cache_control": "public, max-age=86400",
                             "metadata": {"built-by": "ci", "release": "2026.4"},
                             "tags": {"team": "web", "retain": "90d"},
                             "storage_class": "INTELLIGENT_TIERING", "sse": "aws:kms",
                             "sse_kms_key_id": "alias/acme-www", "bucket_key_enabled": True,
                             "acl": "bucket-owner-full-control",
                             "checksum_algorithm": "SHA256"})])
        dialog = AccountDialog(book, SecretStore())
        dialog.form.setCurrentWidget(dialog.objects_form)
        dialog.show()
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.Close).setFocus()
        saved.append(_photograph(dialog, out / "account-objects.png"))
        dialog.close()

        # 2. No keyring, an access key, TLS checks off, and a bucket that is not there.
        _use_memory_keyring(persistent=False)
        book = AccountBook(work / "accounts-2.json", [])
        dialog = AccountDialog(book, SecretStore())
        dialog.name.setText("Studio NAS")
        dialog.endpoint.setText(server.endpoint_url)
        dialog.path_style.setChecked(True)
        dialog.bucket.setText("studio-archive")
        dialog.prefix.setText("2026/")
        dialog.verify_tls.setChecked(False)
        dialog.use_key.setChecked(True)
        dialog.key_id.setText("AKIASTUDIONAS01")
        dialog.secret.setText("not-a-real-secret")
        dialog.show()
        dialog.test_connection()
        _wait_until(dialog.test_button.isEnabled)
        saved.append(_photograph(dialog, out / "account-dialog-key.png"))
        dialog.close()

        prefs = PreferencesDialog(Preferences())            # the Balanced preset: automatic
        prefs.show()
        # Its whole height: offscreen, a dialog is held to 2/3 of an 800 x 600 screen.
        prefs.resize(prefs.sizeHint())
        # Focus on OK, as after a click: no text caret blinking in the first box.
        prefs.findChild(QDialogButtonBox).button(QDialogButtonBox.Ok).setFocus()
        saved.append(_photograph(prefs, out / "preferences.png"))
        prefs.close()

        scheduled = PreferencesDialog(Preferences(
            preset="poor-network", files_at_once=1, parts_per_file=2, part_size=5 * MiB,
            bandwidth_schedule="Mon-Fri-09:00,2MiB/s Mon-Fri-18:00,off"))
        scheduled.show()
        scheduled.resize(scheduled.sizeHint())
        scheduled.findChild(QDialogButtonBox).button(QDialogButtonBox.Ok).setFocus()
        saved.append(_photograph(scheduled, out / "preferences-schedule.png"))
        scheduled.close()

        existing = ExistingObjectDialog("photos/2026/holiday.jpg", 4, bucket="hoist-demo")
        saved.append(_photograph(existing, out / "existing.png"))
        existing.close()

        saved.append(_incomplete_uploads(out, server, demo))
    finally:
        # Let the connection tests' runnables finish and be freed before Python shuts down
        # (a Python QRunnable released during interpreter exit crashes it).
        QThreadPool.globalInstance().waitForDone(30_000)
        for widget in QApplication.topLevelWidgets():
            widget.deleteLater()
        _spin(0)
        server.stop()
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    for path in make_dialog_screenshots(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
