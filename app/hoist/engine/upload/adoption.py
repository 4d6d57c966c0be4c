"""Adopting another run's multipart upload, and cleaning up one a crash left unrecorded.

A mixin of :class:`~hoist.engine.upload.task.UploadTask`, split out of task.py: the two
things a task does with uploads on the server that its checkpoint does not hold.
``--adopt`` continues a matching incomplete upload after checking every part's
bytes; and after a crash between CreateMultipartUpload and the checkpoint's
record of it, the upload that crash left behind is aborted, not orphaned.
"""

import base64
import logging
from typing import Callable

from hoist.core.policy.planner import PartPlan, PlanError, plan_parts
from hoist.core.remote.checksums import file_range_checksums
from hoist.core.remote.errors import ErrorKind, S3Error

log = logging.getLogger("hoist.task")

Report = Callable[[str], None]


class Adoption:
    """Mixin for UploadTask: ``_adopt`` and ``_abort_unrecorded_uploads``."""

    __slots__ = ()

    def _adopt(self, record, size: int, report: Report) -> list[PartPlan] | None:
        """Continue an incomplete upload of this key already on the server, if its parts are ours.

        Each part on the server must match the file's bytes (its MD5 ETag is
        checked against the same range of the file); otherwise nothing is
        adopted and a fresh upload starts, with the reason in the row.
        """
        try:
            uploads = [u for u in self._call(lambda: self.bucket.list_multipart_uploads(
                prefix=record.key), report, "ListMultipartUploads") if u.key == record.key]
        except S3Error as error:
            if error.kind is not ErrorKind.UNSUPPORTED:
                raise
            uploads = []                 # the store cannot list them: nothing to adopt
        if not uploads:
            return None
        upload = uploads[-1]
        try:
            remote = self._call(lambda: self.bucket.list_parts(
                record.key, upload.upload_id, customer_key=self.customer_key()), report, "ListParts")
        except S3Error as error:
            if error.kind is not ErrorKind.UNSUPPORTED:
                raise
            return None           # its parts cannot be checked, so they are not adopted
        plan, why = self._adoptable_plan(remote, size)
        if why:
            self.notice = f"Did not adopt the incomplete upload on the server ({why}) — started a new one"
            log.warning("task %s: %s", self.id, self.notice)
            return None
        self.store.begin_upload(self.id, upload.upload_id, plan[0].size, plan)
        for part in remote:
            self.store.part_done(self.id, part.number, part.etag, part.checksum)
        self.notice = (f"Adopted the incomplete upload on the server: {len(remote)} of "
                       f"{len(plan)} parts were there and match the file")
        self.store.set_state(self.id, self.state, message=self.notice)
        log.info("task %s: adopted upload %s (%d parts verified)", self.id, upload.upload_id,
                 len(remote))
        self._set_progress_from_store()
        done = {p.number for p in remote}
        return [p for p in plan if p.number not in done]

    def _adoptable_plan(self, remote, size: int) -> tuple[list[PartPlan], str]:
        """The plan that the server's parts imply, or why they cannot be trusted."""
        if not remote:
            return [], "it has no parts yet"
        part_size = remote[0].size            # every part but the last has the first's size
        try:
            plan = [PartPlan(1, 0, size)] if part_size == size else plan_parts(size, part_size)
        except PlanError:
            return [], "its part size does not fit this file"
        by_number = {p.number: p for p in plan}
        for part in remote:
            mine = by_number.get(part.number)
            if mine is None or mine.size != part.size:
                return [], f"part {part.number} does not line up with the file"
            if not _looks_like_md5_etag(part.etag):
                return [], f"part {part.number} has no MD5 ETag to check it by"
            _, md5 = file_range_checksums(self.record.source_path, mine.offset, mine.size, "", True)
            if base64.b64decode(md5).hex() != part.etag.strip('"'):
                return [], f"part {part.number} holds different bytes than the file"
        return plan, ""

    def _abort_unrecorded_uploads(self, record, report: Report) -> None:
        """Abort uploads of this exact key that no task of ours owns.

        Only reached when an earlier run of this task got as far as
        CreateMultipartUpload without recording an id. Start times cannot tell
        our orphan from another's (some stores report none), so a different
        tool writing the same key at this moment would lose its upload; each
        abort is logged.
        """
        ours = self.store.upload_ids(record.bucket, record.key)
        try:
            uploads = self._call(lambda: self.bucket.list_multipart_uploads(prefix=record.key),
                                 report, "ListMultipartUploads")
        except S3Error as error:
            if error.kind is not ErrorKind.UNSUPPORTED:
                raise
            return          # a store that cannot list them cannot be cleaned of them either
        for upload in uploads:
            if upload.key == record.key and upload.upload_id not in ours:
                try:
                    self._call(lambda u=upload: self.bucket.abort(u.key, u.upload_id), report,
                               "AbortMultipartUpload")
                except S3Error as error:
                    if error.kind is not ErrorKind.UNSUPPORTED:
                        raise
                    continue
                log.warning("task %s: aborted upload %s of s3://%s/%s that an interrupted run "
                            "started but never recorded", self.id, upload.upload_id,
                            record.bucket, record.key)


def _looks_like_md5_etag(etag: str | None) -> bool:
    if not etag:
        return False
    body = etag.strip('"').split("-")[0]
    return len(body) == 32 and all(c in "0123456789abcdef" for c in body.lower())
