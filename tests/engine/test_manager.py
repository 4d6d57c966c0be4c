"""UploadManager against moto's server over HTTP: real files, real SQLite, real Qt loop."""

import os

import pytest

from hoist.core.checkpoint.states import TaskState
from hoist.core.checkpoint.store import CheckpointStore
from hoist.core.local.sources import InputError
from hoist.core.policy.planner import MiB
from hoist.core.policy.retry import RetryPolicy
from hoist.core.remote.s3 import Destination, S3Clients
from hoist.core.settings.datadir import STORE_NAME
from hoist.engine.manager import UploadManager
from support.engine import Engine, small_config


@pytest.fixture
def dest(s3_server, bucket):
    return Destination(bucket=bucket, endpoint_url=s3_server.endpoint_url, region="us-east-1")


@pytest.mark.parametrize("size", [0, 1, 5 * MiB, 5 * MiB + 1, 12 * MiB + 7])
def test_object_is_byte_identical(engine, dest, make_file, download_sha256, sha256_file, size):
    path = make_file(f"f{size}.bin", size)
    [task_id] = engine.manager.add(path, dest)
    engine.wait_idle()
    info = engine.manager.task(task_id)
    assert info.state is TaskState.COMPLETED, info.message
    assert "verified" in info.message
    assert download_sha256(dest.bucket, path.name) == sha256_file(path)


def test_directory_tree_keys_and_contents(engine, dest, make_file, download_sha256, sha256_file):
    files = [make_file("tree/a.txt", 10), make_file("tree/sub/deeper/b.bin", 6 * MiB),
             make_file("tree/ünïcødé ✓/日本語.txt", 100), make_file("tree/sub/empty", 0)]
    root = files[0].parent
    ids = engine.manager.add(root, dest, key_prefix="backup/")
    assert len(ids) == 4
    engine.wait_idle()
    for path in files:
        key = "backup/" + path.relative_to(root.parent).as_posix()
        assert download_sha256(dest.bucket, key) == sha256_file(path), key


def test_same_file_same_key_is_one_task(engine, dest, make_file):
    path = make_file("once.bin", 6 * MiB)
    first = engine.manager.add(path, dest)
    second = engine.manager.add(path, dest)
    assert first == second
    assert len(engine.manager.tasks()) == 1
    engine.wait_idle()


def test_files_waiting_behind_the_caps_are_records_until_they_start(
        qtbot, data_dir, dest, make_file, download_sha256, sha256_file):
    eng = Engine(qtbot, data_dir, small_config(files_at_once=1))
    try:
        paths = [make_file(f"w/{i}.bin", 6 * MiB) for i in range(4)]
        ids = eng.manager.add(paths[0].parent, dest)
        table = eng.manager._tasks
        assert table.peek(ids[0]) is not None                  # started at once
        assert all(table.at_rest(i) for i in ids[1:])          # the rest wait as records
        assert [i.state for i in eng.manager.tasks()] == [TaskState.PREPARING] + [
            TaskState.QUEUED] * 3
        again = eng.manager.add(paths[2], dest, key="w/2.bin")    # the same file and key:
        assert again == [ids[2]] and table.at_rest(ids[2])      # the same task, still waiting
        eng.wait_idle()
        assert [eng.state(i) for i in ids] == [TaskState.COMPLETED] * 4
        assert all(download_sha256(dest.bucket, f"w/{p.name}") == sha256_file(p) for p in paths)
    finally:
        eng.stop()


def test_a_drop_handed_over_in_chunks_starts_its_files_once_the_last_chunk_is_in(
        qtbot, data_dir, dest, make_file):
    eng = Engine(qtbot, data_dir, small_config(files_at_once=2))
    try:
        running = eng.manager.add(make_file("r/running.bin", 12 * MiB), dest)[0]
        sources = [(make_file(f"c/{i}.txt", 100), f"c/{i}.txt", 100) for i in range(6)]
        first = eng.manager.add_sources(sources[:3], dest, more=True)
        second = eng.manager.add_sources(sources[3:5], dest, more=True)
        # None of the drop's files has started; the upload that was running goes on
        assert [eng.state(i) for i in first + second] == [TaskState.QUEUED] * 5
        assert all(eng.manager._tasks.at_rest(i) for i in first + second)
        assert eng.state(running).is_active
        last = eng.manager.add_sources(sources[5:], dest)
        # the cap's free slot, at once (in a batch of small files: its row shows its turn)
        assert eng.manager._tasks.peek(first[0]).state is TaskState.PREPARING
        eng.wait_idle()
        assert {eng.state(i) for i in [running] + first + second + last} == {
            TaskState.COMPLETED}
    finally:
        eng.stop()


