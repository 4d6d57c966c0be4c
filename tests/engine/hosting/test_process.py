"""ProcessManager: the window's engine in a worker process, over a socket, against moto.

Each test starts the real worker (``python -m hoist.engine.hosting.worker``) over the test's
data directory; the engine in it talks S3 over HTTP to moto's server, and this side
sees only what crosses the socket. Killing the worker, or closing the window's end
of the socket as a dying window would, is done for real.
"""

import os
import pickle
import signal
import sqlite3

import pytest

from hoist.core.checkpoint.states import TaskState
from hoist.core.checkpoint.store import DISK_FULL, CheckpointStore, StoreFull, StoreLocked
from hoist.core.local.sources import InputError
from hoist.core.policy.planner import MiB
from hoist.core.remote.errors import ErrorKind, S3Error
from hoist.core.remote.s3 import Destination
from hoist.core.settings.datadir import ENGINE_LOG_NAME, STORE_NAME
from hoist.engine.hosting.process import ProcessManager
from hoist.engine.hosting.wire import Reader, encode, portable_error
from support.engine import small_config
from support.tinydisk import fill, tiny_disk  # noqa: F401 -- a fixture

SLOW = 256 * 1024       # bytes per second: slow enough to catch an upload running


class Secrets:
    """The window's secret store as the engine sees it: only ``get``; counts what was asked."""

    def __init__(self, known=None):
        self.known, self.asked = dict(known or {}), []

    def get(self, account, key_id):
        self.asked.append((account, key_id))
        return self.known.get((account, key_id))


@pytest.fixture
def dest(s3_server, bucket):
    return Destination(bucket=bucket, endpoint_url=s3_server.endpoint_url, region="us-east-1",
                       path_style=True)


@pytest.fixture
def start(qtbot, data_dir):
    """start(config=None, secrets=None, directory=data_dir) -> a running ProcessManager."""
    started = []

    def make(config=None, secrets=None, directory=None):
        manager = ProcessManager(directory or data_dir, config or small_config(), secrets, 16)
        started.append(manager)
        return manager
    yield make
    for manager in started:
        manager.shutdown(10_000)


def stored(data_dir, task_id):
    store = CheckpointStore.open(data_dir / STORE_NAME, readonly=True)
    try:
        return store.get_task(task_id)
    finally:
        store.close()


def test_an_upload_runs_in_the_engine_process_and_its_rows_arrive_here(
        qtbot, start, dest, make_file, download_sha256, sha256_file):
    manager = start()
    assert manager._process.pid != os.getpid()
    path = make_file("a.bin", 12 * MiB)
    states = []
    manager.task_state_changed.connect(lambda i, s: states.append(s))
    with qtbot.waitSignal(manager.task_finished, timeout=30_000) as finished:
        [task_id] = manager.add(path, dest)
    assert finished.args == [task_id, "completed"]
    assert "uploading" in states and states[-1] == "completed"
    assert manager.task(task_id).state is TaskState.COMPLETED
    assert manager.task(task_id).bytes_done == 12 * MiB
    assert download_sha256(dest.bucket, "a.bin") == sha256_file(path)
    qtbot.waitUntil(manager.is_idle, timeout=10_000)


def test_the_copy_here_follows_the_engine_field_for_field(qtbot, start, dest, make_file):
    manager = start()
    ids = [manager.add(make_file(f"r{i}.bin", 1000 + i), dest)[0] for i in range(5)]
    assert manager.task(ids[0]).id == ids[0]       # at once, even before task_added arrives
    qtbot.waitUntil(lambda: all(manager.task(i).state is TaskState.COMPLETED for i in ids),
                    timeout=30_000)
    manager.remove(ids[0])
    qtbot.waitUntil(lambda: manager.task(ids[0]) is None, timeout=10_000)

    def same():
        return (sorted(manager.tasks(), key=lambda i: i.id)
                == sorted(manager._call("tasks"), key=lambda i: i.id))
    qtbot.waitUntil(same, timeout=10_000)


def test_errors_of_waited_calls_reach_the_caller(start, dest, tmp_path):
    manager = start()
    with pytest.raises(InputError, match="missing.bin"):
        manager.add(tmp_path / "missing.bin", dest)
    assert manager.tasks() == [] and manager.running      # and the engine goes on


