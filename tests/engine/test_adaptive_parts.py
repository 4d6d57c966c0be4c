"""Automatic part size and parts in flight, and explicit ones obeyed exactly, against moto."""

import pytest

from hoist.core.checkpoint.states import TaskState
from hoist.core.checkpoint.store import CheckpointStore
from hoist.core.policy.adaptive import DEFAULT_PART_SIZE, INITIAL_PARTS
from hoist.core.policy.planner import MiB
from hoist.core.policy.retry import RetryPolicy
from hoist.core.remote.s3 import Destination, S3Clients
from hoist.core.settings.config import TransferConfig
from hoist.core.settings.datadir import STORE_NAME
from hoist.engine.manager import UploadManager
from support.partgate import PartGate


@pytest.fixture
def start_manager(qtbot, data_dir):
    made = []

    def start(config: TransferConfig) -> UploadManager:
        store = CheckpointStore.open(data_dir / STORE_NAME)
        manager = UploadManager(store, S3Clients(max_pool_connections=40), config,
                                policy=RetryPolicy(base=0.01, cap=0.05, max_attempts=4))
        made.append((manager, store))
        return manager

    yield start
    for manager, store in made:
        manager.shutdown(10_000)
        manager.deleteLater()
        store.close()


@pytest.fixture
def dest(s3_server, bucket):
    return Destination(bucket=bucket, endpoint_url=s3_server.endpoint_url, region="us-east-1")


def upload(qtbot, manager, path, dest) -> None:
    [task_id] = manager.add(path, dest)
    qtbot.waitUntil(manager.is_idle, timeout=60_000)
    info = manager.task(task_id)
    assert info.state is TaskState.COMPLETED, info.message


def test_automatic_mode_sizes_parts_from_the_file_then_from_the_measured_link(
        qtbot, start_manager, dest, s3_server, make_file, download_sha256, sha256_file):
    manager = start_manager(TransferConfig())            # part size and parts in flight: automatic
    first, second = make_file("first.bin", 40 * MiB + 3), make_file("second.bin", 40 * MiB + 3)
    with PartGate(s3_server, want=INITIAL_PARTS) as gate:
        upload(qtbot, manager, first, dest)
    # nothing measured yet: 8 MiB parts, four at once
    assert gate.parts() == [DEFAULT_PART_SIZE] * 5 + [3]
    assert gate.peak == INITIAL_PARTS
    assert download_sha256(dest.bucket, first.name) == sha256_file(first)
    with PartGate(s3_server, want=2) as gate:
        upload(qtbot, manager, second, dest)
    # loopback is fast, so a part could be big; but 40 MiB over the parts in flight must
    # still give each at least two parts: S3's least, 5 MiB
    assert gate.parts() == [5 * MiB] * 8 + [3]
    assert download_sha256(dest.bucket, second.name) == sha256_file(second)
    assert manager.pacer.link.state(dest.endpoint_url).part_rate is not None


@pytest.mark.parametrize("concurrency", [1, 3])
def test_explicit_part_size_and_concurrency_are_obeyed_exactly(
        qtbot, start_manager, dest, s3_server, make_file, download_sha256, sha256_file,
        concurrency):
    manager = start_manager(TransferConfig(part_size=6 * MiB, parts_total=concurrency,
                                           parts_per_file=concurrency))
    path = make_file("fixed.bin", 40 * MiB)
    with PartGate(s3_server, want=concurrency + 1, hold=3) as gate:
        upload(qtbot, manager, path, dest)
    assert gate.parts() == [6 * MiB] * 6 + [4 * MiB]
    assert gate.peak == concurrency              # never more, though the server waited for more
    assert download_sha256(dest.bucket, path.name) == sha256_file(path)


def _upload_all(qtbot, manager, paths, dest) -> None:
    ids = [manager.add(p, dest)[0] for p in paths]
    qtbot.waitUntil(manager.is_idle, timeout=60_000)
    assert all(manager.task(i).state is TaskState.COMPLETED for i in ids)


@pytest.mark.parametrize("config, at_once", [
    (TransferConfig(), 16),                                  # automatic: 16, not 3 files at once
    (TransferConfig(files_at_once=1, parts_total=4), 4),     # the user's cap on requests wins
])
def test_small_files_go_like_parts_not_files(qtbot, start_manager, dest, s3_server, make_file,
                                             download_sha256, sha256_file, config, at_once):
    """A photo folder is latency-bound: its one-request uploads run as many at once as parts."""
    manager = start_manager(config)
    paths = [make_file(f"IMG_{i:03d}.jpg", 100 * 1024 + i) for i in range(at_once + 4)]
    with PartGate(s3_server, want=at_once + 1, hold=3, whole=True) as gate:
        _upload_all(qtbot, manager, paths, dest)
    assert gate.peak == at_once                 # never more, though the server waited for more
    assert download_sha256(dest.bucket, paths[-1].name) == sha256_file(paths[-1])


def test_big_files_keep_to_files_at_once_beside_small_ones(qtbot, start_manager, dest, s3_server,
                                                           make_file):
    manager = start_manager(TransferConfig(files_at_once=1, part_size=5 * MiB, parts_total=2))
    big = [make_file(f"big{i}.bin", 11 * MiB) for i in range(3)]
    small = [make_file(f"s{i}.txt", 1000) for i in range(6)]
    s3_server.reset()
    _upload_all(qtbot, manager, big + small, dest)
    steps = [r.op for r in s3_server.requests if r.bucket == dest.bucket
             and r.op in ("CreateMultipartUpload", "CompleteMultipartUpload")]
    # one multipart upload at a time: each is completed before the next is created
    assert steps == ["CreateMultipartUpload", "CompleteMultipartUpload"] * 3
    assert s3_server.count("PutObject", bucket=dest.bucket) == 6
