"""The checkpoint store, on real SQLite files in a temporary directory."""

import fcntl
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from hoist.core.checkpoint import store_file as store_module
from hoist.core.checkpoint.states import PartState, TaskState
from hoist.core.checkpoint.store import MIGRATIONS, CheckpointStore, StoreError, StoreLocked
from hoist.core.local.fingerprint import Fingerprint
from hoist.core.policy.planner import MiB, plan_parts

REPO = Path(__file__).resolve().parents[3]
FP = Fingerprint(size=12 * MiB, mtime_ns=1_700_000_000_000_000_000, sample_sha256="ab" * 32)
# Root ignores file permissions; without these two capabilities it meets them like anyone.
AS_ORDINARY_USER = ["setpriv", "--bounding-set=-dac_override,-dac_read_search",
                    "--inh-caps=-dac_override,-dac_read_search"]


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "data" / "checkpoints.sqlite3"


@pytest.fixture
def store(db_path):
    s = CheckpointStore.open(db_path)
    yield s
    s.close()


def add(store, name="a.bin", size=12 * MiB, part_size=5 * MiB, state=TaskState.QUEUED,
        endpoint_url=None, bucket="bkt", key=None):
    return store.add_task(source_path=f"/src/{name}", fingerprint=FP, account="default",
                          endpoint_url=endpoint_url, region="us-east-1", profile=None,
                          bucket=bucket, key=key or name, size=size, part_size=part_size,
                          checksum_algorithm="CRC32", state=state)


def with_upload(store, name="a.bin", size=12 * MiB, part_size=5 * MiB, **kw):
    task = add(store, name, size=size, part_size=part_size, **kw)
    store.begin_upload(task.id, f"upload-{name}", part_size, plan_parts(size, part_size))
    return store.get_task(task.id)


def raw(path: Path) -> sqlite3.Connection:
    """A plain connection beside the store's, to see (or arrange) what is on disk."""
    return sqlite3.connect(path, isolation_level=None)


def add_old(store):
    """``add`` in the columns of the first schema, as an older Hoist wrote them."""
    cursor = store._db.execute(
        "INSERT INTO tasks (source_path, fingerprint, account, region, bucket, key, size,"
        " part_size, checksum_algorithm, state, created_at, updated_at) VALUES"
        " ('/src/a.bin', ?, 'default', 'us-east-1', 'bkt', 'a.bin', ?, ?, 'CRC32', 'queued', 1, 1)",
        (FP.to_json(), 12 * MiB, 5 * MiB))
    return store.get_task(cursor.lastrowid)


def run_python(code: str, *args, prefix=()) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, sys.executable, "-c", code, *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=60)


# -- tasks ---------------------------------------------------------------------------------
def test_add_get_and_list_tasks(store):
    first = add(store, "a.bin")
    second = add(store, "b.bin", size=10, part_size=0, endpoint_url="http://127.0.0.1:9000")

    got = store.get_task(first.id)
    assert got == first
    assert (got.source_path, got.bucket, got.key, got.size, got.part_size) == \
        ("/src/a.bin", "bkt", "a.bin", 12 * MiB, 5 * MiB)
    assert got.fingerprint == FP and got.region == "us-east-1" and got.profile is None
    assert got.state is TaskState.QUEUED and got.upload_id is None
    assert (got.message, got.error_code, got.finished_at) == ("", "", None)
    assert got.created_at == got.updated_at > 0
    assert (got.bytes_done, got.parts_done, got.parts_total) == (0, 0, 0)
    assert store.get_task(second.id).endpoint_url == "http://127.0.0.1:9000"
    assert store.get_task(9999) is None
    assert [t.id for t in store.tasks()] == [first.id, second.id]


def test_tasks_filter_by_state(store):
    queued = add(store, "q")
    paused = add(store, "p", state=TaskState.PAUSED)
    failed = add(store, "f")
    store.set_state(failed.id, TaskState.FAILED, message="Access denied", error_code="AccessDenied")

    assert [t.id for t in store.tasks([TaskState.PAUSED, TaskState.FAILED])] == \
        [paused.id, failed.id]
    assert [t.id for t in store.tasks({TaskState.QUEUED})] == [queued.id]
    assert store.tasks([]) == []
    assert store.tasks([TaskState.COMPLETED]) == []


def test_set_state_keeps_unset_fields_and_stamps_terminal_states(store):
    task = add(store)
    store.set_state(task.id, TaskState.FAILED, message="The network is down", error_code="Net")
    store.set_state(task.id, TaskState.PAUSED)
    paused = store.get_task(task.id)
    assert (paused.state, paused.message, paused.error_code) == \
        (TaskState.PAUSED, "The network is down", "Net")
    assert paused.finished_at is None

    store.set_state(task.id, TaskState.CANCELLED, message="Cancelled", error_code="")
    cancelled = store.get_task(task.id)
    assert cancelled.finished_at is not None and cancelled.error_code == ""

    store.set_state(task.id, TaskState.QUEUED)          # retried: no longer finished
    assert store.get_task(task.id).finished_at is None


