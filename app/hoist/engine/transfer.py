"""TransferTask: what every task kind shares, and the steps the manager drives.

The manager (manager.py) schedules tasks of two kinds, an upload
(engine/upload/task.py) and a download (engine/download/task.py), through one
protocol, each step run as a job on its thread pool:

- ``prepare(report)`` -> the parts (ranges) still to move, or None when the task
  finished in this step (a small file sent whole, an upload found completed);
- ``transfer_part(part, report)`` for each of them, as many at once as the caps allow;
- ``complete(report)`` once none is pending or in flight;
- ``abort()`` on cancel, and ``cancelled_notice(error)`` for the row after it;
- ``restart_reason_for(error)``: the row's reason when an error means "start this
  task over" (its source or its object changed), else None.

Everything else lives here: the state the manager reads (pending parts, parts in
flight, progress, speed, statistics), stopping, and one request under the retry
policy and the network-down model (engine/requests.py).
"""

import threading
from collections import deque
from typing import Callable

from hoist.core.checkpoint.states import TaskState
from hoist.core.checkpoint.stats import TransferStats
from hoist.core.policy.network import CredentialHealth, EndpointHealth
from hoist.core.policy.retry import RetryPolicy
from hoist.core.remote.errors import ErrorKind, S3Error
from hoist.core.remote.objects import CustomerKey, ObjectSettings
from hoist.core.settings.config import TransferConfig
from hoist.engine.progress import Interrupted, SpeedMeter
from hoist.engine.requests import run_request

Report = Callable[[str], None]

NO_STATS = TransferStats().describe()   # what a task that has not run has cost: nothing
NO_PARTS = ()     # a queued task's parts to send: a deque costs 600 bytes, times 100,000 rows


class TaskError(Exception):
    """A task's failure whose text is written for people: the row shows it as it is."""


class StopFlag:
    """threading.Event's set/clear/is_set without its Condition: nothing waits on a task's
    flag (steps poll it), and an Event costs a kilobyte per task."""

    __slots__ = ("_on",)

    def __init__(self):
        self._on = False

    def set(self) -> None:
        self._on = True

    def clear(self) -> None:
        self._on = False

    def is_set(self) -> bool:
        return self._on


