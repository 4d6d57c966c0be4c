"""`hoist download` as a user runs it: a prefix with unsafe keys, kill -9 and resume with the
bytes counted at a proxy, and what list, stats, cancel and cleanup --local say of downloads."""

import json
import os
import random

from support.cli import hoist, listing, parts_done, start, wait_for_parts
from support.faultproxy import FaultProxy

MiB = 1024 * 1024
UNSAFE = ["p/../../evil.txt", "p//abs", "p/C:/x", "p/" + "n" * 300, "p/clash"]


def _put(s3, bucket, key, size, seed=0) -> bytes:
    data = random.Random(f"{key}{seed}").randbytes(size)
    s3.put_object(Bucket=bucket, Key=key, Body=data, ChecksumAlgorithm="CRC32")
    return data


def test_a_prefix_lands_under_dest_while_every_unsafe_key_is_refused_by_name(
        cli_env, s3, bucket, tmp_path):
    good = {"p/ok.txt": _put(s3, bucket, "p/ok.txt", 3000),
            "p/sub/deeper/b.bin": _put(s3, bucket, "p/sub/deeper/b.bin", 70_000),
            "p/clash/inner": _put(s3, bucket, "p/clash/inner", 10)}
    for key in UNSAFE:
        _put(s3, bucket, key, 5)
    s3.put_object(Bucket=bucket, Key="p/folder/", Body=b"")
    dest = tmp_path / "dest"
    result = hoist(cli_env, "download", f"s3://{bucket}/p/", dest)
    assert result.returncode == 1, result.stderr          # some were refused
    for key, data in good.items():
        assert (dest / key[2:]).read_bytes() == data
    assert (dest / "folder").is_dir()
    refusals = [line for line in result.stderr.splitlines() if line.startswith("hoist: ")]
    assert len(refusals) == len(UNSAFE), result.stderr
    for key in UNSAFE:
        assert any(key[:40] in line for line in refusals), (key, result.stderr)
    assert not (tmp_path / "evil.txt").exists() and not list(tmp_path.glob("**/evil.txt"))
    rows = listing(cli_env)
    assert {r["direction"] for r in rows} == {"download"}
    assert {r["verified"] for r in rows} == {"CRC32"}
    assert f"↓ s3://{bucket}/p/ok.txt → {dest / 'ok.txt'}" in hoist(cli_env, "list").stdout
    stats = json.loads(hoist(cli_env, "stats", "--json").stdout)
    assert stats["downloads"] == {"completed": 3}
    assert stats["bytes_received"] == sum(map(len, good.values()))


def test_kill_9_then_resume_fetches_only_what_was_missing(cli_env, data_dir, s3_server, s3,
                                                          bucket, tmp_path):
    size, ranges, in_flight = 6 * MiB, 6, 2
    data = _put(s3, bucket, "big.bin", size)
    with FaultProxy(s3_server.endpoint_url) as proxy:
        env = dict(cli_env, AWS_ENDPOINT_URL=proxy.endpoint_url)
        proc = start(env, "download", f"s3://{bucket}/big.bin", tmp_path / "dl", "--part-size",
                     "1MiB", "--concurrency", str(in_flight), "--bwlimit", "3MiB/s")
        wait_for_parts(data_dir, 2, proc)
        proc.kill()                                  # SIGKILL: no clean-up at all
        proc.communicate(timeout=30)
        done = parts_done(data_dir)
        first = proxy.stats.bytes_down
        proxy.reset_stats()
        result = hoist(env, "resume")
        assert result.returncode == 0, result.stderr
        again = proxy.stats.bytes_down
    assert (tmp_path / "dl" / "big.bin").read_bytes() == data
    missing = (ranges - done) * MiB
    overhead = 64 * 1024                               # HEADs, headers, a listing
    assert again <= missing + overhead, (again, missing)
    assert first + again <= size + in_flight * MiB + 2 * overhead
    assert not (tmp_path / "dl" / "big.bin.hoist-partial").exists()


