"""The partial file: made at full size, written at offsets, renamed only when whole; strays."""

import os
import shutil
from pathlib import Path

import pytest

from hoist.core.download.partial import (
    NotEnoughSpace,
    allocated,
    check_free_space,
    discard,
    find_strays,
    open_partial,
    partial_path,
    publish,
    sync,
    write_range,
)
from support.tinydisk import fill, tiny_disk  # noqa: F401 -- a fixture

MiB = 1 << 20


def test_the_partial_file_sits_beside_its_target(tmp_path):
    assert partial_path(tmp_path / "big.iso") == tmp_path / "big.iso.hoist-partial"


def test_a_new_partial_is_made_at_full_size_and_takes_ranges_at_their_offsets(tmp_path):
    target = tmp_path / "new" / "folders" / "big.iso"
    fd = open_partial(target, 3 * MiB)
    try:
        st = os.fstat(fd)
        assert st.st_size == 3 * MiB
        assert st.st_blocks * 512 >= 3 * MiB            # reserved on disk, not sparse
        write_range(fd, 2 * MiB, b"c" * MiB)
        write_range(fd, 0, b"a" * MiB)
        sync(fd)
    finally:
        os.close(fd)
    data = partial_path(target).read_bytes()
    assert data == b"a" * MiB + b"\0" * MiB + b"c" * MiB
    assert not target.exists()


def test_a_partial_of_the_right_size_is_reopened_as_it_is(tmp_path):
    target = tmp_path / "f"
    os.close(open_partial(target, 10))
    partial_path(target).write_bytes(b"0123456789")
    fd = open_partial(target, 10)
    os.close(fd)
    assert partial_path(target).read_bytes() == b"0123456789"


def test_a_sparse_partial_of_the_right_size_is_reserved_and_keeps_its_bytes(tmp_path):
    target = tmp_path / "f"
    with open(partial_path(target), "wb") as f:
        f.write(b"kept")
        f.truncate(3 * MiB)                         # a hole after its first bytes
    assert allocated(partial_path(target)) < 3 * MiB
    os.close(open_partial(target, 3 * MiB))
    assert allocated(partial_path(target)) == 3 * MiB
    assert partial_path(target).read_bytes()[:5] == b"kept\0"


def test_a_partial_of_another_size_keeps_none_of_its_bytes(tmp_path):
    target = tmp_path / "f"
    partial_path(target).write_bytes(b"old object's bytes")
    os.close(open_partial(target, 8))
    assert partial_path(target).read_bytes() == b"\0" * 8
    os.close(open_partial(target, 0))
    assert partial_path(target).read_bytes() == b""


def test_a_link_planted_at_the_partial_name_is_not_written_through(tmp_path):
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep me")
    partial_path(tmp_path / "f").symlink_to(victim)
    with pytest.raises(OSError):
        open_partial(tmp_path / "f", 100)
    assert victim.read_bytes() == b"keep me"


def test_publish_gives_the_target_its_name_and_time_replacing_what_was_there(tmp_path):
    target = tmp_path / "f.txt"
    target.write_bytes(b"the old file")
    fd = open_partial(target, 5)
    write_range(fd, 0, b"hello")
    assert target.read_bytes() == b"the old file"       # untouched until the proof is done
    publish(fd, partial_path(target), target, 1_600_000_000.5)
    assert target.read_bytes() == b"hello"
    assert target.stat().st_mtime == 1_600_000_000.5
    assert not partial_path(target).exists()
    with pytest.raises(OSError):
        os.fstat(fd)                                    # closed


def test_publish_without_a_time_keeps_the_write_time(tmp_path):
    target = tmp_path / "f"
    fd = open_partial(target, 0)
    publish(fd, partial_path(target), target, None)
    assert target.read_bytes() == b"" and target.stat().st_mtime > 1_600_000_000


def test_the_message_says_how_much_is_missing():
    error = NotEnoughSpace(Path("/home/u/Downloads"), "big.iso", 1288490189, 300 * MiB)
    assert (error.needed, error.free) == (1288490189, 300 * MiB)
    assert str(error) == ("Not enough free space in /home/u/Downloads for big.iso: needs "
                          "1.2 GiB, 300 MiB free. Free 929 MiB more, or choose another folder.")


def test_more_than_the_free_space_is_refused_before_any_byte(tmp_path):
    target = tmp_path / "not" / "yet" / "big.iso"
    check_free_space(target, 1)
    free = shutil.disk_usage(tmp_path).free
    with pytest.raises(NotEnoughSpace) as refused:
        check_free_space(target, free + 100 * 1024**3)
    assert refused.value.free >= free - 1024**3           # others write on this disk too
    assert f"in {target.parent} for big.iso" in str(refused.value)
    assert not target.parent.exists()


def test_a_full_disk_refuses_the_partial_and_leaves_no_file(tiny_disk):  # noqa: F811
    target = tiny_disk / "big.iso"
    with pytest.raises(NotEnoughSpace) as refused:
        check_free_space(target, 2 * MiB)
    assert refused.value.needed == 2 * MiB and refused.value.free <= MiB
    with pytest.raises(NotEnoughSpace):
        open_partial(target, 2 * MiB)               # asked anyway: the reservation fails
    assert list(tiny_disk.iterdir()) == []
    filler = fill(tiny_disk)
    with pytest.raises(NotEnoughSpace, match="0 B free"):
        check_free_space(target, 1)
    filler.unlink()
    os.close(open_partial(target, 512 * 1024))      # what fits is reserved


def test_strays_are_partials_no_record_owns(tmp_path):
    root, elsewhere = tmp_path / "root", tmp_path / "elsewhere"
    (root / "a" / "b").mkdir(parents=True)
    elsewhere.mkdir()
    owned = root / "a" / "mine.iso.hoist-partial"
    strays = [root / "x.hoist-partial", root / "a" / "b" / "old.bin.hoist-partial"]
    for path in [owned, *strays, root / "a" / "done.iso", elsewhere / "e.hoist-partial"]:
        path.write_bytes(b"")
    (root / "link").symlink_to(elsewhere)                         # not followed
    (root / "l.hoist-partial").symlink_to(elsewhere / "e.hoist-partial")   # not a file of ours
    found = find_strays([root, root / "a", tmp_path / "missing"], {owned})
    assert found == sorted(strays)
    discard(strays[0])
    discard(strays[0])                              # already gone: fine
    assert find_strays([root], {owned}) == [strays[1]]
