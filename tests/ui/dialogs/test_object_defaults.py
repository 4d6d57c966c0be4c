"""The Accounts dialog's New objects tab: a round trip through accounts.json and the keyring."""

import base64
import json

from hoist.core.remote.objects import CustomerKey, ObjectSettings, customer_key_name
from hoist.core.settings.accounts import Account, AccountBook
from hoist.core.settings.secrets import SecretStore
from hoist.ui.dialogs.accounts import AccountDialog

KEY = bytes(range(100, 132))
KEY_TEXT = base64.b64encode(KEY).decode()



def open_dialog(qtbot, data_dir) -> AccountDialog:
    dialog = AccountDialog(AccountBook.load(data_dir / "accounts.json"), SecretStore())
    qtbot.addWidget(dialog)
    return dialog


def choose(box, value) -> None:
    box.setCurrentIndex(box.findData(value))
    assert box.currentData() == value


def test_object_defaults_round_trip_with_the_sse_c_key_in_the_keyring(
        qtbot, data_dir, tmp_path, memory_keyring, warnings):
    dialog = open_dialog(qtbot, data_dir)
    dialog.name.setText("Photos")
    dialog.bucket.setText("photos")
    form = dialog.objects_form
    dialog.form.setCurrentWidget(form)
    form.cache_control.setText("max-age=86400")
    form.metadata.setText("owner=ops, source=camera")
    form.tags.setText("team=media")
    form.storage_class.setCurrentText("STANDARD_IA")
    choose(form.encryption, "sse-c")
    assert form.sse_c_key.isEnabled() and not form.kms_key.isEnabled()
    form.sse_c_key.setText(KEY_TEXT)
    choose(form.acl, "bucket-owner-full-control")
    choose(form.checksum, "SHA256")
    assert dialog.save(), warnings

    md5 = CustomerKey(KEY).md5
    saved = AccountBook.load(data_dir / "accounts.json").get("Photos")
    assert saved.object_settings() == ObjectSettings(
        cache_control="max-age=86400", metadata={"owner": "ops", "source": "camera"},
        tags={"team": "media"}, storage_class="STANDARD_IA", sse_c_key_md5=md5,
        acl="bucket-owner-full-control", checksum_algorithm="SHA256")
    assert memory_keyring.secrets == {("hoist", f"Photos:{customer_key_name(md5)}"): KEY_TEXT}
    on_disk = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert KEY_TEXT.encode() not in on_disk and KEY not in on_disk

    again = open_dialog(qtbot, data_dir)           # read back into the form
    form = again.objects_form
    assert form.cache_control.text() == "max-age=86400"
    assert form.metadata.text() == "owner=ops, source=camera"
    assert form.tags.text() == "team=media"
    assert form.storage_class.currentText() == "STANDARD_IA"
    assert form.encryption.currentData() == "sse-c" and form.sse_c_key.text() == ""
    assert md5 in form.sse_c_key.placeholderText()
    assert form.acl.currentData() == "bucket-owner-full-control"
    assert form.checksum.currentData() == "SHA256"
    assert again.save()                            # unchanged: the stored key stays
    assert AccountBook.load(data_dir / "accounts.json").get("Photos").object_settings() \
        == saved.object_settings()

    again.name.setText("Pictures")                 # a rename takes the key along
    assert again.save()
    assert list(memory_keyring.secrets) == [("hoist", f"Pictures:{customer_key_name(md5)}")]

    choose(form.encryption, "aws:kms")
    form.kms_key.setText("alias/photos")
    form.bucket_key.setChecked(True)
    assert again.save()
    kms = AccountBook.load(data_dir / "accounts.json").get("Pictures").object_settings()
    assert (kms.sse, kms.sse_kms_key_id, kms.bucket_key_enabled, kms.sse_c_key_md5) == \
        ("aws:kms", "alias/photos", True, "")


def test_the_new_objects_tab_refuses_what_cannot_work(qtbot, data_dir, warnings):
    dialog = open_dialog(qtbot, data_dir)
    dialog.name.setText("A")
    dialog.bucket.setText("a")
    form = dialog.objects_form
    form.tags.setText("no-equals-sign")
    assert not dialog.save()
    form.tags.setText("")
    choose(form.encryption, "sse-c")
    assert not dialog.save()                       # no key typed, none stored
    form.sse_c_key.setText("too-short")
    assert not dialog.save()
    assert [w.split(":")[0] for w in warnings] == ["New objects"] * 3
    assert "name=value" in warnings[0] and "SSE-C key" in warnings[1] and "32" in warnings[2]
    form.generate.click()                          # a fresh key, shown once to be copied
    assert len(base64.b64decode(form.sse_c_key.text())) == 32
    assert dialog.save()
    assert json.loads((data_dir / "accounts.json").read_text())["accounts"][0]["objects"][
        "sse_c_key_md5"]


def test_an_account_without_object_defaults_loads_as_before(data_dir):
    (data_dir).mkdir(parents=True, exist_ok=True)
    (data_dir / "accounts.json").write_text(json.dumps(
        {"default": None, "accounts": [{"name": "Old", "bucket": "b"}]}))
    old = AccountBook.load(data_dir / "accounts.json").get("Old")
    assert old.objects == {} and old.object_settings() == ObjectSettings()
    assert Account("x").object_settings() == ObjectSettings()
