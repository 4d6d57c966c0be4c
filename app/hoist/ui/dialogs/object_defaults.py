"""The Accounts dialog's "New objects" tab: what the window's uploads to an account look like.

Cache-Control, metadata, tags, storage class, encryption, ACL and checksum, taken by
each upload when its task is made (later changes here do not touch queued uploads).
An SSE-C key typed here goes to the keyring through SecretStore; accounts.json keeps
only its MD5.
"""

import base64
import os

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from hoist.core.remote.checksums import unavailable
from hoist.core.remote.objects import (
    ACLS,
    CHECKSUMS,
    STORAGE_CLASSES,
    CustomerKey,
    ObjectSettings,
    SettingError,
    customer_key_name,
    parse_pairs,
)

STORE_DEFAULT = "(the store's default)"
ENCRYPTIONS = [(STORE_DEFAULT, ""), ("SSE-S3 (AES256)", "AES256"),
               ("SSE-KMS (aws:kms)", "aws:kms"), ("SSE-C (a key of yours)", "sse-c")]


def _combo(items, editable: bool = False) -> QComboBox:
    box = QComboBox(editable=editable)
    for label, value in items:
        box.addItem(label, value)
    return box


def _pairs_text(pairs: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in pairs.items())


class ObjectDefaultsForm(QWidget):
    """The form; ``show_settings`` fills it, ``settings`` reads it (SettingError if wrong)."""

    def __init__(self, secrets, parent=None):
        super().__init__(parent)
        self.secrets = secrets
        self._stored_md5 = ""          # the account's SSE-C key in the keyring, by its MD5
        self.cache_control = QLineEdit(placeholderText="e.g. max-age=3600")
        self.metadata = QLineEdit(placeholderText="name=value, name2=value2")
        self.tags = QLineEdit(placeholderText="name=value, name2=value2 (at most 10)")
        self.storage_class = _combo([(STORE_DEFAULT, "")] + [(c, c) for c in STORAGE_CLASSES],
                                    editable=True)
        self.encryption = _combo(ENCRYPTIONS)
        self.kms_key = QLineEdit(placeholderText="KMS key id or alias (empty: the AWS managed key)")
        self.bucket_key = QCheckBox("Use an S3 Bucket Key (fewer KMS requests)")
        self.sse_c_key = QLineEdit(echoMode=QLineEdit.Password)
        self.generate = QPushButton("Generate")
        self.generate.clicked.connect(self._generate)
        self.acl = _combo([(STORE_DEFAULT, "")] + [(a, a) for a in ACLS])
        self.checksum = _combo([("CRC32 (default; MD5 where the store refuses it)", "")]
                               + [(c, c) for c in CHECKSUMS])
        self.note = QLabel(wordWrap=True)
        self.note.setStyleSheet("color: #8a5300;")
        self.encryption.currentIndexChanged.connect(self._follow)
        self.checksum.currentIndexChanged.connect(self._follow)

        key_row = QHBoxLayout()
        key_row.addWidget(self.sse_c_key, 1)
        key_row.addWidget(self.generate)
        form = QFormLayout(self)
        form.addRow(QLabel("Each upload takes these when it is queued; later changes here "
                           "leave queued uploads as they are.", wordWrap=True))
        form.addRow("Cache-Control:", self.cache_control)
        form.addRow("Metadata:", self.metadata)
        form.addRow("Tags:", self.tags)
        form.addRow("Storage class:", self.storage_class)
        form.addRow("Encryption:", self.encryption)
        form.addRow("KMS key:", self.kms_key)
        form.addRow("", self.bucket_key)
        form.addRow("SSE-C key:", key_row)
        form.addRow("ACL:", self.acl)
        form.addRow("Checksum:", self.checksum)
        form.addRow("", self.note)
        self._follow()

    # -- account -> form ----------------------------------------------------------------
    def show_settings(self, settings: ObjectSettings, account_name: str) -> None:
        self.cache_control.setText(settings.cache_control)
        self.metadata.setText(_pairs_text(settings.metadata))
        self.tags.setText(_pairs_text(settings.tags))
        self.storage_class.setCurrentIndex(max(0, self.storage_class.findData(
            settings.storage_class)))
        if settings.storage_class and self.storage_class.currentData() != settings.storage_class:
            self.storage_class.setEditText(settings.storage_class)   # a store's own class
        self._stored_md5 = settings.sse_c_key_md5
        sse = "sse-c" if settings.sse_c_key_md5 else settings.sse
        self.encryption.setCurrentIndex(max(0, self.encryption.findData(sse)))
        self.kms_key.setText(settings.sse_kms_key_id)
        self.bucket_key.setChecked(settings.bucket_key_enabled)
        self.sse_c_key.clear()
        stored = self._stored_md5 and self.secrets.get(account_name,
                                                       customer_key_name(self._stored_md5))
        self.sse_c_key.setPlaceholderText(
            f"stored, MD5 {self._stored_md5} (type to replace)" if stored else
            "32 bytes as base64 (kept in the system keyring)")
        self.acl.setCurrentIndex(max(0, self.acl.findData(settings.acl)))
        self.checksum.setCurrentIndex(max(0, self.checksum.findData(
            settings.checksum_algorithm)))
        self._follow()

    def _follow(self) -> None:
        choice = self.encryption.currentData()
        self.kms_key.setEnabled(choice == "aws:kms")
        self.bucket_key.setEnabled(choice == "aws:kms")
        self.sse_c_key.setEnabled(choice == "sse-c")
        self.generate.setEnabled(choice == "sse-c")
        notes = []
        if choice == "sse-c":
            notes.append("Keep a copy of the SSE-C key: without it nobody, not even the "
                         "store, can read the objects back.")
        why = unavailable(self.checksum.currentData() or "")
        if why:
            notes.append(f"{why[0].upper()}{why[1:]}.")
        self.note.setText(" ".join(notes))
        self.note.setVisible(bool(notes))

    def _generate(self) -> None:
        self.sse_c_key.setEchoMode(QLineEdit.Normal)      # shown once, to be copied
        self.sse_c_key.setText(base64.b64encode(os.urandom(32)).decode())

    # -- form -> account ----------------------------------------------------------------
    def typed_key(self) -> CustomerKey | None:
        """The SSE-C key typed now (None if none was typed); SettingError if it is no key."""
        text = self.sse_c_key.text().strip()
        if self.encryption.currentData() != "sse-c" or not text:
            return None
        try:
            return CustomerKey.from_bytes(text.encode())
        except SettingError as e:
            raise SettingError(f"SSE-C key: {e}") from None

    def settings(self) -> ObjectSettings:
        """What the form says, checked; SettingError (for a message box) if it cannot work."""
        choice = self.encryption.currentData()
        key = self.typed_key()
        md5 = key.md5 if key else self._stored_md5 if choice == "sse-c" else ""
        if choice == "sse-c" and not md5:
            raise SettingError("Enter the SSE-C key (or Generate one), or choose another "
                               "encryption.")
        unavailable_why = unavailable(self.checksum.currentData() or "")
        if unavailable_why:
            raise SettingError(f"Checksum: {unavailable_why}.")
        kms = choice == "aws:kms"
        return ObjectSettings(
            cache_control=self.cache_control.text().strip(),
            metadata=parse_pairs(self.metadata.text()),
            tags=parse_pairs(self.tags.text(), "tag"),
            storage_class=(self.storage_class.currentText().strip().upper()
                           if self.storage_class.currentText() != STORE_DEFAULT else ""),
            sse=choice if choice in ("AES256", "aws:kms") else "",
            sse_kms_key_id=self.kms_key.text().strip() if kms else "",
            bucket_key_enabled=kms and self.bucket_key.isChecked(), sse_c_key_md5=md5,
            acl=self.acl.currentData() or "",
            checksum_algorithm=self.checksum.currentData() or "").check()

    def keep_key(self, account_name: str, old_name: str | None) -> None:
        """After the account is saved: the typed key to the keyring; a renamed account's
        stored key moves with it. Earlier keys stay: queued uploads may still need them."""
        key = self.typed_key()
        if key is not None:
            self.secrets.set(account_name, customer_key_name(key.md5), key.as_text())
            self._stored_md5 = key.md5
        elif self._stored_md5 and old_name and old_name != account_name:
            name = customer_key_name(self._stored_md5)
            text = self.secrets.get(old_name, name)
            if text:
                self.secrets.set(account_name, name, text)
                self.secrets.delete(old_name, name)
        self.sse_c_key.clear()
        self.sse_c_key.setEchoMode(QLineEdit.Password)

    def forget_key(self, account_name: str, settings: ObjectSettings) -> None:
        """The account is removed: its SSE-C key leaves the keyring too."""
        if settings.sse_c_key_md5:
            self.secrets.delete(account_name, customer_key_name(settings.sse_c_key_md5))
