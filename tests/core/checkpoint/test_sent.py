"""What was sent is recorded with a task's completion and outlives the task's row."""

from hoist.core.checkpoint.states import TaskState
from hoist.core.checkpoint.store import CheckpointStore
from hoist.core.local.fingerprint import Fingerprint

FP = Fingerprint(size=10, mtime_ns=1, sample_sha256="ab" * 32)


def test_completion_records_the_etag_and_clearing_the_row_keeps_it(tmp_path):
    store = CheckpointStore.open(tmp_path / "store.sqlite3")
    task = store.add_task(source_path="/src/a.txt", fingerprint=FP, account="default",
                          endpoint_url="http://s3.test", region=None, profile=None, bucket="b",
                          key="in/a.txt", size=10, part_size=0, checksum_algorithm="CRC32")
    unsent = store.add_task(source_path="/src/b.txt", fingerprint=FP, account="default",
                            endpoint_url="http://s3.test", region=None, profile=None, bucket="b",
                            key="in/b.txt", size=10, part_size=0, checksum_algorithm="CRC32")
    store.mark_completed(task.id, "Completed", "MD5", '"e1"')
    store.set_state(unsent.id, TaskState.FAILED)
    store.delete_task(task.id)                           # "Clear completed"
    found = store.sent_files("http://s3.test", "b", ["in/a.txt", "in/b.txt"])
    assert found == {("in/a.txt", "/src/a.txt"): found[("in/a.txt", "/src/a.txt")]}
    assert found[("in/a.txt", "/src/a.txt")].fingerprint == FP
    assert found[("in/a.txt", "/src/a.txt")].etag == '"e1"'
    assert store.sent_files(None, "b", ["in/a.txt"]) == {}          # another endpoint
    store.close()
