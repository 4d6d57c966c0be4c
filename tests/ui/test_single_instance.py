"""The single-instance server's name: short enough for a Unix socket, one per user and directory.

On Linux and macOS Qt makes it a socket in the temporary directory (macOS allows 104
bytes for its path, and its $TMPDIR is long); on Windows, a named pipe. Windows has no
``os.getuid``, and ``getpass.getuser`` fails there when USERNAME is unset: simulated.
"""

import getpass
import os
import re

from hoist.ui.single_instance import server_name


def test_the_name_is_short_and_one_per_directory(tmp_path, monkeypatch):
    name = server_name(tmp_path / "a")
    assert re.fullmatch(r"hoist-[0-9a-f]{20}", name)       # 26 bytes: room for a long $TMPDIR
    assert server_name(tmp_path / "b") != name
    monkeypatch.chdir(tmp_path)
    assert server_name("a") == name                        # the same directory, however named


def test_the_name_is_one_per_user(tmp_path, monkeypatch):
    monkeypatch.setattr(getpass, "getuser", lambda: "alice")
    alice = server_name(tmp_path)
    monkeypatch.setattr(getpass, "getuser", lambda: "bob")
    assert server_name(tmp_path) != alice


def test_without_a_user_name_or_uid_a_name_is_still_made(tmp_path, monkeypatch):
    def no_user():        # Python 3.11 on Windows, USERNAME unset: it falls back to pwd
        raise ModuleNotFoundError("No module named 'pwd'", name="pwd")
    monkeypatch.setattr(getpass, "getuser", no_user)
    monkeypatch.delattr(os, "getuid")
    fallback = server_name(tmp_path)
    monkeypatch.setattr(getpass, "getuser", lambda: "user")
    assert fallback == server_name(tmp_path)
