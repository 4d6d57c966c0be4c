"""A download stopped part-way: resumed with only the missing ranges, started over against an
object that changed, refused when its bytes do not prove, and never named before the proof."""

import random
import threading

import pytest

from hoist.core.checkpoint.states import PartState, TaskState
from hoist.core.checkpoint.store import DISK_FULL
from support.engine import Engine, small_config
from support.tinydisk import fill, tiny_disk  # noqa: F401 -- a fixture

MiB = 1024 * 1024


class GetGate:
    """Holds the answer to the ``nth`` GetObject (moto has made it) until ``release``;
    ``corrupt``: flip a byte of that answer's body instead of holding it."""

    def __init__(self, server, nth: int, corrupt: bool = False):
        self.server, self.nth, self.corrupt = server, nth, corrupt
        self.seen = 0
        self.held = threading.Event()
        self.released = threading.Event()
        self._lock = threading.Lock()

    def __enter__(self):
        self.server.rewrite("GetObject", self)
        return self

    def __exit__(self, *exc):
        self.released.set()
        self.server.rewrite("GetObject", None)

    def __call__(self, status, headers, body):
        with self._lock:
            self.seen += 1
            mine = self.seen == self.nth
        if mine and self.corrupt:
            body = bytes([body[0] ^ 0xFF]) + body[1:]
        elif mine:
            self.held.set()
            self.released.wait(30)
        return status, headers, body

    def release(self):
        self.released.set()


def _ranges(server, start: int) -> list[str]:
    return sorted(r.headers.get("range", "") for r in server.requests[start:] if r.op == "GetObject")


@pytest.fixture
def one_at_a_time(engine):
    """Ranges one after another, so a gate on the nth GET stops the download at a known place."""
    engine.stop()
    engine.start(small_config(parts_per_file=1, parts_total=1))
    return engine


def _stop_at_third_range(engine, download, s3_server):
    with GetGate(s3_server, nth=3) as gate:
        [task_id] = download(["obj.bin"])
        engine.qtbot.waitUntil(gate.held.is_set, timeout=10_000)
        engine.manager.pause(task_id)        # the third range is cut short: not committed
        gate.release()
        engine.wait_idle()
    parts = engine.store.parts(task_id)
    assert [p.state for p in parts] == [PartState.DONE] * 2 + [PartState.PENDING] * 2
    engine.stop()
    engine.start()
    engine.manager.restore()
    return task_id


def test_resume_fetches_only_the_missing_ranges(one_at_a_time, put, download, s3_server,
                                                  tmp_path):
    engine = one_at_a_time
    data = put("obj.bin", 4 * MiB)
    task_id = _stop_at_third_range(engine, download, s3_server)
    start = len(s3_server.requests)
    engine.manager.resume(task_id)
    engine.wait_idle()
    assert (tmp_path / "dl" / "obj.bin").read_bytes() == data
    assert _ranges(s3_server, start) == [f"bytes={2 * MiB}-{3 * MiB - 1}",
                                         f"bytes={3 * MiB}-{4 * MiB - 1}"]


def test_an_object_replaced_between_runs_is_downloaded_again_whole(
        one_at_a_time, put, download, s3_server, tmp_path):
    engine = one_at_a_time
    put("obj.bin", 4 * MiB, seed=1)
    task_id = _stop_at_third_range(engine, download, s3_server)
    new = put("obj.bin", 4 * MiB, seed=2)
    start = len(s3_server.requests)
    engine.manager.resume(task_id)
    engine.wait_idle()
    assert (tmp_path / "dl" / "obj.bin").read_bytes() == new          # never a mix
    assert len(_ranges(s3_server, start)) == 4
    assert engine.manager.task(task_id).state is TaskState.COMPLETED
    assert engine.manager.task(task_id).message.endswith(
        "The object changed on the server since the download began — started again")


def test_an_object_replaced_mid_download_answers_412_and_starts_over(
        one_at_a_time, put, download, s3_server, tmp_path):
    engine = one_at_a_time
    put("obj.bin", 4 * MiB, seed=1)
    with GetGate(s3_server, nth=2) as gate:
        [task_id] = download(["obj.bin"])
        engine.qtbot.waitUntil(gate.held.is_set, timeout=10_000)
        new = put("obj.bin", 4 * MiB + 3, seed=2)     # the next GET's If-Match fails
        gate.release()
        engine.wait_idle(timeout=20_000)
    assert (tmp_path / "dl" / "obj.bin").read_bytes() == new
    assert any(r.headers.get("if-match") for r in s3_server.of("GetObject"))
    assert engine.manager.task(task_id).state is TaskState.COMPLETED


