"""Where keys land under the destination, and every key that cannot land there safely."""

import os

import pytest

from hoist.core.download.partial import PARTIAL_SUFFIX
from hoist.core.download.paths import (
    KeyRules,
    UnsafeKey,
    ignores_case,
    name_max,
    plan_prefix,
    target_for,
)


def test_a_key_lands_under_dest_without_its_prefix(tmp_path):
    dest = tmp_path / "Downloads"
    assert target_for(dest, "photos/2024/a/b.jpg", "photos/2024/") == dest / "a" / "b.jpg"
    assert target_for(dest, "photos/2024/b.jpg", "photos/2024/") == dest / "b.jpg"
    assert target_for(dest, "b.jpg") == dest / "b.jpg"
    assert target_for(dest, "photos/empty/", "photos/") == dest / "empty"
    assert target_for(dest, "x/ä ü €.txt", "x/") == dest / "ä ü €.txt"


def test_the_message_names_the_key_and_says_why(tmp_path):
    dest = tmp_path / "Downloads"
    with pytest.raises(UnsafeKey) as refused:
        target_for(dest, "photos/../../etc/passwd", "photos/")
    assert str(refused.value) == f"photos/../../etc/passwd: would land outside {dest}; skipped"
    assert refused.value.key == "photos/../../etc/passwd"


@pytest.mark.parametrize("key, why", [
    ("p/../x", "would land outside"),
    ("p/a/../../../x", "would land outside"),
    ("p/a/../b", '".." folder name'),
    ("p/..", "would land outside"),
    ("/etc/passwd", "absolute path"),
    ("p//etc/passwd", "empty folder name"),
    ("p/a//b", "empty folder name"),
    ("p/C:/Windows/x", "drive letter"),
    ("p/c:x", "drive letter"),
    ("p/a\\..\\..\\x", "backslash"),
    ("p/./a", '"." folder name'),
    ("p/a/./b", '"." folder name'),
    ("p/a\0b", "NUL"),
    ("q/other", "not under the prefix"),
    ("p/a/x.hoist-partial", "ends in .hoist-partial"),
])
def test_unsafe_keys_are_refused(tmp_path, key, why):
    prefix = "" if key.startswith("/") else "p/"
    with pytest.raises(UnsafeKey) as refused:
        target_for(tmp_path / "d", key, prefix)
    assert why in str(refused.value)
    assert str(refused.value).endswith("; skipped")


def test_control_characters_are_escaped_in_the_message(tmp_path):
    with pytest.raises(UnsafeKey) as refused:
        target_for(tmp_path, "a\0\x1b[31mred\n")
    assert "\n" not in str(refused.value) and "\x1b" not in str(refused.value)
    assert "\\x00\\x1b[31mred\\n" in str(refused.value)


