"""Preferences: a preset or your own caps and part size, bandwidth limit and schedule,
start-up and closing behaviour, how long completed uploads stay listed."""

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QVBoxLayout,
)

from hoist.core.policy.planner import MiB
from hoist.core.settings.config import MAX_FILES_AT_ONCE, MAX_PARTS_IN_FLIGHT
from hoist.core.settings.preferences import Preferences
from hoist.core.settings.presets import PRESETS
from hoist.ui.dialogs.schedule_edit import ScheduleEdit

MIN_PART_MIB, MAX_PART_MIB = 5, 5120        # S3: 5 MiB to 5 GiB a part
CUSTOM = "custom"
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


def _plural(box: QSpinBox, one: str, many: str) -> None:
    """ "1 file", "3 files": the suffix follows the value."""
    def follow(value):
        box.setSuffix(one if value == 1 else many)
    box.valueChanged.connect(follow)
    follow(box.value())


def _boxes_of(preset) -> tuple:
    """A preset as the boxes show it: (files, parts per file, part size in MiB)."""
    return (preset.files_at_once, preset.parts_per_file,
            _mib(preset.part_size) if preset.part_size else None)


def _mib(size: int) -> int:
    """Bytes to whole MiB, never rounding a small non-zero value down to zero."""
    return -(-size // MiB)


class PreferencesDialog(QDialog):
    def __init__(self, prefs: Preferences, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self._prefs = prefs
        self.preset = QComboBox()
        for preset in PRESETS.values():
            self.preset.addItem(preset.label, preset.name)
        self.preset.addItem("Custom", CUSTOM)
        self.preset_text = QLabel(wordWrap=True)
        self.preset_text.setStyleSheet("color: palette(placeholder-text);")
        self.files = _spin(1, MAX_FILES_AT_ONCE, prefs.files_at_once, " files")
        _plural(self.files, " file", " files")
        self.files.setToolTip("Big files (multipart uploads) sending at once. Files smaller than "
                              "one part go in a single request each, many at a time, like parts.")
        self.parts = _spin(0, MAX_PARTS_IN_FLIGHT, prefs.parts_per_file or 0, " parts", AUTOMATIC)
        _plural(self.parts, " part", " parts")
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
        chosen = prefs.chosen_preset()
        self.preset.setCurrentIndex(self.preset.findData(chosen.name if chosen else CUSTOM))
        self.preset.currentIndexChanged.connect(self._apply_preset)
        for box in (self.files, self.parts, self.part_size):
            box.valueChanged.connect(self._follow_boxes)
        self._show_preset()
        transfers = QGroupBox("Transfers")
        form = QFormLayout(transfers)
        form.addRow("Preset:", self.preset)
        form.addRow("", self.preset_text)
        form.addRow("Files at once:", self.files)
        form.addRow("Parts in flight per file:", self.parts)
        form.addRow("Part size:", self.part_size)
        form.addRow("Bandwidth limit:", self.bandwidth)
        form.addRow("Schedule:", self.schedule)
        form.addRow(self.budget)

        self.auto_resume = QCheckBox("Resume unfinished transfers when Hoist starts")
        self.auto_resume.setChecked(prefs.auto_resume)
        self.close_to_tray = QCheckBox("Closing the window keeps transfers running in the tray")
        self.close_to_tray.setChecked(prefs.close_to_tray)
        self.ask_before_quit = QCheckBox("Ask before quitting while transfers run")
        self.ask_before_quit.setChecked(prefs.ask_before_quit)
        self.history = _spin(0, 3650, prefs.history_days, " days", "until cleared")
        _plural(self.history, " day", " days")
        self.history.setToolTip("Completed transfers come back to the list when Hoist starts, "
                                "until Clear completed, or for this long after they finished.")
        behaviour = QGroupBox("Start-up and closing")
        column = QVBoxLayout(behaviour)
        for box in (self.auto_resume, self.close_to_tray, self.ask_before_quit):
            column.addWidget(box)
        history = QFormLayout()
        history.addRow("Keep completed transfers in the list:", self.history)
        column.addLayout(history)

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

    def _apply_preset(self) -> None:
        """A named preset fills the boxes (Custom leaves them as they are)."""
        preset = PRESETS.get(self.preset.currentData())
        if preset is not None:
            self._setting = True
            self.files.setValue(preset.files_at_once)
            self.parts.setValue(preset.parts_per_file or 0)
            self.part_size.setValue(_mib(preset.part_size) if preset.part_size else MIN_PART_MIB - 1)
            self._setting = False
        self._show_preset()

    def _follow_boxes(self) -> None:
        """Boxes changed by hand show the preset they now match, or Custom."""
        if getattr(self, "_setting", False):
            return
        match = next((p.name for p in PRESETS.values() if self._boxes() == _boxes_of(p)), CUSTOM)
        if match != self.preset.currentData():
            self.preset.blockSignals(True)
            self.preset.setCurrentIndex(self.preset.findData(match))
            self.preset.blockSignals(False)
            self._show_preset()

    def _boxes(self) -> tuple:
        part_size = self.part_size.value()
        return (self.files.value(), self.parts.value() or None,
                part_size if part_size >= MIN_PART_MIB else None)

    def _show_preset(self) -> None:
        preset = PRESETS.get(self.preset.currentData())
        self.preset_text.setText(f"For {preset.purpose}. Sets {preset.describe()}." if preset
                                 else "Your own settings below.")

    def _show_budget(self) -> None:
        """Say what the caps add up to: parts in flight in total are capped (see Preferences)."""
        config = self.result_preferences().transfer_config()
        if config.parts_per_file is None:
            self.budget.setText("Parts in flight follow the measured link, at most "
                                f"{config.max_parts_in_flight} at once across all files.")
            return
        parts = min(config.max_parts_in_flight, config.files_at_once * config.parts_per_file)
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
        return replace(self._prefs, preset=self.preset.currentData(),
                       files_at_once=self.files.value(),
                       parts_per_file=self.parts.value() or None, part_size=part_size,
                       bandwidth_limit=bandwidth, bandwidth_schedule=self.schedule.text(),
                       auto_resume=self.auto_resume.isChecked(),
                       close_to_tray=self.close_to_tray.isChecked(),
                       ask_before_quit=self.ask_before_quit.isChecked(),
                       history_days=self.history.value())
