"""The engine as the engine tests drive it: a manager over a store, rebuilt as a restarted app would."""

from hoist.core.checkpoint.store import CheckpointStore
from hoist.core.policy.planner import MiB
from hoist.core.policy.retry import RetryPolicy
from hoist.core.remote.s3 import S3Clients
from hoist.core.settings.config import TransferConfig
from hoist.core.settings.datadir import STORE_NAME
from hoist.engine.manager import UploadManager

FAST_RETRIES = RetryPolicy(base=0.01, cap=0.05, max_attempts=4, network_cap=0.2)


def small_config(**changes) -> TransferConfig:
    base = dict(part_size=5 * MiB, multipart_threshold=5 * MiB, files_at_once=3,
                parts_per_file=2, parts_total=4, max_attempts=4)
    base.update(changes)
    return TransferConfig(**base)


class Engine:
    """A manager over a store in the test's data directory, rebuilt as a restarted app would."""

    def __init__(self, qtbot, data_dir, config):
        self.qtbot = qtbot
        self.data_dir = data_dir
        self.config = config
        self.store = self.manager = None
        self.start()

    def start(self, config=None):
        self.store = CheckpointStore.open(self.data_dir / STORE_NAME)
        self.manager = UploadManager(self.store, S3Clients(max_pool_connections=16),
                                     config or self.config, policy=FAST_RETRIES)
        return self.manager

    def stop(self):
        self.manager.shutdown(10_000)
        self.manager.deleteLater()
        self.store.close()

    def wait_idle(self, timeout=30_000):
        self.qtbot.waitUntil(self.manager.is_idle, timeout=timeout)

    def state(self, task_id):
        return self.manager.task(task_id).state
