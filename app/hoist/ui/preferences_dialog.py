"""Preferences: caps, part size, bandwidth limit and schedule, start-up and closing behaviour."""

from dataclasses import replace

from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QGroupBox,
                               QLabel, QSpinBox, QVBoxLayout)

from hoist.core.config import MAX_FILES_AT_ONCE, MAX_PARTS_IN_FLIGHT
from hoist.core.planner import MiB
from hoist.core.preferences import Preferences
from hoist.ui.schedule_edit import ScheduleEdit

MIN_PART_MIB, MAX_PART_MIB = 5, 5120        # S3: 5 MiB to 5 GiB a part
AUTOMATIC = "Automatic"     # shown at one below the lowest real value: None in the preferences


def _spin(low: int, high: int, value: int, suffix: str = "", special: str = "") -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setSuffix(suffix)
    if special:
        box.setSpecialValueText(special)     # shown instead of the lowest value
    box.setMinimumWidth(130)
    return box


def _mib(size: int) -> int:
    """Bytes to whole MiB, never rounding a small non-zero value down to zero."""
    return -(-size // MiB)


class PreferencesDialog(QDialog):
    def __init__(self, prefs: Preferences, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self._prefs = prefs
        self.files = _spin(1, MAX_FILES_AT_ONCE, prefs.files_at_once, " files")
        self.parts = _spin(0, MAX_PARTS_IN_FLIGHT, prefs.parts_per_file or 0, " parts", AUTOMATIC)
        self.parts.setToolTip("Automatic: more parts in flight while that raises the measured "
                              "throughput.")
        self.part_size = _spin(MIN_PART_MIB - 1, MAX_PART_MIB,
                               _mib(prefs.part_size) if prefs.part_size else MIN_PART_MIB - 1,
                               " MiB", AUTOMATIC)
        self.part_size.setToolTip("Automatic: chosen per file from its size and the measured "
                                  "link. Bigger files use bigger parts when needed: S3 allows "
                                  "at most 10,000 parts per file.")
        self.bandwidth = _spin(0, 100_000, _mib(prefs.bandwidth_limit), " MiB/s", "Unlimited")
        self.bandwidth.setToolTip("Applies to all uploads together, immediately.")
        self.schedule = ScheduleEdit(prefs.bandwidth_schedule)
        self.budget = QLabel()
        self.budget.setWordWrap(True)
        self.budget.setStyleSheet("color: palette(placeholder-text);")
        for box in (self.files, self.parts):
            box.valueChanged.connect(self._show_budget)
        transfers = QGroupBox("Transfers")
        form = QFormLayout(transfers)
        form.addRow("Files at once:", self.files)
        form.addRow("Parts in flight per file:", self.parts)
        form.addRow("Part size:", self.part_size)
        form.addRow("Bandwidth limit:", self.bandwidth)
        form.addRow("Schedule:", self.schedule)
        form.addRow(self.budget)

        self.auto_resume = QCheckBox("Resume unfinished uploads when Hoist starts")
        self.auto_resume.setChecked(prefs.auto_resume)
        self.close_to_tray = QCheckBox("Closing the window keeps uploading in the tray")
        self.close_to_tray.setChecked(prefs.close_to_tray)
        self.ask_before_quit = QCheckBox("Ask before quitting while uploads run")
        self.ask_before_quit.setChecked(prefs.ask_before_quit)
        behaviour = QGroupBox("Start-up and closing")
        column = QVBoxLayout(behaviour)
        for box in (self.auto_resume, self.close_to_tray, self.ask_before_quit):
            column.addWidget(box)

        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.Ok)
        self.schedule.validity_changed.connect(self.ok_button.setEnabled)
        self.ok_button.setEnabled(self.schedule.valid)
        # a schedule sets the limit itself; the fixed limit is greyed out while there is one
        self.schedule.line.textChanged.connect(
            lambda: self.bandwidth.setEnabled(not self.schedule.text()))
        self.bandwidth.setEnabled(not self.schedule.text())
        layout = QVBoxLayout(self)
        layout.addWidget(transfers)
        layout.addWidget(behaviour)
        layout.addWidget(buttons)
        self._show_budget()

    def _show_budget(self) -> None:
        """Say what the caps add up to: parts in flight in total are capped (see Preferences)."""
        config = self.result_preferences().transfer_config()
        if config.parts_per_file is None:
            self.budget.setText("Parts in flight follow the measured link, at most "
                                f"{config.max_parts_in_flight} at once across all files.")
            return
        parts = min(config.parts_total, config.files_at_once * config.parts_per_file)
        self.budget.setText(f"At most {parts} parts are sent at once across all files.")

    def result_preferences(self) -> Preferences:
        # An unchanged box keeps the exact stored value (it may not be a whole MiB).
        part_size = self.part_size.value() * MiB
        if self.part_size.value() < MIN_PART_MIB:
            part_size = None
        elif self._prefs.part_size and self.part_size.value() == _mib(self._prefs.part_size):
            part_size = self._prefs.part_size
        bandwidth = self.bandwidth.value() * MiB
        if self.bandwidth.value() == _mib(self._prefs.bandwidth_limit):
            bandwidth = self._prefs.bandwidth_limit
        return replace(self._prefs, files_at_once=self.files.value(),
                       parts_per_file=self.parts.value() or None, part_size=part_size,
                       bandwidth_limit=bandwidth, bandwidth_schedule=self.schedule.text(),
                       auto_resume=self.auto_resume.isChecked(),
                       close_to_tray=self.close_to_tray.isChecked(),
                       ask_before_quit=self.ask_before_quit.isChecked())