def test_set_fingerprint_updates_size(store):
    task = add(store)
    changed = Fingerprint(size=7, mtime_ns=1, sample_sha256="cd" * 32)
    store.set_fingerprint(task.id, changed, 7)
    got = store.get_task(task.id)
    assert (got.fingerprint, got.size) == (changed, 7)


def live(store, source, endpoint, bucket, key):
    return store.find_live_tasks(bucket, [key]).get((str(source), endpoint, key))


def test_find_live_tasks_ignores_finished_tasks(store):
    assert live(store, "/src/a.bin", None, "bkt", "a.bin") is None
    done = add(store, "a.bin")
    store.mark_completed(done.id, "Uploaded")
    cancelled = add(store, "a.bin")
    store.set_state(cancelled.id, TaskState.CANCELLED)
    assert live(store, "/src/a.bin", None, "bkt", "a.bin") is None

    failed = add(store, "a.bin", state=TaskState.FAILED)
    assert live(store, "/src/a.bin", None, "bkt", "a.bin").id == failed.id
    assert live(store, Path("/src/a.bin"), None, "bkt", "a.bin").id == failed.id
    add(store, "a.bin")                                  # a younger one: the oldest is found
    assert live(store, "/src/a.bin", None, "bkt", "a.bin").id == failed.id
    # another endpoint, bucket, key or source is another task
    assert live(store, "/src/a.bin", "http://minio:9000", "bkt", "a.bin") is None
    assert live(store, "/src/a.bin", None, "other", "a.bin") is None
    assert live(store, "/src/a.bin", None, "bkt", "b.bin") is None
    assert live(store, "/src/b.bin", None, "bkt", "a.bin") is None
    elsewhere = add(store, "a.bin", endpoint_url="http://minio:9000")
    assert live(store, "/src/a.bin", "http://minio:9000", "bkt", "a.bin").id == elsewhere.id


def test_find_live_tasks_answers_a_whole_batch_in_one_query(store):
    tasks = [add(store, f"f{i}.bin") for i in range(3000)]
    found = store.find_live_tasks("bkt", [t.key for t in tasks[::3]] + ["absent.bin"])
    assert sorted(r.id for r in found.values()) == [t.id for t in tasks[::3]]


def test_find_live_tasks_uses_an_index(store, db_path):
    plan = " ".join(row[3] for row in raw(db_path).execute(
        "EXPLAIN QUERY PLAN SELECT id FROM tasks WHERE bucket = ? AND key IN "
        "(SELECT value FROM json_each(?))", ("b", "[]")))
    assert "tasks_destination" in plan


def test_a_new_task_is_recorded_as_it_will_be_read_back(store):
    """add_task builds its record without reading the row back: it must be the same."""
    task = add(store, "new.bin")
    assert task == store.get_task(task.id)


def test_many_new_tasks_are_recorded_in_order_as_they_will_be_read_back(store):
    first = add(store, "before.bin")
    store.delete_task(add(store, "deleted.bin").id)       # a gap, and a largest id reused
    files = [(f"/src/{n}.bin", f"photos/{n}.bin", n) for n in range(300)] + [
        ("/src/ph\u00f6to \U0001f680 \"q\".jpg", "photos/\u00f6 \"q\".jpg", 7),
        (Path("/src/big.iso"), "big.iso", 200 * 1024 ** 3)]
    with store.batch():
        made = store.add_tasks(files, account="default", endpoint_url="http://s3.local",
                               region="us-east-1", profile=None, bucket="b", part_size=8 * MiB,
                               checksum_algorithm="CRC32")
    assert [(r.source_path, r.key, r.size) for r in made] == [(str(p), k, n) for p, k, n in files]
    assert made[0].id > first.id and len({r.id for r in made}) == 302
    assert made == store.listed([TaskState.QUEUED])[1:]
    record = store.get_task(made[-1].id)
    assert (record.endpoint_url, record.region, record.part_size, record.checksum_algorithm,
            record.fingerprint) == ("http://s3.local", "us-east-1", 8 * MiB, "CRC32", None)
    assert store.add_tasks([], account="default", endpoint_url=None, region=None, profile=None,
                           bucket="b", part_size=0, checksum_algorithm="") == []