def test_the_target_does_not_exist_before_the_proof_and_a_wrong_body_is_refused(
        one_at_a_time, put, download, s3_server, tmp_path):
    engine = one_at_a_time
    data = put("obj.bin", 3 * MiB)
    target = tmp_path / "dl" / "obj.bin"
    with GetGate(s3_server, nth=3) as last:
        [task_id] = download(["obj.bin"])
        engine.qtbot.waitUntil(last.held.is_set, timeout=10_000)
        assert not target.exists() and target.with_name("obj.bin.hoist-partial").exists()
        last.release()
        engine.wait_idle()
    assert target.read_bytes() == data
    target.unlink()
    with GetGate(s3_server, nth=2, corrupt=True):
        [bad] = download(["obj.bin"])
        engine.wait_idle()
    info = engine.manager.task(bad)
    assert info.state is TaskState.FAILED
    assert "do not match" in info.message and "CRC32" in info.message
    assert not target.exists() and not target.with_name("obj.bin.hoist-partial").exists()
    start = len(s3_server.requests)
    engine.manager.retry(bad)                     # from zero
    engine.wait_idle()
    assert target.read_bytes() == data
    assert len(_ranges(s3_server, start)) == 3


def test_a_full_disk_says_how_much_is_missing(engine, put, download, tiny_disk):  # noqa: F811
    put("big.bin", 3 * MiB)
    [task_id] = download(["big.bin"], target=tiny_disk)
    engine.wait_idle()
    info = engine.manager.task(task_id)
    assert info.state is TaskState.FAILED
    assert "Not enough free space" in info.message and "more" in info.message
    assert not (tiny_disk / "big.bin.hoist-partial").exists()


def test_a_full_disk_under_the_store_pauses_downloads_and_resume_finishes(
        qtbot, put, dest, s3_server, tiny_disk, tmp_path):  # noqa: F811
    engine = Engine(qtbot, tiny_disk / "data", small_config(parts_per_file=1, parts_total=1))
    said = []
    engine.manager.store_full.connect(said.append)
    data = put("obj.bin", 4 * MiB)
    target = tmp_path / "dl" / "obj.bin"
    try:
        with GetGate(s3_server, nth=2) as gate:
            [task_id] = engine.manager.add_downloads(dest, dest.bucket, ["obj.bin"],
                                                     str(target.parent), range_size=MiB)
            engine.qtbot.waitUntil(gate.held.is_set, timeout=10_000)
            filler = fill(tiny_disk)             # range 2's commit meets a full disk
            gate.release()
            engine.wait_idle()
        info = engine.manager.task(task_id)
        assert info.state is TaskState.PAUSED and said == [DISK_FULL], (info, said)
        assert not target.exists()
        filler.unlink()
        engine.manager.resume_all()
        engine.wait_idle()
        assert target.read_bytes() == data
    finally:
        engine.stop()


def test_free_space_counts_the_blocks_a_sparse_partial_holds_not_its_length(
        engine, put, download, tiny_disk, s3_server):  # noqa: F811
    put("big.bin", 3 * MiB)
    partial = tiny_disk / "big.bin.hoist-partial"
    with open(partial, "wb") as f:                 # left at full length, but holding no blocks
        f.truncate(3 * MiB)
    start = len(s3_server.requests)
    [task_id] = download(["big.bin"], target=tiny_disk)
    engine.wait_idle()
    info = engine.manager.task(task_id)
    assert info.state is TaskState.FAILED
    assert "Not enough free space" in info.message, info.message
    assert not [r for r in s3_server.requests[start:] if r.op == "GetObject"]   # before any GET


