"""The bandwidth schedule in Preferences and the status bar, with the clock driven by the test."""

from datetime import datetime

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from hoist.core.policy.planner import MiB
from hoist.core.settings.preferences import Preferences
from hoist.ui.dialogs.preferences import PreferencesDialog
from hoist.ui.dialogs.schedule_edit import ScheduleEdit

MONDAY_10 = datetime(2026, 11, 23, 10, 0)
OFFICE = "Mon-Fri-09:00,2MiB/s Mon-Fri-18:00,off"


def test_editor_explains_a_valid_schedule_and_refuses_a_bad_one(qtbot):
    edit = ScheduleEdit(OFFICE, now=lambda: MONDAY_10)
    qtbot.addWidget(edit)
    assert edit.valid
    assert edit.preview.text().startswith("Now: Limited to 2.0 MiB/s until 18:00.")
    with qtbot.waitSignal(edit.validity_changed) as seen:
        edit.line.setText("Mon-25:00,1M")
    assert seen.args == [False]
    assert "Cannot use this schedule" in edit.preview.text() and "not a time" in edit.preview.text()
    edit.line.clear()
    assert edit.valid and edit.preview.text().startswith("No schedule")


def test_dialog_keeps_the_schedule_and_greys_out_the_fixed_limit(qtbot):
    dialog = PreferencesDialog(Preferences(bandwidth_limit=5 * MiB))
    qtbot.addWidget(dialog)
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.Ok)
    assert dialog.bandwidth.isEnabled() and ok.isEnabled()
    dialog.schedule.line.setText(OFFICE)
    assert not dialog.bandwidth.isEnabled()
    assert dialog.result_preferences().bandwidth_schedule == OFFICE
    dialog.schedule.line.setText("whenever,fast")
    assert not ok.isEnabled()                 # a timetable it cannot read is not saved
    dialog.schedule.line.setText("")
    assert ok.isEnabled() and dialog.bandwidth.isEnabled()
    assert dialog.result_preferences().bandwidth_schedule == ""


def test_preferences_file_keeps_the_schedule(tmp_path):
    path = tmp_path / "preferences.json"
    Preferences(bandwidth_schedule=OFFICE).save(path)
    assert Preferences.load(path).bandwidth_schedule == OFFICE


@pytest.fixture
def window(qtbot, data_dir):
    from hoist.ui.main import Session
    data_dir.mkdir(parents=True, exist_ok=True)
    Preferences(bandwidth_schedule=OFFICE).save(data_dir / "preferences.json")
    session = Session(data_dir)
    session.window.show()
    qtbot.waitExposed(session.window)
    yield session.window
    session.close()


def test_window_applies_the_schedule_and_shows_it_in_the_status_bar(window):
    window.apply_schedule(now=lambda: MONDAY_10)
    assert window.limit_label.isVisible()
    assert window.limit_label.text() == "Limited to 2.0 MiB/s until 18:00"
    assert window.manager.config.bandwidth_limit == 2 * MiB
    evening = datetime(2026, 11, 23, 19, 0)
    window.apply_schedule(now=lambda: evening)
    assert window.limit_label.text() == "Unlimited until Tue 09:00"
    assert window.manager.config.bandwidth_limit == 0
    window.prefs = Preferences()              # schedule removed in Preferences
    window.apply_schedule()
    assert not window.limit_label.isVisible()
