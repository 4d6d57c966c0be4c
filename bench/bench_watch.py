#!/usr/bin/env python3
"""Benchmark: is a watched folder cheap? (issue #27)

    .venv/bin/python bench/bench_watch.py                      # 100,000 files, 60 s idle
    .venv/bin/python bench/bench_watch.py --files 20000 --folders 1000 --idle 10

Two measures, each in a fresh process:

* **The engine** (as the window's engine process runs it, without the window): a
  watch over ``--files`` empty files in ``--folders`` folders (made once under
  bench/.work/watch), every one of them already sent (the store's record of what
  was sent holds each file's size and mtime): the steady state of a watch that
  Hoist restarts. We take the time from ``start_watching`` to the watch being
  "watching" (change notices on every folder, the walk, the comparison), the
  resident memory this adds to the idle engine (RSS before and after, and the peak),
  and the process's CPU time over ``--idle`` seconds with nothing changing.
* **A burst in the window**: the real window (offscreen, engine in its worker
  process) watches an empty folder for an account on moto's server (a process of
  its own, at nice 19); another process writes ``--burst`` files of 1 KiB into
  it. The stall probe of bench_gui.py (a 5 ms timer on the GUI thread) records the
  longest time the GUI thread could not answer, from the first file written to the
  last row in the table.

Targets (issue #27): start < 5 s, < 50 MiB beyond the idle engine, < 1 % of a core
idle, longest GUI stall < 50 ms.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "app"))
from bench_gui import StallProbe  # noqa: E402  (bench/ is this script's directory)
from bench_upload import publish, start_server  # noqa: E402

WORK = ROOT / "bench" / ".work" / "watch"
BUCKET = "bench"
MiB = 1024 * 1024
START_TARGET_S, RSS_TARGET_MIB, IDLE_TARGET, STALL_TARGET_MS = 5.0, 50.0, 0.01, 50.0


def rss() -> tuple[int, int]:
    """(resident, peak resident) bytes of this process."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return (int(fields["VmRSS"].split()[0]) * 1024, int(fields["VmHWM"].split()[0]) * 1024)


def make_tree(files: int, folders: int) -> Path:
    """``files`` empty files spread over ``folders`` folders, made once and kept."""
    tree = WORK / f"tree-{files}-{folders}"
    done = WORK / f"tree-{files}-{folders}.complete"
    if done.exists():
        return tree
    shutil.rmtree(tree, ignore_errors=True)
    print(f"Writing {files:,} empty files in {folders:,} folders", flush=True)
    per = max(1, files // folders)
    for n in range(folders):
        sub = tree / f"shot-{n // 100:03}" / f"take-{n:05}"
        sub.mkdir(parents=True)
        for m in range(per):
            (sub / f"frame-{m:04}.exr").touch()
    done.touch()
    return tree


def prepare_store(directory: Path, tree: Path, endpoint: str) -> None:
    """A store whose record of what was sent holds every file of ``tree`` as it is."""
    from hoist.core.checkpoint.store import CheckpointStore
    from hoist.core.checkpoint.watches import Watch
    from hoist.core.local.filters import Filters
    from hoist.core.local.fingerprint import fingerprint
    from hoist.core.settings.datadir import STORE_NAME
    from hoist.engine.watching.scanning import walk

    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    store = CheckpointStore.open(directory / STORE_NAME)
    store._db.execute("PRAGMA synchronous = OFF")           # setup only
    watch = store.save_watch(Watch(folder=str(tree), bucket=BUCKET, endpoint_url=endpoint))
    found: list = []
    walk(str(tree), watch.key_prefix, Filters(), lambda *file: found.append(file), [0, 0])
    empty = fingerprint(found[0][0]).sample_sha256          # every file is empty
    with store._transaction() as db:
        db.executemany(
            "INSERT INTO sent_files VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(endpoint, BUCKET, key, path, json.dumps({"mtime_ns": mtime, "sample_sha256":
              empty, "size": size}, sort_keys=True), '"etag"', time.time())
             for path, key, size, mtime in found])
    store.close()