def test_shutdown_checkpoints_and_the_process_exits(qtbot, start, data_dir, dest, make_file):
    manager = start(small_config(bandwidth_limit=SLOW))
    [task_id] = manager.add(make_file("big.bin", 12 * MiB), dest)
    qtbot.waitUntil(lambda: manager.task(task_id).state.is_active, timeout=30_000)
    assert manager.shutdown(10_000)
    assert manager._process.returncode == 0 and not manager.running
    assert manager.task(task_id).state is TaskState.PAUSED     # the last state crossed over
    assert stored(data_dir, task_id).state is TaskState.PAUSED
    assert manager.shutdown() is True          # a second shutdown does nothing
    manager.pause_all()                        # and later commands are ignored

    again = start(small_config(auto_resume=False))
    [restored] = again.restore()
    assert (restored.id, restored.state) == (task_id, TaskState.PAUSED)


def test_restored_rows_cross_in_lists_ahead_of_the_answer(qtbot, start, data_dir):
    """More rows than one list (RESTORE_CHUNK): all of them, in order, each once, asked for
    before the window waits (start_restore) and taken by restore()."""
    from hoist.engine.adding import RESTORE_CHUNK
    count = RESTORE_CHUNK + 3
    store = CheckpointStore.open(data_dir / STORE_NAME)
    made = store.add_tasks([(f"/src/f{i}", f"f{i}", 10) for i in range(count)],
                           account="default", endpoint_url=None, region=None, profile=None,
                           bucket="bkt", part_size=0, checksum_algorithm="",
                           state=TaskState.PAUSED)
    store.close()
    manager = start(small_config(auto_resume=False))
    manager.start_restore()
    rows = manager.restore()
    assert [r.id for r in rows] == [m.id for m in made]
    assert {r.state for r in rows} == {TaskState.PAUSED} and rows[-1].key == f"f{count - 1}"
    assert len(manager.tasks()) == count and manager.task(made[-1].id).name == f"f{count - 1}"
    assert manager._rows == {}                 # nothing kept back once taken


def test_a_second_engine_over_the_same_store_is_refused_clearly(qtbot, start, dest, make_file):
    first = start()
    first.ready()
    second = start()                           # it starts; its first answer is the refusal
    with pytest.raises(StoreLocked, match="(?i)another"):
        second.restore()
    assert not second.running and second._process.returncode is not None
    assert second.shutdown() is True
    with qtbot.waitSignal(first.task_finished, timeout=30_000):   # the first is untouched
        first.add(make_file("still.bin", 1000), dest)


def test_a_killed_engine_is_restarted_and_sends_only_the_missing_parts(
        qtbot, start, dest, make_file, s3_server, download_sha256, sha256_file):
    manager = start(small_config(parts_per_file=1, parts_total=1, bandwidth_limit=5 * MiB,
                                 auto_resume=False))
    path = make_file("big.bin", 30 * MiB)                       # 6 parts of 5 MiB
    [task_id] = manager.add(path, dest)
    [other] = manager.add(make_file("paused.bin", 12 * MiB), dest)
    manager.pause(other)
    qtbot.waitUntil(lambda: manager.task(task_id).parts_done >= 2, timeout=30_000)
    first_pid = manager.pid
    with qtbot.waitSignal(manager.engine_lost, timeout=30_000) as lost:
        os.kill(first_pid, signal.SIGKILL)
    assert "killed by signal 9" in lost.args[0] and "restarted" in lost.args[0]
    assert manager.running and manager.pid != first_pid
    manager.set_bandwidth_limit(0)          # the kill is done: the rest need not crawl
    # it goes on by itself, as it was uploading; the paused one stays paused
    qtbot.waitUntil(lambda: manager.task(task_id).state is TaskState.COMPLETED, timeout=60_000)
    assert manager.task(other).state is TaskState.PAUSED
    # 6 parts, one at a time: at most the one in flight at the kill went twice
    sent = [r for r in s3_server.of("UploadPart", bucket=dest.bucket) if r.path.endswith("/big.bin")]
    assert 6 <= len(sent) <= 7
    assert len([r for r in s3_server.of("CreateMultipartUpload", bucket=dest.bucket)
                if r.path.endswith("/big.bin")]) == 1       # the new engine kept its upload
    assert download_sha256(dest.bucket, "big.bin") == sha256_file(path)


