"""Shared fixtures: moto's S3 server over HTTP, a fresh bucket, files, a data directory.

Qt runs offscreen and the keyring is an in-memory backend, so no test touches
a display or the developer's real secrets.
"""

import hashlib
import itertools
import os
import random
import sys
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Neither this process's keyring detection nor any `hoist` subprocess may reach the
# developer's real keyring (a D-Bus prompt, or real secrets read or written).
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

import boto3  # noqa: E402
import keyring  # noqa: E402
import pytest  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from support.memory_keyring import MemoryKeyring  # noqa: E402
from support.s3server import RecordingS3Server  # noqa: E402
from support.seaweedfs import INSTALL_COMMAND, SeaweedS3Server, weed_binary  # noqa: E402
from support.tls import Authority, HttpsFront  # noqa: E402

TEST_SECRET = "testing-secret-XYZZY-do-not-leak"
TEST_SESSION_TOKEN = "testing-session-token-PLUGH-do-not-leak"
_bucket_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def s3_server():
    server = RecordingS3Server().start()
    yield server
    server.stop()


@dataclass(frozen=True)
class TlsFronts:
    """HTTPS fronts to s3_server, signed by ``ca`` (whose PEM file is ``ca.path``): ``good``,
    ``expired``, ``wrong_host`` (a certificate for elsewhere.example); ``other_ca`` signs none."""
    ca: Authority
    other_ca: Authority
    good: HttpsFront
    expired: HttpsFront
    wrong_host: HttpsFront


@pytest.fixture(scope="session")
def tls(s3_server, tmp_path_factory):
    """Made once a session (keys and fronts cost milliseconds, but add up per test)."""
    directory = tmp_path_factory.mktemp("tls")
    ca, other = Authority.create(directory), Authority.create(directory, "Other Test CA")
    fronts = [HttpsFront(s3_server.endpoint_url, *ca.issue(directory, stem, **options))
              for stem, options in (("good", {}), ("expired", {"expired": True}),
                                    ("wrong", {"names": ("elsewhere.example",)}))]
    yield TlsFronts(ca, other, *fronts)
    for front in fronts:
        front.stop()


@pytest.fixture
def altered_s3_server(s3_server):
    """s3_server for a test that rewrites its answers or injects failures: undone afterwards."""
    yield s3_server
    s3_server.clear_rewrites()
    s3_server.clear_failures()


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch, tmp_path):
    """Credentials that work only against the test server; no real AWS config; fresh data dir."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", TEST_SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TEST_SESSION_TOKEN)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    # AWS_CA_BUNDLE too: the tests decide which certificates are trusted (test_tls.py)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_DEFAULT_PROFILE", "AWS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOIST_DATA_DIR", str(tmp_path / "data"))
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring(isolated_environment):
    return isolated_environment


@pytest.fixture
def umask_022():
    """The usual desktop umask, which leaves a file made without a mode readable by all;
    also handed to the `hoist` processes the test starts."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def s3(s3_server):
    return boto3.client("s3", endpoint_url=s3_server.endpoint_url, region_name="us-east-1")


@pytest.fixture
def bucket(s3, s3_server) -> str:
    s3_server.clear_failures()          # an unused injection must not leak into this test
    name = f"test-bucket-{os.getpid()}-{next(_bucket_numbers)}"
    s3.create_bucket(Bucket=name)
    return name


def _under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def seaweedfs_server():
    """SeaweedFS's S3 gateway on loopback; skipped if not installed, but a failure under CI."""
    binary = weed_binary()
    if binary is None:
        reason = (f"SeaweedFS (the `weed` binary) is not installed: run `{INSTALL_COMMAND}` "
                  "to test against a second S3 implementation")
        if _under_ci():
            pytest.fail(reason + " (CI=true: a store CI cannot test is a failure, not a skip)")
        pytest.skip(reason)
    server = SeaweedS3Server(binary).start()
    yield server
    server.stop()


@dataclass(frozen=True)
class StoreUnderTest:
    """One S3 implementation with a fresh bucket: where it is and a boto3 client for it."""
    name: str
    endpoint_url: str
    bucket: str
    client: object


