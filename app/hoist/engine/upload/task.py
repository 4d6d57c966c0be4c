"""One file's upload: its state, its blocking steps, and its clean-ups.

An :class:`UploadTask` is the coordinator of one transfer (STYLE.md, "Task,
coordinator, manager"). Its ``prepare``, ``send_part``, ``complete`` and
``abort`` methods block on disk and network, so the manager runs them on its
thread pool; everything they learn goes to the checkpoint store first, so a
crash at any moment leaves a store that a later run can continue from.
"""

import base64
import logging
from typing import Callable

from hoist.core.local.sources import InputError
from hoist.core.policy.planner import PartPlan
from hoist.core.remote.checksums import (
    file_range_checksums,
    md5_b64,
    part_checksum,
    unavailable,
)
from hoist.core.remote.errors import ErrorKind, S3Error
from hoist.core.remote.verify import SIZE_ONLY
from hoist.engine.progress import ProgressBody, SourceShrank
from hoist.engine.transfer import NO_PARTS, NO_STATS, StopFlag, TransferTask  # noqa: F401 -- this module's API too
from hoist.engine.upload.adoption import Adoption
from hoist.engine.upload.preparing import (
    VERIFYING,
    Preparation,
    SourceChanged,
    read_source_fingerprint,
)
from hoist.engine.upload.verification import Verification, recorded

log = logging.getLogger("hoist.task")

Report = Callable[[str], None]


class UploadTask(Preparation, Verification, Adoption, TransferTask):
    """A file's upload: its multipart upload (or one PutObject), its parts and its proof."""

    __slots__ = ("adopt", "_md5", "completions", "_fresh")

    def __init__(self, record, *args, **kwargs):
        super().__init__(record, *args, **kwargs)
        self.adopt = False             # continue a matching incomplete upload found on the server
        self._md5 = None               # engine/upload/verification.py's BackgroundMD5, where needed
        # inside a SmallFiles job (engine/jobs.py): where its completion's write waits for
        # the batch's commit; None: written at once
        self.completions: list | None = None
        # the record is the store's row as it is: made from a row just read or written, no
        # step of this task has run since (its first prepare need not read the row again)
        self._fresh = True

    # -- the protocol (engine/transfer.py) --------------------------------------------
    def transfer_part(self, part: PartPlan, report: Report) -> None:
        self.send_part(part, report)

    def restart_reason_for(self, error: Exception) -> str | None:
        if isinstance(error, SourceChanged):
            return f"Source changed during the upload ({error}) — restarted"
        return None

    def cancelled_notice(self, error: Exception | None) -> str:
        if error is None:
            return "Cancelled · the parts on the server were discarded"
        if isinstance(error, S3Error) and error.kind is ErrorKind.UNSUPPORTED:
            return ("Cancelled · the store would not discard the uploaded parts; "
                    "`hoist cleanup` lists them, and the store's lifecycle rules or "
                    "console can remove them")
        from hoist.engine.endings import failure_message
        return ("Cancelled · the server could not be told to discard the uploaded parts "
                f"({failure_message(error)}); run `hoist cleanup` later")

    def _on_stop(self) -> None:
        self._stop_hashing()

    # -- blocking steps (pool threads) -----------------------------------------------
    def _checksums(self, offset: int, size: int, want_md5: bool = False,
                   content: bytes | None = None):
        """(flexible checksum, Content-MD5) of a byte range: one or the other, as the store allows.

        A first pass over the range, from the page cache in practice; the bytes
        are read again as they are sent, so no part is ever held in memory. A small
        file read whole already (``content``) is checksummed as it was read.
        """
        algorithm = (self.record.checksum_algorithm
                     if self.bucket.wants_checksums(self.objects) else "")
        if unavailable(algorithm):
            raise S3Error(ErrorKind.FATAL, "ChecksumUnavailable",
                          f"This upload's {unavailable(algorithm)}.")
        if content is not None:
            return (part_checksum(content, algorithm) if algorithm else None,
                    md5_b64(content) if want_md5 or not algorithm else None)
        try:
            return file_range_checksums(self.record.source_path, offset, size, algorithm,
                                        want_md5 or not algorithm)
        except EOFError:
            raise SourceChanged("the file shrank during the upload") from None
        except OSError as e:
            raise InputError(f"{self.record.source_path} cannot be read any more "
                             f"({e.strerror}).") from None

    def _send(self, number: int, offset: int, size: int, request,
              content: bytes | None = None):
        """An attempt that sends ``size`` bytes at ``offset`` through ``request(body)``
        (read from the file as they go, or from ``content``, the file read already)."""
        def attempt():
            try:
                body = ProgressBody(self.record.source_path, offset, size,
                                    lambda n: self._add_inflight(number, n),
                                    self._stop.is_set, self.limiter, content)
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
        report(VERIFYING)
        head = self._call(lambda: self.bucket.head(record.key, self.customer_key()),
                          lambda _m: None, "HeadObject")
        self._finish_verified(record, self._verdict(record, head, recorded(parts), True),
                              head.etag if head else "")

    def _put_whole(self, record, report: Report, content: bytes | None = None) -> None:
        """Send the file in one PutObject; ``content``: its bytes as fingerprinted, if it was
        read whole then (a small file is read once: what was fingerprinted is what goes)."""
        sums = {}
        fingerprint = record.fingerprint       # the file's mtime goes with it (objects.py)
        settings = (self.objects.with_source_mtime(fingerprint.mtime_ns) if fingerprint
                    else self.objects)
        if content is not None and len(content) != record.size:
            content = None

        def request(body):
            # the MD5 also proves the ETag below
            sums["checksum"], sums["md5"] = self._checksums(0, record.size, True, content)
            return self.bucket.put_object(record.key, body, record.size, sums["checksum"],
                                          sums["md5"], record.checksum_algorithm or "CRC32",
                                          settings, self.customer_key())

        stored = self._call(self._send(0, 0, record.size, request, content), report,
                            "PutObject")
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
            report(VERIFYING)
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
