"""What `hoist` leaves on disk: owner-only files.

Real `hoist` processes under umask 022 (the usual desktop one, which would leave
every file readable by all) against moto's server.
"""

import os
import stat
from pathlib import Path

import pytest

from hoist.core.policy.planner import MiB
from hoist.core.settings.accounts import Account, AccountBook
from hoist.core.settings.datadir import LOG_NAME, STORE_NAME
from hoist.core.settings.preferences import Preferences
from support.cli import hoist

pytestmark = pytest.mark.slow
ROTATE_AT = 5 * MiB                        # setup_logging's maxBytes


def modes(directory: Path) -> dict[str, int]:
    return {str(p.relative_to(directory)) or ".": stat.S_IMODE(p.stat().st_mode)
            for p in [directory, *directory.rglob("*")]}


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes")
@pytest.mark.usefixtures("umask_022")
def test_everything_in_the_data_directory_is_owner_only(cli_env, data_dir, bucket, make_file):
    first = hoist(cli_env, "upload", make_file("big.bin", 6 * MiB), "--bucket", bucket,
                  "--part-size", "5MiB")
    assert first.returncode == 0, first.stderr
    # a damaged store, written by someone else (0644), is kept aside and a new one started
    for path in data_dir.glob(STORE_NAME + "*"):
        if not path.name.endswith(".lock"):
            path.unlink()
    (data_dir / STORE_NAME).write_bytes(b"this is not a database" * 100)
    # a log about to rotate: the next line starts hoist.log afresh
    with open(data_dir / LOG_NAME, "ab") as f:
        f.write(b"filler line of an earlier run\n" * (ROTATE_AT // 30 + 1))
    second = hoist(cli_env, "upload", make_file("small.txt", 100), "--bucket", bucket, "--verbose")
    assert second.returncode == 0, second.stderr
    assert "damaged" in second.stderr
    assert hoist(cli_env, "list", "--json").returncode == 0
    # what the window writes there
    book = AccountBook.load(data_dir / "accounts.json")
    book.upsert(Account("Work", bucket=bucket, access_key_id="AKIAEXAMPLE"))
    book.save()
    Preferences().save(data_dir / "preferences.json")

    found = modes(data_dir)
    names = set(found)
    assert {".", STORE_NAME, STORE_NAME + ".lock", LOG_NAME, LOG_NAME + ".1", "accounts.json",
            "preferences.json"} <= names, names
    assert any(n.startswith(STORE_NAME + ".corrupt-") for n in names), names
    loose = {name: oct(mode) for name, mode in found.items() if mode & 0o077}
    assert loose == {}, loose
    assert found["."] == 0o700
