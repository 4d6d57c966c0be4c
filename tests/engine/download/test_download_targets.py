"""Targets two downloads would share, and local files in the way of a key's folders."""

from hoist.core.checkpoint.states import TaskState

MiB = 1024 * 1024


def test_a_local_file_where_a_key_needs_a_folder_refuses_that_key_and_the_others_go_on(
        engine, put, download, tmp_path):
    root = tmp_path / "dl"
    root.mkdir()
    (root / "notes").write_bytes(b"mine")          # a file where the keys need a folder
    put("p/notes/", b"")
    put("p/notes/a.txt", 10)
    good = put("p/ok.txt", 20)
    added = download(["p/"])
    engine.wait_idle()
    refused = dict(added.refused)
    assert set(refused) == {"p/notes/", "p/notes/a.txt"}, refused
    assert "notes" in refused["p/notes/a.txt"]
    assert (root / "ok.txt").read_bytes() == good
    assert (root / "notes").read_bytes() == b"mine"
    assert {engine.manager.task(i).state for i in added} == {TaskState.COMPLETED}
