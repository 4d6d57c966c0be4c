"""The data directory's set-up: owner-only logs, rotations too."""

import logging
import os
import stat

import pytest

from hoist.core.settings.datadir import (
    ENGINE_LOG_NAME,
    LOG_NAME,
    setup_logging,
)

posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX modes")
pytestmark = pytest.mark.usefixtures("umask_022")


@pytest.fixture(autouse=True)
def hoist_logger():
    """setup_logging changes the process's "hoist" logger: put it back for the next test."""
    root = logging.getLogger("hoist")
    handlers, propagate, level = list(root.handlers), root.propagate, root.level
    yield root
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.propagate, root.level = propagate, level


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@posix_only
@pytest.mark.parametrize("name", [LOG_NAME, ENGINE_LOG_NAME])
def test_the_log_and_its_rotations_are_owner_only(tmp_path, hoist_logger, name):
    directory = tmp_path / "data"
    assert setup_logging(directory, name=name) == directory / name
    [handler] = hoist_logger.handlers
    for n in range(2):
        logging.getLogger("hoist.test").info("line %d", n)
        handler.doRollover()
    logging.getLogger("hoist.test").info("after the rotations")
    assert mode(directory) == 0o700
    assert sorted(p.name for p in directory.iterdir()) == [name, f"{name}.1", f"{name}.2"]
    assert {p.name: mode(p) for p in directory.iterdir()} == dict.fromkeys(
        [name, f"{name}.1", f"{name}.2"], 0o600)
