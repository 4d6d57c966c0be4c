"""Uploads for the benches: Hoist, `aws s3 cp`, rclone and s5cmd, each sending a file or a folder.

Used by bench_upload.py (one big file, every tool held to the same parts), bench_small.py (a
folder of small files) and bench_link.py (the shaped links). Unless ``Parts`` holds them to a
shape, every tool runs at its own defaults, as a user would run it:

* ``hoist``  -- `hoist upload SRC --bucket B --prefix P --quiet`: automatic part size and parts
  in flight; files smaller than a part go in one request each, 16 at once;
* ``aws``    -- `aws s3 cp [--recursive]` (AWS CLI v1), an empty config: 8 MiB parts above
  8 MiB, 10 requests at once;
* ``rclone`` -- `rclone copy` (Debian's rclone 1.60), configured only by its environment
  (RCLONE_CONFIG_BENCH_*): 4 transfers and 8 checkers, one PUT up to 200 MiB, above that
  5 MiB chunks, 4 at once per file;
* ``s5cmd``  -- `s5cmd cp SRC s3://B/P/` (`'DIR/*'` for a folder): 256 workers, 50 MiB parts,
  5 at once per file.

Each run goes under a prefix of its own; ``check_and_empty`` lists it, checks that every
object arrived with its size, and deletes it for the next run.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from harness import ROOT, WORK, Peers
from servers import BUCKET

sys.path.insert(0, str(ROOT / "app"))
from hoist.core.remote.botocore_data.endpoints import ENDPOINTS_NAME  # noqa: E402
from hoist.core.remote.botocore_data.service_model import MODEL_NAME  # noqa: E402

TOOLS = ("hoist", "aws", "rclone", "s5cmd")
KEYS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1"}


@dataclass(frozen=True)
class Parts:
    """Every tool held to one multipart shape: ``size``-byte parts, ``in_flight`` at once."""
    size: int
    in_flight: int


def command(tool: str, source: Path, prefix: str, url: str, peers: Peers,
            data_dir: str = "", parts: Parts | None = None,
            hoist_env: dict | None = None) -> tuple[list[str], dict]:
    """The command line and environment that upload ``source`` (a file or a folder) to
    s3://bench/``prefix`` (which ends in /). ``hoist_env`` is added to Hoist's environment
    only (e.g. HOIST_DIRECT=0)."""
    env = dict(os.environ, **KEYS)
    folder = source.is_dir()
    if tool == "hoist":
        cmd = [sys.executable, "-m", "hoist", "upload", str(source), "--bucket", BUCKET,
               "--prefix", prefix, "--endpoint-url", url, "--quiet"]
        if parts:
            cmd += ["--part-size", str(parts.size), "--concurrency", str(parts.in_flight)]
        return cmd, dict(env, HOIST_DATA_DIR=data_dir, **(hoist_env or {}))
    if tool == "aws":
        target = f"s3://{BUCKET}/{prefix}" + ("" if folder else source.name)
        cmd = [str(peers.aws), "s3", "cp", str(source), target, "--endpoint-url", url,
               "--only-show-errors"] + (["--recursive"] if folder else [])
        return cmd, dict(env, AWS_CONFIG_FILE=str(_aws_config(parts)))
    if tool == "s5cmd":
        cmd = [str(peers.s5cmd), "--endpoint-url", url, "cp"]
        if parts:
            cmd += ["--part-size", str(max(1, parts.size // 2**20)),
                    "--concurrency", str(parts.in_flight)]
        # s5cmd expands the wildcard itself: keys are the files' names under the prefix
        return cmd + [f"{source}/*" if folder else str(source), f"s3://{BUCKET}/{prefix}"], env
    if tool == "rclone":
        remote = f"bench:{BUCKET}/{prefix}" + (source.name if folder else "")
        cmd = ["rclone", "copy", str(source), remote, "-q"]
        if parts:
            size = f"{max(1, parts.size // 2**20)}M"          # rclone's M is MiB
            cmd += ["--s3-chunk-size", size, "--s3-upload-cutoff", size,
                    "--s3-upload-concurrency", str(parts.in_flight)]
        return cmd, rclone_env(env, url)
    raise ValueError(f"unknown tool {tool!r}")


def rclone_env(env: dict, url: str) -> dict:
    """``env`` with an rclone remote named "bench" for ``url``, and no config file read."""
    env = dict(env, RCLONE_CONFIG="/dev/null", RCLONE_CONFIG_BENCH_TYPE="s3",
               RCLONE_CONFIG_BENCH_PROVIDER="Other", RCLONE_CONFIG_BENCH_ENDPOINT=url,
               RCLONE_CONFIG_BENCH_ENV_AUTH="true")
    # rclone's S3 client cannot load a CA bundle into its HTTP transport
    # ("LoadCustomCABundleError"), and a plain-http endpoint needs none: a bundle set for the
    # machine only makes it fail
    env.pop("AWS_CA_BUNDLE", None)
    return env


def _aws_config(parts: Parts | None) -> Path:
    """An AWS CLI config file: empty (its defaults, nobody's tuning) or held to ``parts``."""
    if parts is None:
        config = WORK / "aws-config-defaults"
        text = "[default]\n"
    else:
        mib = max(1, parts.size // 2**20)
        config = WORK / f"aws-config-{mib}MiB-x{parts.in_flight}"
        text = ("[default]\ns3 =\n"
                f"  multipart_threshold = {mib}MB\n"
                f"  multipart_chunksize = {mib}MB\n"
                f"  max_concurrent_requests = {parts.in_flight}\n")
    config.write_text(text)
    return config


class HoistHome:
    """Hoist's data directories. A user who has run Hoist before has, beside the checkpoints,
    S3's slice of botocore's endpoints table (s3-endpoints.json), which the first run makes;
    ``warm`` is such a directory, made by an untimed upload of a tiny file, and ``fresh()``
    a new empty one with that file copied in."""

    def __init__(self, server, peers: Peers):
        self._root = Path(tempfile.mkdtemp(prefix="hoist-bench-"))
        self.warm = str(self._root / "warm")
        tiny = self._root / "warm-up.bin"
        tiny.write_bytes(b"warm-up")
        Path(self.warm).mkdir()
        cmd, env = command("hoist", tiny, "warm-up/", server.url, peers, self.warm)
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
        server.empty("warm-up/")
        self._count = 0

    def fresh(self) -> str:
        self._count += 1
        path = self._root / f"run-{self._count}"
        path.mkdir()
        for name in (ENDPOINTS_NAME, MODEL_NAME):       # botocore's lean data, kept warm
            kept = Path(self.warm) / name
            if kept.exists():
                shutil.copy2(kept, path / name)
        return str(path)

    def drop(self, path: str) -> None:
        shutil.rmtree(path, ignore_errors=True)

    def cleanup(self) -> None:
        shutil.rmtree(self._root, ignore_errors=True)


def expected_sizes(source: Path) -> list[int]:
    """The sizes of the objects an upload of ``source`` must make, sorted."""
    if source.is_dir():
        return sorted(p.stat().st_size for p in source.rglob("*") if p.is_file())
    return [source.stat().st_size]


def timed_upload(server, tool: str, source: Path, url: str, peers: Peers, measure,
                 expected: list[int], data_dir: str = "", parts: Parts | None = None,
                 hoist_env: dict | None = None, label: str = "") -> dict:
    """Upload ``source`` with ``tool`` to ``url`` (the server, or a shaper in front of it),
    timed by ``measure`` (harness.measure); check what arrived and delete it."""
    name = re.sub(r"[^a-z0-9]+", "-", (label or tool).lower()).strip("-")
    prefix = f"{name}-{uuid.uuid4().hex[:8]}/"      # a prefix per run: no run finds another's
    cmd, env = command(tool, source, prefix, url, peers, data_dir, parts, hoist_env)
    sample = measure(cmd, env)
    check_and_empty(server, label or tool, prefix, expected)
    return sample


def check_and_empty(server, tool: str, prefix: str, expected: list[int]) -> None:
    """Every object arrived, each with its size; then delete them for the next run."""
    found = server.empty(prefix)
    sizes = sorted(o["Size"] for o in found)
    if sizes != expected:
        raise SystemExit(f"{tool} stored {len(found)} objects, {sum(sizes)} bytes under "
                         f"{prefix}; expected {len(expected)} and {sum(expected)}")
