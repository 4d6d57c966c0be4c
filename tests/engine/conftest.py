"""The engine tests' fixture: a fresh engine over the test's data directory."""

import pytest

from support.engine import Engine, small_config


@pytest.fixture
def engine(qtbot, data_dir):
    eng = Engine(qtbot, data_dir, small_config())
    yield eng
    eng.stop()
