"""UploadManager when the credentials expire mid-upload (issue #28): the task waits, its row
says so with the remedy, and it completes by itself once the profile gives new ones,
without failing and without spending its retry budget."""

import pytest

from hoist.core.checkpoint.states import TaskState
from hoist.core.checkpoint.store import CheckpointStore
from hoist.core.policy.planner import MiB
from hoist.core.policy.retry import RetryPolicy
from hoist.core.remote.s3 import Destination, S3Clients
from hoist.core.settings.datadir import STORE_NAME
from hoist.engine.manager import UploadManager
from support.engine import small_config
from support.faultproxy import FaultProxy
from support.rotating import NEW, OLD, PROFILE, RotatingProfile, key_id_of

PARTS, IN_FLIGHT = 6, 2
# slow: uploads slowed to 6 MiB/s so that credentials expire mid-way, then are renewed
pytestmark = pytest.mark.slow


@pytest.fixture
def relay(s3_server):
    with FaultProxy(s3_server.endpoint_url) as proxy:
        yield proxy


def test_expired_credentials_wait_and_continue_by_themselves(qtbot, data_dir, tmp_path, bucket,
                                                             relay, s3_server, download_sha256,
                                                             sha256_file, make_file):
    profile = RotatingProfile(tmp_path / "creds")
    store = CheckpointStore.open(data_dir / STORE_NAME)
    # a budget of two tries: a wait that spent it would fail the task; probes come fast
    policy = RetryPolicy(base=0.01, cap=0.05, max_attempts=2, network_base=0.2, network_cap=0.5)
    manager = UploadManager(store, S3Clients(max_pool_connections=8),
                            small_config(parts_per_file=IN_FLIGHT, parts_total=IN_FLIGHT,
                                         bandwidth_limit=6 * MiB), policy=policy)
    states, messages = [], []
    manager.task_state_changed.connect(lambda _id, state: states.append(state))
    manager.tasks_updated.connect(lambda infos: messages.extend(i.message for i in infos))
    try:
        path = make_file("expiring.bin", PARTS * 5 * MiB)
        dest = Destination(bucket=bucket, endpoint_url=relay.endpoint_url, region="us-east-1",
                           profile=PROFILE, account=f"profile:{PROFILE}")
        [task_id] = manager.add(path, dest)
        qtbot.waitUntil(lambda: manager.task(task_id).parts_done >= 2, timeout=20_000)
        refused = relay.refuse_key(OLD)
        qtbot.waitUntil(lambda: manager.task(task_id).message.startswith(
            "Credentials expired: refresh the credentials of profile rotating"), timeout=10_000)
        qtbot.waitUntil(lambda: refused.fired >= 4, timeout=10_000)    # probes refused too
        assert manager.task(task_id).state is TaskState.UPLOADING
        profile.use(NEW)
        manager.set_bandwidth_limit(0)          # renewed: the rest need not crawl
        qtbot.waitUntil(manager.is_idle, timeout=30_000)
        assert manager.task(task_id).state is TaskState.COMPLETED, manager.task(task_id).message
        assert "failed" not in states
        assert any("— next try in" in m for m in messages)
        stats = manager.run_stats([task_id])
        assert not stats.retries and stats.credentials_wait > 0
        parts = s3_server.of("UploadPart", bucket)
        assert PARTS <= len(parts) <= PARTS + IN_FLIGHT
        assert key_id_of(parts[-1]) == NEW
        assert download_sha256(bucket, path.name) == sha256_file(path)
    finally:
        manager.shutdown(5000)
        store.close()


def test_an_access_key_renewed_under_accounts_ends_the_wait(qtbot, data_dir, bucket, relay,
                                                            s3_server, make_file):
    from hoist.core.settings.secrets import SecretStore
    secrets = SecretStore()
    secrets.set("Work", OLD, "old-secret")
    store = CheckpointStore.open(data_dir / STORE_NAME)
    policy = RetryPolicy(base=0.01, cap=0.05, max_attempts=2, network_base=0.2, network_cap=0.5)
    manager = UploadManager(store, S3Clients(max_pool_connections=8, secrets=secrets),
                            small_config(parts_per_file=IN_FLIGHT, parts_total=IN_FLIGHT,
                                         bandwidth_limit=6 * MiB), policy=policy)
    try:
        typed = Destination(bucket=bucket, endpoint_url=relay.endpoint_url, region="us-east-1",
                            account="Work", access_key_id=OLD)
        manager.register_destination(typed)
        [task_id] = manager.add(make_file("typed.bin", PARTS * 5 * MiB), typed)
        qtbot.waitUntil(lambda: manager.task(task_id).parts_done >= 1, timeout=20_000)
        relay.refuse_key(OLD)
        qtbot.waitUntil(lambda: manager.task(task_id).message.startswith(
            "Credentials expired: update the access key of account Work in Accounts…"),
            timeout=10_000)
        # what the window does after its Accounts dialog: the new secret is in the keyring,
        # the engine hears the account's new destination and forgets its clients
        secrets.set("Work", NEW, "new-secret")
        manager.register_destination(Destination(
            bucket=bucket, endpoint_url=relay.endpoint_url, region="us-east-1", account="Work",
            access_key_id=NEW))
        manager.forget_clients()
        qtbot.waitUntil(manager.is_idle, timeout=30_000)
        assert manager.task(task_id).state is TaskState.COMPLETED, manager.task(task_id).message
        assert key_id_of(s3_server.of("UploadPart", bucket)[-1]) == NEW
        assert not manager.run_stats([task_id]).retries
    finally:
        manager.shutdown(5000)
        store.close()
