"""Accounts: where uploads go and with which credentials; Test connection without freezing.

Credentials are an AWS profile (or boto3's default chain) or an access key
whose secret goes to the keyring through SecretStore, never to accounts.json. The
"New objects" tab (object_defaults.py) holds what the account's uploads look like.
A store with a private CA gets a CA bundle; verification off is the last resort.
"""

import json
from dataclasses import replace

from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hoist.core.remote.objects import SettingError
from hoist.core.remote.tls import bundle_problem
from hoist.core.settings.accounts import Account, AccountBook, list_aws_profiles
from hoist.ui.dialogs.connection_test import ConnectionTest, TrustOffer, TypedSecret
from hoist.ui.dialogs.object_defaults import ObjectDefaultsForm

DEFAULT_CHAIN = "Default (environment or ~/.aws)"
NO_KEYRING = ("No system keyring available: the secret is kept for this session only "
              "and must be entered again next time.")
TLS_OFF = "TLS verification is off: the store's certificate is not checked"
_WARNING_COLOR = QColor("#b3261e")


class AccountDialog(QDialog):
    def __init__(self, book: AccountBook, secrets, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Accounts")
        self.resize(780, 540)    # room for the TLS, keyring and test notes, all shown
        self.book = book
        self.secrets = secrets
        self._editing: str | None = None
        self._tests: set[ConnectionTest] = set()

        self.list = QListWidget()
        self.list.setMaximumWidth(200)
        self.list.currentTextChanged.connect(self._show)
        add, remove = QPushButton("Add"), QPushButton("Remove")
        add.clicked.connect(self._add)
        remove.clicked.connect(self._remove)
        self.remove_button = remove
        left = QVBoxLayout()
        left.addWidget(self.list)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        left.addLayout(row)

        self.name = QLineEdit()
        self.endpoint = QLineEdit()
        self.endpoint.setPlaceholderText("empty for AWS; e.g. http://nas:9000 for MinIO")
        self.region = QLineEdit()
        self.region.setPlaceholderText("e.g. eu-west-1 (empty: from the profile)")
        self.path_style = QCheckBox("Path-style addressing (MinIO, Ceph and most local stores)")
        self.bucket = QLineEdit()
        self.prefix = QLineEdit()
        self.prefix.setPlaceholderText("optional, e.g. backups/")
        self.verify_tls = QCheckBox("Verify TLS certificates")
        self.tls_warning = QLabel("⚠ TLS verification is off: anyone on the network path can "
                                  "read or alter your uploads.")
        self.tls_warning.setWordWrap(True)
        self.tls_warning.setStyleSheet("color: #b3261e;")
        self.verify_tls.toggled.connect(self._verification_changed)
        self.ca_bundle = QLineEdit()
        self.ca_bundle.setPlaceholderText("optional: PEM file of the CA that signed the "
                                          "store's certificate")
        self.browse_bundle = QPushButton("Choose…")
        self.browse_bundle.clicked.connect(self._choose_bundle)
        bundle_row = QHBoxLayout()
        bundle_row.addWidget(self.ca_bundle, 1)
        bundle_row.addWidget(self.browse_bundle)

        self.use_profile = QRadioButton("AWS profile")
        self.use_key = QRadioButton("Access key")
        self.profile = QComboBox()
        self.profile.addItems([DEFAULT_CHAIN, *list_aws_profiles()])
        self.key_id = QLineEdit()
        self.key_id.setPlaceholderText("access key ID")
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.Password)
        self.secret.setPlaceholderText("secret access key (kept in the system keyring)")
        self.use_profile.toggled.connect(self._credentials_mode)
        self.keyring_note = QLabel()
        self.keyring_note.setWordWrap(True)
        self.keyring_note.setStyleSheet("color: #8a5300;")
        self._keyring_state()

        form = QFormLayout()
        form.addRow("Name:", self.name)
        form.addRow("Endpoint URL:", self.endpoint)
        form.addRow("Region:", self.region)
        form.addRow("", self.path_style)
        form.addRow("Bucket:", self.bucket)
        form.addRow("Key prefix:", self.prefix)
        form.addRow("CA bundle:", bundle_row)
        form.addRow("", self.verify_tls)
        form.addRow("", self.tls_warning)
        form.addRow("Credentials:", self.use_profile)
        form.addRow("", self.profile)
        form.addRow("", self.use_key)
        form.addRow("", self.key_id)
        form.addRow("", self.secret)
        form.addRow("", self.keyring_note)

        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.busy = QProgressBar()                 # an indeterminate bar: the spinner
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setFixedSize(60, 10)
        self.busy.hide()
        self.test_result = QLabel("")
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextSelectableByMouse)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button, 0, Qt.AlignTop)
        test_row.addWidget(self.busy, 0, Qt.AlignVCenter)
        test_row.addWidget(self.test_result, 1)
        self.save_button = QPushButton("Save")
        self.save_button.clicked.connect(self.save)
        self.trust_offer = TrustOffer()
        self.trust_offer.choose_bundle.connect(self._choose_bundle)
        self.trust_offer.turn_off.connect(self._turn_off_verification)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addLayout(test_row)
        right.addWidget(self.trust_offer)
        right.addStretch(1)
        connection = QWidget()
        connection.setLayout(right)
        self.objects_form = ObjectDefaultsForm(secrets)
        self.form = QTabWidget()
        self.form.addTab(connection, "Connection")
        self.form.addTab(self.objects_form, "New objects")

        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.addButton(self.save_button, QDialogButtonBox.ApplyRole)
        buttons.rejected.connect(self.reject)
        body = QHBoxLayout()
        body.addLayout(left)
        body.addWidget(self.form, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body)
        layout.addWidget(buttons)

        for account in book.accounts:
            self.list.addItem(account.name)
        self._mark_unverified()
        if book.accounts:
            self.list.setCurrentRow(0)
        else:
            self._add()

    # -- form <-> account -------------------------------------------------------------
    def _show(self, name: str) -> None:
        account = self.book.get(name) or Account(name="")
        self._editing = account.name or None
        self.name.setText(account.name)
        self.endpoint.setText(account.endpoint_url or "")
        self.region.setText(account.region or "")
        self.path_style.setChecked(account.path_style)
        self.bucket.setText(account.bucket)
        self.prefix.setText(account.prefix)
        self.verify_tls.setChecked(account.verify_tls)
        self._verification_changed(account.verify_tls)
        self.ca_bundle.setText(account.ca_bundle or "")
        by_key = bool(account.access_key_id)
        (self.use_key if by_key else self.use_profile).setChecked(True)
        if account.profile and self.profile.findText(account.profile) < 0:
            self.profile.addItem(account.profile)   # keep a profile ~/.aws no longer lists
        self.profile.setCurrentText(account.profile or DEFAULT_CHAIN)
        self.key_id.setText(account.access_key_id or "")
        self.secret.clear()
        stored = by_key and self.secrets.get(account.name, account.access_key_id)
        self.secret.setPlaceholderText(
            "stored (type to replace)" if stored else
            "secret access key (kept in the system keyring)" if self.secrets.persistent else
            "secret access key (kept for this session only)")
        self._credentials_mode()
        self.objects_form.show_settings(account.object_settings(), account.name)
        self.test_result.clear()
        self.trust_offer.hide()
        self.remove_button.setEnabled(self._editing is not None)

    def _credentials_mode(self) -> None:
        by_key = self.use_key.isChecked()
        self.profile.setEnabled(not by_key)
        self.key_id.setEnabled(by_key)
        self.secret.setEnabled(by_key)

    def _account(self) -> Account:
        by_key = self.use_key.isChecked()
        profile = self.profile.currentText()
        return Account(name=self.name.text().strip(),
                       endpoint_url=self.endpoint.text().strip() or None,
                       region=self.region.text().strip() or None,
                       path_style=self.path_style.isChecked(), bucket=self.bucket.text().strip(),
                       prefix=self.prefix.text().strip(),
                       profile=None if by_key or profile == DEFAULT_CHAIN else profile,
                       access_key_id=self.key_id.text().strip() or None if by_key else None,
                       verify_tls=self.verify_tls.isChecked(),
                       ca_bundle=self.ca_bundle.text().strip() or None, objects=self._objects())

    def _objects(self) -> dict:
        """The New objects tab as accounts.json keeps it; {} while it cannot be read
        (``_problem`` says why before anything is saved)."""
        try:
            return json.loads(self.objects_form.settings().to_json())
        except SettingError:
            return {}

    def _problem(self, account: Account) -> str:
        if not account.name:
            return "Give the account a name."
        if account.name != self._editing and self.book.get(account.name):
            return f"There is already an account called {account.name}."
        if not account.bucket:
            return "Enter the bucket to upload to."
        try:
            self.objects_form.settings()
        except SettingError as e:
            return f"New objects: {e}"
        return self._connection_problem(account)

    def _connection_problem(self, account: Account) -> str:
        """What stops a connection before it is tried (shared by Save and Test connection)."""
        if account.endpoint_url and not account.endpoint_url.startswith(("https://", "http://")):
            return "The endpoint URL must start with https:// or http://."
        if account.verify_tls and account.ca_bundle and bundle_problem(account.ca_bundle):
            return bundle_problem(account.ca_bundle)
        if self.use_key.isChecked() and not account.access_key_id:
            return "Enter the access key ID, or choose an AWS profile."
        if (self.use_key.isChecked() and not self.secret.text()
                and not self.secrets.get(self._editing or "", account.access_key_id or "")):
            return "Enter the secret access key."
        return ""

    # -- actions ----------------------------------------------------------------------
    def _add(self) -> None:
        self.list.clearSelection()
        self._show("")
        self.name.setFocus()

    def _verification_changed(self, on: bool) -> None:
        self.tls_warning.setVisible(not on)
        self.ca_bundle.setEnabled(on)          # a bundle means nothing with nothing checked
        self.browse_bundle.setEnabled(on)

    def _mark_unverified(self) -> None:
        """An account with verification off says so in the list too."""
        for row in range(self.list.count()):
            item = self.list.item(row)
            account = self.book.get(item.text())
            off = account is not None and not account.verify_tls
            item.setToolTip(TLS_OFF if off else "")
            item.setForeground(_WARNING_COLOR if off else self.list.palette().text().color())

    def _choose_bundle(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "The CA certificate that signed the store's certificate",
            self.ca_bundle.text(), "Certificates (*.pem *.crt *.cer);;All files (*)")
        self.ca_bundle.setFocus()
        if path:
            self.ca_bundle.setText(path)
            if self.trust_offer.isVisibleTo(self):     # offered after a refusal: try it now
                self.test_connection()

    def _turn_off_verification(self) -> None:
        answer = QMessageBox.warning(
            self, "Turn off TLS verification",
            "Without verification, anyone on the network path can read or alter your "
            "uploads. A CA bundle keeps the connection checked. Turn verification off for "
            "this account anyway?",
            QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Cancel)
        if answer == QMessageBox.Yes:
            self.verify_tls.setChecked(False)
            self.test_connection()

    def _keyring_state(self) -> None:
        self.keyring_note.setText(self.secrets.why_not_persistent or NO_KEYRING)
        self.keyring_note.setVisible(not self.secrets.persistent)

    def _remove(self) -> None:
        if self._editing is None:
            return
        answer = QMessageBox.question(
            self, "Remove account",
            f"Remove the account {self._editing} and its stored secret?")
        if answer != QMessageBox.Yes:
            return
        account = self.book.get(self._editing)
        if account and account.access_key_id:
            self.secrets.delete(account.name, account.access_key_id)
        if account:
            self.objects_form.forget_key(account.name, account.object_settings())
        self.book.remove(self._editing)
        self.book.save()
        self.list.takeItem(self.list.currentRow())
        if not self.book.accounts:
            self._add()

    def save(self) -> bool:
        account = self._account()
        problem = self._problem(account)
        if problem:
            QMessageBox.warning(self, "Account not saved", problem)
            return False
        previous = self.book.get(self._editing) if self._editing else None
        slot = (account.name, account.access_key_id)
        old_slot = (previous.name, previous.access_key_id) if previous else (None, None)
        if account.access_key_id and (self.secret.text() or slot != old_slot):
            # _problem made sure there is one: typed now, or stored under the old name.
            secret = self.secret.text() or self.secrets.get(self._editing, account.access_key_id)
            self.secrets.set(account.name, account.access_key_id, secret)
        if old_slot[1] and old_slot != slot:
            self.secrets.delete(*old_slot)     # renamed, new key or now a profile: no orphan
        self.objects_form.keep_key(account.name, self._editing)
        self._keyring_state()         # the keyring may have refused the secret just now
        self.book.upsert(account, old_name=self._editing)
        self.book.save()
        if self._editing is None:
            self.list.addItem(account.name)
        else:
            self.list.currentItem().setText(account.name)
        self._editing = account.name
        self._mark_unverified()
        self.list.setCurrentRow([a.name for a in self.book.accounts].index(account.name))
        self.secret.clear()
        return True

    def test_connection(self) -> None:
        account = self._account()
        problem = (self._connection_problem(account) if account.bucket
                   else "Enter the bucket to test.")
        if problem:
            self._report(False, problem)
            return
        # Error messages name the account; an unsaved one has no name yet.
        destination = replace(account.destination(), account=account.name or "New account")
        secret = None
        if account.access_key_id:
            # Typed (and not saved yet), or the one stored for this account.
            secret = TypedSecret(self.secret.text() or self.secrets.get(
                self._editing or "", account.access_key_id) or "")
        test = ConnectionTest(destination, secret)
        test.signals.done.connect(
            lambda ok, text, code: self._report(ok, text, code, bool(account.ca_bundle)))
        self._tests.add(test)
        test.signals.done.connect(lambda *_: self._tests.discard(test))
        self.test_button.setEnabled(False)
        self.test_button.setText("Testing…")
        self.busy.show()
        self.test_result.setStyleSheet("")
        self.test_result.setText(f"Checking bucket {account.bucket}…")
        self.trust_offer.hide()
        QThreadPool.globalInstance().start(test)

    def _report(self, ok: bool, text: str, code: str = "", tried_bundle: bool = False) -> None:
        self.test_button.setEnabled(True)
        self.test_button.setText("Test connection")
        self.busy.hide()
        self.test_result.setStyleSheet("color: #1e7b34;" if ok else "color: #b3261e;")
        self.test_result.setText(("✓ " if ok else "✗ ") + text)
        self.trust_offer.offer(code, tried_bundle)
