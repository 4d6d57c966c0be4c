#!/usr/bin/env python3
"""Benchmark: does the window stay quick with a long queue? (issue #3)

    .venv/bin/python bench/bench_gui.py                 # 10,000 tasks, 50 uploading, 3 runs
    .venv/bin/python bench/bench_gui.py --tasks 2000 --seconds 5 --runs 1
    .venv/bin/python bench/bench_gui.py --tasks 10000 --completed 100000 --startup-only
    .venv/bin/python bench/bench_gui.py --bucket 100000 --runs 1

Two measures, each in a fresh process running the real window offscreen
(QT_QPA_PLATFORM=offscreen, so Qt still lays out and paints every pixel):

* **Start-up**: from the moment the process is spawned to the first paint of
  the table, over a checkpoint store holding ``--tasks`` interrupted multipart
  uploads (each 100 MiB, 13 parts, 6 of them done). The child runs exactly what
  ``hoist`` runs (``run_window``: store, engine, window, tray, event loop); the
  parent and child share CLOCK_MONOTONIC, so the figure includes starting Python
  and importing Qt. ``--completed N`` adds N completed uploads to the store, a
  history the window shows again (issue #23: 100,000 completed + 10,000
  interrupted).
* **Stalls**: ``--tasks`` restored tasks plus 50 big ones are resumed with the
  caps raised to 50 files at once (2 parts each, 64 in total) against moto's
  S3 server in a separate process (at nice 19, standing in for a remote
  machine), so 50 rows upload for real while the rest
  wait as queued. A 5 ms timer on the GUI thread records how late each tick
  fires; lateness is the time the GUI thread could not answer (painting, model
  updates, scheduling, and the wait for the GIL behind 64 part threads). We
  also time the one "Resume all" click that queues everything, and, after the
  probe, full repaints of the visible rows while the uploads still run.

* **Drop** (``--drop N``): a folder of N files of 1 KiB (in sub-folders of
  1,000, made once under bench/.work) is handed to the window as a drop is
  (``MainWindow.add_paths``), for an account on moto's server. We record the
  seconds from the drop to all N rows in the table, the worst GUI stall in that
  time (the same 5 ms probe) and the process's peak RSS. The files start
  uploading as their rows appear, as they would for a user.

* **Bucket** (``--bucket N``): the Bucket pane opened over a bucket of N keys at
  its root (moto in a process of its own at nice 19, the keys put straight into
  its backend there), then scrolled to the end, a page of 1,000 fetched each time
  the view reaches the last row, while the same 5 ms probe runs. We record the
  time to the first rows, to the last, the list requests, and the longest stall
  (target under 50 ms, issue #26).

This is a benchmark, not a test: the machine is shared and noisy. Targets:
start-up under 1 s, and the 99th percentile stall under 16 ms (one frame);
for a 100,000-file drop, all rows queued in under 2 s, no stall over 50 ms,
under 300 MiB.
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
from bench_upload import publish, start_server  # noqa: E402  (bench/ is this script's directory)

WORK = ROOT / "bench" / ".work" / "gui"
BUCKET = "bench"
MiB = 1024 * 1024
RESTORED_SIZE = 100 * MiB      # an interrupted 100 MiB upload: 13 parts of 8 MiB, 6 done
BIG_SIZE = 256 * MiB           # the 50 uploading files: big enough to last the whole probe
UPLOADING = 50
PROBE_MS = 5
STARTUP_TARGET_S = 1.0
STALL_TARGET_MS, LONGEST_TARGET_MS = 16.0, 50.0
DROP_TARGET_S, DROP_STALL_MS, DROP_RSS_MIB = 2.0, 50.0, 300
ENGINES = {"process": "a worker process (as the app runs)", "thread": "a thread of the window's "
           "process", "direct": "the GUI thread", "external": "a separate `hoist upload`"}


# -- the data: a checkpoint store as a long-running Hoist would leave it --------------------
def sparse_file(path: Path, size: int) -> None:
    """A file of ``size`` zero bytes that takes no disk space (reads as zeros)."""
    with open(path, "wb") as f:
        f.truncate(size)


def prepare(directory: Path, tasks: int, endpoint: str | None, big: int = 0,
            completed: int = 0) -> None:
    """A data directory whose store holds ``big`` fresh uploads, ``tasks`` interrupted ones,
    then ``completed`` finished ones (their files need not exist: nothing reads them)."""
    from hoist.core.checkpoint.states import TaskState
    from hoist.core.checkpoint.store import CheckpointStore
    from hoist.core.local.fingerprint import fingerprint
    from hoist.core.policy.planner import plan_parts
    from hoist.core.settings.datadir import STORE_NAME

    shutil.rmtree(directory, ignore_errors=True)
    sources = directory / "sources"
    sources.mkdir(parents=True)
    store = CheckpointStore.open(directory / STORE_NAME)
    # Setup only: one fsync per row would make preparing take minutes, and loading is
    # what we measure, not writing.
    store._db.execute("PRAGMA synchronous = OFF")
    common = dict(account="Bench", endpoint_url=endpoint, region="us-east-1", profile=None,
                  bucket=BUCKET, checksum_algorithm="CRC32", state=TaskState.PAUSED)
    for n in range(big + tasks):
        fresh = n < big
        path = sources / (f"big-{n:02}.bin" if fresh else f"restored-{n:05}.bin")
        sparse_file(path, BIG_SIZE if fresh else RESTORED_SIZE)
        # A task that never started has no fingerprint yet; an interrupted one has.
        record = store.add_task(source_path=path, key=path.name,
                                fingerprint=None if fresh else fingerprint(path),
                                size=path.stat().st_size, part_size=8 * MiB, **common)
        if fresh or endpoint:       # resumed for real: no upload id the server never saw
            continue
        parts = plan_parts(RESTORED_SIZE, 8 * MiB)
        store.begin_upload(record.id, f"upload-{n}", 8 * MiB, parts)
        for part in parts[:6]:
            store.part_done(record.id, part.number, f'"etag-{part.number}"', "AAAAAA==")
    if completed:
        done = [(str(sources / f"done-{n:06}.bin"), f"done/{n:06}.bin", MiB)
                for n in range(completed)]
        store.add_tasks(done, part_size=0, **{**common, "state": TaskState.COMPLETED})
        store._db.execute("UPDATE tasks SET finished_at = updated_at, verified = 'MD5', message ="
                          " 'Completed in 1 s · verified (MD5)' WHERE state = 'completed'")
    store.close()


# -- the child: one window, measured from inside ------------------------------------------
class StallProbe:
    """A 5 ms timer on the GUI thread; ``lateness`` is how late each tick fired (ms): the
    time the GUI thread could not have answered a click."""

    def __init__(self):
        from PySide6.QtCore import Qt, QTimer
        self.lateness: list[float] = []
        # Over the gaps behind ticks > 10 ms late: all of it, the GUI thread's time on a CPU,
        # and its time runnable but waiting for a CPU (Linux's schedstat; the rest is
        # sleeping or blocked, e.g. on the GIL)
        self.late_ms = self.late_working_ms = self.late_waiting_ms = 0.0
        try:                       # opened on the GUI thread: its own counters
            self._schedstat = open("/proc/thread-self/schedstat", "rb", buffering=0)
        except OSError:
            self._schedstat = None
        self._last = time.perf_counter()
        self._last_cpu, self._last_wait = time.thread_time(), self._run_delay()
        self._timer = QTimer(interval=PROBE_MS, timerType=Qt.PreciseTimer)
        self._timer.timeout.connect(self._tick)

    def _run_delay(self) -> float:
        """Seconds this thread has spent runnable, waiting for a CPU (0 where unknown)."""
        if self._schedstat is None:
            return 0.0
        self._schedstat.seek(0)
        return int(self._schedstat.read().split()[1]) / 1e9

    def _tick(self) -> None:
        now, cpu, wait = time.perf_counter(), time.thread_time(), self._run_delay()
        late = max(0.0, (now - self._last) * 1000 - PROBE_MS)
        self.lateness.append(late)
        if late > 10:     # was the GUI thread working, waiting for a CPU, or blocked?
            self.late_ms += (now - self._last) * 1000
            self.late_working_ms += (cpu - self._last_cpu) * 1000
            self.late_waiting_ms += (wait - self._last_wait) * 1000
        self._last, self._last_cpu, self._last_wait = now, cpu, wait

    @property
    def working_share(self) -> float:
        """Of the gaps behind late ticks, the share the GUI thread spent on the CPU itself."""
        return self.late_working_ms / self.late_ms if self.late_ms else 0.0

    @property
    def waiting_share(self) -> float:
        """Of the gaps behind late ticks, the share the GUI thread was ready but had no CPU."""
        return self.late_waiting_ms / self.late_ms if self.late_ms else 0.0

    def start(self) -> None:
        self._last, self._last_cpu = time.perf_counter(), time.thread_time()
        self._last_wait = self._run_delay()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()



def child(mode: str, directory: Path, spawned_at: float, seconds: float) -> None:
    """Run in a fresh process; prints one JSON object with the measures."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QTableView

    app = QApplication([sys.argv[0]])
    from hoist.ui import main as ui_main
    imported = time.monotonic()

    class FirstPaint(QObject):
        """Notes when the table's first paint has been handled, then calls ``then``."""

        def __init__(self, then):
            super().__init__()
            self.at, self.then = None, then

        def eventFilter(self, obj, event):
            if (event.type() == QEvent.Paint and self.at is None
                    and isinstance(obj.parent(), QTableView)):
                self.at = 0.0           # after this event is handled, the pixels are there
                QTimer.singleShot(0, self.done)
            return False

        def done(self):
            self.at = time.monotonic()
            self.then()

    if mode == "drop":
        from hoist.core.settings.datadir import setup_logging
        setup_logging(directory)            # the intake logs its phases: listing, check, queueing
        engine = os.environ.get("HOIST_BENCH_ENGINE", "process")
        result = drop(app, ui_main.Session(directory, engine={"external": "direct"}.get(
            engine, engine)), Path(os.environ["HOIST_BENCH_DROP"]))
        result["phases"] = [line.split(": ", 1)[1].strip() for line in
                            (directory / "hoist.log").read_text().splitlines() if "hoist.ui.intake" in line]
    elif mode == "bucket":
        result = browse(app, ui_main.Session(directory, engine="process"),
                        int(os.environ["HOIST_BENCH_BUCKET_KEYS"]))
    elif mode == "startup":       # exactly what `hoist` runs: run_window, its event loop and all
        painted = FirstPaint(app.quit)
        app.installEventFilter(painted)
        ui_main.run_window(demo=False, paths=[], verbose=False)
        rows = next(w.model.rowCount() for w in app.topLevelWidgets() if hasattr(w, "model"))
        result = {"rows": rows, "import_s": imported - spawned_at,
                  "startup_s": painted.at - spawned_at}
    else:
        engine = os.environ.get("HOIST_BENCH_ENGINE", "process")
        result = stalls(app, ui_main.Session(directory, engine={"external": "direct"}.get(
            engine, engine)), FirstPaint, seconds)
    print(json.dumps(result), flush=True)


