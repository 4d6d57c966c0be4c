#!/usr/bin/env python3
"""Benchmark: a folder of small files, Hoist beside the AWS CLI, rclone and s5cmd (issue #24).

    .venv/bin/python bench/bench_small.py                       # SeaweedFS, 5 rounds
    .venv/bin/python bench/bench_small.py --server moto
    .venv/bin/python bench/bench_small.py --compare-direct      # + Hoist with HOIST_DIRECT=0
    .venv/bin/python bench/bench_small.py --files 100 --runs 1  # a quick look

The workload of issue #24: a photo folder of 1,000 files of 100 KiB, sent to a server on
loopback (SeaweedFS by default, moto with ``--server moto``; bench/servers.py), and a folder
of one such file. Every tool runs at its own defaults, as a user would run it
(bench/uploads.py): `hoist upload DIR --bucket B --quiet`, `aws s3 cp --recursive`,
`rclone copy` and `s5cmd cp 'DIR/*' s3://B/prefix/`. Hoist gets a fresh data directory for
every run, with the S3 endpoints file a first run makes copied in (what a user who has run
Hoist before has). Each round runs every tool on both folders, alternating, so drift hits
all alike; after each run every object is checked (count and sizes) and deleted.

For each run: wall time and client CPU (user + system of the tool's process tree, from
wait4). The report gives medians of the rounds, the CPU a file costs, counted as (CPU of the
1,000-file run − CPU of the 1-file run) / 999 so that start-up cancels out, the ratios of
rclone's and the best peer's wall time to each tool's, and ends with ``Targets met: …``:
Hoist's wall ≤ rclone's, and ≤ 1.5 ms of client CPU a file.

``--compare-direct`` adds a column "hoist (botocore)": the same Hoist with HOIST_DIRECT=0,
its data requests sent through botocore rather than the lean path; ``--hoist-env K=V`` passes
any other variable to Hoist's runs. A bench of its own, not a mode of bench_upload.py: its
workload is two folders whose difference is the measure, with a fresh data directory a run,
every tool at its defaults, and a table of its own; bench_upload.py holds every tool to one
part shape for one big file. This is a benchmark, not a test: the machine is shared and noisy.
"""

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (  # noqa: E402
    ROOT,
    WORK,
    Peers,
    aws_version,
    ensure_awscli,
    ensure_folder,
    ensure_rclone,
    ensure_s5cmd,
    measure,
    publish,
)
from servers import KINDS, Server  # noqa: E402
from uploads import TOOLS, HoistHome, expected_sizes, timed_upload  # noqa: E402

sys.path.insert(0, str(ROOT / "app"))
from hoist.core.local.units import format_size, parse_size  # noqa: E402

CPU_PER_FILE_TARGET = 1.5e-3          # seconds (issue #24 item 2)
PEERS = ("aws", "rclone", "s5cmd")
DEFAULTS = ("hoist: files below a part in one PUT each, 16 at once; aws: 10 requests at once; "
            "rclone: 4 transfers, 8 checkers; s5cmd: 256 workers")