def test_names_longer_than_the_file_system_holds_are_refused(tmp_path):
    longest = name_max(tmp_path)
    assert longest == os.pathconf(tmp_path, "PC_NAME_MAX")
    file_room = longest - len(PARTIAL_SUFFIX)       # its partial file's name must fit too
    assert target_for(tmp_path, "x" * file_room).name == "x" * file_room
    assert target_for(tmp_path, "d" * longest + "/f").parent.name == "d" * longest
    for key in ("x" * (file_room + 1), "d" * (longest + 1) + "/f", "é" * (file_room // 2 + 1)):
        with pytest.raises(UnsafeKey, match=f"this file system holds at most {longest}"):
            target_for(tmp_path, key)


def test_a_link_inside_dest_that_leads_out_is_not_followed(tmp_path):
    dest, outside = tmp_path / "dest", tmp_path / "outside"
    dest.mkdir()
    outside.mkdir()
    (dest / "link").symlink_to(outside)
    with pytest.raises(UnsafeKey, match="would land outside"):
        target_for(dest, "link/x")
    assert target_for(dest, "link") == dest / "link"     # replaced by the file, not followed


def test_a_local_file_where_a_folder_is_needed_and_a_folder_where_a_file_goes_are_refused(
        tmp_path):
    (tmp_path / "a").write_bytes(b"mine")
    (tmp_path / "dir").mkdir()
    for key in ("a/x", "a/b/c", "a/"):
        with pytest.raises(UnsafeKey, match=f"needs a folder where the file {tmp_path / 'a'}"):
            target_for(tmp_path, key)
    with pytest.raises(UnsafeKey, match="would replace the folder"):
        target_for(tmp_path, "dir")
    assert target_for(tmp_path, "dir/x") == tmp_path / "dir" / "x"
    assert target_for(tmp_path, "dir/") == tmp_path / "dir"


@pytest.mark.parametrize("name", ["CON", "con.txt", "a/LPT1.log", "Com9", "nul .tar.gz",
                                  "name.", "name ", "a<b", "ab:c", 'a"b', "a|b", "a?b", "a*b",
                                  "a\tb"])
def test_names_windows_cannot_hold_are_refused_there(tmp_path, name):
    with pytest.raises(UnsafeKey, match="Windows"):
        KeyRules(tmp_path, windows=True).check(name, name)
    assert KeyRules(tmp_path, windows=False).check(name, name)[1] == tmp_path / name


def test_windows_counts_a_names_length_in_characters(tmp_path):
    rules = KeyRules(tmp_path, windows=True)
    rules.name_max = 255
    assert rules.check("é" * 241, "é" * 241)       # 482 bytes in UTF-8, 241 characters
    with pytest.raises(UnsafeKey):
        rules.check("é" * 242, "é" * 242)


def test_a_prefix_becomes_files_and_folders_and_the_unsafe_keys_are_listed(tmp_path):
    dest = tmp_path / "dest"
    plan = plan_prefix(dest, "p/", ["p/", "p/a.jpg", "p/../evil", "p/sub/b.jpg", "p/empty/",
                                    "p/sub/", "p/x//y", "p/sub/c.jpg"])
    assert plan.files == [("p/a.jpg", dest / "a.jpg"), ("p/sub/b.jpg", dest / "sub" / "b.jpg"),
                          ("p/sub/c.jpg", dest / "sub" / "c.jpg")]
    assert plan.folders == [dest / "empty", dest / "sub"]
    assert [key for key, _ in plan.refused] == ["p/../evil", "p/x//y"]
    assert plan.refused[0][1] == f"p/../evil: would land outside {dest}; skipped"


def test_a_key_that_is_both_a_file_and_a_folder_is_refused_and_the_folder_goes_on(tmp_path):
    plan = plan_prefix(tmp_path, "", ["a", "a/b", "a/c/d", "m", "m/", "z/y", "z/y/x"])
    assert plan.refused == [("a", "a: is both a file and a folder (a/b); skipped"),
                            ("m", "m: is both a file and a folder (m/); skipped"),
                            ("z/y", "z/y: is both a file and a folder (z/y/x); skipped")]
    assert [key for key, _ in plan.files] == ["a/b", "a/c/d", "z/y/x"]
    assert plan.folders == [tmp_path / "m"]


def test_this_file_system_tells_case_apart(tmp_path):
    assert not ignores_case(tmp_path / "not" / "made")       # Linux ext4, tmpfs
    assert list(tmp_path.iterdir()) == []                   # the probe is gone
    plan = plan_prefix(tmp_path, "", ["A.jpg", "a.jpg"])
    assert [key for key, _ in plan.files] == ["A.jpg", "a.jpg"]


def test_where_case_is_ignored_the_second_of_two_keys_is_refused(tmp_path):
    # No case-insensitive file system mounts here (no CONFIG_UNICODE, no vfat): the rule is
    # asked for directly.
    plan = plan_prefix(tmp_path, "", ["A.jpg", "Dir/x", "a.jpg", "dir/y", "DIR", "Stra\u00dfe",
                                      "STRASSE"], ignore_case=True)
    assert [key for key, _ in plan.files] == ["A.jpg", "Dir/x", "dir/y", "Stra\u00dfe"]
    assert plan.refused == [
        ("a.jpg", f"a.jpg: differs only in case from A.jpg, and the file system of {tmp_path} "
                  f"does not tell them apart; skipped"),
        ("DIR", "DIR: is both a file and a folder (Dir/x); skipped"),
        ("STRASSE", f"STRASSE: differs only in case from Stra\u00dfe, and the file system of "
                    f"{tmp_path} does not tell them apart; skipped")]


def test_many_keys_are_planned_in_one_pass(tmp_path):
    keys = [f"p/{n // 100}/{n % 100}.bin" for n in range(20_000)]
    plan = plan_prefix(tmp_path, "p/", keys + ["p/7"])
    assert len(plan.files) == 20_000   # pairwise checks would take minutes here
    assert plan.refused == [("p/7", "p/7: is both a file and a folder (p/7/0.bin); skipped")]
