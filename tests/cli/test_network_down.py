"""The other shapes of a bad link, through a real `hoist upload`: a connection that goes
silent (a read timeout must fire and count as the network's fault), connections left
half-open by a laptop's sleep, and an outage that refuses. Each upload must finish with
an identical object and spend no retry budget on the outage."""


import pytest

from hoist.core.policy.planner import MiB
from support.cli import hoist, start, wait_for_parts
from support.faultproxy import FaultProxy


def upload_through(proxy, cli_env, path, bucket, *extra, timeout=180):
    env = dict(cli_env, AWS_ENDPOINT_URL=proxy.endpoint_url, HOIST_READ_TIMEOUT="2")
    return hoist(env, "upload", path, "--bucket", bucket, "--part-size", "5MiB",
                 "--concurrency", "2", "--verbose", *extra, timeout=timeout)


def test_a_silent_answer_times_out_and_is_waited_out(cli_env, s3_server, bucket, make_file,
                                                      sha256_file, download_sha256):
    path = make_file("stall.bin", 12 * MiB)
    with FaultProxy(s3_server.endpoint_url, seed=3) as proxy:
        stalls = proxy.stall_answer(30, match="UploadPart", times=2)
        result = upload_through(proxy, cli_env, path, bucket)
    assert result.returncode == 0, result.stderr[-3000:]
    assert stalls.fired == 2
    assert "ReadTimeoutError" in result.stderr and "waiting for the network" in result.stderr
    assert "retry 1" not in result.stderr                # no budget spent on the silence
    assert download_sha256(bucket, "stall.bin") == sha256_file(path)


def upload_while(proxy, cli_env, data_dir, path, bucket, fault, **env):
    """Start an upload through ``proxy``, call ``fault()`` once a part is in, wait for the end."""
    env = dict(cli_env, AWS_ENDPOINT_URL=proxy.endpoint_url, **env)
    proc = start(env, "upload", path, "--bucket", bucket, "--part-size", "5MiB",
                 "--concurrency", "2", "--verbose")
    try:
        wait_for_parts(data_dir, 1, proc, timeout=60)
        fault()
        _out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, err


# slow: parts crawl at 2 MiB/s until the 'sleep', then each silent connection needs its
# 2 s read timeout before it counts as lost
@pytest.mark.slow
def test_half_open_connections_after_a_sleep_are_noticed_and_replaced(
        cli_env, data_dir, s3_server, bucket, make_file, sha256_file, download_sha256):
    path = make_file("sleep.bin", 30 * MiB)
    silenced = []
    with FaultProxy(s3_server.endpoint_url, seed=4) as proxy:
        slow = proxy.drip(2 * MiB, direction="up", match="UploadPart")   # keep parts in flight

        def sleep():                     # the laptop slept: the peers forgot our connections
            silenced.append(proxy.half_open())
            slow.cancel()
        status, err = upload_while(proxy, cli_env, data_dir, path, bucket, sleep,
                                   HOIST_READ_TIMEOUT="2")
    assert status == 0, err[-3000:]
    assert silenced[0] >= 1
    assert download_sha256(bucket, "sleep.bin") == sha256_file(path)


def test_an_outage_that_refuses_is_waited_out_too(cli_env, data_dir, s3_server, bucket,
                                                   make_file, sha256_file, download_sha256):
    path = make_file("refused.bin", 20 * MiB)
    with FaultProxy(s3_server.endpoint_url, seed=5) as proxy:
        proxy.drip(4 * MiB, direction="up", match="UploadPart")
        status, err = upload_while(proxy, cli_env, data_dir, path, bucket,
                                   lambda: proxy.down(3))          # refused for 3 s: a few probes
    assert status == 0, err[-3000:]
    assert "waiting for the network" in err and "gave up" not in err
    assert download_sha256(bucket, "refused.bin") == sha256_file(path)
