"""The writer's lock on every platform: flock here, msvcrt.locking on Windows (simulated).

Windows cannot run here, so its branch runs against :class:`support.fake_msvcrt.FakeMsvcrt`,
which keeps byte-range locks as the C runtime does and records each call; ``sys.platform``
says ``win32``, ``os.pread``/``os.pwrite`` are gone and ``fcntl`` cannot be imported, as
there. POSIX runs for real, with processes racing for one store.
"""

import errno
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hoist.core.checkpoint.file_lock import WINDOWS_LOCK_OFFSET
from hoist.core.checkpoint.store import CheckpointStore, StoreError, StoreLocked
from support.fake_msvcrt import LK_NBLCK, LK_UNLCK, FakeMsvcrt

REPO = Path(__file__).resolve().parents[3]
TESTS = REPO / "tests"
ONE_BYTE_PAST = (WINDOWS_LOCK_OFFSET, 1)


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "data" / "checkpoints.sqlite3"


def add(store, name="a.bin"):
    return store.add_task(source_path=f"/src/{name}", fingerprint=None, account="default",
                          endpoint_url=None, region=None, profile=None, bucket="bkt", key=name,
                          size=1, part_size=0, checksum_algorithm="")


def windows_like(monkeypatch, msvcrt: FakeMsvcrt) -> FakeMsvcrt:
    """This process as Windows looks to the lock: no fcntl, no pread/pwrite, msvcrt."""
    monkeypatch.setitem(sys.modules, "fcntl", None)          # `import fcntl` now fails
    monkeypatch.setitem(sys.modules, "msvcrt", msvcrt)
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.delattr(os, "pread")
    monkeypatch.delattr(os, "pwrite")
    return msvcrt


@pytest.fixture
def windows(monkeypatch) -> FakeMsvcrt:
    return windows_like(monkeypatch, FakeMsvcrt())


# -- Windows, simulated ---------------------------------------------------------------------
def test_on_windows_the_lock_is_one_byte_past_what_the_file_holds(windows, db_path):
    store = CheckpointStore.open(db_path)
    assert windows.calls == [(LK_NBLCK, *ONE_BYTE_PAST)]
    assert Path(f"{db_path}.lock").read_text() == f"{os.getpid()}\n"   # readable: not locked
    add(store)
    store.close()
    assert windows.calls[-1] == (LK_UNLCK, *ONE_BYTE_PAST) and not windows.held
    assert Path(f"{db_path}.lock").read_text().startswith("closed ")

    again = CheckpointStore.open(db_path)       # the clean-close note was read back
    assert again.checked is False and [t.key for t in again.tasks()] == ["a.bin"]
    again.close()


def test_on_windows_a_second_writer_is_told_who_holds_the_store(windows, db_path):
    store = CheckpointStore.open(db_path)
    add(store, "held")
    with pytest.raises(StoreLocked) as caught:
        CheckpointStore.open(db_path)
    assert str(caught.value) == (f"Another Hoist process (pid {os.getpid()}) is using "
                                 f"{db_path.parent}. Wait for it to finish or close it, then "
                                 "try again.")
    with CheckpointStore.open(db_path, readonly=True) as reader:     # `hoist list` meanwhile
        assert [t.key for t in reader.tasks()] == ["held"]
    store.close()
    CheckpointStore.open(db_path).close()


def test_on_windows_a_disk_that_cannot_lock_is_named(monkeypatch, db_path):
    windows_like(monkeypatch, FakeMsvcrt(fail_errno=errno.EINVAL))
    with pytest.raises(StoreError, match="cannot lock .*keep its data directory on a local disk"):
        CheckpointStore.open(db_path)


# Blocks fcntl from the first import on, then opens the store as Windows would.
WITHOUT_FCNTL = r"""
import os, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "fcntl":
            raise ModuleNotFoundError("No module named 'fcntl'", name=name)
sys.meta_path.insert(0, Block())
sys.modules.pop("fcntl", None)
from pathlib import Path
from hoist.core.checkpoint.store import CheckpointStore
from support.fake_msvcrt import FakeMsvcrt
sys.modules["msvcrt"] = msvcrt = FakeMsvcrt()
sys.platform = "win32"
del os.pread, os.pwrite
store = CheckpointStore.open(Path(sys.argv[1]))
store.add_task(source_path="/src/x", fingerprint=None, account="default", endpoint_url=None,
               region=None, profile=None, bucket="bkt", key="x", size=1, part_size=0,
               checksum_algorithm="")
store.close()
print(len(msvcrt.calls), "fcntl" in sys.modules and sys.modules["fcntl"] is not None)
"""


def test_the_store_imports_and_opens_where_fcntl_does_not_exist(db_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "app"), str(TESTS)]))
    child = subprocess.run([sys.executable, "-c", WITHOUT_FCNTL, str(db_path)], env=env,
                           capture_output=True, text=True, timeout=60)
    assert child.returncode == 0, child.stderr
    assert child.stdout.split() == ["2", "False"]          # lock, unlock; fcntl never loaded
    with CheckpointStore.open(db_path, readonly=True) as reader:
        assert [t.key for t in reader.tasks()] == ["x"]


# -- POSIX, for real ------------------------------------------------------------------------
RACER = r"""
import os, sys
from pathlib import Path
from hoist.core.checkpoint.store import CheckpointStore, StoreLocked
sys.stdin.readline()                                   # everyone starts at once
try:
    store = CheckpointStore.open(Path(sys.argv[1]))
except StoreLocked as e:
    print("locked", e, flush=True)
    sys.exit(0)
print("won", os.getpid(), flush=True)
sys.stdin.readline()
store.close()
"""


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="flock between real processes")
def test_processes_racing_for_the_store_leave_one_writer(db_path):
    db_path.parent.mkdir(parents=True)
    racers = [subprocess.Popen([sys.executable, "-c", RACER, str(db_path)], cwd=REPO,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
              for _ in range(4)]
    try:
        for racer in racers:
            racer.stdin.write("go\n")
        for racer in racers:
            racer.stdin.flush()
        said = {racer.pid: racer.stdout.readline().split() for racer in racers}
        winners = [pid for pid, words in said.items() if words[0] == "won"]
        assert len(winners) == 1, said
        for pid, words in said.items():   # the pid, once the winner has written it (a moment)
            if pid != winners[0]:
                assert " ".join(words[:4]) == "locked Another Hoist process", words
                assert words[4] in ("is", "(pid"), words
                assert words[4] == "is" or words[5] == f"{winners[0]})", words
        with pytest.raises(StoreLocked, match=rf"\(pid {winners[0]}\)"):
            CheckpointStore.open(db_path)
        winner = next(r for r in racers if r.pid == winners[0])
        winner.send_signal(signal.SIGKILL)                   # dies holding it: no clean close
        winner.wait(timeout=30)
        store = CheckpointStore.open(db_path)                # the OS let go with the process
        assert store.checked is True                         # and the full check runs
        store.close()
    finally:
        for racer in racers:
            if racer.poll() is None:
                racer.kill()
            racer.communicate(timeout=30)