def test_a_drop_whose_next_chunk_never_comes_starts_its_files_anyway(
        qtbot, data_dir, dest, make_file):
    from hoist.engine.manager import INTAKE_HOLD_MS
    eng = Engine(qtbot, data_dir, small_config())
    try:
        sources = [(make_file(f"g/{i}.txt", 100), f"g/{i}.txt", 100) for i in range(2)]
        ids = eng.manager.add_sources(sources, dest, more=True)   # then the window went away
        assert [eng.state(i) for i in ids] == [TaskState.QUEUED] * 2
        qtbot.wait(INTAKE_HOLD_MS // 2)
        assert [eng.state(i) for i in ids] == [TaskState.QUEUED] * 2
        eng.wait_idle(timeout=INTAKE_HOLD_MS + 30_000)
        assert [eng.state(i) for i in ids] == [TaskState.COMPLETED] * 2
    finally:
        eng.stop()


def test_quitting_pauses_waiting_files_without_making_their_tasks(qtbot, data_dir, dest,
                                                                  make_file):
    eng = Engine(qtbot, data_dir, small_config(files_at_once=1, bandwidth_limit=256 * 1024))
    paths = [make_file(f"q/{i}.bin", 6 * MiB) for i in range(5)]
    ids = eng.manager.add(paths[0].parent, dest)
    updated = []
    eng.manager.tasks_updated.connect(updated.extend)
    eng.stop()
    assert [eng.manager.task(i).state for i in ids] == [TaskState.PAUSED] * 5
    assert all(eng.manager._tasks.at_rest(i) for i in ids[1:])     # paused as records
    # the window is closing: the waiting rows' new state is not sent to it, row by row or
    # in a list (100,000 of them took it 1.5 s)
    assert not {i.id for i in updated} & set(ids[1:])
    store = CheckpointStore.open(data_dir / STORE_NAME, readonly=True)
    try:
        assert [store.get_task(i).state for i in ids] == [TaskState.PAUSED] * 5
    finally:
        store.close()


def test_pause_all_and_resume_all_change_waiting_rows_without_making_tasks(
        qtbot, data_dir, dest, make_file):
    eng = Engine(qtbot, data_dir, small_config(files_at_once=1, bandwidth_limit=256 * 1024))
    try:
        paths = [make_file(f"pr/{i}.bin", 6 * MiB) for i in range(4)]
        ids = eng.manager.add(paths[0].parent, dest)
        table, updated = eng.manager._tasks, []
        eng.manager.tasks_updated.connect(updated.extend)
        eng.manager.pause_all()
        assert [eng.state(i) for i in ids] == [TaskState.PAUSED] * 4
        assert all(table.at_rest(i) for i in ids[1:])
        assert {i.id for i in updated if i.state is TaskState.PAUSED} >= set(ids[1:])
        assert [eng.store.get_task(i).state for i in ids] == [TaskState.PAUSED] * 4

        updated.clear()
        eng.manager.resume_all()          # one file starts (the cap); the rest wait as records
        states = [eng.state(i) for i in ids]
        assert states.count(TaskState.QUEUED) >= 3 and TaskState.PAUSED not in states
        assert all(table.at_rest(i) for i in ids[2:])
        assert {i.id for i in updated if i.state is TaskState.QUEUED} >= set(ids[2:])
        assert {eng.store.get_task(i).state for i in ids[2:]} == {TaskState.QUEUED}
    finally:
        eng.stop()


def test_missing_path_is_refused_clearly(engine, dest, tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        engine.manager.add(tmp_path / "nope.bin", dest)
    assert engine.manager.tasks() == []


def test_pause_stops_parts_and_resume_finishes(engine, dest, make_file, s3_server, qtbot,
                                               download_sha256, sha256_file):
    engine.manager.set_limits(1, 1, 1, 4 * MiB)        # slow enough to pause mid-file
    path = make_file("slow.bin", 25 * MiB)
    [task_id] = engine.manager.add(path, dest)
    qtbot.waitUntil(lambda: engine.manager.task(task_id).parts_done >= 1, timeout=20_000)
    engine.manager.pause(task_id)
    assert engine.state(task_id) is TaskState.PAUSED
    engine.wait_idle()
    sent = s3_server.count("UploadPart", bucket=dest.bucket)
    qtbot.wait(500)                  # the engine is idle: nothing may go out meanwhile
    assert s3_server.count("UploadPart", bucket=dest.bucket) == sent, "parts sent while paused"
    assert s3_server.count("AbortMultipartUpload", bucket=dest.bucket) == 0
    engine.manager.set_limits(1, 2, 2, 0)
    engine.manager.resume(task_id)
    engine.wait_idle()
    assert engine.state(task_id) is TaskState.COMPLETED
    assert download_sha256(dest.bucket, path.name) == sha256_file(path)


def test_restart_continues_only_missing_parts(qtbot, data_dir, dest, make_file, s3_server,
                                              download_sha256, sha256_file):
    eng = Engine(qtbot, data_dir, small_config(parts_per_file=1, parts_total=1,
                                               bandwidth_limit=5 * MiB))
    path = make_file("big.bin", 30 * MiB)                       # 6 parts of 5 MiB
    [task_id] = eng.manager.add(path, dest)
    qtbot.waitUntil(lambda: eng.manager.task(task_id).parts_done >= 2, timeout=20_000)
    eng.stop()                                                   # quit mid-upload
    before = s3_server.count("UploadPart", bucket=dest.bucket)
    done_before = CheckpointStore.open(data_dir / STORE_NAME, readonly=True).get_task(task_id)

    manager = eng.start(small_config())                          # a new run over the same store
    [restored] = manager.restore()
    assert restored.state is TaskState.PAUSED
    assert restored.bytes_done == done_before.bytes_done > 0
    manager.resume_all()
    eng.wait_idle()
    assert eng.state(task_id) is TaskState.COMPLETED
    resent = s3_server.count("UploadPart", bucket=dest.bucket) - before
    assert resent == 6 - done_before.parts_done
    assert s3_server.count("CreateMultipartUpload", bucket=dest.bucket) == 1
    assert download_sha256(dest.bucket, path.name) == sha256_file(path)
    eng.stop()


def test_auto_resume_queues_paused_rows_at_start_up_and_leaves_failed_ones(
        qtbot, data_dir, dest, make_file, s3_server, download_sha256, sha256_file):
    eng = Engine(qtbot, data_dir, small_config(files_at_once=1, parts_per_file=1,
                                               parts_total=1, bandwidth_limit=5 * MiB))
    paths = [make_file(f"ar/{i}.bin", 12 * MiB) for i in range(3)]
    ids = eng.manager.add(paths[0].parent, dest)
    qtbot.waitUntil(lambda: eng.manager.task(ids[0]).parts_done >= 1, timeout=20_000)
    eng.stop()                                  # the first interrupted mid-upload, two waiting
    store = CheckpointStore.open(data_dir / STORE_NAME)
    store.set_state(ids[2], TaskState.FAILED, message="Access denied", error_code="AccessDenied")
    store.close()

    manager = eng.start(small_config(files_at_once=1, auto_resume=True))
    rows = manager.restore()
    assert [(i.state, i.message) for i in rows] == [
        (TaskState.QUEUED, "Waiting for a free slot")] * 2 + [
        (TaskState.FAILED, "Access denied")]               # failed ones wait for Retry
    assert [eng.store.get_task(i).state for i in ids] == [
        TaskState.PREPARING, TaskState.QUEUED, TaskState.FAILED]   # the first started at once
    assert manager._tasks.at_rest(ids[1])                # the rest wait as records
    eng.wait_idle()
    assert [eng.state(i) for i in ids] == [TaskState.COMPLETED, TaskState.COMPLETED,
                                           TaskState.FAILED]
    assert s3_server.count("CreateMultipartUpload", bucket=dest.bucket) == 2  # one continued
    assert all(download_sha256(dest.bucket, f"ar/{p.name}") == sha256_file(p) for p in paths[:2])
    eng.stop()


def test_restored_tasks_wait_as_records_until_needed(qtbot, data_dir, dest, make_file,
                                                     s3_server, download_sha256, sha256_file):
    """A restored task that only waits is its record until needed (engine/table.py): its row
    is the one the task would give, and a click, the scheduler or Resume all makes it."""
    eng = Engine(qtbot, data_dir, small_config(parts_per_file=1, parts_total=1,
                                               bandwidth_limit=5 * MiB))
    paths = [make_file(f"r{i}.bin", 12 * MiB) for i in range(3)]
    ids = [eng.manager.add(path, dest)[0] for path in paths]
    qtbot.waitUntil(lambda: eng.manager.task(ids[0]).parts_done >= 1, timeout=20_000)
    eng.stop()

    manager = eng.start(small_config())
    eng.store.set_state(ids[2], TaskState.QUEUED)       # as a crash leaves a waiting file
    chunks = list(manager.restoring(chunk=2))           # restore(), a list at a time
    assert [[i.id for i in rows] for rows in chunks] == [ids[:2], ids[2:]]
    restored = chunks[0] + chunks[1]
    assert manager.restore() == []                       # each row is restored once
    assert [i.state for i in restored[:2]] == [TaskState.PAUSED] * 2
    assert restored[0].parts_done >= 1 and restored[0].bytes_done >= 5 * MiB
    table = manager._tasks
    assert table.peek(ids[0]) is None and table.peek(ids[1]) is None   # nothing made for them
    assert table.peek(ids[2]) is not None                # the queued one: started at once
    for info in restored[:2]:                            # the row is the task's own
        assert manager._info(manager._make_task(table.at_rest(info.id))) == info
    assert manager.tasks()[:2] == restored[:2] and manager.task(ids[1]) == restored[1]
    assert manager.upload_owners(dest.bucket) == {
        r.upload_id: r.id for r in eng.store.tasks() if r.upload_id}

    manager.resume(ids[1])                               # a click wakes that one only
    assert table.peek(ids[1]) is not None and table.peek(ids[0]) is None
    manager.resume_all()
    eng.wait_idle()
    assert [eng.state(i) for i in ids] == [TaskState.COMPLETED] * 3
    for path in paths:
        assert download_sha256(dest.bucket, path.name) == sha256_file(path)
    eng.stop()


def test_source_modified_between_runs_restarts(qtbot, data_dir, dest, make_file, s3_server,
                                               download_sha256, sha256_file):
    eng = Engine(qtbot, data_dir, small_config(parts_per_file=1, parts_total=1,
                                               bandwidth_limit=5 * MiB))
    path = make_file("changing.bin", 20 * MiB)
    [task_id] = eng.manager.add(path, dest)
    qtbot.waitUntil(lambda: eng.manager.task(task_id).parts_done >= 1, timeout=20_000)
    eng.stop()
    with open(path, "r+b") as f:                                 # same size, new bytes
        f.write(os.urandom(1024))
    manager = eng.start(small_config())
    manager.restore()
    manager.resume(task_id)
    eng.wait_idle()
    info = manager.task(task_id)
    assert info.state is TaskState.COMPLETED
    assert download_sha256(dest.bucket, path.name) == sha256_file(path)   # never spliced
    assert s3_server.count("CreateMultipartUpload", bucket=dest.bucket) == 2
    assert s3_server.count("AbortMultipartUpload", bucket=dest.bucket) == 1
    eng.stop()
    record = CheckpointStore.open(data_dir / STORE_NAME, readonly=True).get_task(task_id)
    assert record.state is TaskState.COMPLETED


def test_upload_aborted_behind_our_back_starts_fresh(qtbot, data_dir, dest, make_file, s3, s3_server,
                                                     download_sha256, sha256_file):
    eng = Engine(qtbot, data_dir, small_config(parts_per_file=1, parts_total=1,
                                               bandwidth_limit=5 * MiB))
    path = make_file("expired.bin", 20 * MiB)
    [task_id] = eng.manager.add(path, dest)
    qtbot.waitUntil(lambda: eng.manager.task(task_id).parts_done >= 1, timeout=20_000)
    eng.stop()
    for upload in s3.list_multipart_uploads(Bucket=dest.bucket).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=dest.bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    manager = eng.start(small_config())
    manager.restore()
    manager.resume(task_id)
    qtbot.waitUntil(lambda: "no longer has" in manager.task(task_id).message
                    or manager.is_idle(), timeout=10_000)
    eng.wait_idle()
    info = manager.task(task_id)
    assert info.state is TaskState.COMPLETED, info.message
    assert download_sha256(dest.bucket, path.name) == sha256_file(path)
    eng.stop()


def test_part_failing_twice_with_503_is_retried(engine, dest, make_file, s3_server,
                                                download_sha256, sha256_file):
    path = make_file("flaky.bin", 11 * MiB)                     # 3 parts
    s3_server.fail_next("UploadPart", status=503, code="SlowDown", times=2)
    [task_id] = engine.manager.add(path, dest)
    engine.wait_idle()
    assert engine.state(task_id) is TaskState.COMPLETED
    assert s3_server.count("UploadPart", bucket=dest.bucket) == 3 + 2
    assert download_sha256(dest.bucket, path.name) == sha256_file(path)


def test_fatal_error_fails_then_retry_continues_from_checkpoint(engine, dest, make_file, s3_server,
                                                                download_sha256, sha256_file):
    engine.manager.set_limits(1, 1, 1, 0)
    path = make_file("denied.bin", 16 * MiB)                    # 4 parts
    [task_id] = engine.manager.add(path, dest)
    engine.qtbot.waitUntil(lambda: engine.manager.task(task_id).parts_done >= 1, timeout=20_000)
    s3_server.fail_next("UploadPart", status=403, code="AccessDenied", times=1)
    engine.wait_idle()
    info = engine.manager.task(task_id)
    assert info.state is TaskState.FAILED
    assert "denied" in info.message.lower()
    done = info.parts_done
    before = s3_server.count("UploadPart", bucket=dest.bucket)
    engine.manager.retry(task_id)
    engine.wait_idle()
    assert engine.state(task_id) is TaskState.COMPLETED
    assert s3_server.count("UploadPart", bucket=dest.bucket) - before == 4 - done
    assert download_sha256(dest.bucket, path.name) == sha256_file(path)


def test_cancel_aborts_on_server_and_forgets(engine, dest, make_file, s3, qtbot):
    engine.manager.set_limits(1, 1, 1, 4 * MiB)
    path = make_file("cancel.bin", 20 * MiB)
    [task_id] = engine.manager.add(path, dest)
    qtbot.waitUntil(lambda: engine.manager.task(task_id).parts_done >= 1, timeout=20_000)
    with qtbot.waitSignal(engine.manager.task_finished, timeout=10_000) as finished:
        engine.manager.cancel(task_id)
    assert finished.args == [task_id, "cancelled"]
    assert s3.list_multipart_uploads(Bucket=dest.bucket).get("Uploads", []) == []
    assert engine.store.get_task(task_id) is None


def test_progress_is_batched_and_reaches_the_end(engine, dest, make_file, qtbot):
    batches = []
    engine.manager.tasks_updated.connect(batches.append)
    path = make_file("progress.bin", 12 * MiB)
    [task_id] = engine.manager.add(path, dest)
    engine.wait_idle()
    qtbot.waitUntil(lambda: any(i.id == task_id and i.state is TaskState.COMPLETED
                                for batch in batches for i in batch), timeout=2_000)
    final = [i for batch in batches for i in batch if i.id == task_id][-1]
    assert final.bytes_done == final.size == 12 * MiB
    # a handful of batches per second, not one per block sent
    assert len(batches) < 200


def test_parts_carry_crc32_checksums(engine, dest, make_file, s3_server):
    engine.manager.add(make_file("crc.bin", 11 * MiB), dest)
    engine.wait_idle()
    parts = s3_server.of("UploadPart", bucket=dest.bucket)
    assert len(parts) == 3
    assert all("x-amz-checksum-crc32" in p.headers for p in parts)
    assert s3_server.of("CreateMultipartUpload", bucket=dest.bucket)[0].headers[
        "x-amz-checksum-algorithm"] == "CRC32"


def test_store_that_refuses_checksums_gets_content_md5(engine, dest, make_file, s3_server,
                                                       download_sha256, sha256_file):
    path = make_file("nochecksum.bin", 11 * MiB)
    s3_server.fail_next("CreateMultipartUpload", status=501, code="NotImplemented", times=1)
    [task_id] = engine.manager.add(path, dest)
    engine.wait_idle()
    assert engine.state(task_id) is TaskState.COMPLETED, engine.manager.task(task_id).message
    creates = s3_server.of("CreateMultipartUpload", bucket=dest.bucket)
    assert "x-amz-checksum-algorithm" in creates[0].headers
    assert "x-amz-checksum-algorithm" not in creates[1].headers
    for part in s3_server.of("UploadPart", bucket=dest.bucket):
        assert "content-md5" in part.headers and "x-amz-checksum-crc32" not in part.headers
    assert download_sha256(dest.bucket, path.name) == sha256_file(path)


# slow: a 3 s outage, between parts that crawl at 6 MiB/s so that one is cut off
@pytest.mark.slow
def test_lost_network_waits_and_continues_by_itself(qtbot, data_dir, dest, make_file, s3_server,
                                                    download_sha256, sha256_file):
    from dataclasses import replace

    from support.faultproxy import FaultProxy
    relay = FaultProxy(s3_server.endpoint_url)
    store = CheckpointStore.open(data_dir / STORE_NAME)
    # a budget of two tries: an outage that spent it would fail the task
    policy = RetryPolicy(base=0.01, cap=0.05, max_attempts=2, network_base=0.1, network_cap=0.25)
    manager = UploadManager(store, S3Clients(max_pool_connections=8),
                            small_config(parts_per_file=1, parts_total=1, bandwidth_limit=6 * MiB),
                            policy=policy)
    states = []
    manager.task_state_changed.connect(lambda _id, state: states.append(state))
    try:
        path = make_file("outage.bin", 20 * MiB)
        [task_id] = manager.add(path, replace(dest, endpoint_url=relay.endpoint_url))
        qtbot.waitUntil(lambda: manager.task(task_id).parts_done >= 2, timeout=20_000)
        relay.down()
        qtbot.waitUntil(lambda: "Waiting for network" in manager.task(task_id).message,
                        timeout=10_000)
        # Three seconds down: over ten probes at most 0.25 s apart, each a failed request. Had
        # any of them spent the budget of two tries, the task would have failed.
        qtbot.wait(3_000)
        assert manager.task(task_id).state is TaskState.UPLOADING
        relay.restore()
        qtbot.waitUntil(manager.is_idle, timeout=30_000)
        assert manager.task(task_id).state is TaskState.COMPLETED
        assert "failed" not in states
        assert download_sha256(dest.bucket, path.name) == sha256_file(path)
    finally:
        manager.shutdown(5000)
        store.close()
        relay.stop()


def test_flaky_network_and_throttling_every_file_completes(qtbot, data_dir, dest, make_file,
                                                           s3_server, download_sha256,
                                                           sha256_file):
    """10% of uploads reset mid-body plus a burst of 503 SlowDown: all complete, identical."""
    from dataclasses import replace

    from support.faultproxy import FaultProxy
    relay = FaultProxy(s3_server.endpoint_url, seed=1234)
    resets = relay.reset_mid_body(fraction=0.4, match={"UploadPart"}, share=0.10)
    store = CheckpointStore.open(data_dir / STORE_NAME)
    policy = RetryPolicy(base=0.01, cap=0.1, max_attempts=8)
    manager = UploadManager(store, S3Clients(max_pool_connections=8), small_config(), policy=policy)
    try:
        files = [make_file(f"flaky/{i}.bin", 11 * MiB + i) for i in range(4)]   # 12 parts
        s3_server.fail_next("UploadPart", status=503, code="SlowDown", times=4)
        ids = manager.add(files[0].parent, replace(dest, endpoint_url=relay.endpoint_url))
        qtbot.waitUntil(manager.is_idle, timeout=60_000)
        for task_id in ids:
            assert manager.task(task_id).state is TaskState.COMPLETED, manager.task(task_id).message
        for path in files:
            assert download_sha256(dest.bucket, "flaky/" + path.name) == sha256_file(path)
        sent = s3_server.count("UploadPart", bucket=dest.bucket)
        print(f"\nflaky: 12 parts, {resets.fired} resets mid-body, 4 SlowDown, "
              f"{sent} UploadPart requests reached the server")
    finally:
        manager.shutdown(5000)
        store.close()
        relay.stop()


def test_responses_cut_short_are_retried(qtbot, data_dir, dest, make_file, s3_server,
                                         download_sha256, sha256_file):
    """A fifth of the server's answers break off half-way: every file still completes."""
    from dataclasses import replace

    from support.faultproxy import FaultProxy
    relay = FaultProxy(s3_server.endpoint_url, seed=99)
    cuts = relay.truncate_response(share=0.2)
    store = CheckpointStore.open(data_dir / STORE_NAME)
    manager = UploadManager(store, S3Clients(max_pool_connections=8), small_config(),
                            policy=RetryPolicy(base=0.01, cap=0.1, max_attempts=10))
    try:
        files = [make_file(f"cut/{i}.bin", 11 * MiB + i) for i in range(3)]
        ids = manager.add(files[0].parent, replace(dest, endpoint_url=relay.endpoint_url))
        qtbot.waitUntil(manager.is_idle, timeout=60_000)
        assert cuts.fired > 0
        for task_id in ids:
            assert manager.task(task_id).state is TaskState.COMPLETED, manager.task(task_id).message
        for path in files:
            assert download_sha256(dest.bucket, "cut/" + path.name) == sha256_file(path)
    finally:
        manager.shutdown(5000)
        store.close()
        relay.stop()