@pytest.fixture(params=["moto", "seaweedfs"])
def any_store(request) -> StoreUnderTest:
    """The same test against each S3 implementation the tests can run (see docs/compatibility.md)."""
    if request.param == "moto":
        server = request.getfixturevalue("s3_server")
        server.clear_failures()
    else:
        server = request.getfixturevalue("seaweedfs_server")
    client = boto3.client("s3", endpoint_url=server.endpoint_url, region_name="us-east-1")
    name = f"hoist-{os.getpid()}-{next(_bucket_numbers)}"
    client.create_bucket(Bucket=name)
    return StoreUnderTest(request.param, server.endpoint_url, name, client)


@pytest.fixture
def make_file(tmp_path):
    """make_file("dir/name.bin", size) -> Path of pseudo-random bytes under tmp_path/src."""
    def make(relpath: str, size: int, seed: int | None = None) -> Path:
        path = tmp_path / "src" / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        rng = random.Random(seed if seed is not None else relpath)
        with open(path, "wb") as f:
            left = size
            while left:
                n = min(left, 1 << 20)
                f.write(rng.randbytes(n))
                left -= n
        return path
    return make


def _sha256_stream(chunks) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


@pytest.fixture
def sha256_file():
    def sha(path) -> str:
        with open(path, "rb") as f:
            return _sha256_stream(iter(lambda: f.read(1 << 20), b""))
    return sha


@pytest.fixture
def download_sha256(s3):
    def sha(bucket: str, key: str) -> str:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"]
        return _sha256_stream(iter(lambda: body.read(1 << 20), b""))
    return sha


def pytest_collection_modifyitems(items):
    """Slow tests first: started early, they end before the quick ones run out (the same
    order on every xdist worker, which xdist requires)."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_collection_finish(session):
    """Under --dist loadgroup, an xdist_group that did not reach the scheduler is an error.

    xdist marks a grouped test by suffixing its node id with ``@group``; a pytest that ignores
    the suffix (pytest-xdist #1386) would silently spread a group over workers.
    """
    if getattr(session.config.option, "loadgroup", False):
        lost = [item.nodeid for item in session.items
                if item.get_closest_marker("xdist_group") and "@" not in item.nodeid]
        if lost:
            raise pytest.UsageError(f"xdist_group was ignored for {lost[0]} and {len(lost) - 1} "
                                    "more: this pytest and pytest-xdist do not group tests "
                                    "(see the pin in pyproject.toml)")


def pytest_xdist_auto_num_workers(config):
    """What ``-n auto`` means here: two workers a core, at most eight.

    The tests mostly wait (on servers, `hoist` subprocesses, sockets and Qt's event loop),
    so one worker a core leaves the cores idle half the time: on 2 cores, 4 workers run the
    suite in about three quarters of the time that 2 take. Past eight, each worker's own
    moto and SeaweedFS servers cost more than they save.
    """
    return min(8, 2 * (os.cpu_count() or 1))


def pytest_sessionfinish(session, exitstatus):
    """After every test: no secret or session token anywhere in what the tests left on disk.

    That covers every data directory (checkpoint stores, accounts, preferences)
    and every log of every `hoist` process the tests ran, whatever they did.
    """
    if hasattr(session.config, "workerinput"):
        return          # under xdist the controller scans every worker's directories, once
    base = session.config._tmp_path_factory.getbasetemp() if hasattr(
        session.config, "_tmp_path_factory") else None
    if base is None or not base.exists():
        return
    needles = (TEST_SECRET.encode(), TEST_SESSION_TOKEN.encode())
    leaks = []
    for path in base.rglob("*"):
        if path.is_file() and not path.is_symlink() and "src" not in path.relative_to(base).parts:
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if any(n in data for n in needles):
                leaks.append(str(path))
    if leaks:
        session.exitstatus = 1
        print("\nSECRET LEAKED into: " + ", ".join(leaks[:10]), file=sys.stderr)