def stalls(app, session, FirstPaint, seconds: float) -> dict:
    """Resume everything, wait for 50 uploads to run, then probe the GUI thread's lateness."""
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer

    window, manager = session.window, session.manager

    def run_for(ms: int) -> None:       # a real event loop, not a busy wait
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    class Paints(QObject):
        count = 0

        def eventFilter(self, obj, event):
            self.count += event.type() == QEvent.Paint
            return False

    paints = Paints()
    window.view.viewport().installEventFilter(paints)
    first = FirstPaint(lambda: None)
    window.view.viewport().installEventFilter(first)
    window.show()
    while not first.at:
        run_for(10)

    probe = StallProbe()
    states: dict[int, str] = {}
    manager.task_state_changed.connect(lambda task_id, state: states.__setitem__(task_id, state))
    outside = None
    if os.environ.get("HOIST_BENCH_ENGINE") == "external":
        # The lower bound of uploading in a worker process: the same 50 uploads run in a
        # `hoist upload` process of their own, and this window only shows its queue.
        sources = sorted(str(p) for p in (session.directory / "sources").glob("big-*.bin"))
        outside = subprocess.Popen(
            [sys.executable, "-m", "hoist", "upload", *sources, "--bucket", BUCKET, "--quiet",
             "--endpoint-url", os.environ["HOIST_BENCH_ENDPOINT"], "--part-size", "8MiB",
             "--concurrency", "64", "--files", str(UPLOADING)],
            env=dict(os.environ, HOIST_DATA_DIR=str(session.directory / "outside")),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        resume_all_ms = 0.0
        run_for(4000)               # its 50 uploads under way (no rows here to wait on)
    else:
        manager.set_limits(UPLOADING, 2, 64, 0)
        started = time.perf_counter()
        manager.resume_all()            # what the toolbar's Resume all does
        resume_all_ms = (time.perf_counter() - started) * 1000
        deadline = time.monotonic() + 120
        while sum(s == "uploading" for s in states.values()) < UPLOADING:
            if time.monotonic() > deadline:
                raise SystemExit("the 50 uploads did not start within two minutes")
            run_for(50)
        run_for(1000)                   # past the first parts' start-up
    painted_before = paints.count
    probe.start()
    run_for(int(seconds * 1000))
    probe.stop()
    repaints = []                   # one full repaint of the visible rows, as a cost of its own
    for _ in range(30):
        started = time.perf_counter()
        window.view.viewport().repaint()
        repaints.append((time.perf_counter() - started) * 1000)
        run_for(20)
    result = dict(
        repaint_ms=statistics.median(repaints),
        resume_all_ms=resume_all_ms,
        # from the table: rows queued by Resume all come in one list, without a state signal
        uploading=sum(i.state.value == "uploading" for i in window.model.infos()),
        queued=sum(i.state.value == "queued" for i in window.model.infos()),
        paints_per_s=(paints.count - painted_before) / seconds,
        ticks=len(probe.lateness),
        stall_p50_ms=statistics.median(probe.lateness),
        stall_p99_ms=statistics.quantiles(probe.lateness, n=100)[98],
        stall_max_ms=max(probe.lateness),
        late_working_share=probe.working_share,
        late_waiting_share=probe.waiting_share)
    if outside is not None:
        outside.terminate()
        outside.wait()
    session.close()
    return result


def drop(app, session, folder: Path) -> dict:
    """Drop ``folder`` on the window; time until every file has its row, probing the GUI."""
    import resource

    from PySide6.QtCore import QEventLoop, QTimer

    window = session.window
    expected = int(os.environ["HOIST_BENCH_DROP_FILES"])
    window.show()
    probe = StallProbe()
    loop = QEventLoop()
    watch = QTimer(interval=5)
    # done when every row is in the table and the engine has answered for the last chunk
    watch.timeout.connect(lambda: window.model.rowCount() >= expected
                          and not window.intake.busy() and loop.quit())
    QTimer.singleShot(180_000, loop.quit)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    started = time.perf_counter()
    probe.start()
    watch.start()
    window.add_paths([str(folder)])
    loop.exec()
    took = time.perf_counter() - started
    probe.stop()
    rows = window.model.rowCount()
    # the drop's peaks, before quitting (which pauses every row and is not part of it)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    engine_peak = engine_peak_rss(session.manager)
    session.close()
    lateness = probe.lateness
    return dict(rows=rows, drop_s=took, stall_max_ms=max(lateness, default=0.0),
                stall_p99_ms=statistics.quantiles(lateness, n=100)[98] if len(lateness) > 1 else 0.0,
                rss_before=rss_before,
                rss_peak=peak, rss_engine_peak=engine_peak, late_working_share=probe.working_share,
                late_waiting_share=probe.waiting_share)


def browse(app, session, keys: int) -> dict:
    """Open the Bucket pane over ``keys`` keys and scroll to the end, probing the GUI thread."""
    import resource

    from PySide6.QtCore import QEventLoop, QTimer

    window = session.window
    window.show()
    pane, model = window.bucket_pane, window.bucket_pane.model
    probe = StallProbe()
    loop = QEventLoop()
    marks: dict[str, float] = {}

    def step():
        if model.state.value == "ready" and "first" not in marks:
            marks["first"] = time.perf_counter()
        if model.state.value in ("denied", "error"):
            loop.quit()
        elif model.state.value == "ready" and not model.loading:
            if model.token is None:
                loop.quit()
            else:
                pane.view.scrollToBottom()      # as a user drags the scroll bar to the end
    watch = QTimer(interval=20)
    watch.timeout.connect(step)
    pages_at: list[int] = []            # the pages listed at each tick: where a stall came
    probe._timer.timeout.connect(lambda: pages_at.append(model.pages))
    QTimer.singleShot(900_000, loop.quit)
    probe.start()
    started = time.perf_counter()
    window.tabs.setCurrentWidget(pane)          # the pane lists its folder once it is shown
    watch.start()
    loop.exec()
    took = time.perf_counter() - started
    probe.stop()
    worst = max(range(len(probe.lateness)), key=probe.lateness.__getitem__, default=0)
    result = dict(rows=model.rowCount(), pages=model.pages, state=model.state.value,
                  worst_at_page=pages_at[worst] if pages_at else 0,
                  error=model.error, first_s=marks.get("first", started) - started, all_s=took,
                  stall_max_ms=max(probe.lateness, default=0.0),
                  stall_p99_ms=statistics.quantiles(probe.lateness, n=100)[98],
                  rss_peak=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  late_working_share=probe.working_share,
                  late_waiting_share=probe.waiting_share)
    session.close()
    return result


def serve_bucket(keys: int) -> None:
    """The --serve-bucket child: moto on loopback with ``keys`` keys in BUCKET; prints its URL."""
    sys.path.insert(0, str(ROOT / "tests"))
    import boto3

    from support.moto_fill import fill
    from support.s3server import RecordingS3Server
    os.nice(19)
    server = RecordingS3Server().start()
    s3 = boto3.client("s3", endpoint_url=server.endpoint_url, region_name="us-east-1",
                      aws_access_key_id="bench", aws_secret_access_key="bench")
    s3.create_bucket(Bucket=BUCKET)
    fill(s3, BUCKET, (f"photos/IMG_{n:07}.jpg" for n in range(keys)), body=b"j" * 2_500_000)
    print(server.endpoint_url, flush=True)
    sys.stdin.read()                # until the parent closes it
    print(server.count("ListObjects"), flush=True)


def run_bucket(args, env) -> None:
    """The --bucket mode: the pane over N keys in a folder, scrolled to the end."""
    from hoist.core.settings.accounts import Account, AccountBook

    server = subprocess.Popen([sys.executable, __file__, "--serve-bucket", str(args.bucket)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    url = server.stdout.readline().strip()
    results = []
    try:
        for run in range(args.runs):
            data = WORK / "bucket-data"
            shutil.rmtree(data, ignore_errors=True)
            data.mkdir(parents=True)
            book = AccountBook.load(data / "accounts.json")
            book.upsert(Account(name="Bench", endpoint_url=url, region="us-east-1",
                                path_style=True, bucket=BUCKET, prefix="photos/", profile=None,
                                access_key_id=None, verify_tls=True))
            book.save()
            r = spawn("bucket", data, 0, dict(env, HOIST_DATA_DIR=str(data),
                                              HOIST_BENCH_BUCKET_KEYS=str(args.bucket)))
            results.append(r)
            print(f"bucket {run + 1}: {r['rows']:,} rows in {r['pages']} pages ({r['state']}"
                  f"{': ' + r['error'] if r['error'] else ''}); first rows after "
                  f"{r['first_s']:.2f} s, all after {r['all_s']:.1f} s; GUI stall max "
                  f"{r['stall_max_ms']:.0f} ms (with {r['worst_at_page']} pages listed), p99 "
                  f"{r['stall_p99_ms']:.1f} ms (GUI thread working {r['late_working_share']:.0%} and "
                  f"waiting for a CPU {r['late_waiting_share']:.0%} of the late gaps); window RSS "
                  f"{r['rss_peak'] / MiB:.0f} MiB", flush=True)
    finally:
        server.stdin.close()
        requests = server.stdout.readline().strip()
        server.wait()
    med = {k: statistics.median(r[k] for r in results)
           for k in ("first_s", "all_s", "stall_max_ms", "stall_p99_ms", "rss_peak")}
    pages = results[0]["pages"]
    publish(f"gui-bucket-{args.bucket}.md", [
        f"The Bucket pane over a folder of {args.bucket:,} keys (moto on loopback at nice 19), "
        f"scrolled to the end; engine in its worker process; window offscreen; medians of "
        f"{args.runs} run(s), each in a fresh process.", "",
        "| measure | result | target |", "|---|---|---|",
        f"| Pane shown to the first rows | {med['first_s']:.2f} s | |",
        f"| Scrolled to the last of {results[0]['rows']:,} rows | {med['all_s']:.1f} s "
        f"(moto lists {args.bucket:,} keys for every page) | |",
        f"| List requests | {requests} for {args.runs} run(s) of {pages} pages | one a page |",
        f"| GUI-thread stall while scrolling, longest | {med['stall_max_ms']:.0f} ms "
        f"| < {DROP_STALL_MS:.0f} ms |",
        f"| GUI-thread stall, 99th percentile | {med['stall_p99_ms']:.1f} ms | |",
        f"| Peak RSS of the window's process | {med['rss_peak'] / MiB:.0f} MiB | |",
        "", f"Targets met: stall {'yes' if med['stall_max_ms'] < DROP_STALL_MS else 'NO'}"])


def engine_peak_rss(manager) -> int:
    """The engine process's peak RSS in bytes (0 when the engine runs in the window's process)."""
    pid = getattr(manager, "pid", None)
    if pid is None:
        return 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def drop_tree(count: int) -> Path:
    """``count`` files of 1 KiB in folders of 1,000, made once and kept in bench/.work."""
    folder = WORK / f"drop-{count}"
    done = WORK / f"drop-{count}.complete"
    if done.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    print(f"Writing {count:,} files of 1 KiB", flush=True)
    body = os.urandom(1024)
    for n in range(count):
        sub = folder / f"album-{n // 1000:03}"
        if n % 1000 == 0:
            sub.mkdir(parents=True)
        (sub / f"IMG_{n:06}.jpg").write_bytes(body)
    done.touch()
    return folder


def run_drop(args, env) -> None:
    """The --drop mode: drops on a fresh window, against moto's server on loopback."""
    from hoist.core.settings.accounts import Account, AccountBook

    folder = drop_tree(args.drop)
    server, url = start_server(niceness=19)
    results = []
    try:
        import boto3
        boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="bench",
                     aws_secret_access_key="bench").create_bucket(Bucket=BUCKET)
        for run in range(args.runs):
            data = WORK / "drop-data"
            shutil.rmtree(data, ignore_errors=True)
            data.mkdir(parents=True)
            book = AccountBook.load(data / "accounts.json")
            book.upsert(Account(name="Bench", endpoint_url=url, region="us-east-1",
                                path_style=True, bucket=BUCKET, prefix=f"run-{run}/",
                                profile=None, access_key_id=None, verify_tls=True))
            book.save()
            r = spawn("drop", data, 0, dict(env, HOIST_DATA_DIR=str(data),
                                            HOIST_BENCH_DROP=str(folder),
                                            HOIST_BENCH_DROP_FILES=str(args.drop)))
            results.append(r)
            print(f"drop {run + 1}: {r['rows']:,} rows in {r['drop_s']:.2f} s; GUI stall max "
                  f"{r['stall_max_ms']:.0f} ms, p99 {r['stall_p99_ms']:.1f} ms (GUI thread working "
                  f"{r['late_working_share']:.0%} and waiting for a CPU {r['late_waiting_share']:.0%} "
                  "of the late gaps); peak RSS "
                  f"{r['rss_peak'] / MiB:.0f} MiB window + {r['rss_engine_peak'] / MiB:.0f} MiB "
                  "engine", flush=True)
            for phase in r["phases"]:
                print("   ", phase, flush=True)
    finally:
        server.terminate()
        server.wait()
    med = {k: statistics.median(r[k] for r in results)
           for k in ("drop_s", "stall_max_ms", "stall_p99_ms", "rss_peak", "rss_engine_peak")}
    both = med["rss_peak"] + med["rss_engine_peak"]      # the app is both processes
    ok = {"time": med["drop_s"] < DROP_TARGET_S, "stall": med["stall_max_ms"] < DROP_STALL_MS,
          "memory": both / MiB < DROP_RSS_MIB}
    lines = [f"A folder of {args.drop:,} files of 1 KiB dropped on the window (offscreen), account "
             f"on moto's server on loopback; medians of {args.runs} run(s), each in a fresh process.",
             "", "| measure | result | target |", "|---|---|---|",
             f"| Drop to all {args.drop:,} rows in the table | {med['drop_s']:.2f} s "
             f"| < {DROP_TARGET_S:.0f} s |",
             f"| GUI-thread stall during the drop, longest | {med['stall_max_ms']:.0f} ms "
             f"| < {DROP_STALL_MS:.0f} ms |",
             f"| GUI-thread stall during the drop, 99th percentile | {med['stall_p99_ms']:.1f} ms | |",
             f"| Peak RSS, window + engine processes | {both / MiB:.0f} MiB "
             f"| < {DROP_RSS_MIB} MiB |",
             f"| — the window's process | {med['rss_peak'] / MiB:.0f} MiB | |",
             f"| — the engine's process | {med['rss_engine_peak'] / MiB:.0f} MiB | |",
             "", "Targets met: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in ok.items())]
    publish(f"gui-drop-{args.drop}.md", lines)


def spawn(mode: str, directory: Path, seconds: float, env: dict) -> dict:
    spawned_at = time.monotonic()
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(directory),
                          str(spawned_at), str(seconds)],
                         env=env, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise SystemExit(f"the {mode} run failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- the parent: data, runs, report ---------------------------------------------------------
def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve-bucket":
        return serve_bucket(int(sys.argv[2]))
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        mode, directory, spawned_at, seconds = sys.argv[2:6]
        return child(mode, Path(directory), float(spawned_at), float(seconds))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each stall probe")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engine", choices=("process", "thread", "direct", "external"),
                        default="process",
                        help="the engine in a worker process (as the app runs), on a thread of "
                        "the window's process, on the GUI thread, or uploads in a separate "
                        "`hoist upload` process while the window only shows its queue")
    parser.add_argument("--completed", type=int, default=0, metavar="N",
                        help="also N completed uploads in the store: the history at start-up")
    parser.add_argument("--startup-only", action="store_true",
                        help="measure start-up only (no uploads): for --tasks 100000")
    parser.add_argument("--drop", type=int, default=0, metavar="N",
                        help="measure a drop of a folder of N small files instead")
    parser.add_argument("--bucket", type=int, default=0, metavar="N",
                        help="measure the Bucket pane over N keys, scrolled to the end, instead")
    args = parser.parse_args()
    env = dict(os.environ, HOIST_BENCH_ENGINE=args.engine, QT_QPA_PLATFORM="offscreen", AWS_ACCESS_KEY_ID="bench",
               AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1",
               PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    if args.drop:
        return run_drop(args, env)
    if args.bucket:
        return run_bucket(args, env)

    restored = WORK / "restored"
    print(f"Preparing a store with {args.tasks:,} interrupted uploads"
          + (f" and {args.completed:,} completed" if args.completed else ""), flush=True)
    prepare(restored, args.tasks, endpoint=None, completed=args.completed)
    startups = []
    for run in range(args.runs):
        r = spawn("startup", restored, 0, dict(env, HOIST_DATA_DIR=str(restored)))
        startups.append(r)
        print(f"start-up {run + 1}: {r['startup_s'] * 1000:.0f} ms to a painted window "
              f"({r['rows']:,} rows; Python and Qt started in {r['import_s'] * 1000:.0f} ms)",
              flush=True)

    if args.startup_only:
        return report_startup(args, startups)
    # At the lowest CPU priority: in real use the server is another machine, and on a
    # two-core box a busy local server would take the CPU time the window needs.
    server, url = start_server(niceness=19)
    stalls = []
    try:
        import boto3
        s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1",
                          aws_access_key_id="bench", aws_secret_access_key="bench")
        s3.create_bucket(Bucket=BUCKET)
        for run in range(args.runs):
            busy = WORK / "busy"
            prepare(busy, args.tasks, endpoint=url, big=UPLOADING)
            r = spawn("stalls", busy, args.seconds,
                      dict(env, HOIST_DATA_DIR=str(busy), HOIST_BENCH_ENDPOINT=url))
            stalls.append(r)
            print(f"stalls {run + 1}: {r['uploading']} uploading, {r['queued']:,} queued; "
                  f"GUI-thread stall p50 {r['stall_p50_ms']:.1f} ms, p99 "
                  f"{r['stall_p99_ms']:.1f} ms, max {r['stall_max_ms']:.0f} ms (GUI thread "
                  f"working {r['late_working_share']:.0%} and waiting for a CPU "
                  f"{r['late_waiting_share']:.0%} of the late gaps); "
                  f"{r['paints_per_s']:.1f} repaints/s of {r['repaint_ms']:.1f} ms; "
                  f"Resume all took {r['resume_all_ms']:.0f} ms", flush=True)
    finally:
        server.terminate()
        server.wait()
    report(args, startups, stalls)


def report_startup(args, startups: list[dict]) -> None:
    rows = args.tasks + args.completed
    target = STARTUP_TARGET_S if rows <= 10_000 else 2.0     # issue #11: 2 s at 100,000
    ms = statistics.median(r["startup_s"] for r in startups) * 1000
    imported = statistics.median(r["import_s"] for r in startups) * 1000
    what = f"{args.tasks:,} restored tasks" + (f" and {args.completed:,} completed"
                                              if args.completed else "")
    name = f"gui-startup-{args.tasks}" + (f"-completed-{args.completed}" if args.completed else "")
    publish(f"{name}.md", [
        f"{what}, window offscreen; median of {args.runs} runs, each in a "
        "fresh process.", "", "| measure | result | target |", "|---|---|---|",
        f"| Spawn to painted window, {what} | {ms:.0f} ms "
        f"| < {target * 1000:.0f} ms |",
        f"| — of which starting Python and importing Qt | {imported:.0f} ms | |",
        "", f"Targets met: start-up {'yes' if ms < target * 1000 else 'NO'}"])


def report(args, startups: list[dict], stalls: list[dict]) -> None:
    def med(runs, key):
        return statistics.median(r[key] for r in runs)

    startup_ms, p99 = med(startups, "startup_s") * 1000, med(stalls, "stall_p99_ms")
    longest = med(stalls, "stall_max_ms")
    lines = [
        f"{args.tasks:,} restored tasks; for stalls, {UPLOADING} of them uploading to moto's "
        f"server on loopback with 64 parts in flight; engine: {ENGINES[args.engine]}; window "
        f"offscreen; medians of {args.runs} runs, each in a fresh process.", "",
        "| measure | result | target |", "|---|---|---|",
        f"| Spawn to painted window, {args.tasks:,} restored tasks | {startup_ms:.0f} ms "
        f"| < {STARTUP_TARGET_S * 1000:.0f} ms |",
        f"| — of which starting Python and importing Qt "
        f"| {med(startups, 'import_s') * 1000:.0f} ms | |",
        f"| GUI-thread stall, 99th percentile ({PROBE_MS} ms probe, {args.seconds:.0f} s) "
        f"| {p99:.1f} ms | < {STALL_TARGET_MS:.0f} ms |",
        f"| GUI-thread stall, median | {med(stalls, 'stall_p50_ms'):.1f} ms | |",
        f"| GUI-thread stall, longest | {longest:.0f} ms | < {LONGEST_TARGET_MS:.0f} ms |",
        f"| Of the gaps behind late ticks: GUI thread on a CPU "
        f"| {med(stalls, 'late_working_share'):.0%} | |",
        f"| Of the gaps behind late ticks: GUI thread ready, waiting for a CPU "
        f"| {med(stalls, 'late_waiting_share'):.0%} | |",
        f"| Table repaints per second while uploading | {med(stalls, 'paints_per_s'):.1f} | |",
        f"| One full repaint of the visible rows, while uploading "
        f"| {med(stalls, 'repaint_ms'):.1f} ms | |",
        f"| One “Resume all” over {args.tasks + UPLOADING:,} paused rows "
        f"| {med(stalls, 'resume_all_ms'):.0f} ms | |",
        "", f"Targets met: start-up {'yes' if startup_ms < STARTUP_TARGET_S * 1000 else 'NO'}, "
        f"p99 stall {'yes' if p99 < STALL_TARGET_MS else 'NO'}, "
        f"longest stall {'yes' if longest < LONGEST_TARGET_MS else 'NO'}",
    ]
    publish("gui.md", lines)


if __name__ == "__main__":
    main()