def parse_env(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE")
    return name, value


def columns(args) -> list[tuple[str, str, dict]]:
    """(column, tool, extra environment for Hoist) in the order they run each round."""
    hoist_env = dict(args.hoist_env)
    chosen = args.tools.split(",")
    unknown = set(chosen) - set(TOOLS)
    if unknown:
        raise SystemExit(f"unknown tool(s) {', '.join(sorted(unknown))}: from {', '.join(TOOLS)}")
    out = []
    for tool in TOOLS:
        if tool in chosen:
            out.append((tool, tool, hoist_env if tool == "hoist" else {}))
        if tool == "hoist" and args.compare_direct:
            out.append(("hoist (botocore)", "hoist", dict(hoist_env, HOIST_DIRECT="0")))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", choices=KINDS, default="seaweedfs")
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--file-size", type=parse_size, default=parse_size("100KiB"))
    parser.add_argument("--runs", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--tools", default=",".join(TOOLS), help="a comma-separated subset")
    parser.add_argument("--compare-direct", action="store_true",
                        help="add a column: Hoist with HOIST_DIRECT=0 (data requests through "
                             "botocore)")
    parser.add_argument("--hoist-env", type=parse_env, action="append", default=[],
                        metavar="NAME=VALUE", help="set in the environment of Hoist's runs")
    args = parser.parse_args()
    if args.files < 2:
        raise SystemExit("--files must be at least 2: the CPU a file is a difference from 1")
    WORK.mkdir(parents=True, exist_ok=True)
    cols = columns(args)
    s5cmd, s5cmd_version = ensure_s5cmd()
    peers = Peers(ensure_awscli(), s5cmd)
    versions = (f"AWS CLI {aws_version(peers.aws)}, rclone {ensure_rclone()}, "
                f"s5cmd {s5cmd_version}")
    folders = {"many": ensure_folder(args.files, args.file_size),
               "one": ensure_folder(1, args.file_size)}
    expected = {w: expected_sizes(f) for w, f in folders.items()}
    samples = {(col, w): [] for col, _, _ in cols for w in folders}
    with Server(args.server) as server:
        home = HoistHome(server, peers)
        try:
            for run in range(args.runs):
                for workload, folder in folders.items():
                    for col, tool, hoist_env in cols:
                        data = home.fresh() if tool == "hoist" else ""
                        try:
                            sample = timed_upload(server, tool, folder, server.url, peers,
                                                  measure, expected[workload], data_dir=data,
                                                  hoist_env=hoist_env, label=col)
                        finally:
                            if data:
                                home.drop(data)
                        samples[(col, workload)].append(sample)
                        n = len(expected[workload])
                        print(f"round {run + 1} {n:5} file(s) {col:16}: {sample['wall']:6.2f} s "
                              f"wall, {sample['cpu']:6.2f} s CPU", flush=True)
        finally:
            home.cleanup()
    where = f"{server.name} on loopback"
    env_note = ", ".join(f"{k}={v}" for k, v in args.hoist_env)
    lines = table(samples, [c for c, _, _ in cols], args, where, versions, env_note)
    name = f"small-{args.server}"
    if (args.files, args.file_size) != (1000, parse_size("100KiB")):
        name += f"-{args.files}x{format_size(args.file_size).replace(' ', '')}"
    publish(name + ".md", lines)


def table(samples: dict, cols: list[str], args, where: str, versions: str,
          env_note: str) -> list[str]:
    med = {key: {k: statistics.median(s[k] for s in v) for k in ("wall", "cpu", "rss")}
           for key, v in samples.items()}
    n = args.files
    per_file = {c: (med[(c, "many")]["cpu"] - med[(c, "one")]["cpu"]) / (n - 1) for c in cols}
    rclone = med[("rclone", "many")]["wall"] if "rclone" in cols else None
    peer_walls = [med[(c, "many")]["wall"] for c in cols if c in PEERS]
    best = min(peer_walls) if peer_walls else None
    lines = [f"{n:,} files of {format_size(args.file_size)}, and a folder of one, {where}; "
             f"medians of {args.runs} alternating round(s), every tool at its defaults "
             f"({DEFAULTS}).", "", f"{versions}." + (f" Hoist ran with {env_note}." if env_note
                                                      else ""), "",
             f"| tool | {n:,} files: wall (s) | client CPU (s) | peak RSS (MiB) "
             "| 1 file: wall (s) | client CPU (s) | CPU a file (ms) "
             "| rclone's wall / tool's | best peer's wall / tool's |",
             "|---|---|---|---|---|---|---|---|---|"]
    for c in cols:
        many, one = med[(c, "many")], med[(c, "one")]
        to_rclone = f"{rclone / many['wall']:.2f}×" if rclone else "—"
        to_best = f"{best / many['wall']:.2f}×" if best else "—"
        lines.append(f"| {c} | {many['wall']:.2f} | {many['cpu']:.2f} | {many['rss'] / 2**20:.0f} "
                     f"| {one['wall']:.2f} | {one['cpu']:.2f} | {per_file[c] * 1e3:.2f} "
                     f"| {to_rclone} | {to_best} |")
    lines += ["", "CPU a file = (client CPU of the "
              f"{n:,}-file run − that of the 1-file run) / {n - 1:,}, from the medians."]
    met = {}
    if "hoist" in cols:
        hoist = med[("hoist", "many")]["wall"]
        if rclone:
            met[f"hoist's wall ≤ rclone's ({hoist:.2f} ≤ {rclone:.2f} s)"] = hoist <= rclone
        cpu = per_file["hoist"]
        met[f"hoist's CPU a file ≤ {CPU_PER_FILE_TARGET * 1e3:.1f} ms ({cpu * 1e3:.2f} ms)"] = \
            cpu <= CPU_PER_FILE_TARGET
    if met:
        lines += ["", "Targets met: " + "; ".join(f"{k}: {'yes' if v else 'NO'}"
                                                for k, v in met.items())]
    return lines


if __name__ == "__main__":
    main()
