"""UploadManager: the engine's front door. Owns the tasks, the thread pool and the caps.

The UI and the CLI talk to it only through its slots and signals, the way an
Electron renderer talks to its main process (the window from another process:
engine/hosting/worker.py). All its state lives on the thread that created it; blocking
steps run as :class:`TaskJob`s on a :class:`QThreadPool` and report back through
queued signals. This module schedules; its mixins carry out the user's commands
(commands.py), add tasks (adding.py), report rows and progress (reporting.py),
land tasks that stop (endings.py), wait out a full disk (full_disk.py) and browse
the bucket for the Bucket pane (browsing.py).
"""

import logging
from dataclasses import replace
from operator import attrgetter

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal, Slot

from hoist.core.checkpoint.states import TaskState
from hoist.core.checkpoint.store import StoreFull
from hoist.core.policy.clock import SystemClock
from hoist.core.policy.network import CredentialHealth, EndpointHealth
from hoist.core.policy.ratelimit import TokenBucket
from hoist.core.policy.retry import RetryPolicy, policy_from_environment
from hoist.core.remote.s3 import Destination
from hoist.core.settings.config import TransferConfig
from hoist.engine.adding import ACTIVE, TaskIntake
from hoist.engine.browsing import BucketBrowsing
from hoist.engine.commands import TaskCommands
from hoist.engine.download.adding import DownloadIntake
from hoist.engine.endings import TaskEndings
from hoist.engine.full_disk import FullDiskHandling
from hoist.engine.info import TaskInfo
from hoist.engine.jobs import FAILED, OK, Invoker, TaskJob
from hoist.engine.pacing import PartPacer
from hoist.engine.reporting import ProgressReporting
from hoist.engine.table import TaskTable
from hoist.engine.transfer import TransferTask
from hoist.engine.upload.batching import SmallFileBatching, SmallFiles
from hoist.engine.waiting import WaitingLine
from hoist.engine.watching.commands import WatchCommands

log = logging.getLogger("hoist.manager")

_BY_ID = attrgetter("id")
MAX_RESTARTS = 3          # a file (or object) that keeps changing fails instead of looping
TICK_MS = 250             # progress goes out at most four times a second
# While a drop is handed over in chunks, new files wait to start until its last chunk is in,
# or until no chunk has come for this long (the window that sent them may have gone).
INTAKE_HOLD_MS = 1000


