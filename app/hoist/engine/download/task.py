"""One object's download: a task of the same manager, store and rows as an upload.

A :class:`DownloadTask` follows the protocol of engine/transfer.py:

- ``prepare``: HeadObject; pin the ETag (or, on resume, check it is still the one
  pinned, and that the partial file is there whole); check free space; preallocate
  ``NAME.hoist-partial``; plan the ranges and commit them with the pinned ETag,
  all before the first GET.
- ``transfer_part``: one ranged GET with If-Match of the pinned ETag, streamed into
  the partial file at its offset through the bandwidth limiter and the progress
  meter; done once synced and committed (fetching.py, commits.py). Where the
  object's checksum is a composite of its parts' (core/download/composite.py), the
  ranges are its parts and each is checked as it streams in, before its commit: a
  bad one is fetched again alone.
- ``complete``: prove the bytes (the committed parts' checksums, or
  core/download/proof.py's re-read), then fsync, set the mtime and rename
  atomically: the target's name never exists before the proof.
- ``abort`` (cancel): delete the partial file; nothing on the server is touched.

An object that changed (another ETag at resume, or a 412 to a GET) starts the
download over against the new object: every range and the partial's contents go.
"""

import logging
import math
import os
import stat
import time
from datetime import datetime
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError
from urllib3.exceptions import ProtocolError

from hoist.core.checkpoint.states import PartState
from hoist.core.download.partial import (
    allocated,
    check_free_space,
    discard,
    open_partial,
    partial_path,
    publish,
    sync,
)
from hoist.core.download.proof import prove
from hoist.core.download.range_checks import RangeChecks, range_checks
from hoist.core.download.ranges import Range, choose_range_size, plan_ranges
from hoist.core.local.fingerprint import fingerprint
from hoist.core.local.units import format_duration
from hoist.core.remote.objects import SOURCE_MTIME
from hoist.engine.download.commits import RangeCommits
from hoist.engine.download.fetching import ObjectChanged, PartialLost, RangeFetching
from hoist.engine.progress import Interrupted
from hoist.engine.transfer import Report, TaskError, TransferTask

log = logging.getLogger("hoist.download")

DEFAULT_RANGE = 8 * 1024 * 1024
OBJECT_CHANGED = "The object changed on the server since the download began — started again"
PARTIAL_LOST = "The partial file was gone or cut short — started again"
MTIME_KEYS = (SOURCE_MTIME, "src-mtime")   # a source mtime kept in metadata (Hoist's, rclone's)
MTIME_LIMIT = 1e11       # seconds either side of 1970 (year 5138): what every time_t holds
# A HeadObject answer taken as the download was added is used by its prepare for this long:
# `hoist download` asks it first (its bucket check too), and a second HEAD would cost the
# link a round trip before the first byte. Older, it is asked again.
OFFERED_HEAD_SECONDS = 10.0


class ProofFailed(TaskError):
    """The bytes on disk do not match the object: the partial file was deleted."""