def test_a_task_keeps_how_its_destination_is_trusted(store):
    """The CA bundle and TLS verification are the checkpoint's (issue #29): `hoist resume`
    and `hoist cancel` have no account to read them from."""
    one = store.add_task(source_path="/src/a", fingerprint=FP, account="default",
                         endpoint_url="https://nas:9000", region=None, profile=None, bucket="b",
                         key="a", size=1, part_size=0, checksum_algorithm="",
                         ca_bundle="/etc/nas-ca.pem", verify_tls=False)
    assert store.get_task(one.id) == one
    assert (one.ca_bundle, one.verify_tls) == ("/etc/nas-ca.pem", 0)
    [many] = store.add_tasks([("/src/b", "b", 1)], account="default", endpoint_url=None,
                             region=None, profile=None, bucket="b", part_size=0,
                             checksum_algorithm="", ca_bundle="/etc/ca.pem")
    many = store.get_task(many.id)
    assert (many.ca_bundle, many.verify_tls) == ("/etc/ca.pem", 1)
    assert (add(store).ca_bundle, add(store, "c.bin").verify_tls) == (None, 1)


def test_a_store_from_before_trust_was_kept_reads_the_usual_order(db_path, monkeypatch):
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS[:4])
    with CheckpointStore.open(db_path) as old:
        task = add_old(old)
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS)
    with CheckpointStore.open(db_path, readonly=True) as reader:    # `hoist list` before
        got = reader.get_task(task.id)                              # any upgrade
        assert (got.ca_bundle, got.verify_tls) == (None, 1)
    with CheckpointStore.open(db_path) as new:
        got = new.get_task(task.id)
        assert (got.ca_bundle, got.verify_tls, got.key) == (None, 1, "a.bin")


# -- parts ---------------------------------------------------------------------------------
def test_begin_upload_records_pending_parts(store):
    task = with_upload(store, size=12 * MiB, part_size=5 * MiB)
    assert (task.upload_id, task.part_size) == ("upload-a.bin", 5 * MiB)
    parts = store.parts(task.id)
    assert [(p.number, p.offset, p.size, p.state) for p in parts] == [
        (1, 0, 5 * MiB, PartState.PENDING),
        (2, 5 * MiB, 5 * MiB, PartState.PENDING),
        (3, 10 * MiB, 2 * MiB, PartState.PENDING)]
    assert all(p.etag is None and p.checksum is None for p in parts)


def test_begin_upload_replaces_earlier_parts(store):
    task = with_upload(store, size=12 * MiB, part_size=5 * MiB)
    store.part_done(task.id, 1, '"e1"', "c1")
    store.begin_upload(task.id, "upload-2", 6 * MiB, plan_parts(12 * MiB, 6 * MiB))
    got = store.get_task(task.id)
    assert (got.upload_id, got.part_size, got.parts_total, got.parts_done) == \
        ("upload-2", 6 * MiB, 2, 0)
    assert [(p.number, p.size, p.etag, p.state) for p in store.parts(task.id)] == [
        (1, 6 * MiB, None, PartState.PENDING), (2, 6 * MiB, None, PartState.PENDING)]


def test_part_done_survives_close_and_reopen(db_path):
    store = CheckpointStore.open(db_path)
    task = with_upload(store)
    store.part_done(task.id, 2, '"etag-2"', "crc-2")
    store.close()

    reopened = CheckpointStore.open(db_path)
    try:
        parts = {p.number: p for p in reopened.parts(task.id)}
        assert (parts[2].etag, parts[2].checksum, parts[2].state) == \
            ('"etag-2"', "crc-2", PartState.DONE)
        assert parts[1].state is PartState.PENDING and parts[3].state is PartState.PENDING
        assert reopened.get_task(task.id).upload_id == "upload-a.bin"
    finally:
        reopened.close()


def test_listed_tasks_are_the_records_as_far_as_a_row_needs_them(store):
    done = with_upload(store, "half.bin", size=12 * MiB)
    store.part_done(done.id, 1, '"e1"', "AAAAAA==")
    store.set_state(done.id, TaskState.PAUSED, message="Interrupted — resume to continue")
    failed = add(store, "failed.bin", state=TaskState.FAILED)
    store.set_state(failed.id, TaskState.FAILED, error_code="AccessDenied")
    add(store, "done.bin", state=TaskState.COMPLETED)
    states = (TaskState.PAUSED, TaskState.FAILED)
    listed, records = store.listed(states), store.tasks(states)
    assert [t.id for t in listed] == [r.id for r in records] == [done.id, failed.id]
    for row, record in zip(listed, records):
        assert row == tuple(getattr(record, name) for name in row._fields)
    assert listed[0].bytes_done == 5 * MiB and listed[0].parts_done == 1
    assert listed[1].error_code == "AccessDenied" and store.listed(()) == []


