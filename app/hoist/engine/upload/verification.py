"""How an :class:`UploadTask` proves its object and records the verdict.

The rules of evidence live in ``core/remote/verify.py``; this mixin applies them to a
task: it turns the server's answer into a verdict, fails the task only on a
real contradiction, and records how the object was proved ("verified (CRC32)").

One form of evidence costs a read of the file: a store that answers a
multipart upload with the whole object's plain MD5 as its ETag. The first time
an endpoint does that, the file is read once more at the end; after that, each
multipart upload to the endpoint hashes its file on a background thread while
the parts go up (:class:`BackgroundMD5`), so the verdict waits for nothing.
The hash cannot be saved half-way, so a resumed upload hashes from the start.
"""

import hashlib
import logging
import threading
import time
from functools import partial

from hoist.core.checkpoint.states import PartState
from hoist.core.local.units import format_duration
from hoist.core.remote.errors import endpoint_label
from hoist.core.remote.verify import SIZE_ONLY, Verdict, file_md5_hex, label, verify_object

log = logging.getLogger("hoist.task")

PLAIN_MD5 = "plain MD5 ETag on multipart objects"     # the endpoint remark (S3Clients.noted)
CHUNK = 1024 * 1024


class VerifyError(Exception):
    """The object on the server is not what we uploaded."""


class BackgroundMD5:
    """The MD5 of a file's first ``size`` bytes, read in order on a thread of its own."""

    def __init__(self, path: str, size: int):
        self._path, self._size = path, size
        self._stop = threading.Event()
        self._hex: str | None = None
        self._thread = threading.Thread(target=self._run, name="hoist-md5", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        digest, left = hashlib.md5(), self._size
        try:
            with open(self._path, "rb") as f:
                while left and not self._stop.is_set():
                    chunk = f.read(min(CHUNK, left))
                    if not chunk:
                        return              # the file shrank: the fingerprint check says so
                    digest.update(chunk)
                    left -= len(chunk)
        except OSError as error:
            log.info("background MD5 of %s stopped: %s", self._path, error.strerror)
            return
        if not left:
            self._hex = digest.hexdigest()

    def stop(self) -> None:
        self._stop.set()

    def result(self) -> str | None:
        """The hex digest once the whole file is read; None if it was stopped or failed."""
        self._thread.join()
        return self._hex


class Verification:
    """Mixin for UploadTask: verdicts, the background MD5 (``self._md5``), and the record
    of completion."""

    __slots__ = ()

    def _hash_while_sending(self, record) -> None:
        """Start the background MD5 where this endpoint is known to need it."""
        self._stop_hashing()
        if self.bucket.noted(PLAIN_MD5):
            self._md5 = BackgroundMD5(record.source_path, record.size)

    def _stop_hashing(self) -> None:
        if self._md5 is not None:
            self._md5.stop()
            self._md5 = None

    def _verdict(self, record, head, parts, multipart: bool) -> Verdict:
        """What the server's answer proves about the object (see core.verify for the order)."""
        if head is None:
            raise VerifyError(f"s3://{record.bucket}/{record.key} is missing after the upload.")

        def whole_md5() -> str:
            if self.bucket.first_time(PLAIN_MD5):
                log.info("%s answers multipart uploads with the whole object's MD5: later "
                         "uploads to it hash their file while the parts go up",
                         endpoint_label(self.bucket.dest.endpoint_url))
            hashed = self._md5.result() if self._md5 is not None else None
            if hashed is not None:
                return hashed
            log.info("task %s: reading %s again for its MD5", self.id, record.source_path)
            return file_md5_hex(record.source_path, record.size)

        return verify_object(head, record.size, record.checksum_algorithm or "CRC32", parts,
                             multipart, whole_md5)

    def _completed_on_server(self, record) -> bool:
        """After a crash between Complete and the store's record of it, the object tells.

        Only a checksum or an MD5 counts as proof here: an object of the same size
        may be an older one, so "size only" starts the upload again instead.
        """
        parts = self.store.parts(self.id)
        if not parts or any(p.state is not PartState.DONE for p in parts):
            return False
        head = self.bucket.head(record.key, self.customer_key())
        if head is None:
            return False
        verdict = self._verdict(record, head, recorded(parts), True)
        if not verdict.ok or verdict.method == SIZE_ONLY:
            return False
        self._finish(record, f"{label(verdict.method)} on the server after an interrupted "
                             "completion", verdict.method, head.etag)
        return True

    def _finish_verified(self, record, verdict: Verdict, etag: str) -> None:
        if not verdict.ok:
            raise VerifyError(f"s3://{record.bucket}/{record.key} does not match what was sent "
                              f"({verdict.detail}): retry to upload again.")
        self._finish(record, label(verdict.method), verdict.method, etag)

    def _finish(self, record, how: str, verified: str = "", etag: str = "") -> None:
        """Completed: the row says how it was proved; the store remembers the ETag it got
        (core/checkpoint/sent.py), so an unchanged file is not sent again."""
        self._stop_hashing()
        took = time.monotonic() - self.started_at if self.started_at else None
        message = f"Completed in {format_duration(took)} · {how}" if took else f"Completed · {how}"
        if self.single:     # its fingerprint was not written before the PutObject (preparing.py)
            write = partial(self.store.mark_completed, self.id, message, verified, etag,
                            record.fingerprint_json, record.size)
        else:
            write = partial(self.store.mark_completed, self.id, message, verified, etag)
        if self.completions is None:
            write()
            self.notice = message
        else:   # a SmallFiles job commits it with its batch's, then says so (upload/batching.py)
            self.completions.append((self, write, message))
        self._all_done(record.size)
        # a batch of small files is logged once, as its completions are committed
        level = logging.INFO if self.completions is None else logging.DEBUG
        if log.isEnabledFor(level):
            log.log(level, "task %s: completed s3://%s/%s (%d bytes, %s; %s)", self.id,
                    record.bucket, record.key, record.size, how, self.stats.describe())


def recorded(parts) -> list[tuple[int, str | None, str | None]]:
    """(size, ETag, checksum) of each recorded part, as core.verify takes them."""
    return [(p.size, p.etag, p.checksum) for p in parts]
