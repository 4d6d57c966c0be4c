"""The dialogs: Test connection against moto's server, secrets kept off disk, preferences,
and the existing-object question."""

from dataclasses import replace

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog, QLabel, QMessageBox, QPushButton

from hoist.core.policy.planner import MiB
from hoist.core.settings.accounts import Account, AccountBook
from hoist.core.settings.preferences import Preferences
from hoist.core.settings.secrets import SecretStore
from hoist.ui.dialogs.accounts import DEFAULT_CHAIN, AccountDialog
from hoist.ui.dialogs.existing import KEEP_BOTH, OVERWRITE, SKIP, ExistingObjectDialog
from hoist.ui.dialogs.preferences import PreferencesDialog

SECRET = "typed-in-secret-QWERTY-never-on-disk"



def make_dialog(qtbot, data_dir, secrets=None, accounts=()) -> AccountDialog:
    book = AccountBook.load(data_dir / "accounts.json")
    for account in accounts:
        book.upsert(account)
    dlg = AccountDialog(book, secrets or SecretStore())
    qtbot.addWidget(dlg)
    return dlg


@pytest.fixture
def dialog(qtbot, data_dir, warnings):
    return make_dialog(qtbot, data_dir)


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
    assert not dlg.test_button.isEnabled()              # busy until the answer comes
    qtbot.waitUntil(dlg.test_button.isEnabled, timeout=15_000)
    return dlg.test_result.text()


def files_containing(root, text: str) -> list:
    return [p for p in root.rglob("*") if p.is_file() and text.encode() in p.read_bytes()]


# -- Test connection ----------------------------------------------------------------------
def test_connection_succeeds_against_a_real_bucket(qtbot, dialog, s3_server, bucket):
    fill(dialog, endpoint=s3_server.endpoint_url, bucket=bucket)
    assert run_test(qtbot, dialog) == (f"✓ Connected: bucket {bucket} is reachable "
                                       "with these credentials.")


def test_connection_runs_off_the_gui_thread(qtbot, dialog, s3_server, bucket):
    fill(dialog, endpoint=s3_server.endpoint_url, bucket=bucket)
    release = s3_server.stall_next("ListObjects")
    try:
        dialog.test_connection()
        assert (dialog.test_button.isEnabled(), dialog.test_button.text()) == (False, "Testing…")
        assert not dialog.busy.isHidden()
        assert dialog.test_result.text() == f"Checking bucket {bucket}…"
        qtbot.waitUntil(s3_server.holding.is_set)        # the check is waiting on the server…
        ticks = []
        QTimer.singleShot(0, lambda: ticks.append(1))
        qtbot.waitUntil(lambda: bool(ticks))                 # …and the event loop still runs
        assert not dialog.test_button.isEnabled()
    finally:
        release.set()
    qtbot.waitUntil(dialog.test_button.isEnabled, timeout=15_000)
    assert dialog.test_button.text() == "Test connection" and dialog.busy.isHidden()
    assert dialog.test_result.text().startswith("✓ Connected")


def test_connection_reports_a_missing_bucket(qtbot, dialog, s3_server):
    fill(dialog, endpoint=s3_server.endpoint_url, bucket="no-such-bucket-anywhere")
    assert run_test(qtbot, dialog) == (
        f"✗ Bucket no-such-bucket-anywhere does not exist at {s3_server.endpoint_url}: "
        "check the bucket name or create it.")


@pytest.mark.parametrize("code, says", [
    ("InvalidAccessKeyId", "The access key is not recognised"),
    ("SignatureDoesNotMatch", "rejected the request signature: check the secret key"),
    ("AccessDenied", "Access denied to bucket"),
])
def test_connection_reports_bad_credentials(qtbot, dialog, s3_server, bucket, code, says):
    fill(dialog, endpoint=s3_server.endpoint_url, bucket=bucket, key_id="AKIAWRONG",
         secret=SECRET)
    s3_server.fail_next("ListObjects", status=403, code=code)
    text = run_test(qtbot, dialog)
    assert text.startswith("✗") and says in text and "account Local" in text
    assert SECRET not in text


def test_connection_reports_an_unreachable_endpoint(qtbot, dialog):
    fill(dialog, endpoint="http://127.0.0.1:9", bucket="anything")
    assert run_test(qtbot, dialog).startswith("✗ Cannot reach")


def test_connection_is_not_tried_with_an_incomplete_form(qtbot, dialog):
    fill(dialog, endpoint="minio:9000", bucket="b")
    dialog.test_connection()
    assert dialog.test_button.isEnabled()
    assert dialog.test_result.text() == "✗ The endpoint URL must start with https:// or http://."
    fill(dialog, endpoint="", bucket="b", key_id="AKIA", secret="")
    dialog.test_connection()
    assert dialog.test_result.text() == "✗ Enter the secret access key."