def test_pause_queued_and_queue_paused_change_only_the_tasks_in_that_state(store):
    queued, other = add(store, "q"), add(store, "o")
    failed = add(store, "f", state=TaskState.FAILED)
    store.pause_queued([queued.id, failed.id])
    assert [store.get_task(t.id).state for t in (queued, other, failed)] == [
        TaskState.PAUSED, TaskState.QUEUED, TaskState.FAILED]
    store.set_state(queued.id, TaskState.PAUSED, message="Paused by you", error_code="X")
    store.queue_paused([queued.id, failed.id])
    again = store.get_task(queued.id)
    assert (again.state, again.message, again.error_code) == (TaskState.QUEUED, "", "")
    assert store.get_task(failed.id).state is TaskState.FAILED      # Retry's, not Resume's
    store.pause_queued([queued.id, other.id])
    assert store.queue_paused() == 2                                 # every paused one
    assert {store.get_task(t.id).state for t in (queued, other)} == {TaskState.QUEUED}
    assert store.get_task(failed.id).state is TaskState.FAILED


def test_progress_is_computed_from_done_parts(store):
    task = with_upload(store, size=12 * MiB, part_size=5 * MiB)      # parts of 5, 5, 2 MiB
    store.part_done(task.id, 3, '"e3"', None)
    store.part_done(task.id, 1, '"e1"', None)
    got = store.get_task(task.id)
    assert (got.bytes_done, got.parts_done, got.parts_total) == (7 * MiB, 2, 3)
    assert [(t.bytes_done, t.parts_done) for t in store.tasks()] == [(7 * MiB, 2)]

    store.mark_parts_pending(task.id, [3])
    again = store.get_task(task.id)
    assert (again.bytes_done, again.parts_done, again.parts_total) == (5 * MiB, 1, 3)
    part3 = store.parts(task.id)[2]
    assert (part3.etag, part3.checksum, part3.state) == (None, None, PartState.PENDING)


def test_single_put_task_has_no_progress_until_completed(store):
    task = add(store, "small.txt", size=1000, part_size=0)
    store.set_state(task.id, TaskState.UPLOADING)
    assert (store.get_task(task.id).bytes_done, store.get_task(task.id).parts_total) == (0, 0)
    store.mark_completed(task.id, "Uploaded")
    assert store.get_task(task.id).bytes_done == 1000


def test_mark_completed_drops_parts_and_keeps_the_size_done(store, db_path):
    task = with_upload(store)
    for n in (1, 2, 3):
        store.part_done(task.id, n, f'"e{n}"', None)
    store.set_state(task.id, TaskState.COMPLETING, error_code="Old")
    store.mark_completed(task.id, "Uploaded and verified")

    got = store.get_task(task.id)
    assert got.state is TaskState.COMPLETED and got.message == "Uploaded and verified"
    assert got.error_code == "" and got.finished_at is not None
    assert (got.bytes_done, got.parts_done, got.parts_total) == (12 * MiB, 0, 0)
    assert store.parts(task.id) == []
    assert raw(db_path).execute("SELECT count(*) FROM parts").fetchone()[0] == 0


def test_reset_upload_forgets_the_upload_but_keeps_the_part_size(store):
    task = with_upload(store, part_size=5 * MiB)
    store.part_done(task.id, 1, '"e1"', None)
    store.reset_upload(task.id)
    got = store.get_task(task.id)
    assert (got.upload_id, got.part_size, got.parts_total, got.bytes_done) == (None, 5 * MiB, 0, 0)
    assert store.parts(task.id) == []


def test_delete_task_cascades_to_its_parts(store, db_path):
    gone = with_upload(store, "gone.bin")
    kept = with_upload(store, "kept.bin")
    store.delete_task(gone.id)
    assert store.get_task(gone.id) is None and store.parts(gone.id) == []
    counts = dict(raw(db_path).execute("SELECT task_id, count(*) FROM parts GROUP BY task_id"))
    assert counts == {kept.id: 3}


def test_upload_ids_by_bucket_and_key(store):
    with_upload(store, "a.bin")
    with_upload(store, "b.bin")
    with_upload(store, "c.bin", bucket="other")
    add(store, "fresh.bin")                     # no upload yet
    assert store.upload_ids() == {"upload-a.bin", "upload-b.bin", "upload-c.bin"}
    assert store.upload_ids("bkt") == {"upload-a.bin", "upload-b.bin"}
    assert store.upload_ids("bkt", "b.bin") == {"upload-b.bin"}
    assert store.upload_ids("bkt", "fresh.bin") == set()


def test_a_batch_is_one_transaction_that_other_threads_wait_for(store, db_path):
    tasks = [add(store, f"{n}.bin") for n in range(3)]
    seen_outside = []
    with store.batch():
        for task in tasks:
            store.set_state(task.id, TaskState.PAUSED)
        # Another connection sees none of it until the batch ends...
        seen_outside.append(raw(db_path).execute(
            "SELECT count(*) FROM tasks WHERE state = 'paused'").fetchone()[0])
        # ...and another thread's write waits for it instead of slipping into it.
        writer = threading.Thread(target=store.set_state, args=(tasks[0].id, TaskState.QUEUED))
        writer.start()
        writer.join(0.2)
        assert writer.is_alive()
    writer.join(5)
    assert seen_outside == [0]
    assert [store.get_task(t.id).state for t in tasks] == \
        [TaskState.QUEUED, TaskState.PAUSED, TaskState.PAUSED]


