"""Owner-only files: made so by the call that creates them, under a umask that would not."""

import os
import stat

import pytest

from hoist.core.local import private_files
from hoist.core.local.private_files import (
    create_private_file,
    is_loose,
    make_private_dir,
    private_opener,
    tighten,
    tighten_files,
    write_private_text,
)

pytestmark = [pytest.mark.skipif(os.name == "nt", reason="POSIX modes"),
              pytest.mark.usefixtures("umask_022")]


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path, follow_symlinks=False).st_mode)


def test_a_new_directory_is_owner_only_and_says_it_was_made(tmp_path):
    target = tmp_path / "parent" / "data"
    assert make_private_dir(target) is True
    assert mode(target) == 0o700
    assert mode(target.parent) == 0o755          # a parent is not Hoist's: the usual mode
    assert make_private_dir(target) is False


def test_a_file_in_the_way_of_the_directory_is_an_error(tmp_path):
    (tmp_path / "data").write_text("not a directory")
    with pytest.raises(FileExistsError):
        make_private_dir(tmp_path / "data")


def test_files_are_created_owner_only(tmp_path):
    with open(tmp_path / "a.log", "a", opener=private_opener) as f:
        f.write("line\n")
    create_private_file(tmp_path / "b.sqlite3")
    write_private_text(tmp_path / "c.json", "{}")
    assert [mode(tmp_path / n) for n in ("a.log", "b.sqlite3", "c.json")] == [0o600] * 3
    assert (tmp_path / "c.json").read_text() == "{}"


def test_a_loose_temp_file_left_by_a_crash_does_not_lend_its_mode(tmp_path):
    stale = tmp_path / "accounts.json.tmp"
    stale.write_text("half of an old file")
    assert mode(stale) == 0o644
    write_private_text(tmp_path / "accounts.json", '{"accounts": []}')
    assert mode(tmp_path / "accounts.json") == 0o600
    assert not stale.exists()


def test_tighten_takes_group_and_other_bits_and_keeps_the_owners(tmp_path):
    loose, readonly, tight = tmp_path / "loose", tmp_path / "readonly", tmp_path / "tight"
    for path in (loose, readonly, tight):
        path.write_text("x")
    os.chmod(readonly, 0o444)
    os.chmod(tight, 0o600)
    assert is_loose(loose) and is_loose(readonly) and not is_loose(tight)
    assert (tighten(loose), tighten(readonly), tighten(tight)) == (True, True, False)
    assert (mode(loose), mode(readonly), mode(tight)) == (0o600, 0o400, 0o600)


def test_tighten_files_changes_only_our_files_and_never_through_a_symlink(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    elsewhere = tmp_path / "someone-elses.txt"
    elsewhere.write_text("not ours")
    for name in ("hoist.log", "hoist.log.1", "notes.txt"):
        (data / name).write_text("x")
    (data / "hoist.log.2").symlink_to(elsewhere)
    found = tighten_files(data, ("hoist.log",))
    assert found == [data / "hoist.log", data / "hoist.log.1"]
    assert mode(data / "hoist.log") == mode(data / "hoist.log.1") == 0o600
    assert mode(data / "notes.txt") == 0o644 and mode(elsewhere) == 0o644
    assert tighten_files(data, ("hoist.log",)) == []       # once tightened, nothing to say


def test_on_windows_no_mode_is_changed(tmp_path, monkeypatch):
    monkeypatch.setattr(private_files, "POSIX", False)
    (tmp_path / "hoist.log").write_text("x")
    assert not is_loose(tmp_path / "hoist.log")
    assert tighten(tmp_path / "hoist.log") is False
    assert tighten_files(tmp_path, ("hoist.log",)) == []
    assert mode(tmp_path / "hoist.log") == 0o644


def test_tighten_leaves_a_symlink_and_what_it_points_to_alone(tmp_path):
    target = tmp_path / "elsewhere.txt"
    target.write_text("not Hoist's")
    target.chmod(0o644)
    link = tmp_path / "hoist.log"
    link.symlink_to(target)
    assert tighten(link) is False
    assert mode(target) == 0o644