def test_an_engine_that_keeps_dying_leaves_rows_paused_and_says_so(
        qtbot, start, dest, make_file, monkeypatch):
    from hoist.engine.hosting import process
    monkeypatch.setattr(process, "RESTARTS", 0)          # as after three crashes in a row
    manager = start(small_config(bandwidth_limit=SLOW))
    [task_id] = manager.add(make_file("dying.bin", 12 * MiB), dest)
    qtbot.waitUntil(lambda: manager.task(task_id).state.is_active, timeout=30_000)
    with qtbot.waitSignal(manager.engine_lost, timeout=30_000) as lost:
        os.kill(manager.pid, signal.SIGKILL)
    assert "killed by signal 9" in lost.args[0] and "reopen Hoist" in lost.args[0]
    row = manager.task(task_id)
    assert row.state is TaskState.PAUSED and row.message == lost.args[0] and row.speed == 0
    assert not manager.running
    manager.resume_all()                       # a dead engine ignores commands, quietly


def small_files(tmp_path, count):
    folder = tmp_path / "drop"
    folder.mkdir()
    sources = []
    for n in range(count):
        path = folder / f"f{n:04}.txt"
        path.write_bytes(b"x" * 10)
        sources.append((path, f"drop/{path.name}", 10))
    return sources


def test_a_drop_the_engine_died_under_is_sent_again_and_queued_once(
        qtbot, start, dest, tmp_path):
    manager = start(small_config(auto_resume=False))
    manager.ready()
    sources = small_files(tmp_path, 50)
    first_pid, answers = manager.pid, []
    os.kill(first_pid, signal.SIGSTOP)          # it cannot answer before it dies
    manager.add_sources_async(sources[:25], dest, answers.append)
    manager.add_sources_async(sources[25:], dest, answers.append)
    with qtbot.waitSignal(manager.engine_lost, timeout=30_000):
        os.kill(first_pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: len(answers) == 2, timeout=30_000)
    assert manager.pid != first_pid
    assert [len(ids) for ids in answers] == [25, 25]
    keys = sorted(info.key for info in manager.tasks())
    assert keys == sorted(key for _p, key, _s in sources)      # each once


def test_a_drop_in_chunks_waits_in_the_engine_process_until_its_last_chunk(
        qtbot, start, dest, tmp_path):
    manager = start(small_config(auto_resume=False))
    manager.ready()
    sources, answers = small_files(tmp_path, 6), []
    manager.add_sources_async(sources[:3], dest, answers.append, more=True)
    qtbot.waitUntil(lambda: len(answers) == 1, timeout=30_000)
    assert [manager.task(i).state for i in answers[0]] == [TaskState.QUEUED] * 3
    manager.add_sources_async(sources[3:], dest, answers.append)
    qtbot.waitUntil(lambda: len(answers) == 2, timeout=30_000)
    qtbot.waitUntil(lambda: all(manager.task(i).state is TaskState.COMPLETED
                                for ids in answers for i in ids), timeout=30_000)


def test_a_drop_the_engine_cannot_take_ends_instead_of_waiting_forever(
        qtbot, start, dest, tmp_path, monkeypatch):
    from hoist.engine.hosting import process
    monkeypatch.setattr(process, "RESTARTS", 0)
    manager = start(small_config(auto_resume=False))
    manager.ready()
    sources, answers = small_files(tmp_path, 10), []
    os.kill(manager.pid, signal.SIGSTOP)
    manager.add_sources_async(sources[:5], dest, answers.append)
    with qtbot.waitSignal(manager.engine_lost, timeout=30_000):
        os.kill(manager.pid, signal.SIGKILL)
    manager.add_sources_async(sources[5:], dest, answers.append)   # after it was given up
    qtbot.waitUntil(lambda: len(answers) == 2, timeout=10_000)
    assert answers == [[], []]


