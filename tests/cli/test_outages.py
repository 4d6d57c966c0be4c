"""A real `hoist upload` through a bad link: resets every few MiB and a 30 s outage that
accepts connections and resets them (a VPN reconnecting, a captive portal). Issue #9."""

import pytest

from hoist.core.planner import MiB
from support.cli import start, wait_for_parts
from support.faultproxy import FaultProxy

pytestmark = pytest.mark.slow

SIZE = 64 * MiB + 12_345        # 13 parts of 5 MiB
OUTAGE = 30


@pytest.mark.parametrize("run", range(1, 6), ids=[f"run{n}" for n in range(1, 6)])
def test_upload_survives_resets_and_an_accept_then_reset_outage(
        run, cli_env, data_dir, s3_server, s3, bucket, make_file, sha256_file, download_sha256):
    path = make_file(f"outage-{run}.bin", SIZE, seed=run)
    with FaultProxy(s3_server.endpoint_url, seed=run) as proxy:
        resets = proxy.reset_every(9 * MiB, match="UploadPart")
        env = dict(cli_env, AWS_ENDPOINT_URL=proxy.endpoint_url)
        proc = start(env, "upload", path, "--bucket", bucket, "--part-size", "5MiB",
                     "--concurrency", "3", "--quiet")
        try:
            wait_for_parts(data_dir, 3, proc, timeout=60)   # mid-upload: 3 of 13 parts in
            proxy.down(OUTAGE, reset=True)
            out, err = proc.communicate(timeout=OUTAGE + 150)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        assert proc.returncode == 0, f"hoist upload exited {proc.returncode}:\n{err[-3000:]}"
        assert resets.fired >= 1                             # the shapes really happened
        assert proxy.injected("reset_on_accept") >= 1           # hoist knocked during the outage
    assert download_sha256(bucket, path.name) == sha256_file(path)
    s3.delete_object(Bucket=bucket, Key=path.name)          # moto keeps objects in memory
    path.unlink()
