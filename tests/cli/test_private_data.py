"""What `hoist` leaves on disk and prints: owner-only files, and no secret anywhere.

Real `hoist` processes under umask 022 (the usual desktop one, which would leave
every file readable by all) against moto's server.
"""

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from hoist.core.policy.planner import MiB
from hoist.core.settings.accounts import Account, AccountBook
from hoist.core.settings.datadir import LOG_NAME, STORE_NAME
from hoist.core.settings.preferences import Preferences
from support.cli import hoist

# slow: real uploads with every logger at DEBUG, log rotations past 5 MiB, then a scan of all
pytestmark = pytest.mark.slow
LOUD_HOIST = Path(__file__).resolve().parents[1] / "support" / "loud_hoist.py"
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


# What a secret looks like in any output: the values themselves, and signatures however written.
_SIGNED = re.compile(r"(?:X-Amz-Signature|Signature)=(?!\[redacted\])[0-9A-Za-z%+/=]+"
                     r"|Authorization['\"]?\s*[:=]\s*b?['\"]?AWS4-HMAC-SHA256", re.IGNORECASE)


def _leaks(text: str, secrets: tuple[str, ...]) -> list[str]:
    return [s for s in secrets if s in text] + _SIGNED.findall(text)


def test_no_secret_in_any_log_or_output_with_every_logger_at_debug(cli_env, data_dir, bucket,
                                                                   make_file, s3_server):
    secrets = (cli_env["AWS_SECRET_ACCESS_KEY"], cli_env["AWS_SESSION_TOKEN"])
    # a server that quotes the request back in its error: the message reaches the log, the
    # store, `hoist list` and `hoist stats`, and must arrive there without the secrets
    echoed = (f"Denied: Authorization: AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/"
              f"s3/aws4_request, SignedHeaders=host;x-amz-date, Signature={'ab' * 32}; "
              f"X-Amz-Security-Token: {cli_env['AWS_SESSION_TOKEN']}")
    s3_server.fail_next("PutObject", status=400, code="InvalidRequest", message=echoed)
    env = dict(cli_env, PYTHONPATH=os.pathsep.join(
        [str(LOUD_HOIST.parent.parent), os.environ.get("PYTHONPATH", "")]))

    def run(*args):
        return subprocess.run([sys.executable, str(LOUD_HOIST), *args], env=env,
                              capture_output=True, text=True, timeout=60)
    outputs = [run("upload", make_file("denied.txt", 100), "--bucket", bucket, "--verbose"),
               run("upload", make_file("fine.bin", 6 * MiB), "--bucket", bucket,
                   "--part-size", "5MiB", "--verbose"),
               run("list", "--json", "--verbose"), run("list"), run("stats"),
               run("stats", "--json")]
    assert [r.returncode for r in outputs] == [1, 0, 0, 0, 0, 0], [r.stderr for r in outputs]
    listed = json.loads(outputs[2].stdout)
    assert any("[redacted]" in task["message"] for task in listed)   # the echo, made harmless
    assert "completed" in outputs[1].stderr                          # the log was on, mirrored
    for result in outputs:
        for text in (result.stdout, result.stderr):
            assert _leaks(text, secrets) == [], text[-2000:]
    for path in data_dir.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "replace")
            assert _leaks(text, secrets) == [], path
