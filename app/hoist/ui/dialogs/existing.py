"""Asks what to do when an upload's key already exists in the bucket."""

import posixpath

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QVBoxLayout,
)

from hoist.core.remote.naming import keep_both_key

OVERWRITE, SKIP, KEEP_BOTH = "overwrite", "skip", "keep_both"


class ExistingObjectDialog(QDialog):
    """Overwrite, Skip or Keep both; ``apply_to_all`` covers the rest of a batch.

    ``key`` may already be a full ``s3://bucket/key``; otherwise ``bucket``, when
    given, makes it one. After ``exec()``: ``choice`` and ``apply_to_all``.
    """

    def __init__(self, key: str, remaining: int = 0, parent=None, *, bucket: str | None = None):
        super().__init__(parent)
        self.setWindowTitle("File already in the bucket")
        self.choice = SKIP               # closing the dialog must never overwrite
        self.apply_to_all = False
        uri = key if key.startswith("s3://") or not bucket else f"s3://{bucket}/{key}"
        picture = QLabel()
        picture.setPixmap(self.style().standardIcon(QStyle.SP_MessageBoxQuestion).pixmap(40, 40))
        renamed = posixpath.basename(keep_both_key(key, lambda _key: False))
        text = QLabel(f"<b>{_escape(uri)}</b> already exists.<br><br>"
                      "Overwrite it, skip this file, or keep both by uploading this one "
                      f"as “{_escape(renamed)}” (or the next free number)?")
        text.setWordWrap(True)
        text.setMinimumWidth(420)
        head = QHBoxLayout()
        head.addWidget(picture, 0)
        head.addWidget(text, 1)
        self._all = QCheckBox(f"Apply to all {remaining} remaining "
                              f"{'file' if remaining == 1 else 'files'} that already exist")
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
        layout.addLayout(head)
        layout.addWidget(self._all)
        layout.addWidget(buttons)
        keep.setFocus()

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.apply_to_all = not self._all.isHidden() and self._all.isChecked()
        self.accept()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
