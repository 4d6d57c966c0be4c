"""A download's ranges fetched: one GET each, pinned to the ETag seen at the start (If-Match),
streamed into the partial file at its offset through the bandwidth limiter and the progress
meter, and done only once synced and committed (commits.py).

Where the ranges are the parts of a composite object (core/download/composite.py), each is
checked as its bytes stream in: a part whose bytes do not match its checksum is not committed
and is fetched again, alone, at most PART_TRIES times in all (each counted in the task's
statistics as a retry, cause "checksum"); then the task fails, naming the part, and keeps the
others for Retry.
"""

import errno
import logging
import os

from botocore.exceptions import BotoCoreError
from urllib3.exceptions import ProtocolError

from hoist.core.download.partial import reopen_partial, write_range
from hoist.core.download.range_checks import RangeChecks
from hoist.core.download.ranges import Range
from hoist.core.remote.checksums import RunningChecksum
from hoist.core.remote.errors import ErrorKind, S3Error
from hoist.engine.progress import Interrupted
from hoist.engine.transfer import Report, TaskError

log = logging.getLogger("hoist.download")

CHUNK = 256 * 1024          # bytes read from a GET's body (and limited) at a time
PART_TRIES = 3              # fetches of a part whose bytes do not match its checksum


class ObjectChanged(Exception):
    """The object is not the one the download pinned: start over against the new one."""


class PartialLost(TaskError):
    """The partial file was deleted or replaced while the download ran: start over."""


class RangeFetching:
    """DownloadTask's ``transfer_part`` and what it needs (a mixin: the task's state is
    DownloadTask's)."""

    __slots__ = ()

    def transfer_part(self, part: Range, report: Report) -> None:
        """GET one range into the partial file; return once it is synced and committed. A part
        of a composite object is checked first: if its bytes do not match its checksum, it is
        not committed and is fetched again (at most PART_TRIES times in all)."""
        checks = self._checks
        fd = self._reopen()
        try:
            for tries in range(1, PART_TRIES + 1):
                got, expected = self._call(lambda: self._fetch(part, fd, checks), report,
                                           f"range {part.number}")
                if checks is None or expected is None or got == expected:
                    break
                self._drop_inflight(part.number)      # its bytes are fetched again
                self.stats.retried("checksum")
                self.stats.resent()
                log.warning("task %s: part %d of %s arrived with %s %s, not %s (try %d of %d)",
                            self.id, part.number, self._uri(), checks.algorithm, got, expected,
                            tries, PART_TRIES)
            else:
                raise TaskError(
                    f"{self._uri()}: part {part.number} (bytes {part.offset:,}–{part.end - 1:,}) "
                    f"arrived {PART_TRIES} times with a {checks.algorithm} that is not the "
                    f"part's ({expected} expected, {got} received), so none of it was kept. "
                    "The other parts are kept: Retry fetches this one again; if it fails "
                    "again, the object itself may be damaged on the server.")
            if checks is not None:
                self._checked[part.number] = got
            self._commits.commit(fd, part.number)
        except BaseException:
            self._drop_inflight(part.number)
            self._checked.pop(part.number, None)
            raise
        finally:
            os.close(fd)
        self.stats.received(part.size)
        self._part_done(part.number, part.size)

    def _reopen(self) -> int:
        try:
            return reopen_partial(self.partial)
        except OSError as error:        # gone, or a link planted at its name: start over
            if isinstance(error, FileNotFoundError) or error.errno == errno.ELOOP:
                raise PartialLost(f"{self.partial} was deleted or replaced while downloading"
                                  ) from None
            raise

    def _fetch(self, part: Range, fd: int,
               checks: RangeChecks | None) -> tuple[str | None, str | None]:
        """One GET of ``part`` into the file: (the checksum of the bytes that came, the part's
        checksum as known before or told by the answer), both None without ``checks``."""
        record, key = self.record, self.customer_key()
        by_number = checks is not None and checks.by_part_number
        try:
            if by_number:
                reply = self.bucket.get_part(record.key, part.number, record.remote_etag,
                                             record.version_id, key)
            else:
                reply = self.bucket.get_range(record.key, part.offset, part.end - 1,
                                              record.remote_etag, record.version_id, key)
        except S3Error as error:
            if error.code in ("PreconditionFailed", "412"):
                raise ObjectChanged(str(error)) from None
            raise
        try:
            if reply.get("ETag") and reply["ETag"] != record.remote_etag:
                # a store that ignores If-Match: told here instead
                raise ObjectChanged(f"ETag {reply['ETag']}, pinned {record.remote_etag}")
            if by_number and not _is_range(reply.get("ContentRange"), part):
                # the layout was partly guessed (HEAD gives the first and last parts' sizes)
                raise TaskError(f"{self._uri()}: the server answered part {part.number} with "
                                f"bytes {reply.get('ContentRange')}, not {part.header[6:]}: "
                                "its parts are not the sizes it reported, so Hoist cannot "
                                "check them. Nothing was kept of this part; cancel this "
                                "download and fetch the object with another tool.")
            answered = None if by_number else other_bytes(reply, part)
            if answered:                   # a store (or proxy) that ignores Range
                raise S3Error(ErrorKind.FATAL, "RangeIgnored",
                              f"{self._uri()}: asked for bytes {part.offset}–{part.end - 1}, the "
                              f"store answered {answered}: it does not serve byte ranges, so "
                              "Hoist cannot download from it safely. Nothing was named.")
            running = RunningChecksum(checks.algorithm) if checks is not None else None
            try:
                self._stream(reply["Body"], fd, part, running)
            except BaseException:
                self._drop_inflight(part.number)     # progress steps back; it is fetched again
                raise
        finally:
            reply["Body"].close()
        if running is None:
            return None, None
        told = reply.get(f"Checksum{checks.algorithm}") if by_number else None
        return running.b64(), self._expected.get(part.number) or told

    def _stream(self, body, fd: int, part: Range, running: RunningChecksum | None) -> None:
        got = 0
        while got < part.size:
            if self._stop.is_set():
                raise Interrupted()
            want = min(CHUNK, part.size - got)
            if self.limiter is not None and not self.limiter.consume(want, self._stop.is_set):
                raise Interrupted()
            try:
                chunk = body.read(want)
            except (BotoCoreError, ProtocolError, OSError) as exc:
                raise self.bucket.read_error(exc, self.record.key) from None
            if not chunk:
                raise S3Error(ErrorKind.NETWORK, "ShortRead",
                              f"The answer for bytes {part.offset + got}–{part.offset + part.size - 1}"
                              f" of {self._uri()} ended early")
            write_range(fd, part.offset + got, chunk)
            if running is not None:
                running.update(chunk)
            got += len(chunk)
            self._add_inflight(part.number, len(chunk))


def other_bytes(reply: dict, part: Range) -> str | None:
    """What a GET answered instead of ``part``'s bytes (its Content-Range, or its length),
    None when it answered them."""
    answered = reply.get("ContentRange")
    if answered:
        return None if answered.startswith(f"bytes {part.offset}-{part.end - 1}/") else answered
    length = reply.get("ContentLength")
    return f"{length:,} bytes" if length is not None and length != part.size else None


def _is_range(content_range: str | None, part: Range) -> bool:
    """Whether a ContentRange ("bytes 0-99/1000") is ``part``'s bytes."""
    return (content_range or "").partition(" ")[2].partition("/")[0] == part.header[6:]
