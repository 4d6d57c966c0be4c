"""The window when an account's credentials expire mid-upload (issue #28): the row says
"Credentials expired:" and how to renew them, keeps its progress, and completes by
itself once the profile's credential_process gives a new key. The engine runs in its
own process, as in the app, with the app's own backoff (probes 1, 2, 4 s apart)."""

import pytest

from test_window import Harness, small_config

from hoist.core.checkpoint.states import TaskState
from hoist.core.policy.planner import MiB
from hoist.ui.model import STATUS
from support.faultproxy import FaultProxy
from support.rotating import NEW, OLD, PROFILE, RotatingProfile, key_id_of

# slow: the window and its engine process, an upload slowed so credentials expire mid-way
pytestmark = pytest.mark.slow


def test_the_row_says_the_credentials_expired_then_completes(qtbot, data_dir, tmp_path,
                                                             s3_server, bucket, make_file,
                                                             download_sha256, sha256_file):
    from hoist.core.settings.accounts import Account, AccountBook
    profile = RotatingProfile(tmp_path / "creds")
    with FaultProxy(s3_server.endpoint_url) as relay:
        book = AccountBook.load(data_dir / "accounts.json")
        book.upsert(Account(name="Role", endpoint_url=relay.endpoint_url, region="us-east-1",
                            path_style=True, bucket=bucket, profile=PROFILE))
        book.save()
        h = Harness(qtbot, data_dir)
        h.open(small_config(parts_per_file=2, parts_total=2, bandwidth_limit=6 * MiB))
        try:
            path = make_file("role.bin", 30 * MiB)
            h.drop_and_wait(path, rows=1)
            qtbot.waitUntil(lambda: h.info("role.bin").parts_done >= 2, timeout=30_000)
            relay.refuse_key(OLD)
            row = h.model.row_of(h.task_id("role.bin"))
            qtbot.waitUntil(lambda: h.model.index(row, STATUS).data().startswith(
                "Credentials expired: refresh the credentials of profile rotating"),
                timeout=15_000)
            assert h.info("role.bin").state is TaskState.UPLOADING
            profile.use(NEW)
            h.manager.set_limits(1, 2, 2, 0)    # renewed: the rest need not crawl
            h.wait_state("role.bin", TaskState.COMPLETED, timeout=60_000)
            assert key_id_of(s3_server.of("UploadPart", bucket)[-1]) == NEW
            assert download_sha256(bucket, "role.bin") == sha256_file(path)
        finally:
            h.close()