def _multipart_without_checksum(s3, bucket, key: str) -> bytes:
    """An object whose proof asks the store for its part layout (a request to hold)."""
    parts = [random.Random(n).randbytes(size) for n, size in ((1, 5 * MiB), (2, 10))]
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    etags = [s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=n, Body=body)
             ["ETag"] for n, body in enumerate(parts, 1)]
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload, MultipartUpload={
        "Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, 1)]})
    return b"".join(parts)


def test_a_cancel_while_proving_never_leaves_a_file_behind_a_cancelled_row(
        engine, s3, bucket, download, s3_server, tmp_path):
    _multipart_without_checksum(s3, bucket, "mp.bin")
    target = tmp_path / "dl" / "mp.bin"
    with GetGate(s3_server, nth=2) as proving:     # 1: the one range; 2: the proof's layout
        [task_id] = download(["mp.bin"], range_size=8 * MiB)
        engine.qtbot.waitUntil(proving.held.is_set, timeout=10_000)
        engine.manager.cancel(task_id)
        proving.release()
        engine.wait_idle()
    info = engine.manager.task(task_id)
    assert (info.state, target.exists()) == (TaskState.CANCELLED, False), info
    assert not target.with_name("mp.bin.hoist-partial").exists()


def _without_part_counts(status, headers, body):
    """A store that says nothing of an object's parts: its proof falls back to the size."""
    return status, [(k, v) for k, v in headers if k.lower() != "x-amz-mp-parts-count"], body


def test_a_partial_file_deleted_mid_download_is_never_published_as_zeros(
        one_at_a_time, s3, bucket, download, s3_server, tmp_path):
    engine = one_at_a_time
    data = _multipart_without_checksum(s3, bucket, "mp.bin")
    target = tmp_path / "dl" / "mp.bin"
    s3_server.rewrite("HeadObject", _without_part_counts)
    try:
        with GetGate(s3_server, nth=6) as last:        # the sixth and last range
            [task_id] = download(["mp.bin"])
            engine.qtbot.waitUntil(last.held.is_set, timeout=10_000)
            target.with_name("mp.bin.hoist-partial").unlink()    # a user, a cleanup
            last.release()
            engine.wait_idle(timeout=20_000)
    finally:
        s3_server.rewrite("HeadObject", None)
    info = engine.manager.task(task_id)
    assert not (target.exists() and target.read_bytes() != data), info.message
    assert info.state is TaskState.COMPLETED and target.read_bytes() == data, info
    assert "partial file was gone" in info.message


def test_a_link_planted_at_the_partial_name_mid_download_is_never_written_through(
        one_at_a_time, put, download, s3_server, tmp_path):
    engine = one_at_a_time
    data = put("obj.bin", 3 * MiB)
    outside = tmp_path / "precious"
    outside.write_bytes(b"p" * 3 * MiB)
    partial = tmp_path / "dl" / "obj.bin.hoist-partial"
    with GetGate(s3_server, nth=2) as gate:
        [task_id] = download(["obj.bin"])
        engine.qtbot.waitUntil(gate.held.is_set, timeout=10_000)
        partial.unlink()
        partial.symlink_to(outside)              # someone else who can write to the folder
        gate.release()
        engine.wait_idle(timeout=20_000)
    assert outside.read_bytes() == b"p" * 3 * MiB
    assert (tmp_path / "dl" / "obj.bin").read_bytes() == data
    assert engine.manager.task(task_id).state is TaskState.COMPLETED


def test_a_file_named_just_before_a_crash_is_proved_again_not_fetched_again(
        engine, put, download, s3_server, tmp_path, monkeypatch):
    """A kill between the rename and the store's commit of "completed": resume finds the
    partial gone and the target named, proves the target, and fetches nothing again."""
    data = put("obj.bin", 3 * MiB)
    store = engine.manager.store
    real = store.mark_completed

    def power_cut(*args, **kwargs):          # the rename happened; the commit never does
        monkeypatch.setattr(store, "mark_completed", real)
        raise OSError("the machine lost power")
    monkeypatch.setattr(store, "mark_completed", power_cut)
    [task_id] = download(["obj.bin"])
    engine.wait_idle()
    target = tmp_path / "dl" / "obj.bin"
    assert engine.manager.task(task_id).state is TaskState.FAILED
    assert target.read_bytes() == data and not target.with_name("obj.bin.hoist-partial").exists()
    start = len(s3_server.requests)
    engine.manager.retry(task_id)
    engine.wait_idle()
    info = engine.manager.task(task_id)
    assert info.state is TaskState.COMPLETED and "proved by CRC32" in info.message, info
    assert target.read_bytes() == data
    assert [r.op for r in s3_server.requests[start:]].count("GetObject") == 0
