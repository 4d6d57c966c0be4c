"""`hoist upload` when the disk holding its data directory fills up: one line, exit 130,
every checkpoint kept, and `hoist resume` sends only what is missing."""

import sqlite3

from hoist.core.policy.planner import MiB
from hoist.core.settings.datadir import STORE_NAME
from support.cli import hoist, listing, start, wait_for_parts
from support.tinydisk import fill, tiny_disk  # noqa: F401 -- a fixture

PARTS = 8


def done_part_numbers(data) -> set[int]:
    with sqlite3.connect(f"file:{data / STORE_NAME}?mode=ro", uri=True) as db:
        return {n for (n,) in db.execute("SELECT number FROM parts WHERE state = 'done'")}


def test_upload_on_a_full_disk_exits_130_and_resume_finishes(
        cli_env, tiny_disk, bucket, make_file, s3_server, download_sha256, sha256_file):
    data = tiny_disk / "data"
    env = dict(cli_env, HOIST_DATA_DIR=str(data))
    path = make_file("big.bin", PARTS * 5 * MiB - 1)
    proc = start(env, "upload", path, "--bucket", bucket, "--part-size", "5MiB",
                 "--concurrency", "2", "--bwlimit", "10MiB/s")
    wait_for_parts(data, 2, proc)
    before = done_part_numbers(data)
    filler = fill(tiny_disk)
    out, err = proc.communicate(timeout=60)

    assert proc.returncode == 130, (out, err)
    assert err.splitlines() == [f"hoist: The disk holding Hoist's checkpoints ({data}) is full: "
                                "free space, then run `hoist resume` (every finished part is "
                                "kept)."]
    after = done_part_numbers(data)
    assert before <= after and len(after) < PARTS
    [task] = listing(env)
    assert task["state"] in ("paused", "uploading"), task    # "uploading" comes back paused
    assert not [p for p in data.iterdir() if ".corrupt" in p.name]

    still = hoist(env, "resume")       # still full: the same line, the same status, nothing lost
    assert (still.returncode, still.stderr) == (130, err), still.stdout
    assert done_part_numbers(data) == after

    filler.unlink()
    sent = s3_server.count("UploadPart", bucket=bucket)
    done = hoist(env, "resume", "--quiet")
    assert done.returncode == 0, done.stderr
    assert download_sha256(bucket, path.name) == sha256_file(path)
    assert s3_server.count("UploadPart", bucket=bucket) - sent == PARTS - len(after)
