"""RestoreDialog: how long a restored copy of archived objects stays, and how fast it comes."""

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox

from hoist.core.remote.browse.changes import TIERS

TIER_NOTES = {"Standard": "Standard: within about 3–5 hours (12 for Deep Archive)",
              "Bulk": "Bulk: cheapest, within about 5–12 hours (48 for Deep Archive)",
              "Expedited": "Expedited: 1–5 minutes, Glacier Flexible Retrieval only"}


class RestoreDialog(QDialog):
    def __init__(self, count: int, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Restore archived objects")
        form = QFormLayout(self)
        what = "this object" if count == 1 else f"these {count:,} objects"
        intro = QLabel(f"S3 makes a temporary copy of {what} that can be downloaded; "
                       "the archived object stays as it is.", self, wordWrap=True)
        form.addRow(intro)
        self.days_box = QSpinBox(self, minimum=1, maximum=365, value=7, suffix=" days")
        form.addRow("Keep the copy for:", self.days_box)
        self.tier_box = QComboBox(self)
        for tier in TIERS:
            self.tier_box.addItem(TIER_NOTES[tier], tier)
        form.addRow("Speed:", self.tier_box)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, parent=self)
        buttons.button(QDialogButtonBox.Ok).setText("Restore")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    @property
    def days(self) -> int:
        return self.days_box.value()

    @property
    def tier(self) -> str:
        return self.tier_box.currentData()
