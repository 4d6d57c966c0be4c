"""One file's upload: its state, its blocking steps, and its clean-ups.

An :class:`UploadTask` is the coordinator of one transfer (STYLE.md, "Task,
coordinator, manager"). Its ``prepare``, ``send_part``, ``complete`` and
``abort`` methods block on disk and network, so the manager runs them on its
thread pool; everything they learn goes to the checkpoint store first, so a
crash at any moment leaves a store that a later run can continue from.
"""

import base64
import logging
import threading
from collections import deque
from typing import Callable

from hoist.core.checkpoint.states import TaskState
from hoist.core.checkpoint.stats import TransferStats
from hoist.core.local.sources import InputError
from hoist.core.policy.network import CredentialHealth, EndpointHealth
from hoist.core.policy.planner import PartPlan
from hoist.core.policy.retry import RetryPolicy
from hoist.core.remote.checksums import file_range_checksums, unavailable
from hoist.core.remote.errors import ErrorKind, S3Error
from hoist.core.remote.objects import CustomerKey, ObjectSettings
from hoist.core.remote.verify import SIZE_ONLY
from hoist.core.settings.config import TransferConfig
from hoist.engine.progress import Interrupted, ProgressBody, SourceShrank, SpeedMeter
from hoist.engine.requests import run_request
from hoist.engine.upload.adoption import Adoption
from hoist.engine.upload.preparing import Preparation, SourceChanged, read_source_fingerprint
from hoist.engine.upload.verification import Verification, recorded

log = logging.getLogger("hoist.task")

Report = Callable[[str], None]


NO_STATS = TransferStats().describe()   # what a task that has not run has cost: nothing
NO_PARTS = ()     # a queued task's parts to send: a deque costs 600 bytes, times 100,000 rows


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


