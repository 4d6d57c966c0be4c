"""A download as a task of the shared engine: its rows, its ranges, its proof and its name."""

import os

from hoist.core.checkpoint.states import TaskState
from hoist.core.remote.s3 import Destination
from support.faultproxy import FaultProxy

MiB = 1024 * 1024


def test_a_key_lands_proved_with_its_name_and_rows_say_download(engine, put, download, tmp_path):
    data = put("photos/2024/big.bin", 3 * MiB + 5)
    ids = download(["photos/2024/big.bin"])
    engine.wait_idle()
    target = tmp_path / "dl" / "big.bin"
    assert target.read_bytes() == data
    assert not (tmp_path / "dl" / "big.bin.hoist-partial").exists()
    info = engine.manager.task(ids[0])
    assert (info.state, info.direction, info.size, info.bytes_done) == (
        TaskState.COMPLETED, "download", len(data), len(data))
    assert "proved by CRC32" in info.message
    record = engine.store.get_task(ids[0])
    assert (record.direction, record.verified, record.source_path) == (
        "download", "CRC32", str(target))
    assert record.remote_mtime == os.stat(target).st_mtime        # LastModified, kept


def _without_checksums(status, headers, body):
    return status, [(k, v) for k, v in headers if not k.lower().startswith("x-amz-checksum")], body


def test_an_empty_object_and_one_whose_store_keeps_no_checksum(
        engine, put, download, tmp_path, s3_server):
    put("empty", b"")
    data = put("plain.txt", 2 * MiB, crc=False)
    s3_server.rewrite("HeadObject", _without_checksums)     # a store that keeps none
    try:
        ids = download(["empty", "plain.txt"])
        engine.wait_idle()
    finally:
        s3_server.rewrite("HeadObject", None)
    assert (tmp_path / "dl" / "empty").read_bytes() == b""
    assert (tmp_path / "dl" / "plain.txt").read_bytes() == data
    plain = engine.manager.task(ids[1])
    assert engine.store.get_task(ids[1]).verified == "MD5"   # a single PUT's ETag is its MD5
    assert "proved by MD5" in plain.message


def test_a_prefix_keeps_relative_paths_makes_folders_and_refuses_unsafe_keys(
        engine, put, download, tmp_path):
    good = {k: put(k, 1000 + i) for i, k in enumerate(
        ["site/index.html", "site/css/a.css", "site/img/deep/x.png"])}
    put("site/clash", 10)             # both a file and a folder: site/clash/inner
    inner = put("site/clash/inner", 10)
    put("site/empty/", b"")           # a folder marker makes a folder
    added = download(["site/"])
    engine.wait_idle()
    root = tmp_path / "dl"
    for key, data in good.items():
        assert (root / key[len("site/"):]).read_bytes() == data
    assert (root / "empty").is_dir()
    refused = dict(added.refused)
    assert list(refused) == ["site/clash"], refused
    assert "site/clash" in refused["site/clash"] and "both a file and a folder" in refused[
        "site/clash"]
    assert (root / "clash" / "inner").read_bytes() == inner      # the folder's keys go on
    assert len(added) == 4            # three files and clash/inner
    assert {engine.manager.task(i).state for i in added} == {TaskState.COMPLETED}


def test_unchanged_files_are_skipped_differing_ones_kept_unless_forced(
        engine, put, download, tmp_path):
    data = put("a.bin", 1500)
    download(["a.bin"])
    engine.wait_idle()
    again = download(["a.bin"])
    assert list(again) == [] and again.skipped[0][2] == "unchanged"
    (tmp_path / "dl" / "a.bin").write_bytes(b"mine")
    kept = download(["a.bin"])
    assert list(kept) == [] and "differ" in kept.skipped[0][2]
    assert (tmp_path / "dl" / "a.bin").read_bytes() == b"mine"
    both = download(["a.bin"], existing="keep-both")
    forced = download(["a.bin"], force=True)
    engine.wait_idle()
    assert (tmp_path / "dl" / "a (1).bin").read_bytes() == data
    assert (tmp_path / "dl" / "a.bin").read_bytes() == data
    assert len(both) == len(forced) == 1


