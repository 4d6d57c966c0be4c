"""kill -9 at every phase of an upload, then `hoist resume`: one identical object, nothing orphaned.

The test server holds one request (before moto acts on it, or after, holding
only the answer) while the test kills the `hoist` process, so each crash lands
at exactly the phase named.
"""

import time
from urllib.parse import unquote

import pytest

from hoist.core.policy.planner import MiB
from hoist.core.settings.datadir import STORE_NAME
from support.cli import hoist, start, wait_for_parts

PHASES = {
    # name: (operation held, held after the server acted?)
    "before CreateMultipartUpload": ("CreateMultipartUpload", False),
    "after Create, before the upload id is recorded": ("CreateMultipartUpload", True),
    "after the last part, before Complete": ("CompleteMultipartUpload", False),
    "after Complete, before the store records it": ("CompleteMultipartUpload", True),
    "during verification": ("HeadObject", True),
}


def done_part_numbers(data_dir) -> set[int]:
    import sqlite3

    from hoist.core.settings.datadir import STORE_NAME
    with sqlite3.connect(f"file:{data_dir / STORE_NAME}?mode=ro", uri=True) as db:
        return {n for (n,) in db.execute("SELECT number FROM parts WHERE state = 'done'")}


def upload_then_kill(cli_env, s3_server, path, bucket, op, after_server):
    release = s3_server.stall_next(op, after_server=after_server)
    proc = start(cli_env, "upload", path, "--bucket", bucket, "--part-size", "5MiB",
                 "--concurrency", "2", "--quiet")
    deadline = time.monotonic() + 30
    while not s3_server.holding.is_set():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{op} never arrived"
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    release.set()


def check_outcome(s3, bucket, key, path, download_sha256, sha256_file):
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == [key], keys
    assert download_sha256(bucket, key) == sha256_file(path)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == [], "orphaned upload"


@pytest.mark.parametrize("phase", list(PHASES))
def test_kill_at_phase_then_resume(phase, cli_env, data_dir, bucket, make_file, s3, s3_server,
                                   download_sha256, sha256_file):
    op, after_server = PHASES[phase]
    path = make_file("phase.bin", 15 * MiB)                    # 3 parts
    upload_then_kill(cli_env, s3_server, path, bucket, op, after_server)
    recorded = done_part_numbers(data_dir)
    parts_before = len(s3_server.of("UploadPart", bucket=bucket))

    result = hoist(cli_env, "resume", "--quiet")
    assert result.returncode == 0, result.stderr
    check_outcome(s3, bucket, "phase.bin", path, download_sha256, sha256_file)
    resent = {int(r.query["partNumber"][0])
              for r in s3_server.of("UploadPart", bucket=bucket)[parts_before:]}
    assert not resent & recorded, f"re-sent parts {resent & recorded} that were recorded done"
    etag = s3.head_object(Bucket=bucket, Key="phase.bin")["ETag"]
    assert etag.endswith('-3"'), "resume must keep the part size asked for (--part-size 5MiB)"


def test_kill_in_the_middle_of_the_parts(cli_env, data_dir, bucket, make_file, s3, s3_server,
                                         download_sha256, sha256_file):
    path = make_file("middle.bin", 30 * MiB)                   # 6 parts
    proc = start(cli_env, "upload", path, "--bucket", bucket, "--part-size", "5MiB",
                 "--concurrency", "2", "--bwlimit", "10MiB/s", "--quiet")
    wait_for_parts(data_dir, 2, proc)
    proc.kill()
    proc.wait()
    recorded = done_part_numbers(data_dir)
    parts_before = len(s3_server.of("UploadPart", bucket=bucket))
    assert hoist(cli_env, "resume", "--quiet").returncode == 0
    check_outcome(s3, bucket, "middle.bin", path, download_sha256, sha256_file)
    resent = {int(r.query["partNumber"][0])
              for r in s3_server.of("UploadPart", bucket=bucket)[parts_before:]}
    assert not resent & recorded
    assert resent | recorded == set(range(1, 7))


def key_of(request) -> str:
    return unquote(request.path.lstrip("/").split("/", 1)[1])


def completed_keys(data_dir) -> set[str]:
    """The keys the store holds as completed (none while the running process still makes
    the store)."""
    import sqlite3
    try:
        with sqlite3.connect(f"file:{data_dir / STORE_NAME}?mode=ro", uri=True,
                             timeout=1) as db:
            return {k for (k,) in db.execute("SELECT key FROM tasks WHERE state = 'completed'")}
    except sqlite3.OperationalError:
        return set()


def test_kill_in_the_middle_of_a_folder_of_small_files(cli_env, data_dir, bucket, make_file, s3,
                                                       s3_server, download_sha256, sha256_file):
    """Small files go in batches whose completions are committed together: a kill between a
    batch's PUTs and its commit sends those files again, and none recorded completed."""
    paths = [make_file(f"photos/IMG_{i:02d}.jpg", 20_000 + i) for i in range(40)]
    proc = start(cli_env, "upload", paths[0].parent, "--bucket", bucket, "--bwlimit",
                 "200KiB/s", "--quiet")
    deadline = time.monotonic() + 30
    while len(completed_keys(data_dir)) < 5:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no completion was recorded in time"
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    recorded = completed_keys(data_dir)
    # the server records a request once it has answered it: let the killed run's last ones land
    before = -1
    while before != len(s3_server.of("PutObject", bucket=bucket)):
        before = len(s3_server.of("PutObject", bucket=bucket))
        time.sleep(0.3)
    assert 5 <= len(recorded) < 40, len(recorded)
    assert hoist(cli_env, "resume", "--quiet").returncode == 0
    resent = [key_of(r) for r in s3_server.of("PutObject", bucket=bucket)[before:]]
    assert not set(resent) & recorded                    # what was recorded is not sent again
    assert set(resent) | recorded == {f"photos/{p.name}" for p in paths}
    for path in paths[::7]:
        assert download_sha256(bucket, f"photos/{path.name}") == sha256_file(path)
