"""Is a file already on the server as it is here? The rule behind skipping unchanged files.

No request per key: the caller lists the destination (core/remote/existing.py)
and reads Hoist's record of what it sent (core/checkpoint/sent.py). For a key
that exists, then:

- with Hoist's record of this file's last upload to it: unchanged if the file
  still has the fingerprint it had then (size, mtime, sampled hash) and the
  object still has the ETag it got;
- without one, the AWS CLI's ``sync`` rule: the same size, and the object not
  older than the file;
- ``checksum``: the content itself, the file's MD5 against a single-part ETag,
  or its multipart ETag recomputed with the object's part size (one HeadObject
  of part 1 each). An ETag that is no MD5 (SSE-KMS) never matches: it is sent.
"""

import logging
import os

from hoist.core.local.fingerprint import fingerprint
from hoist.core.remote.checksums import file_etag
from hoist.core.remote.errors import S3Error

log = logging.getLogger("hoist.unchanged")

SEND, UNCHANGED, OVERWRITE, EXCLUDED = "send", "skip (unchanged)", "overwrite", "excluded"


def verdicts(sources, remote: dict, sent: dict, checksum: bool = False,
             bucket=None) -> dict[str, str]:
    """key -> UNCHANGED or OVERWRITE for each of ``sources`` (path, key, size) whose key is
    in ``remote`` (key -> RemoteObject); a key not there is SEND. ``sent``: (key, path) ->
    SentFile. ``bucket`` (core.s3.Bucket) is asked only with ``checksum``."""
    found = {}
    for path, key, size in sources:
        there = remote.get(key)
        if there is None:
            continue
        try:
            if checksum:
                same = _same_content(path, key, size, there, bucket)
            else:
                same = _same_file(str(path), size, there, sent.get((key, str(path))))
        except (OSError, EOFError, S3Error) as error:       # the upload will say what is wrong
            log.info("%s: cannot tell whether it changed (%s); it is sent", path, error)
            same = False
        found[key] = UNCHANGED if same else OVERWRITE
    return found


def _same_file(path: str, size: int, there, record) -> bool:
    st = os.stat(path)
    if record is None:               # the AWS CLI's rule: whole seconds, as LastModified has
        return (there.size == size == st.st_size and there.last_modified is not None
                and there.last_modified.timestamp() >= int(st.st_mtime))
    return same_as_recorded(path, there, record, st)


def same_as_recorded(path: str, there, record, st: os.stat_result | None = None) -> bool:
    """The file still has the fingerprint Hoist recorded when it last sent it to the object,
    or fetched it from there (``record``: a SentFile), and the object still has that ETag."""
    st = st or os.stat(path)
    then = record.fingerprint
    if (st.st_size, st.st_mtime_ns) != (then.size, then.mtime_ns):   # no read needed
        return False
    return _etag(there.etag) == _etag(record.etag) and fingerprint(path) == then


def _same_content(path, key: str, size: int, there, bucket) -> bool:
    if there.size != size or os.stat(path).st_size != size:
        return False
    etag = _etag(there.etag)
    if "-" not in etag:
        return file_etag(path, size) == etag
    part_size = bucket.part_size(key)
    return bool(part_size) and file_etag(path, size, part_size) == etag


def _etag(value: str) -> str:
    return (value or "").strip('"').lower()