def test_cancel_deletes_the_partial_file_and_touches_nothing_on_the_server(
        engine, put, download, tmp_path, s3_server, s3, bucket):
    put("big.bin", 3 * MiB)
    held = s3_server.stall_next("GetObject")
    [task_id] = download(["big.bin"])
    partial = tmp_path / "dl" / "big.bin.hoist-partial"
    engine.qtbot.waitUntil(lambda: s3_server.holding.is_set(), timeout=10_000)
    assert partial.stat().st_size == 3 * MiB          # preallocated before the first GET
    assert not (tmp_path / "dl" / "big.bin").exists()
    before = len(s3_server.requests)
    engine.manager.cancel(task_id)
    held.set()
    engine.wait_idle()
    assert not partial.exists() and not (tmp_path / "dl" / "big.bin").exists()
    assert engine.store.get_task(task_id) is None
    assert {r.op for r in s3_server.requests[before:]} <= {"GetObject"}   # nothing deleted
    assert s3.head_object(Bucket=bucket, Key="big.bin")["ContentLength"] == 3 * MiB


def test_ranges_are_rows_of_parts_committed_in_batches(engine, put, download, tmp_path):
    data = put("r.bin", 6 * MiB + 1)
    [task_id] = download(["r.bin"])
    engine.wait_idle()
    assert (tmp_path / "dl" / "r.bin").read_bytes() == data
    task = engine.manager._tasks[task_id]
    # 7 ranges, at most two in flight: never one sync a range when they overlap
    assert 1 <= task._commits.rounds <= 7
    assert engine.store.parts(task_id) == []          # dropped once completed, as uploads'


def test_answers_cut_short_mid_range_are_fetched_again_and_the_file_is_whole(
        engine, put, s3_server, bucket, tmp_path):
    data = put("cut.bin", 4 * MiB)
    with FaultProxy(s3_server.endpoint_url, seed=3) as proxy:
        cuts = proxy.truncate_response(fraction=0.5, match="GetObject", times=2)
        via = Destination(bucket=bucket, endpoint_url=proxy.endpoint_url, region="us-east-1")
        [task_id] = engine.manager.add_downloads(via, bucket, ["cut.bin"], str(tmp_path / "dl"),
                                                 range_size=MiB)
        engine.wait_idle()
    assert cuts.fired == 2
    assert (tmp_path / "dl" / "cut.bin").read_bytes() == data
    assert engine.manager.task(task_id).state is TaskState.COMPLETED


def test_against_each_store(engine, any_store, tmp_path):
    data = os.urandom(2 * MiB + 11)
    any_store.client.put_object(Bucket=any_store.bucket, Key="d/x.bin", Body=data)
    at = Destination(bucket=any_store.bucket, endpoint_url=any_store.endpoint_url,
                     region="us-east-1")
    [task_id] = engine.manager.add_downloads(at, any_store.bucket, ["d/"], str(tmp_path / "dl"),
                                             range_size=MiB)
    engine.wait_idle()
    assert (tmp_path / "dl" / "x.bin").read_bytes() == data
    info = engine.manager.task(task_id)
    assert info.state is TaskState.COMPLETED and "proved by" in info.message


def test_a_head_offered_at_adding_is_pinned_and_an_object_changed_since_starts_over(
        engine, put, download, dest, tmp_path):
    # `hoist download` asks one HEAD and hands it over (one round trip less before the first
    # byte); if the object changed after it, If-Match refuses the ranges and it starts over
    put("x.bin", 2 * MiB, seed=1)
    head = engine.manager.clients.bucket(dest).head_object("x.bin")
    data = put("x.bin", 3 * MiB, seed=2)
    ids = download(["x.bin"], heads={"x.bin": head})
    engine.wait_idle()
    assert (tmp_path / "dl" / "x.bin").read_bytes() == data
    info = engine.manager.task(ids[0])
    assert info.state is TaskState.COMPLETED and "changed on the server" in info.message
    assert engine.store.get_task(ids[0]).remote_etag == head_etag(engine, dest, "x.bin")


def head_etag(engine, dest, key) -> str:
    return engine.manager.clients.bucket(dest).head_object(key)["ETag"]