def test_cancel_deletes_the_partial_and_cleanup_local_removes_strays(
        cli_env, data_dir, s3, bucket, tmp_path):
    _put(s3, bucket, "big.bin", 4 * MiB)
    dl = tmp_path / "dl"
    proc = start(cli_env, "download", f"s3://{bucket}/big.bin", dl, "--part-size", "1MiB",
                 "--concurrency", "1", "--bwlimit", "2MiB/s")
    wait_for_parts(data_dir, 1, proc)
    proc.kill()
    proc.communicate(timeout=30)
    partial = dl / "big.bin.hoist-partial"
    assert partial.exists()
    stray = dl / "old" / "left.iso.hoist-partial"
    stray.parent.mkdir()
    stray.write_bytes(b"x")
    listed = hoist(cli_env, "cleanup", "--local", "--dry-run")
    assert str(stray) in listed.stdout and str(partial) not in listed.stdout, listed.stdout
    assert stray.exists()
    cancelled = hoist(cli_env, "cancel", 1)
    assert cancelled.returncode == 0 and "partial file deleted" in cancelled.stdout
    assert not partial.exists()
    assert s3.head_object(Bucket=bucket, Key="big.bin")["ContentLength"] == 4 * MiB
    removed = hoist(cli_env, "cleanup", "--local", tmp_path)
    assert removed.returncode == 0 and f"Removed {stray}" in removed.stdout
    assert not stray.exists()


def test_dry_run_and_existing_files(cli_env, s3, bucket, tmp_path):
    _put(s3, bucket, "a/one.txt", 100)
    other = _put(s3, bucket, "a/skip.tmp", 100)
    dest = tmp_path / "d"
    dry = hoist(cli_env, "download", f"s3://{bucket}/a/", dest, "--exclude", "*.tmp",
                "--dry-run")
    assert dry.returncode == 0 and "a/one.txt" in dry.stdout and "skip.tmp" not in dry.stdout
    assert not dest.exists() or not any(dest.iterdir())
    dest.mkdir()
    (dest / "one.txt").write_bytes(b"changed here")      # skip, unless --force (engine tests)
    kept = hoist(cli_env, "download", f"s3://{bucket}/a/", dest)
    assert kept.returncode == 0 and "--force" in kept.stderr, kept.stderr
    assert (dest / "one.txt").read_bytes() == b"changed here"
    assert (dest / "skip.tmp").read_bytes() == other         # no --exclude this time


def test_a_file_sent_and_fetched_back_keeps_its_mtime(cli_env, s3_server, s3, bucket, tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    small, big = source / "note.txt", source / "film.bin"
    small.write_bytes(b"kept time")
    big.write_bytes(random.Random(3).randbytes(6 * MiB))        # multipart at 5 MiB parts
    when = {small: 1_234_567_890_123_456_789, big: 1_600_000_000_987_654_321}
    for path, ns in when.items():
        os.utime(path, ns=(ns, ns))
    sent = hoist(cli_env, "upload", source, f"s3://{bucket}/t/", "--part-size", "5MiB")
    assert sent.returncode == 0, sent.stderr
    head = s3.head_object(Bucket=bucket, Key="t/src/film.bin")
    assert head["Metadata"] == {"mtime": "1600000000.987654321"}     # as rclone keeps it
    dest = tmp_path / "back"
    fetched = hoist(cli_env, "download", f"s3://{bucket}/t/", dest)
    assert fetched.returncode == 0, fetched.stderr
    for path, ns in when.items():
        back = dest / "src" / path.name
        assert back.read_bytes() == path.read_bytes()
        assert abs(back.stat().st_mtime_ns - ns) < 1000, (path.name, back.stat().st_mtime_ns)
    # older than the objects now, yet known unchanged: Hoist recorded what it fetched
    gets = s3_server.count("GetObject", bucket)
    again = hoist(cli_env, "download", f"s3://{bucket}/t/", dest)
    assert again.returncode == 0 and "--force" not in again.stderr, again.stderr
    assert s3_server.count("GetObject", bucket) == gets


def test_one_object_costs_one_head_before_its_ranges_and_a_missing_one_is_named(
        cli_env, s3_server, s3, bucket, tmp_path):
    # each request before the first GET is a round trip the link stands idle (80 ms at home):
    # the object's HEAD is the bucket's check and its size, and the download pins its answer
    data = _put(s3, bucket, "one.bin", 3 * MiB)
    with FaultProxy(s3_server.endpoint_url) as proxy:
        env = dict(cli_env, AWS_ENDPOINT_URL=proxy.endpoint_url)
        result = hoist(env, "download", f"s3://{bucket}/one.bin", tmp_path, "--part-size",
                       "1MiB")
        requests = proxy.stats.requests
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "one.bin").read_bytes() == data
    assert requests == {"HeadObject": 1, "GetObject": 3}
    missing = hoist(cli_env, "download", f"s3://{bucket}/nothing.bin", tmp_path)
    assert missing.returncode == 1 and "nothing.bin: no such key" in missing.stderr
    gone = hoist(cli_env, "download", "s3://no-such-bucket-here/one.bin", tmp_path)
    assert gone.returncode == 2 and "no-such-bucket-here" in gone.stderr, gone.stderr
