"""Where the data directory is on each platform (``sys.platform`` as each would say it)."""

import sys
from pathlib import Path

import pytest

from hoist.core.settings.datadir import data_dir


@pytest.fixture
def home(monkeypatch, tmp_path) -> Path:
    monkeypatch.delenv("HOIST_DATA_DIR", raising=False)
    for name in ("XDG_DATA_HOME", "APPDATA", "LOCALAPPDATA"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_hoist_data_dir_wins_everywhere(monkeypatch, home):
    monkeypatch.setenv("HOIST_DATA_DIR", "~/elsewhere")
    for platform in ("linux", "darwin", "win32"):
        monkeypatch.setattr(sys, "platform", platform)
        assert data_dir() == home / "elsewhere"


def test_linux_follows_xdg(monkeypatch, home, tmp_path):
    monkeypatch.setattr(sys, "platform", "linux")
    assert data_dir() == home / ".local" / "share" / "hoist"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_dir() == tmp_path / "xdg" / "hoist"


def test_macos_uses_application_support(monkeypatch, home):
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setenv("XDG_DATA_HOME", "/ignored/on/macos")
    assert data_dir() == home / "Library" / "Application Support" / "Hoist"


def test_windows_uses_local_app_data_never_the_roaming_one(monkeypatch, home, tmp_path):
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    assert data_dir() == home / "AppData" / "Local" / "Hoist"      # LOCALAPPDATA unset
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "Local"))
    assert data_dir() == tmp_path / "Local" / "Hoist"
