"""`hoist watch DIR… --bucket B`: watched folders without a window, for servers and systemd.

The watches are saved in the data directory (as the window's are) and run in this
process's engine until SIGTERM or SIGINT; then every upload is paused and
checkpointed, and the exit status is 0. Uploads, and a watch's change of state (a
folder missing, no inotify watches left), are printed as they happen. While the
window is open on the same data directory, the watches are handed to it instead
(ui/single_instance.py), and this command exits at once.
"""

import os
import signal
import socket
import sys
from dataclasses import replace

from PySide6.QtCore import QObject, QSocketNotifier

from hoist.cli import EXIT_OK, UsageError, _check_bucket, _config, _destination, _engine, open_store
from hoist.core.checkpoint.states import TaskState
from hoist.core.checkpoint.watches import Watch, clashes
from hoist.core.local.private_files import write_private_text
from hoist.core.local.stop_signals import stop_signals
from hoist.core.local.units import format_size
from hoist.core.settings.datadir import WATCHING_NAME


def watches_of(args) -> list[Watch]:
    """The watches the command line asks for; a UsageError for a folder that cannot be one."""
    if args.prefix.startswith("/") or ".." in args.prefix.split("/"):
        raise UsageError(f"--prefix {args.prefix!r}: S3 keys are relative and keep '..' "
                         "literally; give a prefix such as photos/2026/.")
    destination = _destination(args)
    watches = []
    for path in args.paths:
        folder = os.path.abspath(os.path.expanduser(path))
        if not os.path.isdir(folder):
            raise UsageError(f"{path} is not a folder: `hoist watch` watches folders "
                             "(to send one file, use `hoist upload`).")
        watch = Watch(folder=folder, bucket=args.bucket, prefix=args.prefix,
                      rules=tuple(args.filters), settle=args.settle, delete=args.delete,
                      id=-len(watches) - 1).with_destination(destination)
        clash = clashes(watch, watches)
        if clash is not None:
            raise UsageError(f"{clash.folder} and {folder} have the same name and would send to "
                             f"the same keys (s3://{args.bucket}/{watch.key_prefix}…): watch "
                             "them with different --prefix values, one command each.")
        watches.append(watch)
    return [replace(w, id=0) for w in watches]


def cmd_watch(args, directory) -> int:
    from PySide6.QtCore import QCoreApplication

    from hoist.ui.single_instance import hand_watches_to_window
    watches = watches_of(args)
    QCoreApplication.instance() or QCoreApplication(["hoist"])     # for the hand-off's socket
    if hand_watches_to_window(directory, watches):
        if not args.quiet:
            print(f"Handed {len(watches)} watch(es) to the Hoist window open on {directory}.")
        return EXIT_OK
    store = open_store(directory)
    app, clients, manager = _engine(store, _config(args))
    try:
        destination = watches[0].destination
        _check_bucket(clients.bucket(destination), destination)
        infos = [manager.save_watch(watch) for watch in watches]
    except Exception:
        manager.shutdown()
        store.close()
        raise
    run = WatchRun(app, manager, quiet=args.quiet)
    for info in infos:
        run.say(f"Watching {info.watch.folder} → s3://{info.watch.bucket}/"
                f"{info.watch.key_prefix} (settle {info.watch.settle:g} s"
                f"{', --delete' if info.watch.delete else ''}). Stop with Ctrl-C or SIGTERM.")
    # the window, started meanwhile, finds who holds the store here and offers to take over
    marker = directory / WATCHING_NAME
    write_private_text(marker, f"{os.getpid()}\n")
    try:
        status = run.exec()
        manager.shutdown()
    finally:
        marker.unlink(missing_ok=True)
        store.close()
    return status


class WatchRun(QObject):
    """The event loop of `hoist watch`: prints uploads and states; a stop signal ends it."""

    def __init__(self, app, manager, quiet: bool = False, out=sys.stdout, err=sys.stderr):
        super().__init__()
        self.app, self.manager, self.quiet = app, manager, quiet
        self.out, self.err = out, err
        self._states: dict[int, str] = {}
        manager.task_finished.connect(self._on_finished)
        manager.watches_changed.connect(self._on_watches)
        self._wake_r, self._wake_w = socket.socketpair()
        for end in (self._wake_r, self._wake_w):
            end.setblocking(False)
        signal.set_wakeup_fd(self._wake_w.fileno())
        for sig in stop_signals():
            signal.signal(sig, lambda *_: None)
        self._notifier = QSocketNotifier(self._wake_r.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_signal)

    def say(self, text: str) -> None:
        if not self.quiet:
            print(text, file=self.out, flush=True)

    def exec(self) -> int:
        self.app.exec()
        return EXIT_OK

    def _on_signal(self) -> None:
        try:
            self._wake_r.recv(64)
        except BlockingIOError:
            return
        print("Stopping: pausing uploads and saving checkpoints…", file=self.err, flush=True)
        self.app.exit(EXIT_OK)

    def _on_finished(self, task_id: int, state: str) -> None:
        info = self.manager.task(task_id)
        if info is None:
            return
        if info.state is TaskState.COMPLETED:
            self.say(f"✓ {info.source_path} → {info.s3_uri} ({format_size(info.size)})")
        elif info.state is TaskState.FAILED:
            print(f"✗ {info.source_path} → {info.s3_uri}: {info.message}", file=self.err,
                  flush=True)

    def _on_watches(self, infos) -> None:
        """A watch's state in words when it changes kind (not every count of settling)."""
        for info in infos:
            if self._states.get(info.watch.id) != info.state:
                self._states[info.watch.id] = info.state
                problem = info.state == "folder missing" or info.problem
                if problem or not self.quiet:
                    print(f"{info.watch.folder}: {info.text}", flush=True,
                          file=self.err if problem else self.out)
