"""The checkpoint keeps what each object looks like (schema 6), from the moment its task is made."""

import pytest

from hoist.core.checkpoint import store_file as store_module
from hoist.core.checkpoint.states import TaskState
from hoist.core.checkpoint.store import MIGRATIONS, CheckpointStore
from hoist.core.remote.objects import ObjectSettings

WHERE = dict(account="default", endpoint_url=None, region=None, profile=None, bucket="b")
STYLED = ObjectSettings(content_type="text/csv", cache_control="no-cache", tags={"t": "1"},
                        sse_c_key_md5="bWQ1", checksum_algorithm="SHA256")


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "checkpoints.sqlite3"


def test_one_task_and_a_batch_keep_their_settings(db_path):
    with CheckpointStore.open(db_path) as store:
        one = store.add_task(source_path="/s/a.csv", fingerprint=None, key="a.csv", size=1,
                             part_size=0, checksum_algorithm="SHA256", **WHERE,
                             object_settings=STYLED.to_json())
        listed = store.add_tasks([("/s/b.csv", "b.csv", 1, STYLED.to_json()),
                                  ("/s/c.bin", "c.bin", 1, None)], part_size=0,
                                 checksum_algorithm="CRC32", **WHERE)
        assert one.objects == STYLED == store.get_task(one.id).objects
        assert [store.get_task(t.id).objects for t in listed] == [STYLED, ObjectSettings()]
        assert listed[0].objects_json == STYLED.to_json()
        rows = store.listed(TaskState)
        assert [r.objects_json for r in rows] == [STYLED.to_json()] * 2 + [None]
        assert rows[0].objects_json is rows[1].objects_json          # one string for both
    with CheckpointStore.open(db_path, readonly=True) as reader:     # `hoist list`
        assert reader.get_task(one.id).objects == STYLED


def test_a_task_from_before_schema_6_gets_the_defaults(db_path, monkeypatch):
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS[:5])
    with CheckpointStore.open(db_path) as old:
        task = old.add_task(source_path="/s/a.html", fingerprint=None, key="a.html", size=1,
                            part_size=0, checksum_algorithm="CRC32", **WHERE)
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS)
    with CheckpointStore.open(db_path, readonly=True) as reader:     # before any upgrade
        assert reader.get_task(task.id).objects == ObjectSettings()
    with CheckpointStore.open(db_path) as new:
        record = new.get_task(task.id)
        assert record.objects_json is None and record.objects == ObjectSettings()
        assert record.checksum_algorithm == "CRC32"