def test_testing_a_typed_secret_stores_it_nowhere(qtbot, dialog, memory_keyring, s3_server,
                                                  bucket, tmp_path):
    fill(dialog, endpoint=s3_server.endpoint_url, bucket=bucket, key_id="AKIAEXAMPLE",
         secret=SECRET)
    assert run_test(qtbot, dialog).startswith("✓ Connected")
    assert memory_keyring.secrets == {}
    assert dialog.secrets.get("Local", "AKIAEXAMPLE") is None
    assert files_containing(tmp_path, SECRET) == []


# -- Saving, secrets ----------------------------------------------------------------------
def test_saved_secret_is_in_the_keyring_and_nowhere_on_disk(dialog, data_dir, memory_keyring,
                                                            s3_server, bucket, tmp_path):
    fill(dialog, endpoint=s3_server.endpoint_url, bucket=bucket, key_id="AKIAEXAMPLE",
         secret=SECRET)
    assert dialog.save()
    assert memory_keyring.secrets == {("hoist", "Local:AKIAEXAMPLE"): SECRET}
    again = AccountBook.load(data_dir / "accounts.json").get("Local")
    assert (again.access_key_id, again.bucket, again.path_style) == ("AKIAEXAMPLE", bucket, True)
    assert (data_dir / "accounts.json").is_file()
    assert files_containing(tmp_path, SECRET) == []
    assert dialog.secret.text() == "" and "stored" in dialog.secret.placeholderText()


def test_without_a_keyring_the_secret_is_kept_for_the_session_only(qtbot, data_dir, warnings,
                                                                    tmp_path):
    keyring.set_keyring(fail.Keyring())       # conftest puts its own back afterwards
    secrets = SecretStore()
    dlg = make_dialog(qtbot, data_dir, secrets)
    assert not dlg.keyring_note.isHidden()
    assert "No system keyring" in dlg.keyring_note.text()
    assert "session only" in dlg.keyring_note.text()
    fill(dlg, endpoint="", bucket="b", key_id="AKIAEXAMPLE", secret=SECRET)
    assert dlg.save()
    assert secrets.get("Local", "AKIAEXAMPLE") == SECRET
    assert files_containing(tmp_path, SECRET) == []


def test_the_keyring_note_is_hidden_when_there_is_a_keyring(dialog):
    assert dialog.keyring_note.isHidden()


def test_renaming_moves_the_secret_and_a_profile_drops_it(dialog, memory_keyring):
    fill(dialog, name="Old", endpoint="", bucket="b", key_id="AKIAEXAMPLE", secret=SECRET)
    assert dialog.save()
    dialog.name.setText("New")
    assert dialog.save()                       # no secret typed: the stored one moves
    assert memory_keyring.secrets == {("hoist", "New:AKIAEXAMPLE"): SECRET}
    assert [a.name for a in dialog.book.accounts] == ["New"]
    dialog.use_profile.setChecked(True)
    assert dialog.save()
    assert memory_keyring.secrets == {}
    assert dialog.book.get("New").access_key_id is None


def test_a_new_access_key_needs_its_secret(dialog, memory_keyring, warnings):
    fill(dialog, endpoint="", bucket="b", key_id="AKIAONE", secret=SECRET)
    assert dialog.save()
    dialog.key_id.setText("AKIATWO")
    assert not dialog.save()
    assert warnings[-1] == "Enter the secret access key."
    dialog.secret.setText("second-secret")
    assert dialog.save()
    assert memory_keyring.secrets == {("hoist", "Local:AKIATWO"): "second-secret"}


def test_removing_an_account_asks_and_deletes_its_secret(dialog, memory_keyring, monkeypatch):
    fill(dialog, endpoint="", bucket="b", key_id="AKIAEXAMPLE", secret=SECRET)
    assert dialog.save()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.No)
    dialog.remove_button.click()
    assert dialog.book.get("Local") is not None and memory_keyring.secrets
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    dialog.remove_button.click()
    assert dialog.book.accounts == [] and memory_keyring.secrets == {}
    assert AccountBook.load(dialog.book.path).accounts == []
    assert dialog.list.count() == 0 and dialog.name.text() == ""


