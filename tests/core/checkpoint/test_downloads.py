"""A download's ranges in the store: the checksum each was checked with is kept with its
commit, and a checksum listed before a GET never passes for one computed from its bytes."""

from hoist.core.checkpoint.states import PartState
from hoist.core.checkpoint.store import CheckpointStore
from hoist.core.download.ranges import Range


def test_a_range_keeps_the_checksum_it_streamed_with_and_loses_a_listed_one(tmp_path):
    store = CheckpointStore.open(tmp_path / "hoist.db")
    try:
        task = store.add_download(target=tmp_path / "t.bin", account="a", endpoint_url=None,
                                  region=None, profile=None, bucket="b", key="k", size=30,
                                  range_size=10)
        store.begin_download(task.id, '"e"', 30, None, 10, [Range(n, (n - 1) * 10, 10) for n in (1, 2, 3)],
                             ["listed1", "listed2", "listed3"])
        assert [p.checksum for p in store.parts(task.id)] == ["listed1", "listed2", "listed3"]
        store.ranges_done(task.id, [1, 2], {1: "computed1"})     # 2 was committed unchecked
        parts = store.parts(task.id)
        assert [(p.state, p.checksum) for p in parts] == [
            (PartState.DONE, "computed1"), (PartState.DONE, None),
            (PartState.PENDING, "listed3")]
    finally:
        store.close()
