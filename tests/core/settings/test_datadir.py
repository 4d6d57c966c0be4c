"""The data directory's set-up: owner-only logs (rotations too), tightening what an older run
left readable, leaving a shared directory's mode alone, and no secret in a log line."""

import logging
import os
import stat

import pytest

from hoist.core.settings.datadir import (
    ENGINE_LOG_NAME,
    LOG_NAME,
    RedactingFilter,
    data_dir,
    setup_logging,
)

posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX modes")
pytestmark = pytest.mark.usefixtures("umask_022")
SIG = "0123456789abcdef" * 4
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLEsessiontoken"


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


def tightening_lines(directory) -> list[str]:
    return [line for line in (directory / LOG_NAME).read_text().splitlines()
            if "made owner-only" in line]


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


@posix_only
def test_files_an_older_run_left_readable_are_tightened_and_logged_once(tmp_path, monkeypatch):
    monkeypatch.delenv("HOIST_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    directory = data_dir()                     # the platform's place: Hoist's own
    directory.mkdir(parents=True)              # as an older Hoist made it, under umask 022
    for name in ("checkpoints.sqlite3", "checkpoints.sqlite3-wal", "accounts.json",
                 "hoist.log", "hoist-engine.log.1", "preferences.json"):
        (directory / name).write_text("")
    os.chmod(directory / "preferences.json", 0o640)
    (directory / "README.txt").write_text("the user's own notes")
    setup_logging(directory)
    assert mode(directory) == 0o700
    assert {p.name: mode(p) for p in directory.iterdir() if p.name != "README.txt"} == {
        name: 0o600 for name in ("checkpoints.sqlite3", "checkpoints.sqlite3-wal",
                                 "accounts.json", "hoist.log", "hoist-engine.log.1",
                                 "preferences.json")}
    assert mode(directory / "README.txt") == 0o644        # not Hoist's
    [line] = tightening_lines(directory)
    assert "checkpoints.sqlite3-wal" in line and "accounts.json" in line
    setup_logging(directory)                   # the next start: nothing left to say
    assert len(tightening_lines(directory)) == 1


@posix_only
def test_a_shared_directory_is_warned_about_not_changed(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o775)
    os.chmod(shared, 0o775)
    (shared / "accounts.json").write_text("{}")
    (shared / "team-notes.txt").write_text("not Hoist's")
    monkeypatch.setenv("HOIST_DATA_DIR", str(shared))
    setup_logging(data_dir())
    assert mode(shared) == 0o775               # the user's call, not Hoist's
    assert mode(shared / "team-notes.txt") == 0o644
    assert mode(shared / "accounts.json") == mode(shared / LOG_NAME) == 0o600
    warnings = [line for line in (shared / LOG_NAME).read_text().splitlines()
                if "can be read by other users" in line]
    assert len(warnings) == 1 and "WARNING" in warnings[0] and str(shared) in warnings[0]


@posix_only
def test_a_directory_hoist_made_earlier_with_hoist_data_dir_draws_no_warning(tmp_path,
                                                                            monkeypatch):
    monkeypatch.setenv("HOIST_DATA_DIR", str(tmp_path / "mine"))
    setup_logging(data_dir())
    setup_logging(data_dir())
    text = (tmp_path / "mine" / LOG_NAME).read_text()
    assert "other users" not in text and "owner-only" not in text


def test_secrets_are_redacted_in_the_log_and_on_stderr(tmp_path, capsys):
    directory = tmp_path / "data"
    setup_logging(directory, verbose=True)
    log = logging.getLogger("hoist.test")
    log.warning("sent %s", f"Authorization: AWS4-HMAC-SHA256 Credential=AKID/x, Signature={SIG}")
    log.info("url https://b.s3.amazonaws.com/k?X-Amz-Security-Token=%s&X-Amz-Signature=%s",
             TOKEN, SIG)
    try:
        raise RuntimeError(f"quoted x-amz-security-token: {TOKEN}")
    except RuntimeError:
        log.exception("a failure")
    text, err = (directory / LOG_NAME).read_text(), capsys.readouterr().err
    for output in (text, err):
        assert "a failure" in output and "RuntimeError" in output and "[redacted]" in output
        assert SIG not in output and TOKEN not in output


def test_the_filter_leaves_a_record_it_cannot_format_to_the_handler():
    record = logging.LogRecord("hoist.x", logging.INFO, __file__, 1, "%d items", ("many",), None)
    assert RedactingFilter().filter(record) is True
    assert record.msg == "%d items"


def test_boto_loggers_set_to_debug_beforehand_are_quietened(tmp_path):
    """At DEBUG botocore prints each request's headers: its signature and session token."""
    for name in ("botocore.endpoint", "urllib3.connectionpool"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        setup_logging(tmp_path / "data")
        for name in ("botocore.endpoint", "urllib3.connectionpool", "botocore", "s3transfer"):
            assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING, name
    finally:
        for name in ("botocore.endpoint", "urllib3.connectionpool"):
            logging.getLogger(name).setLevel(logging.NOTSET)
