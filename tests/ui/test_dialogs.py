"""The dialogs: Test connection against moto's server, secrets kept off disk, preferences."""

import pytest
from PySide6.QtWidgets import QMessageBox

from app.core.accounts import AccountBook
from app.core.planner import MiB
from app.core.preferences import Preferences
from app.core.secrets import SecretStore
from app.ui.account_dialog import AccountDialog
from app.ui.existing_dialog import KEEP_BOTH, OVERWRITE, ExistingObjectDialog
from app.ui.preferences_dialog import PreferencesDialog

SECRET = "typed-in-secret-QWERTY-never-on-disk"


@pytest.fixture
def dialog(qtbot, data_dir, monkeypatch):
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.Ok)
    data_dir.mkdir(parents=True, exist_ok=True)
    book = AccountBook.load(data_dir / "accounts.json")
    dlg = AccountDialog(book, SecretStore())
    qtbot.addWidget(dlg)
    return dlg


def fill(dlg, *, name="Local", endpoint, bucket, key_id=None, secret=None):
    dlg.name.setText(name)
    dlg.endpoint.setText(endpoint)
    dlg.region.setText("us-east-1")
    dlg.path_style.setChecked(True)
    dlg.bucket.setText(bucket)
    if key_id:
        dlg.use_key.setChecked(True)
        dlg.key_id.setText(key_id)
        dlg.secret.setText(secret)


def run_test(qtbot, dlg) -> str:
    dlg.test_connection()
    assert not dlg.test_button.isEnabled()              # busy, and the window is not frozen
    qtbot.waitUntil(lambda: dlg.test_button.isEnabled(), timeout=15_000)
    return dlg.test_result.text()


def test_connection_succeeds_against_a_real_bucket(qtbot, dialog, s3_server, bucket):
    fill(dialog, endpoint=s3_server.endpoint_url, bucket=bucket)
    assert run_test(qtbot, dialog).startswith("✓ Connected")


def test_connection_reports_a_missing_bucket(qtbot, dialog, s3_server):
    fill(dialog, endpoint=s3_server.endpoint_url, bucket="no-such-bucket-anywhere")
    text = run_test(qtbot, dialog)
    assert text.startswith("✗") and "does not exist" in text


def test_connection_reports_bad_credentials(qtbot, dialog, s3_server, bucket):
    fill(dialog, endpoint=s3_server.endpoint_url, bucket=bucket, key_id="AKIAWRONG",
         secret=SECRET)
    s3_server.fail_next("ListObjects", status=403, code="InvalidAccessKeyId")
    text = run_test(qtbot, dialog)
    assert text.startswith("✗") and "access key is not recognised" in text
    assert SECRET not in text


def test_connection_reports_an_unreachable_endpoint(qtbot, dialog):
    fill(dialog, endpoint="http://127.0.0.1:9", bucket="anything")
    assert "Cannot reach" in run_test(qtbot, dialog)


def test_saved_secret_is_in_the_keyring_and_nowhere_on_disk(dialog, data_dir, memory_keyring,
                                                            s3_server, bucket):
    fill(dialog, endpoint=s3_server.endpoint_url, bucket=bucket, key_id="AKIAEXAMPLE",
         secret=SECRET)
    assert dialog.save()
    assert SECRET in memory_keyring.secrets.values()
    again = AccountBook.load(data_dir / "accounts.json").get("Local")
    assert again.access_key_id == "AKIAEXAMPLE"
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_save_refuses_incomplete_accounts(dialog):
    dialog.name.setText("")
    dialog.bucket.setText("b-1")
    assert not dialog.save()
    fill(dialog, endpoint="", bucket="")
    assert not dialog.save()
    fill(dialog, endpoint="", bucket="bkt", key_id="AKIA", secret="")
    assert not dialog.save()


def test_tls_warning_shows_when_verification_is_off(dialog):
    dialog.show()
    dialog.verify_tls.setChecked(False)
    assert dialog.tls_warning.isVisible()
    dialog.verify_tls.setChecked(True)
    assert not dialog.tls_warning.isVisible()


def test_preferences_dialog_round_trip(qtbot):
    prefs = Preferences(files_at_once=2, parts_per_file=3, part_size=16 * MiB)
    dlg = PreferencesDialog(prefs)
    qtbot.addWidget(dlg)
    assert dlg.part_size.value() == 16 and dlg.bandwidth.text() == "Unlimited"
    dlg.files.setValue(5)
    dlg.bandwidth.setValue(20)
    dlg.auto_resume.setChecked(True)
    result = dlg.result_preferences()
    assert (result.files_at_once, result.bandwidth_limit, result.auto_resume) == (5, 20 * MiB, True)
    assert result.part_size == 16 * MiB


def test_existing_object_dialog_choices(qtbot):
    dlg = ExistingObjectDialog("photos/a.jpg", remaining=3)
    qtbot.addWidget(dlg)
    dlg._all.setChecked(True)
    dlg._choose(OVERWRITE)
    assert (dlg.choice, dlg.apply_to_all) == (OVERWRITE, True)
    single = ExistingObjectDialog("b.jpg", remaining=0)
    qtbot.addWidget(single)
    single._choose(KEEP_BOTH)
    assert (single.choice, single.apply_to_all) == (KEEP_BOTH, False)
