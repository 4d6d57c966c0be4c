"""One watched folder, added or changed: folder, account, prefix, rules, settle time, --delete.

What the engine refuses (a folder that is not one; another watched folder of the
same name under the same prefix) is said in the dialog, which stays open to fix it.
Turning "delete on the server" on asks first.
"""

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
)

from hoist.core.checkpoint.watches import DEFAULT_EXCLUDES, DEFAULT_SETTLE, Watch

DELETE_QUESTION = ("When a file is deleted from this folder, Hoist will delete the object it "
                   "sent from the bucket too. It never does so while the folder is missing "
                   "or unmounted, and each deletion is logged.\n\nTurn this on?")


class WatchEditDialog(QDialog):
    """Edits ``watch`` (a new one if None) for ``accounts``; ``saved`` is the engine's
    WatchInfo once accepted. ``ask(title, text)`` confirms (a test answers it)."""

    def __init__(self, manager, accounts, watch: Watch | None = None, parent=None, ask=None):
        super().__init__(parent)
        self.setWindowTitle("Change watched folder" if watch else "Watch a folder")
        self.manager, self.accounts = manager, list(accounts)
        self.watch = watch
        self.saved = None
        self.ask = ask or (lambda title, text: QMessageBox.question(
            self, title, text) == QMessageBox.Yes)
        self.folder = QLineEdit(watch.folder if watch else "")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder)
        row.addWidget(browse)
        self.account = QComboBox()
        for account in self.accounts:
            self.account.addItem(f"{account.name} — s3://{account.bucket}/", account.name)
        if watch is not None and self.account.findData(watch.account) >= 0:
            self.account.setCurrentIndex(self.account.findData(watch.account))
        self.prefix = QLineEdit(watch.prefix if watch else "")
        self.prefix.setPlaceholderText("e.g. photos/2026/ (keys: PREFIX + folder name + path)")
        self.excludes = QLineEdit(", ".join(g for k, g in (watch.rules if watch else ())
                                            if k == "exclude"))
        self.excludes.setPlaceholderText("more patterns to leave out, e.g. **/*.log, cache/**")
        self.settle = QDoubleSpinBox(minimum=0.1, maximum=3600.0, decimals=1, suffix=" s")
        self.settle.setValue(watch.settle if watch else DEFAULT_SETTLE)
        self.delete = QCheckBox("Also delete on the server what is deleted here")
        self.delete.setChecked(bool(watch and watch.delete))
        self.delete.toggled.connect(self._on_delete_toggled)
        form = QFormLayout()
        form.addRow("Folder:", row)
        form.addRow("Upload to:", self.account)
        form.addRow("Prefix:", self.prefix)
        form.addRow("Leave out:", self.excludes)
        form.addRow("", QLabel("Always left out: " + ", ".join(DEFAULT_EXCLUDES)))
        form.addRow("Send once unchanged for:", self.settle)
        form.addRow("", self.delete)
        self.error = QLabel(wordWrap=True, objectName="watchError")
        self.error.setStyleSheet("color: #b00020")
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder to watch", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def _on_delete_toggled(self, on: bool) -> None:
        if on and not self.ask("Delete on the server too?", DELETE_QUESTION):
            self.delete.blockSignals(True)
            self.delete.setChecked(False)
            self.delete.blockSignals(False)

    def result_watch(self) -> Watch:
        account = next((a for a in self.accounts if a.name == self.account.currentData()), None)
        rules = tuple(("exclude", glob.strip()) for glob in self.excludes.text().split(",")
                      if glob.strip())
        base = self.watch or Watch(folder="", bucket="")
        watch = replace(base, folder=self.folder.text().strip(), prefix=self.prefix.text(),
                        rules=rules, settle=self.settle.value(), delete=self.delete.isChecked())
        if account is not None:
            watch = watch.with_destination(account.destination())
        return watch

    def save(self) -> None:
        """Ask the engine to save it; what it refuses is shown here, and the dialog stays."""
        if self.account.currentData() is None:
            self._say("Add an account first (Accounts…): a watch needs a bucket to send to.")
            return
        try:
            self.saved = self.manager.save_watch(self.result_watch())
        except Exception as error:         # WatchError: what to change, in words
            self._say(str(error))
            return
        self.accept()

    def _say(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