class DownloadTask(RangeFetching, TransferTask):
    """A download's state, its steps, and its clean-ups."""

    direction = "download"
    noun = "download"
    __slots__ = ("_head", "_commits", "_partial_id", "_checks", "_expected", "_checked",
                 "offered_head")

    def __init__(self, record, *args, **kwargs):
        super().__init__(record, *args, **kwargs)
        self._head: dict | None = None     # this run's HeadObject answer
        self._partial_id: tuple[int, int] | None = None   # the partial this run writes to
        # (monotonic time, HeadObject answer) taken as the download was added, if any
        self.offered_head: tuple[float, dict] | None = None
        self._checks: RangeChecks | None = None    # ranges checked as they stream in
        self._expected: dict[int, str] = {}       # part number -> checksum known before its GET
        self._checked: dict[int, str] = {}        # checked, waiting for its commit
        self._commits = RangeCommits(sync, self._mark_done)

    def _mark_done(self, numbers) -> None:
        checksums = {n: self._checked.pop(n, None) for n in numbers}
        self.store.ranges_done(self.id, numbers, checksums)

    # -- where --------------------------------------------------------------------------
    @property
    def target(self) -> Path:
        return Path(self.record.source_path)

    @property
    def partial(self) -> Path:
        return partial_path(self.target)

    def _uri(self) -> str:
        return f"s3://{self.record.bucket}/{self.record.key}"

    # -- the protocol ---------------------------------------------------------------------
    def restart_reason_for(self, error: Exception) -> str | None:
        if isinstance(error, PartialLost):
            return PARTIAL_LOST
        return OBJECT_CHANGED if isinstance(error, ObjectChanged) else None

    def cancelled_notice(self, error: Exception | None) -> str:
        if error is None:
            return "Cancelled · the partial file was deleted"
        return f"Cancelled · the partial file {self.partial} could not be deleted ({error})"

    def prepare(self, report: Report) -> list[Range] | None:
        """Pin the object (or check it is the one pinned) and say which ranges are left."""
        record = self.store.get_task(self.id)
        self.record = record
        self.started_at = self.started_at or time.monotonic()
        self._commits.reset()
        key = self.customer_key()
        head = self._take_offered_head(record)
        if head is None:
            head = self._call(lambda: self.bucket.head_object(record.key, record.version_id,
                                                              key), report, "HeadObject")
        if head is None:
            raise TaskError(f"{self._uri()} is not on the server any more"
                            + (f" (version {record.version_id})" if record.version_id else "")
                            + ": nothing was written; remove this download.")
        self._head = head
        etag, size = head.get("ETag", ""), int(head["ContentLength"])
        if record.remote_etag:
            why = self._resume_problem(record, etag)
            if why == PARTIAL_LOST and self._published_before(record, head, report):
                return None                     # named by the last run, proved again now
            if why is None:
                self._partial_id = identity(self.partial)
                parts = self.store.parts(self.id)
                self._use_checks(self._range_checks(record, head, report), parts)
                self._set_progress_from_store()
                return [Range(p.number, p.offset, p.size) for p in parts
                        if p.state is not PartState.DONE]
            self._start_over(why)
            record = self.store.get_task(self.id)
        check_free_space(self.target, max(0, size - allocated(self.partial)))
        os.close(open_partial(self.target, size))
        self._partial_id = identity(self.partial)
        range_size = record.part_size or self.config.part_size or DEFAULT_RANGE
        checks = self._range_checks(record, head, report, etag)
        ranges = checks.ranges(size, range_size) if checks else plan_ranges(size, range_size)
        self.store.begin_download(self.id, etag, size, source_mtime(head),
                                  choose_range_size(size, range_size), ranges,
                                  checks.expected if checks else None)
        self._use_checks(checks, self.store.parts(self.id))
        log.info("task %s: downloading %s (%d bytes, ETag %s) to %s in %d ranges%s", self.id,
                 self._uri(), size, etag, self.target, len(ranges),
                 " (checked as they stream)" if checks else "")
        self._set_progress_from_store()
        return ranges

    def _range_checks(self, record, head: dict, report: Report,
                      etag: str | None = None) -> RangeChecks | None:
        """How this object's ranges can be checked as they stream (None: they cannot)."""
        extra = self._pinned_params(record, etag)

        def ask() -> RangeChecks | None:
            try:
                return range_checks(self.bucket.client(), record.bucket, record.key, head,
                                    extra)
            except (BotoCoreError, ClientError, ProtocolError) as exc:
                error = self.bucket.read_error(exc, record.key, "GetObjectAttributes")
            if error.code in ("PreconditionFailed", "412"):
                raise ObjectChanged(str(error))
            raise error

        return self._call(ask, report, "part layout")

    def _pinned_params(self, record, etag: str | None = None) -> dict:
        key = self.customer_key()
        extra = {"IfMatch": etag or record.remote_etag, **(key.params() if key else {})}
        if record.version_id:
            extra["VersionId"] = record.version_id
        return extra

    def _use_checks(self, checks: RangeChecks | None, parts) -> None:
        """Check ranges as they stream only if the stored ranges suit the check (a download
        begun before ranges followed parts has ranges of the configured size)."""
        self._checks = checks if checks is not None and checks.matches(parts) else None
        self._expected = {p.number: p.checksum for p in parts
                          if p.checksum and p.state is not PartState.DONE}
        self._checked = {}

    def _published_before(self, record, head: dict, report: Report) -> bool:
        """Did the last run give the file its name, then die before the store heard? Every
        range was done, the partial is gone, and the target has the object's size and the
        mtime the publish gave it: then the target is proved, as the partial would have
        been (by size alone is not enough), and the download completes without a byte
        fetched again. Anything less and it starts over, as before."""
        parts = self.store.parts(self.id)
        if not parts or any(p.state is not PartState.DONE for p in parts):
            return False
        try:
            st = os.stat(self.target, follow_symlinks=False)
        except OSError:
            return False
        mtime = record.remote_mtime
        if (not stat.S_ISREG(st.st_mode) or st.st_size != record.size or mtime is None
                or abs(st.st_mtime - mtime) > 1e-3):
            return False
        extra = self._pinned_params(record)
        proof = self._call(lambda: self._prove(record, head, extra, self.target), report,
                           "proof")
        if not proof.ok or proof.method == "size":
            return False
        log.info("task %s: %s was named by the last run before it could record so; proved "
                 "again (%s)", self.id, self.target, proof.method)
        self._finish(record, proof)
        return True

    def _take_offered_head(self, record) -> dict | None:
        """The HeadObject answer taken as this new download was added, while it is fresh;
        used once (a restart asks again)."""
        offered, self.offered_head = self.offered_head, None
        if offered is None or record.remote_etag or record.version_id:
            return None
        taken_at, head = offered
        return head if self.clock.monotonic() - taken_at < OFFERED_HEAD_SECONDS else None

    def _resume_problem(self, record, etag: str) -> str | None:
        """Why the ranges already on disk cannot be kept (None: they can)."""
        if etag != record.remote_etag:
            return OBJECT_CHANGED
        whole = identity(self.partial, record.size) is not None   # a file, not a link
        return None if whole else PARTIAL_LOST

    def _start_over(self, why: str) -> None:
        """Drop every range and the partial's contents; the row says why."""
        discard(self.partial)
        self.store.reset_download(self.id, why)
        self.notice = why
        log.warning("task %s: %s", self.id, why)
        self._set_progress_from_store()

    def complete(self, report: Report) -> None:
        """Prove the bytes, then give the file its name (fsync, mtime, atomic rename)."""
        record = self.store.get_task(self.id)
        self.record = record
        if any(p.state is not PartState.DONE for p in self.store.parts(self.id)):
            raise TaskError(f"{self._uri()}: some ranges are not on disk yet; resume to fetch "
                            "them.")
        key = self.customer_key()
        head = self._head
        if head is None or head.get("ETag") != record.remote_etag:
            head = self._call(lambda: self.bucket.head_object(record.key, record.version_id,
                                                              key), report, "HeadObject")
            if head is None or head.get("ETag") != record.remote_etag:
                raise ObjectChanged("the object changed before the proof")
        if not record.size:
            os.close(open_partial(self.target, 0))          # an empty object has no range
        elif (found := identity(self.partial, record.size)) is None or found != self._partial_id:
            # deleted or replaced under the range jobs: their bytes went with it. Never
            # prove (by size, perhaps) what another file holds, or a new one of zeros.
            raise PartialLost(f"{self.partial} was deleted or replaced while downloading")
        report("Proving…")
        proof = self._proof_by_parts()
        if proof is None:
            extra = self._pinned_params(record)
            proof = self._call(lambda: self._prove(record, head, extra), report, "proof")
        if not proof.ok:
            discard(self.partial)
            self.store.reset_download(self.id)
            self._set_progress_from_store()
            raise ProofFailed(f"{self._uri()}: the downloaded bytes do not match the object "
                              f"({proof.detail}). The partial file was deleted; Retry downloads "
                              "it again from the start.")
        if self.stopping():     # cancelled (or paused) while proving: the name is not taken
            raise Interrupted()
        fd = self._reopen()
        publish(fd, self.partial, self.target, record.remote_mtime)
        self._finish(record, proof)

    def _proof_by_parts(self):
        """The proof from the committed parts' checksums (no re-read), or None where the
        ranges are not the parts or a part's checksum is not kept (a download begun before)."""
        if self._checks is None:
            return None
        parts = self.store.parts(self.id)
        if not self._checks.matches(parts) or not all(p.checksum for p in parts):
            return None
        return self._checks.proof(parts)

    def _prove(self, record, head: dict, extra: dict, path: Path | None = None):
        try:
            return prove(path or self.partial, record.size, head, self.bucket.client(),
                         record.bucket, record.key, extra)
        except (BotoCoreError, ClientError, ProtocolError) as exc:
            raise self.bucket.read_error(exc, record.key, "GetObjectAttributes") from None

    def _finish(self, record, proof) -> None:
        how = proved_by(proof.method)
        if proof.detail.endswith("checked part by part"):
            how += ", checked part by part"
        took = time.monotonic() - self.started_at if self.started_at else None
        message = f"Completed in {format_duration(took)} · {how}" if took else f"Completed · {how}"
        if self.notice in (OBJECT_CHANGED, PARTIAL_LOST):     # the row keeps saying why
            message += f" · {self.notice}"
        # recorded as uploads record what they sent: the next run knows this file unchanged,
        # whichever way it goes (core/checkpoint/sent.py)
        done = fingerprint(str(self.target))
        self.store.mark_completed(self.id, message, proof.method, etag=record.remote_etag,
                                  fingerprint_json=done.to_json(), size=record.size)
        self.notice = message
        self._all_done(record.size)
        log.info("task %s: downloaded %s to %s (%d bytes, %s; %s)", self.id, self._uri(),
                 self.target, record.size, proof.detail, self.stats.describe())

    def abort(self) -> None:
        """Cancel: the partial file goes; the object on the server is not touched."""
        discard(self.partial)
        log.info("task %s: cancelled; deleted %s", self.id, self.partial)


def identity(path: Path, size: int | None = None) -> tuple[int, int] | None:
    """(device, inode) of the regular file at ``path`` (of ``size`` bytes, when given), else
    None (nothing there, or a link)."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode) or (size is not None and st.st_size != size):
        return None
    return st.st_dev, st.st_ino


def proved_by(method: str) -> str:
    """What a row and `hoist list` say of a proof: "proved by CRC32", "by size only"."""
    if method == "size":
        return "proved by size only (the object has no checksum or MD5 ETag to check)"
    return f"proved by {method}"


def source_mtime(head: dict) -> float | None:
    """The mtime the file gets: a source mtime kept in the object's metadata, else
    LastModified."""
    metadata = {k.lower(): v for k, v in (head.get("Metadata") or {}).items()}
    for name in MTIME_KEYS:
        try:
            mtime = float(metadata[name])
        except (KeyError, ValueError):
            continue
        if math.isfinite(mtime) and abs(mtime) < MTIME_LIMIT:   # whoever uploaded wrote it
            return mtime
    modified = head.get("LastModified")
    return modified.timestamp() if isinstance(modified, datetime) else None
