"""Credentials that expire in the middle of `hoist upload` (issue #28): the upload waits,
says once how to renew them, and goes on by itself once they are; told not to wait,
it fails with that remedy. The profile's credential_process rotates from one key to
another while a fault proxy refuses the old one as expired."""

import json
import time

import pytest

from hoist.core.policy.planner import MiB
from support.cli import hoist, start, wait_for_parts
from support.faultproxy import FaultProxy
from support.rotating import NEW, OLD, PROFILE, RotatingProfile, key_id_of

# slow: an upload slowed to 5 MiB/s so that credentials can expire mid-way and be renewed
pytestmark = pytest.mark.slow

REMEDY = "Credentials expired: refresh the credentials of profile rotating"
PARTS, CONCURRENCY = 6, 2


def upload(proxy, cli_env, path, bucket, *extra):
    env = dict(cli_env, AWS_ENDPOINT_URL=proxy.endpoint_url)
    return start(env, "upload", path, "--bucket", bucket, "--profile", PROFILE,
                 "--part-size", "5MiB", "--concurrency", str(CONCURRENCY),
                 "--bwlimit", "5MiB/s", *extra)


def wait_for(condition, proc, timeout=30):
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_expired_credentials_pause_the_upload_and_it_goes_on_once_they_are_renewed(
        cli_env, data_dir, tmp_path, s3_server, bucket, make_file, sha256_file,
        download_sha256):
    profile = RotatingProfile(tmp_path / "creds")
    path = make_file("rotated.bin", PARTS * 5 * MiB)
    with FaultProxy(s3_server.endpoint_url) as proxy:
        proc = upload(proxy, cli_env, path, bucket)
        try:
            wait_for_parts(data_dir, 2, proc, timeout=60)
            refused = proxy.refuse_key(OLD)          # the session behind the old key ran out
            wait_for(lambda: refused.fired >= 1, proc)
            time.sleep(1.5)                          # parts in flight and probes are refused
            profile.use(NEW)                         # and then the credentials are renewed
            out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 0, err[-3000:]
    assert refused.fired >= 2 and "✗" not in err
    said = [line for line in err.splitlines() if line.startswith(f"hoist: {REMEDY}")]
    assert len(said) == 1, err                       # the remedy, once, while it waited
    stats = json.loads(hoist(cli_env, "stats", "--json").stdout)
    assert stats["uploads"] == {"completed": 1} and stats["failures"] == {}
    assert stats["retries"] == {} and stats["credentials_wait"] > 0
    parts = s3_server.of("UploadPart", bucket)
    assert PARTS <= len(parts) <= PARTS + CONCURRENCY
    assert key_id_of(parts[0]) == OLD and key_id_of(parts[-1]) == NEW
    assert download_sha256(bucket, "rotated.bin") == sha256_file(path)


def test_told_not_to_wait_the_upload_fails_with_the_remedy(cli_env, data_dir, tmp_path,
                                                            s3_server, bucket, make_file):
    RotatingProfile(tmp_path / "creds")
    path = make_file("unrenewed.bin", PARTS * 5 * MiB)
    with FaultProxy(s3_server.endpoint_url) as proxy:
        proc = upload(proxy, cli_env, path, bucket, "--no-wait-for-credentials")
        try:
            wait_for_parts(data_dir, 1, proc, timeout=60)
            proxy.refuse_key(OLD)
            _out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 1, err[-3000:]
    assert f"✗ unrenewed.bin → s3://{bucket}/unrenewed.bin: {REMEDY}" in err
    stats = json.loads(hoist(cli_env, "stats", "--json").stdout)
    assert stats["failures"] == {"ExpiredToken": 1} and stats["retries"] == {}


def test_credentials_expired_before_the_start_are_bad_input(cli_env, tmp_path, s3_server,
                                                             bucket, make_file):
    RotatingProfile(tmp_path / "creds")
    with FaultProxy(s3_server.endpoint_url) as proxy:
        proxy.refuse_key(OLD)
        result = hoist(dict(cli_env, AWS_ENDPOINT_URL=proxy.endpoint_url), "upload",
                       make_file("early.bin", 1), "--bucket", bucket, "--profile", PROFILE)
    assert result.returncode == 2 and f"hoist: {REMEDY}" in result.stderr