def test_an_error_inside_a_batch_rolls_all_of_it_back(store):
    task = add(store)
    with pytest.raises(RuntimeError), store.batch():
        store.set_state(task.id, TaskState.PAUSED)
        raise RuntimeError("boom")
    assert store.get_task(task.id).state is TaskState.QUEUED


def test_recover_interrupted(db_path):
    store = CheckpointStore.open(db_path)
    ids = {}
    for state in TaskState:
        ids[state] = with_upload(store, state.value).id
        store.set_state(ids[state], state, message=f"was {state.value}")
        store.part_done(ids[state], 1, '"e1"', None)
    store.close()
    with raw(db_path) as db:          # what a crash mid-part leaves behind
        db.execute("UPDATE parts SET state = 'in_flight' WHERE number = 2")
    store = CheckpointStore.open(db_path)
    try:
        assert store.recover_interrupted() == 3
        for state, task_id in ids.items():
            got = store.get_task(task_id)
            if state.is_active:
                assert got.state is TaskState.PAUSED
                assert got.message == "Interrupted — resume to continue"
            else:
                assert (got.state, got.message) == (state, f"was {state.value}")
            assert [p.state for p in store.parts(task_id)] == \
                [PartState.DONE, PartState.PENDING, PartState.PENDING]
        assert store.recover_interrupted() == 0
    finally:
        store.close()


def test_concurrent_part_done_loses_nothing(db_path):
    store = CheckpointStore.open(db_path)
    size = 400 * 5 * MiB
    tasks = [with_upload(store, f"f{i}", size=size, part_size=5 * MiB).id for i in range(2)]
    work = [(t, n) for t in tasks for n in range(1, 401)]
    barrier = threading.Barrier(8)
    errors = []

    def worker(share):
        barrier.wait()
        try:
            for task_id, number in share:
                store.part_done(task_id, number, f'"{task_id}-{number}"', f"c{number}")
                store.get_task(task_id)          # readers interleave with the writers
        except BaseException as e:               # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(work[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.close()
    assert errors == []

    store = CheckpointStore.open(db_path)
    try:
        for task_id in tasks:
            got = store.get_task(task_id)
            assert (got.parts_done, got.bytes_done) == (400, size)
            assert all(p.etag == f'"{task_id}-{p.number}"' for p in store.parts(task_id))
    finally:
        store.close()


# -- the file ------------------------------------------------------------------------------
def test_schema_is_typed_versioned_and_holds_no_secrets(store, db_path):
    db = raw(db_path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT max(version) FROM schema_version").fetchone()[0] == len(MIGRATIONS)
    columns = {table: {row[1]: row[2] for row in db.execute(f"PRAGMA table_info({table})")}
               for table in ("tasks", "parts")}
    assert columns["tasks"]["size"] == "INTEGER" and columns["tasks"]["created_at"] == "REAL"
    assert columns["parts"]["offset"] == "INTEGER" and columns["parts"]["state"] == "TEXT"
    names = " ".join(name for table in columns.values() for name in table).lower()
    assert not re.search(r"secret|password|token|credential|access_key", names)

    task = add(store)
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE tasks SET state = 'sleeping' WHERE id = ?", (task.id,))
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO parts (task_id, number, offset, size, state) "
                   "VALUES (?, 1, 0, 1, 'lost')", (task.id,))


def test_a_first_release_store_is_upgraded_with_its_checkpoints(db_path, monkeypatch):
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS[:1])
    old = CheckpointStore.open(db_path)
    task = add_old(old)
    old.begin_upload(task.id, "upload-1", 5 * MiB, plan_parts(12 * MiB, 5 * MiB))
    old.part_done(task.id, 1, '"e1"', None)
    old.close()

    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS)
    with CheckpointStore.open(db_path, readonly=True) as reader:    # `hoist list` before
        assert reader.get_task(task.id).parts_done == 1             # any upgrade
    with CheckpointStore.open(db_path) as new:
        record = new.get_task(task.id)
        assert (record.upload_id, record.parts_done, record.parts_total) == ("upload-1", 1, 3)
        assert record.bytes_done == 5 * MiB
    db = raw(db_path)
    assert db.execute("SELECT max(version) FROM schema_version").fetchone()[0] == len(MIGRATIONS)
    assert db.execute("SELECT 1 FROM sqlite_master WHERE name = 'parts_progress'").fetchone()
    db.close()