class UploadTask(Preparation, Verification, Adoption):
    """A file's transfer: the parts still to send, those in flight, and how far it got."""

    # Slots, not a __dict__: a 100,000-file drop makes 100,000 tasks (bench_gui.py --drop).
    __slots__ = ("id", "record", "bucket", "store", "config", "policy", "limiter", "clock",
                 "health", "credentials", "_stats", "stats_base", "active_since", "state", "message", "notice",
                 "single", "pending", "in_flight", "restarts", "adopt", "started_at",
                 "finished_at", "_speed", "dirty", "stop_reason", "jobs", "cancelling",
                 "remove_after", "failure", "restart_reason", "error_code", "_stop", "_md5",
                 "_lock", "_done_bytes", "_parts_done", "_parts_total", "_inflight_bytes",
                 "_objects", "_key")

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
        self.pending: deque[PartPlan] | tuple = NO_PARTS   # a deque once there are parts
        self.in_flight: set[int] = set()
        self.restarts = 0
        self.adopt = False             # continue a matching incomplete upload found on the server
        self.started_at: float | None = None
        self.finished_at: float | None = record.finished_at
        self._speed: SpeedMeter | None = None    # made when it first uploads
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
        self._md5 = None               # engine/upload/verification.py's BackgroundMD5, where needed
        self._lock = threading.Lock()
        self._done_bytes = record.bytes_done
        self._parts_done = record.parts_done
        self._parts_total = record.parts_total
        self._inflight_bytes: dict[int, int] = {}
        self._objects: ObjectSettings | None = None     # parsed from the record when needed
        self._key: CustomerKey | None = None            # SSE-C, for this run only

    # -- the manager's view: parts to send, speed --------------------------------------
    def set_pending(self, parts) -> None:
        self.pending = deque(parts) if parts else NO_PARTS

    def requeue(self, part: PartPlan) -> None:
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
        self._stop_hashing()

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
                           part=what.startswith("part ") or what == "PutObject")

    # -- what the object looks like ---------------------------------------------------
    @property
    def objects(self) -> ObjectSettings:
        """The object's settings, exactly as stored when the task was made."""
        if self._objects is None:
            self._objects = self.record.objects
        return self._objects

    def customer_key(self) -> CustomerKey | None:
        """The SSE-C key of this upload (None without SSE-C); S3Error if Hoist lacks it."""
        md5 = self.objects.sse_c_key_md5
        if md5 and self._key is None:
            self._key = self.bucket.customer_key(md5)
            if self._key is None:
                raise S3Error(ErrorKind.FATAL, "NoCustomerKey",
                              f"This upload is encrypted with a customer key (SSE-C, key MD5 "
                              f"{md5}) that Hoist was not given: give it again with "
                              "--sse-c-key-file or $HOIST_SSE_C_KEY (`hoist resume`), or "
                              "under Accounts, then retry.")
        return self._key

    # -- blocking steps (pool threads) -----------------------------------------------
    def _checksums(self, offset: int, size: int, want_md5: bool = False):
        """(flexible checksum, Content-MD5) of a byte range: one or the other, as the store allows.

        A first pass over the range, from the page cache in practice; the bytes
        are read again as they are sent, so no part is ever held in memory.
        """
        algorithm = (self.record.checksum_algorithm
                     if self.bucket.wants_checksums(self.objects) else "")
        if unavailable(algorithm):
            raise S3Error(ErrorKind.FATAL, "ChecksumUnavailable",
                          f"This upload's {unavailable(algorithm)}.")
        try:
            return file_range_checksums(self.record.source_path, offset, size, algorithm,
                                        want_md5 or not algorithm)
        except EOFError:
            raise SourceChanged("the file shrank during the upload") from None
        except OSError as e:
            raise InputError(f"{self.record.source_path} cannot be read any more "
                             f"({e.strerror}).") from None

    def _send(self, number: int, offset: int, size: int, request):
        """An attempt that sends ``size`` bytes at ``offset`` through ``request(body)``."""
        def attempt():
            try:
                body = ProgressBody(self.record.source_path, offset, size,
                                    lambda n: self._add_inflight(number, n),
                                    self._stop.is_set, self.limiter)
            except OSError as e:
                raise InputError(f"{self.record.source_path} cannot be read any more "
                                 f"({e.strerror}).") from None
            try:
                return request(body)
            except SourceShrank as e:
                raise SourceChanged(str(e)) from None
            except BaseException:
                self._drop_inflight(number)       # progress steps back; the part is resent
                raise
            finally:
                body.close()
        return attempt

    def send_part(self, part: PartPlan, report: Report) -> None:
        record = self.record
        algorithm = record.checksum_algorithm or "CRC32"
        sent = {}

        def request(body):
            # worked out per attempt: the store may turn out to refuse flexible checksums
            sent["checksum"], md5 = self._checksums(part.offset, part.size)
            return self.bucket.upload_part(record.key, record.upload_id, part.number, body,
                                           part.size, sent["checksum"], md5, algorithm=algorithm,
                                           settings=self.objects, customer_key=self.customer_key())

        etag, server_checksum = self._call(self._send(part.number, part.offset, part.size,
                                                      request), report, f"part {part.number}")
        checksum = server_checksum or sent["checksum"]
        self.stats.sent(part.size)
        try:
            self.store.part_done(self.id, part.number, etag, checksum)
        except BaseException:       # e.g. a full disk: not checkpointed, so it counts as unsent
            self._drop_inflight(part.number)
            raise
        with self._lock:
            self._inflight_bytes.pop(part.number, None)
            self._done_bytes += part.size
            self._parts_done += 1
        self.dirty = True

    def complete(self, report: Report) -> None:
        """Finish the upload (or send the small file whole), then verify the object."""
        record = self.store.get_task(self.id)
        if self.single:
            # fingerprinted by prepare a moment ago; the bytes are checksummed as they are sent
            self._put_whole(record, report)
            return
        # the parts went up over minutes or days: the file must still be the one they came from
        why = record.fingerprint.difference(read_source_fingerprint(record.source_path))
        if why:
            raise SourceChanged(why)
        parts = self.store.parts(self.id)
        listing = [(p.number, p.etag, p.checksum if record.checksum_algorithm else None)
                   for p in parts]
        report("Completing…")
        try:
            self._call(lambda: self.bucket.complete(
                record.key, record.upload_id, listing, record.checksum_algorithm or "CRC32",
                self.objects, self.customer_key()), report, "CompleteMultipartUpload")
        except S3Error as error:
            if error.kind is ErrorKind.NO_SUCH_UPLOAD and self._completed_on_server(record):
                return
            raise
        report("Verifying…")
        head = self._call(lambda: self.bucket.head(record.key, self.customer_key()),
                          lambda _m: None, "HeadObject")
        self._finish_verified(record, self._verdict(record, head, recorded(parts), True),
                              head.etag if head else "")

    def _put_whole(self, record, report: Report) -> None:
        sums = {}

        def request(body):
            # the MD5 also proves the ETag below
            sums["checksum"], sums["md5"] = self._checksums(0, record.size, want_md5=True)
            return self.bucket.put_object(record.key, body, record.size, sums["checksum"],
                                          sums["md5"], record.checksum_algorithm or "CRC32",
                                          self.objects, self.customer_key())

        stored = self._call(self._send(0, 0, record.size, request), report, "PutObject")
        self.stats.sent(record.size)
        with self._lock:
            self._inflight_bytes.clear()
            self._done_bytes = record.size
        sent = [(record.size, base64.b64decode(sums["md5"]).hex(), sums["checksum"])]
        # The PUT's own answer carries the stored object's ETag and checksum: when they match
        # what was sent, that is the proof, and a small file costs one request, not two.
        # Anything less (an opaque ETag, no checksum, a mismatch) is asked of HeadObject.
        verdict = self._verdict(record, stored, sent, False)
        if not verdict.ok or verdict.method == SIZE_ONLY:
            report("Verifying…")
            stored = self._call(lambda: self.bucket.head(record.key, self.customer_key()),
                                lambda _m: None, "HeadObject")
            verdict = self._verdict(record, stored, sent, False)
        self._finish_verified(record, verdict, stored.etag if stored else "")

    def abort(self) -> None:
        """Cancel: abort the multipart upload on the server so it stops costing storage.

        A store that refuses AbortMultipartUpload (405/501) raises S3Error of kind
        UNSUPPORTED: the manager says so, and the upload, no longer in the checkpoint,
        is listed by `hoist cleanup` as an orphan.
        """
        record = self.store.get_task(self.id)
        if record and record.upload_id:
            try:
                self.bucket.abort(record.key, record.upload_id)
            except S3Error as error:
                if error.kind is not ErrorKind.NO_SUCH_UPLOAD:   # already gone is what we want
                    raise
            log.info("task %s: aborted multipart upload %s", self.id, record.upload_id)
