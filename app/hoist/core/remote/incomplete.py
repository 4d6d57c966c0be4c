"""Incomplete multipart uploads left on the server: what they hold, and who owns them.

An upload that was started but never completed or aborted keeps its parts,
and the store bills them, until someone aborts it. This lists them for one
bucket and prefix, with their parts and bytes (one ListParts each, a few at a
time) and the local task that owns each, if any. Stores that refuse ListParts
still get their uploads listed, with parts unknown.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone

from hoist.core.remote.errors import ErrorKind, S3Error

PARTS_CONCURRENCY = 6


@dataclass(frozen=True)
class IncompleteUpload:
    key: str
    upload_id: str
    initiated: datetime | None
    parts: int | None            # None: the store would not say (ListParts refused)
    stored: int | None           # bytes in those parts
    owner: int | None            # the id of the local task that owns it, or None

    def age(self, now: datetime | None = None) -> float | None:
        """Seconds since it was started, or None when the store gives no start time."""
        if self.initiated is None:
            return None
        started = self.initiated if self.initiated.tzinfo else self.initiated.replace(
            tzinfo=timezone.utc)
        return max(0.0, ((now or datetime.now(timezone.utc)) - started).total_seconds())


def permission_message(error: S3Error, bucket: str) -> str:
    """What to tell a user whose account may not list incomplete uploads."""
    if error.code in ("AccessDenied", "403", "Forbidden"):
        return (f"This account may not list incomplete uploads in bucket {bucket} (the "
                "s3:ListBucketMultipartUploads permission is missing): ask the bucket's "
                "administrator for it, or use an account that has it.")
    return error.message


def list_incomplete(bucket, prefix: str, owners: dict[str, int],
                    progress=lambda done, total: None) -> list[IncompleteUpload]:
    """Every incomplete upload under ``prefix``, oldest first. Raises S3Error when the
    uploads cannot be listed at all (see :func:`permission_message`)."""
    uploads = bucket.list_multipart_uploads(prefix=prefix or None)
    progress(0, len(uploads))
    done = 0

    def sizes(upload):
        try:
            parts = bucket.list_parts(upload.key, upload.upload_id)
        except S3Error as error:
            if error.kind is ErrorKind.NO_SUCH_UPLOAD:
                return 0, 0                      # completed or aborted since the listing
            return None, None                    # refused or failing: shown as unknown
        return len(parts), sum(p.size for p in parts)

    found = []
    with ThreadPoolExecutor(max_workers=PARTS_CONCURRENCY) as pool:
        for upload, (count, stored) in zip(uploads, pool.map(sizes, uploads)):
            done += 1
            progress(done, len(uploads))
            found.append(IncompleteUpload(upload.key, upload.upload_id, upload.initiated,
                                          count, stored, owners.get(upload.upload_id)))
    epoch = datetime.min.replace(tzinfo=timezone.utc)
    return sorted(found, key=lambda u: (u.initiated or epoch, u.key))