def test_each_migration_is_one_transaction(db_path, monkeypatch):
    store = CheckpointStore.open(db_path)
    task = add(store)
    store.close()

    broken = ("CREATE TABLE extra (x INTEGER)", "THIS IS NOT SQL")
    monkeypatch.setattr(store_module, "MIGRATIONS", [*MIGRATIONS, broken])
    with pytest.raises(StoreError, match="cannot open its checkpoint database"):
        CheckpointStore.open(db_path)
    db = raw(db_path)
    assert db.execute("SELECT max(version) FROM schema_version").fetchone()[0] == len(MIGRATIONS)
    assert db.execute("SELECT 1 FROM sqlite_master WHERE name = 'extra'").fetchone() is None
    db.close()

    monkeypatch.setattr(store_module, "MIGRATIONS", [*MIGRATIONS, broken[:1]])
    store = CheckpointStore.open(db_path)
    try:
        assert store.get_task(task.id) is not None
        assert raw(db_path).execute("SELECT max(version) FROM schema_version").fetchone()[0] \
            == len(MIGRATIONS) + 1
    finally:
        store.close()


def _assert_fresh_and_usable(store):
    assert store.tasks() == []
    task = with_upload(store)
    store.part_done(task.id, 1, '"e"', None)
    assert store.get_task(task.id).parts_done == 1


def test_a_file_that_is_not_a_database_is_kept_aside(db_path):
    db_path.parent.mkdir(parents=True)
    garbage = b"this is not a database, it is a shopping list\n" * 200
    db_path.write_bytes(garbage)
    Path(f"{db_path}-wal").write_bytes(b"stale wal")
    store = CheckpointStore.open(db_path)
    try:
        aside = store.recovered_from
        assert aside is not None and aside.parent == db_path.parent
        assert re.fullmatch(r"checkpoints\.sqlite3\.corrupt-\d{8}-\d{6}", aside.name)
        assert aside.read_bytes() == garbage
        # SQLite discards a WAL that belongs to no database; it must not reach the new one
        assert b"stale wal" not in b"".join(
            p.read_bytes() for p in db_path.parent.glob("checkpoints.sqlite3-*"))
        _assert_fresh_and_usable(store)
    finally:
        store.close()


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes")
@pytest.mark.usefixtures("umask_022")
def test_every_file_of_the_store_is_owner_only_the_one_kept_aside_too(db_path):
    def modes():
        return {p.name: p.stat().st_mode & 0o777 for p in db_path.parent.iterdir()}
    store = CheckpointStore.open(db_path)
    with_upload(store)                        # a write: the -wal and -shm files exist now
    assert modes() == {"checkpoints.sqlite3": 0o600, "checkpoints.sqlite3-wal": 0o600,
                       "checkpoints.sqlite3-shm": 0o600, "checkpoints.sqlite3.lock": 0o600}
    assert db_path.parent.stat().st_mode & 0o777 == 0o700
    store.close()
    for path in db_path.parent.iterdir():
        path.unlink()
    db_path.write_bytes(b"not a database" * 100)     # made by someone else, readable by all
    store = CheckpointStore.open(db_path)
    with_upload(store)
    store.close()
    assert store.recovered_from is not None
    assert set(modes().values()) == {0o600}, modes()


def fill_and_close(db_path) -> None:
    """A store of 150 tasks with their parts, closed cleanly: some pages, all in the file."""
    store = CheckpointStore.open(db_path)
    for i in range(150):
        with_upload(store, f"file-{i:03}-" + "x" * 200)
    store.close()