class TransferTask:
    """A transfer's state: the parts still to move, those in flight, and how far it got."""

    direction = "upload"     # or "download": the store's ``direction`` column
    noun = "upload"          # what the task's messages call it

    # Slots, not a __dict__: a 100,000-file drop makes 100,000 tasks (bench_gui.py --drop).
    __slots__ = ("id", "record", "bucket", "store", "config", "policy", "limiter", "clock",
                 "health", "credentials", "_stats", "stats_base", "active_since", "state",
                 "message", "notice", "single", "pending", "in_flight", "restarts",
                 "started_at", "finished_at", "_speed", "dirty", "stop_reason", "jobs",
                 "cancelling", "remove_after", "failure", "restart_reason", "error_code",
                 "_stop", "_lock", "_done_bytes", "_parts_done", "_parts_total",
                 "_inflight_bytes", "_objects", "_key")

    def __init__(self, record, bucket, store, config: TransferConfig, policy: RetryPolicy,
                 limiter, clock, health: EndpointHealth | None = None,
                 credentials: CredentialHealth | None = None):
        self.id = record.id
        self.record = record
        self.bucket = bucket
        self.store = store
        self.config = config
        self.policy = policy
        self.limiter = limiter
        self.clock = clock
        self.health = health or EndpointHealth(policy, clock)   # shared by its endpoint's tasks
        # and by its account's tasks: whether their credentials expired
        self.credentials = credentials or CredentialHealth(policy, clock)
        self._stats: TransferStats | None = None   # this run's (the store has earlier runs')
        self.stats_base: TransferStats | None = None
        self.active_since: float | None = None
        self.state: TaskState = record.state
        self.message = ""             # transient status, e.g. "Waiting for network…"
        self.notice = record.message  # lasting remark, e.g. why the upload restarted
        self.single = False           # one PutObject instead of a multipart upload
        self.pending: deque | tuple = NO_PARTS   # a deque once there are parts
        self.in_flight: set[int] = set()
        self.restarts = 0
        self.started_at: float | None = None
        self.finished_at: float | None = record.finished_at
        self._speed: SpeedMeter | None = None    # made when it first moves bytes
        self.dirty = True
        self.stop_reason: str | None = None
        # bookkeeping that only the manager's thread touches
        self.jobs = 0                  # jobs of this task on the pool
        self.cancelling = False
        self.remove_after = False      # drop the row once the cancel has finished
        self.failure: Exception | None = None
        self.restart_reason = ""
        self.error_code = record.error_code
        self._stop = StopFlag()
        self._lock = threading.Lock()
        self._done_bytes = record.bytes_done
        self._parts_done = record.parts_done
        self._parts_total = record.parts_total
        self._inflight_bytes: dict[int, int] = {}
        self._objects: ObjectSettings | None = None     # parsed from the record when needed
        self._key: CustomerKey | None = None            # SSE-C, for this run only

    # -- the protocol's defaults --------------------------------------------------------
    def restart_reason_for(self, error: Exception) -> str | None:
        """The row's reason if ``error`` means this task must start over; None if not."""
        return None

    def cancelled_notice(self, error: Exception | None) -> str:
        """What the row says once a cancel has done its clean-up (``error``: it failed)."""
        return "Cancelled"

    def _on_stop(self) -> None:
        """Asked to stop: end any helper of the task's own (a background hash)."""

    # -- the manager's view: parts to send, speed --------------------------------------
    def set_pending(self, parts) -> None:
        self.pending = deque(parts) if parts else NO_PARTS

    def requeue(self, part) -> None:
        """A part that did not go through is sent first when sending resumes."""
        if not self.pending:
            self.pending = deque()
        self.pending.appendleft(part)

    @property
    def stats(self) -> TransferStats:
        if self._stats is None:
            self._stats = TransferStats()
        return self._stats

    def stats_text(self) -> str:
        """This run's costs for the row ("no retries", …), without making stats for a task
        that has not run."""
        return NO_STATS if self._stats is None else self._stats.describe()

    @property
    def speed(self) -> SpeedMeter:
        if self._speed is None:
            self._speed = SpeedMeter()
        return self._speed

    # -- progress, read by the manager ------------------------------------------------
    def progress(self) -> tuple[int, int, int]:
        """(bytes done including in-flight bytes, parts done, parts total)."""
        with self._lock:
            return (self._done_bytes + sum(self._inflight_bytes.values()),
                    self._parts_done, self._parts_total)

    def _add_inflight(self, number: int, n: int) -> None:
        with self._lock:
            self._inflight_bytes[number] = self._inflight_bytes.get(number, 0) + n
        self.dirty = True

    def _drop_inflight(self, number: int) -> None:
        with self._lock:
            self._inflight_bytes.pop(number, None)
        self.dirty = True

    def _part_done(self, number: int, size: int) -> None:
        """A part is checkpointed: its bytes move from in flight to done."""
        with self._lock:
            self._inflight_bytes.pop(number, None)
            self._done_bytes += size
            self._parts_done += 1
        self.dirty = True

    def _all_done(self, size: int) -> None:
        """The task is complete: every byte and part counted done, nothing in flight."""
        with self._lock:
            self._done_bytes = size
            self._inflight_bytes.clear()
            self._parts_done = self._parts_total
        self.dirty = True

    def _set_progress_from_store(self) -> None:
        self._set_progress_from(self.store.get_task(self.id))

    def _set_progress_from(self, record) -> None:
        with self._lock:
            self._done_bytes = record.bytes_done
            self._parts_done = record.parts_done
            self._parts_total = record.parts_total
            self._inflight_bytes.clear()
        self.record = record
        self.dirty = True

    # -- stopping ---------------------------------------------------------------------
    def request_stop(self, reason: str) -> None:
        """Ask every step of this task to stop soon; ``reason`` is pause/cancel/fail/shutdown."""
        if self.stop_reason is None or reason == "cancel":
            self.stop_reason = reason
        self._stop.set()
        self._on_stop()

    def clear_stop(self) -> None:
        self.stop_reason = None
        self._stop.clear()

    def stopping(self) -> bool:
        return self._stop.is_set()

    def _sleep(self, seconds: float) -> None:
        """Sleep in short slices so that a pause is noticed within a tenth of a second."""
        deadline = self.clock.monotonic() + seconds
        while not self._stop.is_set():
            left = deadline - self.clock.monotonic()
            if left <= 0:
                return
            self.clock.sleep(min(left, 0.1))
        raise Interrupted()

    def _call(self, fn, report: Report, what: str):
        """Run one S3 request under the retry policy, the endpoint's network state and the
        account's credentials (engine/requests.py): outages and expired credentials are
        waited out, server trouble is retried."""
        return run_request(self, fn, report, what,
                           part=what.startswith(("part ", "range ")) or what == "PutObject")

    # -- what the object looks like ---------------------------------------------------
    @property
    def objects(self) -> ObjectSettings:
        """The object's settings, exactly as stored when the task was made."""
        if self._objects is None:
            self._objects = self.record.objects
        return self._objects

    def customer_key(self) -> CustomerKey | None:
        """The SSE-C key of this object (None without SSE-C); S3Error if Hoist lacks it."""
        md5 = self.objects.sse_c_key_md5
        if md5 and self._key is None:
            self._key = self.bucket.customer_key(md5)
            if self._key is None:
                raise S3Error(ErrorKind.FATAL, "NoCustomerKey",
                              f"This {self.noun} is encrypted with a customer key (SSE-C, key "
                              f"MD5 {md5}) that Hoist was not given: give it again with "
                              "--sse-c-key-file or $HOIST_SSE_C_KEY (`hoist resume`), or "
                              "under Accounts, then retry.")
        return self._key
