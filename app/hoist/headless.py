"""Running the engine without a window: the event loop behind `hoist upload` and `hoist resume`.

A QCoreApplication drives the same UploadManager the window uses. Progress is
drawn as one live line per active file on a terminal; SIGINT and SIGTERM (and
Ctrl+Break on Windows: core/local/stop_signals.py) pause every task (each
finished part is already checkpointed) and exit with 130. So does a full disk
under the checkpoint store: the engine pauses every task, and one line says to
free space and run `hoist resume`. Credentials that expire mid-upload are said
once, with how to renew them, while the uploads wait.
"""

import signal
import socket
import sys
import time
from collections import Counter

from PySide6.QtCore import QCoreApplication, QObject, QSocketNotifier, QTimer

from hoist.core.checkpoint.states import TaskState
from hoist.core.local.stop_signals import stop_signals
from hoist.core.local.units import format_duration, format_rate, format_size
from hoist.core.policy.network import NEXT_TRY
from hoist.core.remote.expiry import EXPIRED_PREFIX

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
FINAL = (TaskState.COMPLETED, TaskState.FAILED, TaskState.CANCELLED)


class HeadlessRun(QObject):
    """Waits for a set of tasks to finish while showing their progress."""

    def __init__(self, app: QCoreApplication, manager, task_ids: list[int], quiet: bool = False,
                 out=sys.stdout, err=sys.stderr, skipped: int = 0, excluded: int = 0):
        super().__init__()
        self.app = app
        self.manager = manager
        self.task_ids = list(dict.fromkeys(task_ids))
        self._ours = set(self.task_ids)     # asked of every row that finishes: 100,000 of them
        self.quiet = quiet
        self.skipped = skipped        # files left out: on the server already, unchanged
        self.excluded = excluded      # and by --exclude/--include
        self.out, self.err = out, err
        self.live = not quiet and out.isatty()
        self.interrupted = False
        self._drawn_lines = 0
        self._reported: set[int] = set()
        self._expiries: set[str] = set()      # "Credentials expired: …" lines said already
        self._started = time.monotonic()
        manager.task_finished.connect(self._on_finished)
        manager.idle.connect(self._check_done)
        manager.tasks_updated.connect(self._on_updated)
        self._timer = QTimer(self)
        self._timer.setInterval(500)
        self._timer.timeout.connect(self._draw)
        self._install_signal_handlers()

    def exec(self) -> int:
        """Run until every task is final (or a signal came); returns the exit status."""
        if self.live:
            self._timer.start()
        QTimer.singleShot(0, self._check_done)
        self.app.exec()
        self._timer.stop()
        self._erase()
        full = getattr(self.manager, "full", None)
        if full is not None and not self.interrupted:
            print(f"hoist: {full.command_line()}", file=self.err, flush=True)
            return EXIT_INTERRUPTED
        infos = [self.manager.task(i) for i in self.task_ids]     # once: 100,000 rows cost
        if not self.interrupted:
            self._summary(infos)
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_OK if all(i and i.state is TaskState.COMPLETED for i in infos) else EXIT_FAILED

    # -- signals ----------------------------------------------------------------------
    def _install_signal_handlers(self) -> None:
        # The C-level handler writes to this socket, which wakes Qt's loop at once.
        self._wake_r, wake_w = socket.socketpair()
        self._wake_w = wake_w
        wake_w.setblocking(False)
        self._wake_r.setblocking(False)
        signal.set_wakeup_fd(wake_w.fileno())
        for sig in stop_signals():      # SIGINT, SIGTERM; and SIGBREAK on Windows
            signal.signal(sig, lambda *_: None)
        self._notifier = QSocketNotifier(self._wake_r.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_signal)

    def _on_signal(self) -> None:
        try:
            self._wake_r.recv(64)
        except BlockingIOError:
            return
        if self.interrupted:
            return
        self.interrupted = True
        self._erase()
        print("\nInterrupted: pausing uploads and saving checkpoints…", file=self.err, flush=True)
        self.manager.shutdown(timeout_ms=15_000)
        paused = [i for i in self.task_ids
                  if (info := self.manager.task(i)) and info.state is TaskState.PAUSED]
        if paused:
            print(f"{len(paused)} upload(s) paused. Continue with: hoist resume", file=self.err)
        self.app.exit(EXIT_INTERRUPTED)

    # -- progress ---------------------------------------------------------------------
    def _on_finished(self, task_id: int, state: str) -> None:
        if self.quiet or task_id not in self._ours or task_id in self._reported:
            return
        self._reported.add(task_id)
        info = self.manager.task(task_id)
        self._erase()
        if info.state is TaskState.COMPLETED:
            print(f"✓ {_route(info)} ({format_size(info.size)}) {info.message}",
                  file=self.out, flush=True)
        else:
            print(f"✗ {_route(info)}: {info.message}", file=self.err, flush=True)

    def _on_updated(self, infos) -> None:
        """Say once what would renew expired credentials; the rows wait meanwhile."""
        for info in infos:
            if info.message.startswith(EXPIRED_PREFIX) and info.state is not TaskState.FAILED:
                remedy = info.message.split(NEXT_TRY)[0]
                if remedy not in self._expiries and info.id in self._ours:
                    self._expiries.add(remedy)
                    self._erase()
                    print(f"hoist: {remedy}. Waiting until they are renewed (Ctrl-C pauses; "
                          "--no-wait-for-credentials fails instead).", file=self.err, flush=True)

    def _check_done(self) -> None:
        infos = [self.manager.task(i) for i in self.task_ids]
        if self.manager.is_idle() and all(i is None or i.state in FINAL or i.state is
                                          TaskState.PAUSED for i in infos):
            self.app.exit(EXIT_OK)

    def _draw(self) -> None:
        lines = []
        for info in self.manager.tasks():
            if info.id not in self._ours or info.state in FINAL or info.state is TaskState.QUEUED:
                continue
            pct = 100 * info.fraction
            eta = format_duration(info.eta) if info.eta is not None else "—"
            name = info.name if len(info.name) <= 32 else info.name[:31] + "…"
            lines.append(f"{name:<32} {format_size(info.bytes_done):>9} / {format_size(info.size):<9}"
                         f" {pct:5.1f}% {format_rate(info.speed):>12}  ETA {eta:<10} {info.message}")
        self._erase()
        if lines:
            self.out.write("\n".join(lines) + "\n")
            self.out.flush()
        self._drawn_lines = len(lines)

    def _erase(self) -> None:
        if self.live and self._drawn_lines:
            self.out.write(f"\x1b[{self._drawn_lines}F\x1b[J")
            self.out.flush()
        self._drawn_lines = 0

    def _cost(self, failed) -> str:
        """What the run cost beyond its bytes, when it cost anything: retries by cause,
        parts re-sent, time waiting for the network, failures by cause."""
        stats = (self.manager.run_stats(self.task_ids) if hasattr(self.manager, "run_stats")
                 else None)
        bits = []
        if stats is not None and stats.describe() != "no retries":
            bits.append(stats.describe())
        causes = Counter(i.error_code or "unknown" for i in failed)
        if causes:
            bits.append("failures: " + ", ".join(f"{c} {n}" for c, n in sorted(causes.items())))
        return ("Cost: " + "; ".join(bits) + ".") if bits else ""

    def _summary(self, infos) -> None:
        infos = [i for i in infos if i]
        done = [i for i in infos if i.state is TaskState.COMPLETED]
        failed = [i for i in infos if i.state is TaskState.FAILED]
        cancelled = [i for i in infos if i.state is TaskState.CANCELLED]
        took = time.monotonic() - self._started
        total = sum(i.size for i in done)
        if not infos and (self.skipped or self.excluded):
            why = [f"{self.skipped} file(s) on the server already, unchanged"] * bool(self.skipped)
            why += [f"{self.excluded} excluded"] * bool(self.excluded)
            print(f"Nothing to send: {', '.join(why)}.", file=self.out, flush=True)
            return
        kinds = {i.direction for i in infos}
        verb = "transferred" if len(kinds) > 1 else "downloaded" if kinds == {"download"} \
            else "uploaded"
        parts = [f"{len(done)} of {len(infos)} file(s) {verb} ({format_size(total)}) "
                 f"in {format_duration(took)}"]
        if took > 0 and total:
            parts.append(f"{format_rate(total / took)}")
        if failed:
            parts.append(f"{len(failed)} failed")
        if cancelled:
            parts.append(f"{len(cancelled)} cancelled")
        if self.skipped:
            parts.append(f"{self.skipped} skipped (unchanged)")
        if self.excluded:
            parts.append(f"{self.excluded} excluded")
        print(", ".join(parts) + ".", file=self.out, flush=True)
        cost = self._cost(failed)
        if cost:
            print(cost, file=self.out, flush=True)
        if self.quiet:
            for info in failed:
                print(f"✗ {_route(info)}: {info.message}", file=self.err)
        if failed:
            print(f"Retry the failed {'downloads' if verb == 'downloaded' else 'uploads'} "
                  "with: hoist resume", file=self.err)


def _route(info) -> str:
    """Where a row's bytes go: "name → s3://b/k", or for a download "s3://b/k → path"."""
    if info.direction == "download":
        return f"{info.s3_uri} → {info.source_path}"
    return f"{info.name} → {info.s3_uri}"
