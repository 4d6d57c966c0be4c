"""Fixtures the dialog tests share."""

import pytest
from PySide6.QtWidgets import QMessageBox


@pytest.fixture
def warnings(monkeypatch) -> list[str]:
    """Validation messages a dialog would have shown in a message box."""
    shown = []
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda _parent, _title, text, *a, **k: shown.append(text) or QMessageBox.Ok)
    return shown