def test_an_engine_whose_window_dies_checkpoints_and_exits(qtbot, start, data_dir, dest,
                                                           make_file):
    manager = start(small_config(bandwidth_limit=SLOW))
    [task_id] = manager.add(make_file("orphan.bin", 12 * MiB), dest)
    qtbot.waitUntil(lambda: manager.task(task_id).state.is_active, timeout=30_000)
    manager._notifier.setEnabled(False)
    manager._sock.close()                      # what the OS does when the window dies
    assert manager._process.wait(30) == 0
    assert stored(data_dir, task_id).state is TaskState.PAUSED
    manager._stopped = True                    # this side was "dead"; nothing to shut down


def test_secrets_are_asked_of_the_window_and_never_written_down(
        qtbot, start, data_dir, dest, make_file):
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    keyed = Destination(**{**dest.__dict__, "account": "Office", "access_key_id": "AKIAEXAMPLE"})
    secrets = Secrets({("Office", "AKIAEXAMPLE"): secret})
    manager = start(secrets=secrets)
    manager.register_destination(keyed)
    with qtbot.waitSignal(manager.task_finished, timeout=30_000) as finished:
        manager.add(make_file("keyed.bin", 1000), keyed)
    assert finished.args[1] == "completed"
    assert secrets.asked == [("Office", "AKIAEXAMPLE")]        # once: the client is kept
    manager.shutdown(10_000)
    for name in (ENGINE_LOG_NAME, STORE_NAME):
        assert secret.encode() not in (data_dir / name).read_bytes()


def test_a_secret_the_window_does_not_have_fails_the_row_clearly(qtbot, start, dest, make_file):
    keyed = Destination(**{**dest.__dict__, "account": "Office", "access_key_id": "AKIAMISSING"})
    manager = start(secrets=Secrets())
    with qtbot.waitSignal(manager.task_finished, timeout=30_000) as finished:
        [task_id] = manager.add(make_file("nokey.bin", 1000), keyed)
    assert finished.args == [task_id, "failed"]
    assert "not in the keyring" in manager.task(task_id).message


def test_a_full_disk_under_the_store_reaches_the_window(qtbot, start, tiny_disk, dest, make_file):
    data = tiny_disk / "data"
    manager = start(small_config(parts_per_file=1, parts_total=1, bandwidth_limit=5 * MiB),
                    directory=data)
    [task_id] = manager.add(make_file("full.bin", 30 * MiB), dest)
    qtbot.waitUntil(lambda: manager.task(task_id).parts_done >= 1, timeout=30_000)
    with qtbot.waitSignal(manager.store_full, timeout=30_000) as said:
        filler = fill(tiny_disk)
    assert said.args == [DISK_FULL]
    assert isinstance(manager.full, StoreFull) and manager.full.directory == data
    qtbot.waitUntil(lambda: manager.task(task_id).state is TaskState.PAUSED, timeout=30_000)
    filler.unlink()
    manager.set_bandwidth_limit(0)          # the full disk was met: the rest need not crawl
    with qtbot.waitSignal(manager.task_finished, timeout=60_000) as finished:
        manager.resume(task_id)
    assert finished.args == [task_id, "completed"] and manager.full is None
    assert sqlite3.connect(data / STORE_NAME).execute("PRAGMA quick_check").fetchone() == ("ok",)


# -- the wire ---------------------------------------------------------------------------
def test_messages_arriving_a_byte_at_a_time_come_out_whole_and_in_order():
    data = encode(("a", 1)) + encode(("b", [2] * 1000)) + encode(("c",))
    reader, out = Reader(), []
    for i in range(len(data)):
        out.extend(reader.feed(data[i:i + 1]))
    assert out == [("a", 1), ("b", [2] * 1000), ("c",)]


def test_errors_cross_whole_or_as_their_message():
    s3 = pickle.loads(pickle.dumps(S3Error(ErrorKind.FATAL, "NoSuchBucket", "no bucket x")))
    assert (s3.kind, s3.code, str(s3)) == (ErrorKind.FATAL, "NoSuchBucket", "no bucket x")
    full = pickle.loads(pickle.dumps(StoreFull("/data")))
    assert str(full.directory) == "/data" and "is full" in str(full)

    class Odd(Exception):
        def __init__(self, a, b):
            super().__init__(f"{a} and {b}")
    odd = portable_error(Odd(1, 2))
    assert type(odd) is RuntimeError and str(odd) == "1 and 2"
