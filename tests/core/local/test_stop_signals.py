"""The signals that stop Hoist cleanly: SIGINT and SIGTERM everywhere, SIGBREAK where it exists."""

import signal

from hoist.core.local.stop_signals import stop_signals


def test_posix_stops_on_sigint_and_sigterm(monkeypatch):
    monkeypatch.delattr(signal, "SIGBREAK", raising=False)
    assert stop_signals() == (signal.SIGINT, signal.SIGTERM)


def test_windows_also_stops_on_ctrl_break(monkeypatch):
    monkeypatch.setattr(signal, "SIGBREAK", 21, raising=False)     # its number on Windows
    assert stop_signals() == (signal.SIGINT, signal.SIGTERM, 21)
