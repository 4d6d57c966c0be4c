"""Where the window's engine runs, per platform (``sys.platform`` as each would say it)."""

import sys

import pytest

from hoist.engine.hosting.choice import default_engine, process_engine_supported
from hoist.engine.hosting.process import ProcessManager
from support.engine import small_config


@pytest.mark.parametrize("platform,engine", [("linux", "process"), ("darwin", "process"),
                                             ("win32", "thread")])
def test_each_platform_gets_its_engine(monkeypatch, platform, engine):
    monkeypatch.setattr(sys, "platform", platform)
    assert default_engine() == engine
    assert process_engine_supported() is (engine == "process")


def test_on_windows_the_engine_process_is_refused_before_anything_starts(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "platform", "win32")
    with pytest.raises(NotImplementedError, match="use a thread"):
        ProcessManager(tmp_path, small_config(), None)
    assert not (tmp_path / "checkpoints.sqlite3").exists()
