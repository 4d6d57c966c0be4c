"""--exclude/--include globs: * stays in a folder, ** crosses folders, the last match wins."""

import pytest

from hoist.core.local.filters import EXCLUDE, INCLUDE, Filters, glob_pattern, relative_path


@pytest.mark.parametrize("glob,path,matches", [
    ("*.tmp", "a.tmp", True),
    ("*.tmp", "sub/a.tmp", False),            # * does not cross /
    ("**.tmp", "sub/deeper/a.tmp", True),
    ("**/*.tmp", "a.tmp", True),              # **/ may be no folder at all
    ("**/*.tmp", "x/y/a.tmp", True),
    ("cache/**", "cache/a/b", True),
    ("cache/**", "other/cache/a", False),
    ("photo?.jpg", "photo1.jpg", True),
    ("photo?.jpg", "photo/.jpg", False),      # ? does not match /
    ("[ab].txt", "b.txt", True),
    ("[!ab].txt", "b.txt", False),
    ("a+b (1).txt", "a+b (1).txt", True),     # regular-expression characters are literal
])
def test_globs(glob, path, matches):
    assert bool(glob_pattern(glob).fullmatch(path)) is matches


def test_the_last_matching_rule_wins_in_the_order_given():
    rules = Filters([(EXCLUDE, "**"), (INCLUDE, "**.jpg"), (EXCLUDE, "raw/**")])
    assert rules.included("a/b.jpg")
    assert not rules.included("a/b.txt")
    assert not rules.included("raw/b.jpg")       # excluded after it was included
    assert Filters([(INCLUDE, "**.jpg"), (EXCLUDE, "**")]).included("a.jpg") is False
    assert Filters().included("anything") and not Filters()


def test_paths_are_relative_to_the_folder_given(tmp_path):
    folder = tmp_path / "photos"
    assert relative_path(str(folder / "2026" / "a.jpg"), folder) == "2026/a.jpg"
    assert relative_path(str(folder / "a.jpg"), folder / "a.jpg") == "a.jpg"
    files = [(str(folder / "a.jpg"), "photos/a.jpg", 1), (str(folder / "t" / "b.tmp"), "photos/t/b.tmp", 1)]
    kept, out = Filters([(EXCLUDE, "**.tmp")]).split(files, folder)
    assert [f[1] for f in kept] == ["photos/a.jpg"] and [f[1] for f in out] == ["photos/t/b.tmp"]