def test_save_refuses_incomplete_or_duplicate_accounts(dialog, warnings):
    dialog.name.setText("")
    dialog.bucket.setText("b-1")
    assert not dialog.save()
    fill(dialog, endpoint="", bucket="")
    assert not dialog.save()
    fill(dialog, endpoint="", bucket="bkt", key_id="AKIA", secret="")
    assert not dialog.save()
    fill(dialog, endpoint="nas:9000", bucket="bkt")
    dialog.use_profile.setChecked(True)
    assert not dialog.save()
    assert warnings == ["Give the account a name.", "Enter the bucket to upload to.",
                        "Enter the secret access key.",
                        "The endpoint URL must start with https:// or http://."]
    fill(dialog, name="Twin", endpoint="", bucket="bkt")
    assert dialog.save()
    dialog._add()
    fill(dialog, name="Twin", endpoint="", bucket="other")
    assert not dialog.save()
    assert warnings[-1] == "There is already an account called Twin."
    assert [a.bucket for a in dialog.book.accounts] == ["bkt"]


def test_aws_profiles_are_offered_and_kept(qtbot, data_dir, warnings, tmp_path, monkeypatch):
    config = tmp_path / "aws-config"
    config.write_text("[default]\nregion = eu-west-1\n[profile work]\nregion = eu-west-2\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    dlg = make_dialog(qtbot, data_dir, accounts=[Account("Gone", bucket="b", profile="retired")])
    items = [dlg.profile.itemText(i) for i in range(dlg.profile.count())]
    assert items[:3] == [DEFAULT_CHAIN, "default", "work"]
    assert dlg.profile.currentText() == "retired"    # not in ~/.aws any more, but not lost
    dlg._add()
    fill(dlg, name="Work", endpoint="", bucket="b")
    dlg.profile.setCurrentText("work")
    assert dlg.save()
    assert AccountBook.load(data_dir / "accounts.json").get("Work").profile == "work"


def test_tls_warning_shows_when_verification_is_off(dialog):
    dialog.show()
    dialog.verify_tls.setChecked(False)
    assert dialog.tls_warning.isVisible()
    dialog.verify_tls.setChecked(True)
    assert not dialog.tls_warning.isVisible()


# -- Preferences --------------------------------------------------------------------------
def test_preferences_dialog_round_trip(qtbot):
    prefs = Preferences(files_at_once=2, parts_per_file=3, part_size=16 * MiB)
    dlg = PreferencesDialog(prefs)
    qtbot.addWidget(dlg)
    assert dlg.part_size.value() == 16 and dlg.part_size.suffix() == " MiB"
    assert dlg.bandwidth.text() == "Unlimited"
    assert dlg.result_preferences() == replace(prefs, preset="custom")   # not a preset's values
    dlg.files.setValue(5)
    dlg.parts.setValue(6)
    dlg.bandwidth.setValue(20)
    dlg.auto_resume.setChecked(True)
    dlg.close_to_tray.setChecked(True)
    dlg.ask_before_quit.setChecked(False)
    assert dlg.bandwidth.text() == "20 MiB/s"
    assert dlg.result_preferences() == Preferences(
        preset="custom", files_at_once=5, parts_per_file=6, part_size=16 * MiB,
        bandwidth_limit=20 * MiB,
        auto_resume=True, close_to_tray=True, ask_before_quit=False)


def test_part_size_is_held_to_s3_limits(qtbot):
    dlg = PreferencesDialog(Preferences())
    qtbot.addWidget(dlg)
    dlg.part_size.setValue(5)
    assert dlg.result_preferences().part_size == 5 * MiB
    dlg.part_size.setValue(1)                  # below S3's least: the "Automatic" end
    assert dlg.result_preferences().part_size is None
    dlg.part_size.setValue(10_000)
    assert dlg.result_preferences().part_size == 5120 * MiB


def test_values_that_are_not_whole_mib_survive_an_unchanged_dialog(qtbot):
    prefs = Preferences(bandwidth_limit=512 * 1024)
    dlg = PreferencesDialog(prefs)
    qtbot.addWidget(dlg)
    assert dlg.bandwidth.text() == "1 MiB/s"            # never shown as "Unlimited"
    assert dlg.result_preferences().bandwidth_limit == 512 * 1024


def test_preferences_say_how_many_parts_go_at_once(qtbot):
    dlg = PreferencesDialog(Preferences(files_at_once=1, parts_per_file=2))
    qtbot.addWidget(dlg)
    assert dlg.budget.text() == "At most 2 parts are sent at once across all files."
    dlg.files.setValue(10)
    assert dlg.budget.text() == "At most 8 parts are sent at once across all files."


def test_preferences_dialog_offers_automatic_part_size_and_parts(qtbot):
    dlg = PreferencesDialog(Preferences())
    qtbot.addWidget(dlg)
    assert dlg.part_size.text() == "Automatic" and dlg.parts.text() == "Automatic"
    assert dlg.result_preferences() == Preferences()
    assert dlg.budget.text().startswith("Parts in flight follow the measured link")
    dlg.parts.setValue(3)
    dlg.part_size.setValue(12)
    assert (dlg.result_preferences().parts_per_file, dlg.result_preferences().part_size) == (
        3, 12 * MiB)
    assert dlg.budget.text() == "At most 8 parts are sent at once across all files."
    dlg.parts.setValue(0)
    dlg.part_size.setValue(4)
    assert dlg.result_preferences() == Preferences()       # Balanced's values: Balanced again


# -- Existing object ----------------------------------------------------------------------
def button(dlg, text) -> QPushButton:
    return next(b for b in dlg.findChildren(QPushButton) if b.text() == text)


def test_existing_object_dialog_choices(qtbot):
    dlg = ExistingObjectDialog("photos/a.jpg", remaining=3)
    qtbot.addWidget(dlg)
    assert not dlg._all.isHidden() and "3 remaining files" in dlg._all.text()
    dlg._all.setChecked(True)
    qtbot.mouseClick(button(dlg, "Overwrite"), Qt.LeftButton)
    assert (dlg.choice, dlg.apply_to_all, dlg.result()) == (OVERWRITE, True, QDialog.Accepted)

    single = ExistingObjectDialog("b.jpg", remaining=0)
    qtbot.addWidget(single)
    assert single._all.isHidden()
    qtbot.mouseClick(button(single, "Keep both"), Qt.LeftButton)
    assert (single.choice, single.apply_to_all) == (KEEP_BOTH, False)

    skip = ExistingObjectDialog("c.jpg", remaining=1)
    qtbot.addWidget(skip)
    assert "1 remaining file " in skip._all.text()
    qtbot.mouseClick(button(skip, "Skip"), Qt.LeftButton)
    assert (skip.choice, skip.apply_to_all) == (SKIP, False)


def test_existing_object_dialog_names_the_object_and_defaults_to_keep_both(qtbot):
    dlg = ExistingObjectDialog("photos/2026/holiday.jpg", 0, bucket="media")
    qtbot.addWidget(dlg)
    text = " ".join(label.text() for label in dlg.findChildren(QLabel))
    assert "s3://media/photos/2026/holiday.jpg" in text and "holiday (1).jpg" in text
    assert button(dlg, "Keep both").isDefault()
    assert dlg.choice == SKIP                  # closing the dialog never overwrites


def test_a_preset_fills_the_boxes_and_a_change_by_hand_makes_it_custom(qtbot):
    from hoist.core.settings.presets import PRESETS
    from hoist.ui.dialogs.preferences import PreferencesDialog
    dialog = PreferencesDialog(Preferences())
    qtbot.addWidget(dialog)
    assert dialog.preset.currentData() == "balanced"
    assert dialog.parts.text() == "Automatic" and dialog.part_size.text() == "Automatic"
    dialog.preset.setCurrentIndex(dialog.preset.findData("poor-network"))
    assert (dialog.files.value(), dialog.parts.value(), dialog.part_size.value()) == (1, 2, 5)
    assert PRESETS["poor-network"].describe() in dialog.preset_text.text()
    chosen = dialog.result_preferences()
    assert chosen.preset == "poor-network"
    config = chosen.transfer_config()
    assert (config.parts_total, config.max_attempts) == (2, 12)
    dialog.files.setValue(4)                  # by hand: no longer the preset
    assert dialog.preset.currentData() == "custom"
    assert dialog.result_preferences().transfer_config().max_attempts == 10
    dialog.preset.setCurrentIndex(dialog.preset.findData("fast"))
    assert (dialog.files.value(), dialog.parts.value(), dialog.part_size.value()) == (6, 8, 32)
    assert dialog.result_preferences().transfer_config().parts_total == 16


def test_preferences_saved_before_presets_keep_their_values_as_custom(tmp_path):
    import json
    path = tmp_path / "preferences.json"
    path.write_text(json.dumps({"format": 2, "files_at_once": 5, "parts_per_file": 3}))
    prefs = Preferences.load(path)
    assert prefs.chosen_preset() is None and prefs.transfer_config().parts_total == 8
    from hoist.ui.dialogs.preferences import PreferencesDialog
    assert PreferencesDialog(prefs).preset.currentData() == "custom"
    path.write_text(json.dumps({"format": 2, "files_at_once": 3}))
    assert Preferences.load(path).chosen_preset().name == "balanced"