def engine_child(directory: Path, idle: float) -> None:
    """Start the stored watch in a bare engine; print what it cost, as JSON."""
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

    from hoist.core.checkpoint.store import CheckpointStore
    from hoist.core.remote.s3 import S3Clients
    from hoist.core.settings.config import TransferConfig
    from hoist.core.settings.datadir import STORE_NAME
    from hoist.engine.manager import UploadManager
    from hoist.engine.watching.folder import WATCHING

    app = QCoreApplication([])
    store = CheckpointStore.open(directory / STORE_NAME)
    manager = UploadManager(store, S3Clients(max_pool_connections=8), TransferConfig())
    manager.restore()

    def run_for(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()
    run_for(500)
    before, _ = rss()
    started = time.perf_counter()
    manager.start_watching()
    loop = QEventLoop()
    check = QTimer(interval=5)
    check.timeout.connect(lambda: manager.watches()[0].state == WATCHING and loop.quit())
    check.start()
    QTimer.singleShot(120_000, loop.quit)
    loop.exec()
    check.stop()
    took = time.perf_counter() - started
    info = manager.watches()[0]
    # how often the safety net will rescan: its interval follows the scan's CPU time
    rescan_every = next(iter(manager.watcher._folders.values()))._rescan_every
    after, peak = rss()
    run_for(2000)                  # let the scan's garbage go before the idle measure
    cpu_before, wall_before = time.process_time(), time.perf_counter()
    run_for(int(idle * 1000))
    cpu = (time.process_time() - cpu_before) / (time.perf_counter() - wall_before)
    settled, _ = rss()
    queued = len(manager.tasks())
    manager.shutdown()
    store.close()
    print(json.dumps(dict(start_s=took, rss_idle_engine=before, rss_watching=settled,
                          rss_after_start=after, rss_peak=peak, idle_cpu=cpu, state=info.text,
                          rescan_every=rescan_every,
                          queued=queued, problem=info.problem)))
    del app


def burst_child(directory: Path, burst: int) -> None:
    """The window watching an empty folder while another process writes ``burst`` files."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from hoist.core.checkpoint.watches import Watch
    from hoist.ui.main import Session

    app = QApplication([])
    session = Session(directory)
    window = session.window
    window.show()
    folder = Path(os.environ["HOIST_BENCH_FOLDER"])
    account = window.accounts()[0]
    session.manager.save_watch(Watch(folder=str(folder), bucket=account.bucket, settle=2.0)
                               .with_destination(account.destination()))
    warm = QEventLoop()                  # the window's first paints are not the burst's
    QTimer.singleShot(1500, warm.quit)
    warm.exec()
    probe = StallProbe()
    loop = QEventLoop()
    check = QTimer(interval=20)
    check.timeout.connect(lambda: window.model.rowCount() >= burst and loop.quit())
    QTimer.singleShot(300_000, loop.quit)
    probe.start()
    started = time.perf_counter()
    writer = subprocess.Popen([sys.executable, "-c", (
        "import os, sys\n"
        "folder, n = sys.argv[1], int(sys.argv[2])\n"
        "body = os.urandom(1024)\n"
        "for i in range(n):\n"
        "    sub = os.path.join(folder, f'roll-{i // 1000:02}')\n"
        "    os.makedirs(sub, exist_ok=True)\n"
        "    with open(os.path.join(sub, f'IMG_{i:05}.jpg'), 'wb') as f:\n"
        "        f.write(body)\n"), str(folder), str(burst)])
    check.start()
    loop.exec()
    took = time.perf_counter() - started
    probe.stop()
    writer.wait()
    rows = window.model.rowCount()
    session.close()
    lateness = probe.lateness
    print(json.dumps(dict(rows=rows, seconds=took, stall_max_ms=max(lateness, default=0.0),
                          stall_p99_ms=statistics.quantiles(lateness, n=100)[98],
                          working=probe.working_share, waiting=probe.waiting_share,
                          load=os.getloadavg()[0])))
    del app


def spawn(mode: str, args: list[str], env: dict) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, *args], env=env,
                         capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise SystemExit(f"the {mode} run failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        mode, directory, number = sys.argv[2:5]
        if mode == "engine":
            return engine_child(Path(directory), float(number))
        return burst_child(Path(directory), int(number))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--folders", type=int, default=5_000)
    parser.add_argument("--idle", type=float, default=60.0, help="seconds of idle CPU measured")
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="bursts, each in a fresh window")
    args = parser.parse_args()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT / "app"),
               AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
               AWS_DEFAULT_REGION="us-east-1")
    tree = make_tree(args.files, args.folders)
    data = WORK / "engine-data"
    prepare_store(data, tree, "http://127.0.0.1:9")       # nothing is sent: no server
    engine = spawn("engine", [str(data), str(args.idle)], dict(env, HOIST_DATA_DIR=str(data)))
    beyond = (engine["rss_watching"] - engine["rss_idle_engine"]) / MiB
    peak_beyond = (engine["rss_peak"] - engine["rss_idle_engine"]) / MiB
    print(f"engine: watching in {engine['start_s']:.2f} s ({engine['state']}); "
          f"+{beyond:.1f} MiB (peak +{peak_beyond:.1f}); idle CPU {engine['idle_cpu']:.2%}; "
          f"{engine['queued']} queued; rescans every {engine['rescan_every']:.0f} s", flush=True)

    from hoist.core.settings.accounts import Account, AccountBook
    server, url = start_server(niceness=19)
    bursts = []
    try:
        import boto3
        boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="bench",
                     aws_secret_access_key="bench").create_bucket(Bucket=BUCKET)
        for run in range(args.runs):
            data = WORK / "window-data"
            folder = WORK / f"burst-{run}"
            for path in (data, folder):
                shutil.rmtree(path, ignore_errors=True)
                path.mkdir(parents=True)
            book = AccountBook.load(data / "accounts.json")
            book.upsert(Account(name="Bench", endpoint_url=url, region="us-east-1",
                                path_style=True, bucket=BUCKET, prefix="", profile=None,
                                access_key_id=None, verify_tls=True))
            book.save()
            r = spawn("burst", [str(data), str(args.burst)],
                      dict(env, HOIST_DATA_DIR=str(data), HOIST_BENCH_FOLDER=str(folder)))
            bursts.append(r)
            print(f"burst {run + 1}: {r['rows']:,} rows in {r['seconds']:.1f} s; GUI stall max "
                  f"{r['stall_max_ms']:.0f} ms, p99 {r['stall_p99_ms']:.1f} ms (of the late "
                  f"gaps, GUI thread working {r['working']:.0%}, waiting for a CPU "
                  f"{r['waiting']:.0%}; load {r['load']:.1f})", flush=True)
    finally:
        server.terminate()
        server.wait()
    burst = {k: statistics.median(r[k] for r in bursts)
             for k in ("rows", "seconds", "stall_max_ms", "stall_p99_ms")}
    ok = {"start": engine["start_s"] < START_TARGET_S, "memory": beyond < RSS_TARGET_MIB,
          "idle CPU": engine["idle_cpu"] < IDLE_TARGET,
          "GUI stall": burst["stall_max_ms"] < STALL_TARGET_MS}
    lines = [f"A watch over {args.files:,} files in {args.folders:,} folders, all sent "
             "already (Hoist restarted); then the window while "
             f"{args.burst:,} files of 1 KiB land in a watched folder (moto on loopback).",
             "", "| measure | result | target |", "|---|---|---|",
             f"| Start: change notices on every folder, walk, compare with what was sent "
             f"| {engine['start_s']:.2f} s | < {START_TARGET_S:.0f} s |",
             f"| Memory beyond the idle engine, watching (peak during the start) "
             f"| {beyond:.1f} MiB ({peak_beyond:.1f} MiB) | < {RSS_TARGET_MIB:.0f} MiB |",
             f"| CPU while nothing changes, over {args.idle:.0f} s | {engine['idle_cpu']:.2%} "
             f"of a core | < {IDLE_TARGET:.0%} |",
             f"| Safety-net rescan interval (its CPU time / 0.5 %) "
             f"| {engine['rescan_every']:.0f} s | |",
             f"| Longest GUI-thread stall, {args.burst:,}-file burst to all rows "
             f"({burst['seconds']:.1f} s; median of {args.runs}) | {burst['stall_max_ms']:.0f} ms "
             f"| < {STALL_TARGET_MS:.0f} ms |",
             f"| — 99th percentile | {burst['stall_p99_ms']:.1f} ms | |",
             "", "Targets met: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in ok.items())]
    publish(f"watch-{args.files}.md", lines)


if __name__ == "__main__":
    main()
