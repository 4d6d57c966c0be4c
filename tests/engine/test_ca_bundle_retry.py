"""The engine and a store behind a private CA: the account's CA bundle, and Retry after the
account's bundle was corrected (issue #29)."""

from dataclasses import replace

from hoist.core.checkpoint.states import TaskState
from hoist.core.policy.planner import MiB
from hoist.core.remote.s3 import Destination


def test_retry_uses_the_bundle_the_account_has_now(engine, tls, bucket, make_file,
                                                   download_sha256, sha256_file):
    path = make_file("a.bin", 6 * MiB)
    wrong = Destination(bucket, endpoint_url=tls.good.endpoint_url, account="NAS",
                        ca_bundle=str(tls.other_ca.path))
    manager = engine.manager
    manager.register_destination(wrong)
    [task_id] = manager.add(path, wrong)
    engine.wait_idle()
    assert engine.state(task_id) is TaskState.FAILED
    assert manager.task(task_id).error_code == "TLSUnknownIssuer"
    manager.register_destination(replace(wrong, ca_bundle=str(tls.ca.path)))   # Accounts, Save
    manager.retry(task_id)
    engine.wait_idle()
    assert engine.state(task_id) is TaskState.COMPLETED
    assert download_sha256(bucket, "a.bin") == sha256_file(path)