def test_a_truncated_database_is_kept_aside(db_path):
    fill_and_close(db_path)
    assert not Path(f"{db_path}-wal").exists()        # all of it is in the main file
    os.truncate(db_path, db_path.stat().st_size // 2)
    damaged = db_path.read_bytes()

    store = CheckpointStore.open(db_path)
    try:
        assert store.recovered_from is not None
        assert store.recovered_from.read_bytes() == damaged
        _assert_fresh_and_usable(store)
    finally:
        store.close()
    again = CheckpointStore.open(db_path)        # the new one is sound: nothing set aside now
    assert again.recovered_from is None and len(again.tasks()) == 1
    again.close()


def test_a_sound_database_is_not_recovered(store):
    assert store.recovered_from is None


# -- the full check at open: skipped only for a file exactly as our clean close left it ----
KILLED = """
import os, sys
from pathlib import Path
from hoist.core.checkpoint.store import CheckpointStore
store = CheckpointStore.open(Path(sys.argv[1]))
store.add_task(source_path="/src/k", fingerprint=None, account="default", endpoint_url=None,
               region=None, profile=None, bucket="bkt", key="k", size=1, part_size=0,
               checksum_algorithm="")
os._exit(9)                     # as a crash or kill -9 would leave it: no close
"""


def test_a_cleanly_closed_store_reopens_without_the_full_check(db_path):
    store = CheckpointStore.open(db_path)
    assert store.checked                     # a new file: checked
    with_upload(store)
    store.close()
    again = CheckpointStore.open(db_path)
    try:
        assert not again.checked and len(again.tasks()) == 1
    finally:
        again.close()


def test_after_a_crash_the_store_is_checked_and_damage_found(db_path):
    CheckpointStore.open(db_path).close()
    assert run_python(KILLED, db_path).returncode == 9
    store = CheckpointStore.open(db_path)
    try:
        assert store.checked and [t.key for t in store.tasks()] == ["k"]
    finally:
        store.close()


def test_a_file_changed_after_a_clean_close_is_checked(db_path):
    fill_and_close(db_path)
    # the same size, written by something else: a page of the parts table overwritten
    with open(db_path, "r+b") as f:
        f.seek(db_path.stat().st_size - 4096)
        f.write(b"\xff" * 4096)
    store = CheckpointStore.open(db_path)
    try:
        assert store.checked and store.recovered_from is not None
        _assert_fresh_and_usable(store)
    finally:
        store.close()


def test_a_wal_left_beside_a_cleanly_closed_file_means_a_check(db_path):
    store = CheckpointStore.open(db_path)
    with_upload(store)
    store.close()
    Path(f"{db_path}-wal").write_bytes(b"")      # another program opened it since
    store = CheckpointStore.open(db_path)
    try:
        assert store.checked and len(store.tasks()) == 1
    finally:
        store.close()


def test_a_newer_schema_is_refused_and_left_untouched(db_path):
    store = CheckpointStore.open(db_path)
    add(store)
    store.close()
    with raw(db_path) as db:
        db.execute("PRAGMA journal_mode = DELETE")      # so every byte lives in the one file
        db.execute("INSERT INTO schema_version (version) VALUES (?)", (len(MIGRATIONS) + 1,))
    before = db_path.read_bytes()

    for readonly in (False, True):
        with pytest.raises(StoreError) as caught:
            CheckpointStore.open(db_path, readonly=readonly)
        assert str(db_path) in str(caught.value)
        assert "newer version of Hoist" in str(caught.value) and "upgrade" in str(caught.value)
    assert db_path.read_bytes() == before
    assert sorted(p.name for p in db_path.parent.iterdir()) == \
        ["checkpoints.sqlite3", "checkpoints.sqlite3.lock"]
    _assert_unlocked(db_path)


def _assert_unlocked(db_path):
    fd = os.open(f"{db_path}.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)      # raises if anyone still holds it
    finally:
        os.close(fd)


# -- one writer ----------------------------------------------------------------------------
def test_a_second_writer_in_this_process_is_refused(store, db_path):
    with pytest.raises(StoreLocked) as caught:
        CheckpointStore.open(db_path)
    assert str(caught.value) == (f"Another Hoist process (pid {os.getpid()}) is using "
                                 f"{db_path.parent}. Wait for it to finish or close it, then "
                                 "try again.")
    store.close()
    CheckpointStore.open(db_path).close()


HOLDER = """
import sys
from pathlib import Path
from hoist.core.checkpoint.store import CheckpointStore
store = CheckpointStore.open(Path(sys.argv[1]))
store.add_task(source_path="/src/held", fingerprint=None, account="default", endpoint_url=None,
               region=None, profile=None, bucket="bkt", key="held", size=1, part_size=0,
               checksum_algorithm="")
print("ready", flush=True)
sys.stdin.read()
store.close()
"""


def test_a_writer_in_another_process_holds_the_lock(db_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db_path)], cwd=REPO,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreLocked, match=rf"\(pid {holder.pid}\) is using "
                                              rf"{re.escape(str(db_path.parent))}\."):
            CheckpointStore.open(db_path)

        reader = CheckpointStore.open(db_path, readonly=True)      # `hoist list` meanwhile
        try:
            assert [t.key for t in reader.tasks()] == ["held"]
            with pytest.raises(StoreError, match="read-only"):
                reader.delete_task(reader.tasks()[0].id)
        finally:
            reader.close()
    finally:
        holder.stdin.close()
        assert holder.wait(timeout=60) == 0
    store = CheckpointStore.open(db_path)
    assert [t.key for t in store.tasks()] == ["held"]
    store.close()


def test_readonly_open_while_a_writer_works(store, db_path):
    task = with_upload(store)
    store.part_done(task.id, 1, '"e1"', None)
    with CheckpointStore.open(db_path, readonly=True) as reader:
        assert reader.get_task(task.id).parts_done == 1
        store.part_done(task.id, 2, '"e2"', None)                    # the writer goes on
        assert reader.get_task(task.id).parts_done == 2
        assert reader.readonly and reader.recovered_from is None


