"""`hoist list` of a download under way says "downloading", in its JSON and its text, though
the store keeps the state ``uploading`` for a transfer under way in either direction."""

import json
from argparse import Namespace

from hoist.cli import cmd_list, stats_summary
from hoist.core.checkpoint.states import TaskState
from hoist.core.checkpoint.store import CheckpointStore
from hoist.core.settings.datadir import STORE_NAME


def test_a_running_download_is_listed_as_downloading(tmp_path, capsys):
    with CheckpointStore.open(tmp_path / STORE_NAME) as store:
        down = store.add_download(target=tmp_path / "dl" / "a.bin", account="default",
                                  endpoint_url=None, region=None, profile=None, bucket="b",
                                  key="a.bin", size=100, range_size=50)
        store.set_state(down.id, TaskState.UPLOADING)
        records = store.tasks()
    assert records[0].state is TaskState.UPLOADING               # the store's value is unchanged
    cmd_list(Namespace(json=True), tmp_path)
    (row,) = json.loads(capsys.readouterr().out)
    assert row["direction"] == "download" and row["state"] == "downloading"
    cmd_list(Namespace(json=False), tmp_path)
    assert "downloading" in capsys.readouterr().out.splitlines()[1]
    assert stats_summary(records, {})["downloads"] == {"downloading": 1}
