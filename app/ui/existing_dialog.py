"""Asks what to do when an upload's key already exists in the bucket."""

from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QLabel, QPushButton,
                               QVBoxLayout)

OVERWRITE, SKIP, KEEP_BOTH = "overwrite", "skip", "keep_both"


class ExistingObjectDialog(QDialog):
    """Overwrite, Skip or Keep both; ``apply_to_all`` covers the rest of a batch."""

    def __init__(self, key: str, remaining: int = 0, parent=None):
        super().__init__(parent)
        self.setWindowTitle("File already in the bucket")
        self.choice = SKIP
        self.apply_to_all = False
        text = QLabel(f"<b>{_escape(key)}</b> already exists in the bucket.<br><br>"
                      "Overwrite it, skip this file, or keep both by uploading this one "
                      "under a new name?")
        text.setWordWrap(True)
        text.setMinimumWidth(420)
        self._all = QCheckBox(f"Do the same for the {remaining} other file(s) that exist")
        self._all.setVisible(remaining > 0)
        buttons = QDialogButtonBox()
        for label, choice, role in (("Overwrite", OVERWRITE, QDialogButtonBox.DestructiveRole),
                                    ("Keep both", KEEP_BOTH, QDialogButtonBox.AcceptRole),
                                    ("Skip", SKIP, QDialogButtonBox.RejectRole)):
            button = QPushButton(label)
            button.clicked.connect(lambda _=False, c=choice: self._choose(c))
            buttons.addButton(button, role)
            button.setAutoDefault(False)
            if choice == KEEP_BOTH:          # the safe choice answers Enter and has the focus
                button.setDefault(True)
                keep = button
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self._all)
        layout.addWidget(buttons)
        keep.setFocus()

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.apply_to_all = not self._all.isHidden() and self._all.isChecked()
        self.accept()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