def test_readonly_open_writes_nothing_and_takes_no_lock(db_path):
    store = CheckpointStore.open(db_path)
    add(store)
    store.close()
    os.remove(f"{db_path}.lock")
    before = db_path.read_bytes()
    with CheckpointStore.open(db_path, readonly=True) as reader:
        assert len(reader.tasks()) == 1
        with pytest.raises(StoreError, match="read-only"):
            add(reader)
        assert not Path(f"{db_path}.lock").exists()
    assert db_path.read_bytes() == before

    with CheckpointStore.open(db_path, readonly=True) as reader:
        with CheckpointStore.open(db_path) as writer:      # not kept out by the reader
            add(writer)
        assert len(reader.tasks()) == 2


def test_readonly_open_refuses_missing_and_damaged_files(tmp_path):
    with pytest.raises(StoreError, match="no checkpoint database"):
        CheckpointStore.open(tmp_path / "missing.sqlite3", readonly=True)
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"\x00garbage" * 1000)
    with pytest.raises(StoreError, match="damaged"):
        CheckpointStore.open(damaged, readonly=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["damaged.sqlite3"]   # nothing moved


def test_readonly_open_of_a_store_not_yet_set_up_is_empty(tmp_path):
    empty = tmp_path / "new.sqlite3"
    empty.write_bytes(b"")        # a writer created it and has not migrated it yet
    with CheckpointStore.open(empty, readonly=True) as reader:
        assert reader.tasks() == [] and reader.get_task(1) is None
    assert empty.read_bytes() == b""


def test_readonly_open_of_a_path_with_uri_characters(tmp_path):
    path = tmp_path / "odd ?name#with%20chars" / "checkpoints.sqlite3"
    with CheckpointStore.open(path) as store:
        add(store)
    with CheckpointStore.open(path, readonly=True) as reader:
        assert len(reader.tasks()) == 1


# -- a directory that cannot be used -------------------------------------------------------
def test_a_directory_in_place_of_the_database(db_path):
    db_path.mkdir(parents=True)
    with pytest.raises(StoreError, match=rf"{re.escape(str(db_path))} is a directory.*"
                                         "HOIST_DATA_DIR"):
        CheckpointStore.open(db_path)
    _assert_unlocked(db_path)


def test_a_file_in_place_of_the_data_directory(tmp_path):
    (tmp_path / "data").write_text("not a directory")
    with pytest.raises(StoreError, match="not a directory"):
        CheckpointStore.open(tmp_path / "data" / "checkpoints.sqlite3")


READONLY_PROBE = """
import sys
from pathlib import Path
from hoist.core.checkpoint.store import CheckpointStore, StoreError
try:
    CheckpointStore.open(Path(sys.argv[1])).close()
except StoreError as e:
    print("StoreError:", e)
else:
    print("opened")
with CheckpointStore.open(Path(sys.argv[2]), readonly=True) as reader:
    print("listed", len(reader.tasks()))
"""


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
def test_a_read_only_data_directory(tmp_path, existing):
    empty, listed = tmp_path / "empty", tmp_path / "listed"
    with CheckpointStore.open(listed / "checkpoints.sqlite3") as store:
        add(store)
    empty.mkdir()
    if existing:
        shutil.copytree(listed, empty, dirs_exist_ok=True)
    for directory in (empty, listed):
        directory.chmod(0o555)
    prefix = ()
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("root ignores permissions and setpriv is not here to drop that")
        prefix = AS_ORDINARY_USER
    try:
        result = run_python(READONLY_PROBE, empty / "checkpoints.sqlite3",
                            listed / "checkpoints.sqlite3", prefix=prefix)
    finally:
        for directory in (empty, listed):
            directory.chmod(0o755)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (f"StoreError: Hoist cannot write to its data directory {empty}: it is "
                        f"read-only. Make it writable (chmod u+w '{empty}'), or set "
                        "HOIST_DATA_DIR to another directory.")
    assert lines[1] == "listed 1"        # `hoist list` still reads a read-only directory
    assert sorted(p.name for p in listed.iterdir()) == \
        ["checkpoints.sqlite3", "checkpoints.sqlite3.lock"]


def test_a_read_only_database_file(db_path):
    with CheckpointStore.open(db_path) as store:
        add(store)
    db_path.chmod(0o444)
    prefix = AS_ORDINARY_USER if os.geteuid() == 0 else ()
    if prefix and shutil.which("setpriv") is None:
        pytest.skip("root ignores permissions and setpriv is not here to drop that")
    try:
        result = run_python(READONLY_PROBE, db_path, db_path, prefix=prefix)
    finally:
        db_path.chmod(0o644)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        f"StoreError: The checkpoint database file {db_path} is read-only: make it writable "
        f"(chmod u+w '{db_path}'), or set HOIST_DATA_DIR to another directory.")