class UploadManager(QObject, TaskCommands, FullDiskHandling, TaskIntake, DownloadIntake,
                    ProgressReporting, TaskEndings, BucketBrowsing, WatchCommands,
                    SmallFileBatching):
    task_added = Signal(object)            # TaskInfo
    # object, not list: PySide would copy a list item by item (a drop sends 2,000 at once)
    tasks_added = Signal(object)           # [TaskInfo]: the new rows of one add_sources batch
    task_removed = Signal(int)             # task id
    tasks_removed = Signal(object)         # [task id]: Clear completed, in one list
    task_state_changed = Signal(int, str)  # task id, TaskState value
    tasks_updated = Signal(object)         # [TaskInfo] changed since the last tick
    task_finished = Signal(int, str)       # task id, completed / failed / cancelled
    idle = Signal()                        # nothing queued, active or winding down
    store_full = Signal(str)               # the disk holding the store is full ("" on Resume)
    watches_changed = Signal(object)       # [WatchInfo]: watched folders' states (watching/)

    def __init__(self, store, clients, config: TransferConfig = TransferConfig(), parent=None,
                 clock=None, policy: RetryPolicy | None = None):
        super().__init__(parent)
        self.store = store
        self.clients = clients
        self.config = config.clamped()
        self.clock = clock or SystemClock()
        self.policy = policy or policy_from_environment(max_attempts=self.config.max_attempts,
                                                        min_window=self.config.retry_window)
        self.limiter = TokenBucket(self.config.bandwidth_limit, clock=self.clock)
        self.pacer = PartPacer(self.clock)     # part size and parts in flight where automatic
        self._tasks = TaskTable(self._make_task)   # id → an upload or download task; restored ones at rest
        # The scheduler looks only at these two small sets, never at all 10,000 rows:
        self._live: set[int] = set()      # tasks in an active state or with jobs on the pool
        self._queued = WaitingLine()      # tasks waiting for a free slot, small files apart
        self._touched: set[int] = set()   # and, for the next tick, tasks changed outside a job
        self._new_ids: set[int] = set()   # tasks added by this run: no earlier statistics
        # task id → (monotonic time, HeadObject answer) taken as a download was added, for
        # its prepare to use instead of asking again (engine/download/adding.py)
        self._offered_heads: dict[int, tuple[float, dict]] = {}
        self._jobs: set[TaskJob | SmallFiles] = set()
        # tasks inside a running SmallFiles job (id -> the job), and those jobs: such tasks
        # are not in _live, which the scheduler reads at every turn (16 batches of 16 files)
        self._batched: dict[int, SmallFiles] = {}
        self._batches: set[SmallFiles] = set()
        self._stats_out: list | None = None   # while a batch lands: statistics to write
        self._parts_in_flight = 0
        self._destinations: dict[str, Destination] = {}
        self._health: dict[str | None, EndpointHealth] = {}   # one network state per endpoint
        self._credentials: dict[Destination, CredentialHealth] = {}   # and per credentials
        self._buckets: dict[tuple, object] = {}       # Bucket per account and bucket, shared
        self._was_idle = True
        self._shut_down = False
        self._announced: list | None = None   # inside add_sources: new rows, sent as one list
        self.full: StoreFull | None = None   # the store's disk filled up; cleared by Resume
        self._pool = QThreadPool(self)
        self._invoker = Invoker(self)     # runs a call from another thread on this one's
        self._size_pool()
        self._intake = QTimer(self)       # active: more of a drop is coming (add_sources)
        self._intake.setSingleShot(True)
        self._intake.setInterval(INTAKE_HOLD_MS)
        self._intake.timeout.connect(self._schedule)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    # -- queries ----------------------------------------------------------------------
    def tasks(self) -> list[TaskInfo]:
        infos = [self._info(t) for t in self._tasks.awake()]
        infos += map(self._rest_info, self._tasks.resting())
        return sorted(infos, key=_BY_ID)

    def task(self, task_id: int) -> TaskInfo | None:
        task = self._tasks.peek(task_id)
        if task is not None:
            return self._info(task)
        record = self._tasks.at_rest(task_id)
        return self._rest_info(record) if record else None

    def upload_owners(self, bucket: str) -> dict[str, int]:
        """Multipart upload id → the id of the task holding it, for tasks writing to ``bucket``."""
        return {r.upload_id: r.id for r in self._tasks.records()
                if r.bucket == bucket and r.upload_id}

    def is_idle(self) -> bool:
        return not self._jobs and not self._queued and not any(
            self._tasks[i].state in ACTIVE for i in self._live)

    # -- slots ------------------------------------------------------------------------
    def register_destination(self, destination: Destination) -> None:
        """Tell the engine how to reach an account (endpoint, credentials, TLS). Its running
        tasks follow a change at once: an access key renewed under Accounts ends their wait
        for credentials."""
        previous = self._destinations.get(destination.account)
        self._destinations[destination.account] = destination
        if previous is None or previous == destination:
            return
        for task in self._tasks.awake():
            if task.record.account == destination.account:
                task.bucket = self._bucket_for(task.record)
                task.health = self._health_of(task.bucket.dest.endpoint_url)
                task.credentials = self._credentials_of(task.bucket.dest)

    def forget_clients(self) -> None:
        """Read credentials and endpoints afresh on the next request (an account changed)."""
        self.clients.forget()

    @Slot(int, int, int, int)
    def set_limits(self, files_at_once: int, parts_per_file: int, parts_total: int,
                   bandwidth_limit: int) -> None:
        """Change the caps and the bandwidth limit; running uploads follow at once."""
        self.config = replace(self.config, files_at_once=files_at_once,
                              parts_per_file=parts_per_file, parts_total=parts_total,
                              bandwidth_limit=bandwidth_limit).clamped()
        self.limiter.set_rate(self.config.bandwidth_limit)
        self._size_pool()
        self._schedule()

    @Slot(int)
    def set_bandwidth_limit(self, bytes_per_second: int) -> None:
        """Change only the bandwidth limit (0 = none), e.g. from a schedule; applies at once."""
        self.config = replace(self.config, bandwidth_limit=max(0, bytes_per_second))
        self.limiter.set_rate(self.config.bandwidth_limit)

    def set_config(self, config: TransferConfig) -> None:
        self.config = config.clamped()
        self.set_limits(config.files_at_once, config.parts_per_file, config.parts_total,
                        config.bandwidth_limit)

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Pause everything that runs and wait for in-flight jobs; True if they all stopped."""
        self._timer.stop()
        self._intake.stop()
        if self.watcher is not None:
            self.watcher.stop()
        self._shut_down = True
        with self._writes():                     # one commit, however many rows
            self._pause_waiting(report=False)    # the window is closing: it needs no rows
            for task in list(self._tasks.awake()):
                if task.state is TaskState.QUEUED or task.state in ACTIVE:
                    self._set_state(task, TaskState.PAUSED)
                task.request_stop("shutdown")
        done = self._pool.waitForDone(timeout_ms)
        log.info("engine shut down (%s)", "clean" if done else "jobs still running")
        return done

    # -- scheduling -------------------------------------------------------------------
    def _schedule(self) -> None:
        busy = {True: len(self._batches), False: 0}      # small files, big files under way
        for i in self._live:
            task = self._tasks[i]
            if task.state in ACTIVE or task.state is TaskState.QUEUED:   # queued: winding down
                busy[self._is_small(task.record)] += 1
        caps = {True: self.config.small_files_at_once, False: self.config.files_at_once}
        holding = self._intake.isActive()   # a drop is still coming in: files start after
        for small in (False, True):     # oldest first in each line
            while not holding and busy[small] < caps[small] and self._queued.waiting(small):
                if small:
                    started = self._start_small(caps[small] - busy[small])
                    busy[small] += started
                    if not started:
                        break
                    continue
                task_id = self._queued.take(small, self._may_start)
                if task_id is None:
                    break
                self._start_prepare(self._tasks[task_id])
                busy[small] += 1
        live = [self._tasks[i] for i in self._live]
        while self._parts_in_flight < self.config.max_parts_in_flight:
            ready = [t for t in live if t.state is TaskState.UPLOADING and t.pending
                     and not t.stopping() and self.pacer.may_send(self.config, t)]
            if not ready:
                break
            task = min(ready, key=lambda t: (len(t.in_flight), t.id))   # spread parts fairly
            part = task.pending.popleft()
            task.in_flight.add(part.number)
            self._parts_in_flight += 1
            self._start(self.pacer.job("part", task, task.transfer_part, part))
        idle = self.is_idle()
        if idle and not self._was_idle:
            self.idle.emit()
        self._was_idle = idle

    def _may_start(self, task_id: int) -> bool:
        resting = self._tasks.at_rest(task_id)      # asked without waking it: it has no jobs
        if resting is not None:
            return resting.state is TaskState.QUEUED
        task = self._tasks[task_id]
        return task.state is TaskState.QUEUED and not task.jobs     # not still winding down

    def _is_small(self, record) -> bool:
        """Sent in one PutObject: such files go many at a time, like parts (config.py)."""
        return not record.upload_id and record.size < self.config.multipart_threshold

    def _start_prepare(self, task: TransferTask) -> None:
        task.clear_stop()
        task.message = ""
        self.pacer.choose_part_size(self.config, task)
        self._set_state(task, TaskState.PREPARING)
        if task.state is TaskState.PREPARING:     # not paused because the disk is full
            self._start(self.pacer.job("prepare", task, task.prepare))

    def _start_complete(self, task: TransferTask) -> None:
        self._set_state(task, TaskState.COMPLETING)
        if task.state is TaskState.COMPLETING:
            self._start(TaskJob("complete", task, task.complete))

    def _start_abort(self, task: TransferTask) -> None:
        task.clear_stop()
        self._start(TaskJob("abort", task, lambda report: task.abort()))

    def _start(self, job: TaskJob) -> None:
        job.signals.message.connect(self._on_job_message)
        job.signals.finished.connect(self._on_job_finished)
        self._jobs.add(job)
        job.task.jobs += 1
        self._reindex(job.task)
        self._pool.start(job)

    # -- job results (always on this object's thread) ---------------------------------
    @Slot(object, str)
    def _on_job_message(self, job: TaskJob, text: str) -> None:
        job.task.message = text
        self._touch(job.task)

    @Slot(object, str, object)
    def _on_job_finished(self, job: TaskJob, outcome: str, result) -> None:
        self._jobs.discard(job)
        if self._shut_down:
            # after shutdown the store may be closed; whatever the job did is already in it
            return
        task = job.task
        self.pacer.finished(job, outcome)
        task.jobs -= 1
        self._reindex(task)
        self._touched.add(task.id)       # its last bytes may have moved as it ended
        if job.kind == "part":
            task.in_flight.discard(job.part.number)
            self._parts_in_flight -= 1
            if outcome != OK:
                task.requeue(job.part)
        # One commit for this task's settling and the next one's start: a folder of small
        # files finishes a job every millisecond or two.
        with self._writes():
            if job.kind == "abort":
                self._finish_cancel(task, result if outcome == FAILED else None)
            elif outcome == OK:
                self._advance(task, job.kind, result)
            elif outcome == FAILED:
                self._on_failure(task, result)
            if task.stopping() and not task.jobs:
                self._settle(task)
            self._schedule()

    def _advance(self, task: TransferTask, kind: str, result) -> None:
        finished = kind == "complete" or (kind == "prepare" and result is None)
        if finished:          # the object is on the server and verified, even if a pause came late
            # the job's own transaction recorded it (Verification._finish)
            self._set_state(task, TaskState.COMPLETED, recorded=True)
            return
        if task.stopping() or task.state is TaskState.PAUSED:
            return
        if kind == "prepare":
            task.set_pending(result)
            task.message = ""
            if task.single or not task.pending:
                self._start_complete(task)
            else:
                self._set_state(task, TaskState.UPLOADING)
        elif kind == "part" and not task.pending and not task.in_flight:
            self._start_complete(task)

    def _on_failure(self, task: TransferTask, error: Exception) -> None:
        if isinstance(error, StoreFull):      # not this task's fault: every upload waits for space
            self._on_store_full(error)
            return
        if self._settles_again(task, error):      # a watched file: sent once it is still
            return
        reason = task.restart_reason_for(error)   # its source or its object changed
        if reason and task.restarts < MAX_RESTARTS:
            task.restarts += 1
            task.restart_reason = reason
            task.request_stop("restart")
            return
        task.failure = error
        task.request_stop("fail")

    def _drop(self, task: TransferTask) -> None:
        if self.store.get_task(task.id) is not None:
            # on a full disk the finished row stays in the store, where nothing restores it
            self._write(self.store.delete_task, task.id)
        self._forget(task)

    def _forget(self, task: TransferTask) -> None:
        del self._tasks[task.id]
        self._live.discard(task.id)
        self._queued.discard(task.id)
        self.task_removed.emit(task.id)

    # -- state and progress -----------------------------------------------------------
    def _set_state(self, task: TransferTask, state: TaskState, message: str | None = None,
                   error_code: str | None = None, persist: bool = True,
                   recorded: bool = False, announce: bool = True) -> None:
        """``recorded``: the store has this state already; only the statistics are saved.
        ``announce``: say it with ``task_state_changed`` (not for a file joining a batch,
        whose row says it waits its turn until the batch reaches it: reporting.py)."""
        was_active = task.state in ACTIVE
        task.state = state
        self._reindex(task)
        if state in ACTIVE and not was_active:
            task.active_since = self.clock.monotonic()
        elif was_active and state not in ACTIVE:
            self._count_time(task, persist and state is not TaskState.CANCELLED)
        task.message = ""          # a transient status belongs to the state it was said in
        if message is not None:
            task.notice = message
        if (persist and not recorded and not self._write(self.store.set_state, task.id, state, task.notice,
                                        error_code) and task.state is not state):
            return          # the full disk paused it meanwhile, and that has been said
        if error_code is not None:
            task.error_code = error_code
        self._touch(task)
        if announce:
            self.task_state_changed.emit(task.id, state.value)
        if state in (TaskState.COMPLETED, TaskState.FAILED, TaskState.CANCELLED):
            self.task_finished.emit(task.id, state.value)

    def _reindex(self, task: TransferTask) -> None:
        """Keep the scheduler's sets in step with a task's state and jobs."""
        if task.id in self._batched:
            self._live.discard(task.id)
        elif task.state in ACTIVE or task.jobs:
            self._live.add(task.id)
        else:
            self._live.discard(task.id)
        if task.state is TaskState.QUEUED:
            self._queued.add(task.id, self._is_small(task.record))
        else:
            self._queued.discard(task.id)

    def _size_pool(self) -> None:
        # part jobs plus one prepare/complete/abort job per active file, and spare for aborts
        self._pool.setMaxThreadCount(self.config.max_parts_in_flight + self.config.files_at_once
                                     + self.config.small_files_at_once + 2)
