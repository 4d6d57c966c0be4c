"""Targets two downloads would share, and local files in the way of a key's folders."""

from hoist.core.checkpoint.states import TaskState
from hoist.core.download.partial import find_strays

MiB = 1024 * 1024


def test_two_objects_bound_for_one_target_never_share_its_partial_file(
        engine, put, download, tmp_path):
    first = put("2024/report.bin", 3 * MiB, seed=1)
    put("2025/report.bin", 3 * MiB, seed=2)
    [one] = download(["2024/report.bin"])
    other = download(["2025/report.bin"])          # the same DEST/report.bin, while one runs
    engine.wait_idle()
    assert list(other) == [], "a second download was queued onto the same partial file"
    assert other.skipped and "2024/report.bin" in other.skipped[0][2]
    assert engine.manager.task(one).state is TaskState.COMPLETED
    assert (tmp_path / "dl" / "report.bin").read_bytes() == first


def test_keys_of_one_request_bound_for_one_target_are_one_download_or_kept_both(
        engine, put, download, tmp_path):
    old, new = put("2024/r.bin", 2000, seed=1), put("2025/r.bin", 3000, seed=2)
    one = download(["2024/r.bin", "2025/r.bin", "2024/r.bin"])
    engine.wait_idle()
    assert len(one) == 1 and [s[0] for s in one.skipped] == ["2025/r.bin"]
    assert (tmp_path / "dl" / "r.bin").read_bytes() == old
    both = download(["2025/r.bin", "2024/r.bin"], target=tmp_path / "both", existing="keep-both")
    engine.wait_idle()
    assert len(both) == 2
    assert (tmp_path / "both" / "r.bin").read_bytes() == new
    assert (tmp_path / "both" / "r (1).bin").read_bytes() == old


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


def test_a_key_named_like_a_partial_file_is_refused_so_cleanup_never_deletes_a_download(
        engine, put, download, tmp_path):
    data = put("p/x", 1500)
    put("p/x.hoist-partial", 700)      # would be x's partial file, and a "stray" once done
    added = download(["p/"])
    engine.wait_idle()
    assert [key for key, _why in added.refused] == ["p/x.hoist-partial"]
    assert ".hoist-partial" in added.refused[0][1]
    assert (tmp_path / "dl" / "x").read_bytes() == data
    assert find_strays([tmp_path / "dl"], set()) == []     # nothing cleanup --local would take
