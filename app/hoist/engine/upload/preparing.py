"""How an upload starts: check the source, then start, continue or reconcile its multipart upload.

A mixin of :class:`~hoist.engine.upload.task.UploadTask` (which owns the state it uses:
``record``, ``store``, ``bucket``, ``config``, ``_call``), split out to keep the
task about sending. ``prepare`` runs on a pool thread before any part is sent,
and is where the resume rules of DESIGN.md live: the source must match its
fingerprint, and a part counts as done only if the server has it as recorded.
"""

import logging
import os
import stat
import time
from dataclasses import replace
from typing import Callable

from hoist.core.checkpoint.states import PartState
from hoist.core.local.fingerprint import Fingerprint, fingerprint_and_content
from hoist.core.local.sources import InputError
from hoist.core.policy.planner import MAX_PART_SIZE, PartPlan, choose_part_size, plan_parts
from hoist.core.remote.errors import ErrorKind, S3Error, endpoint_label

log = logging.getLogger("hoist.task")

Report = Callable[[str], None]


SENDING = "Uploading…"      # a small file's row while its PutObject goes
VERIFYING = "Verifying…"    # and while HeadObject proves what it stored


class SourceChanged(Exception):
    """The source no longer matches its fingerprint; old parts must not be reused."""


def read_source_fingerprint(path: str) -> Fingerprint:
    """Fingerprint a source file, turning OS errors into a message for people."""
    return read_source(path)[0]


def read_source(path: str) -> tuple[Fingerprint, bytes | None]:
    """A source file's fingerprint, and its bytes if it is small (core/local/fingerprint.py),
    OS errors turned into a message for people."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{path} is not a regular file (it is a device, pipe or socket); "
                             "only regular files can be uploaded.")
        return fingerprint_and_content(path)
    except FileNotFoundError:
        raise InputError(f"{path} no longer exists: restore it, or remove this upload.") from None
    except PermissionError:
        raise InputError(f"{path} cannot be read (permission denied): "
                         "fix its permissions, then retry.") from None
    except OSError as e:
        raise InputError(f"{path} cannot be read ({e.strerror}).") from None



class Preparation:
    """Mixin for UploadTask: ``prepare`` and the steps it may take."""

    def prepare(self, report: Report) -> list[PartPlan] | None:
        """Check the source, then start or reconcile the multipart upload.

        Returns the parts still to send ([] for a file the store makes us send whole),
        or None when the object is on the server: a small file is sent here and now, and
        an earlier run may have completed the upload already.
        """
        plan = self._prepare(report)
        if plan and not self.single:
            self._hash_while_sending(self.record)     # only where the store will need it
        return plan

    def _prepare(self, report: Report) -> list[PartPlan] | None:
        record = self.record if self._fresh else self.store.get_task(self.id)
        self._fresh = False
        self.customer_key()          # an SSE-C upload without its key stops before any request
        current, content = read_source(record.source_path)
        why = record.fingerprint.difference(current) if record.fingerprint else None
        if why and (record.upload_id or record.parts_done):
            self._forget_upload(record, f"Source changed since last run ({why}) — restarted")
            record = self.store.get_task(self.id)
        self.started_at = self.started_at or time.monotonic()

        if not record.upload_id and current.size < self.config.multipart_threshold:
            # A small file goes whole in this same job: a thread hop, a state change and a
            # read of the store fewer per file, which a folder of photos makes thousands of.
            # A PutObject leaves nothing on the server to resume, so its fingerprint waits
            # for the transaction that marks it completed (two commits fewer per file).
            self.single = True
            self._set_progress_from(replace(record, fingerprint_json=current.to_json(),
                                            size=current.size))
            report(SENDING)              # the row's state is still "preparing"
            self._put_whole(self.record, report, content)
            return None
        self.store.set_fingerprint(self.id, current, current.size)
        if record.upload_id:
            try:
                remote = self._call(lambda: self.bucket.list_parts(
                    record.key, record.upload_id, customer_key=self.customer_key()),
                    report, "ListParts")
            except S3Error as error:
                if error.kind is ErrorKind.UNSUPPORTED:
                    return self._trust_checkpoint()
                if error.kind is not ErrorKind.NO_SUCH_UPLOAD:
                    raise
                if self._completed_on_server(record):
                    return None
                self._forget_upload(record, "The server no longer has the earlier upload "
                                            "(it expired or was aborted) — started a new one",
                                    abort=False)
                record = self.store.get_task(self.id)
            else:
                return self._reconcile(remote)
        return self._create_upload(record, current.size, report, current.mtime_ns)

    def _create_upload(self, record, size: int, report: Report,
                       mtime_ns: int) -> list[PartPlan]:
        if record.fingerprint is not None:
            # An earlier run got as far as CreateMultipartUpload; if it died before the
            # store recorded the id, that upload is ours and would be orphaned.
            self._abort_unrecorded_uploads(record, report)
        if self.adopt:
            adopted = self._adopt(record, size, report)
            if adopted is not None:
                return adopted
        # the part size asked for when the task was added (e.g. `--part-size`), not today's default
        part_size = choose_part_size(size, record.part_size or self.config.part_size)
        plan = plan_parts(size, part_size)
        # the algorithm is chosen per attempt: a store that refuses it is asked again without
        try:
            upload_id = self._call(lambda: self.bucket.create_multipart(
                record.key,
                record.checksum_algorithm if self.bucket.wants_checksums(self.objects) else "",
                self.objects.with_source_mtime(mtime_ns), self.customer_key()),
                report, "CreateMultipartUpload")
        except S3Error as error:
            if error.kind is not ErrorKind.UNSUPPORTED:
                raise
            return self._in_one_piece(record, size, error)
        self.store.begin_upload(self.id, upload_id, part_size, plan)
        log.info("task %s: started multipart upload of %s to s3://%s/%s: %d parts of %d bytes",
                 self.id, record.source_path, record.bucket, record.key, len(plan), part_size)
        self._set_progress_from_store()
        return plan

    def _in_one_piece(self, record, size: int, error: S3Error) -> list[PartPlan]:
        """A store that refuses multipart uploads altogether: one PutObject, if it can carry it."""
        if size > MAX_PART_SIZE:
            raise S3Error(ErrorKind.FATAL, "MultipartUnsupported",
                          f"The store does not accept multipart uploads ({error.code}), and "
                          f"{record.source_path} is over the 5 GiB one upload can carry: upload "
                          "it to a store that supports multipart uploads.") from None
        self.single = True
        self.notice = ("This store does not accept multipart uploads: sent in one piece "
                       "(an interruption starts this file over)")
        self.store.set_state(self.id, self.state, message=self.notice)
        log.warning("task %s: %s (%s)", self.id, self.notice, error.code)
        return []

    def _trust_checkpoint(self) -> list[PartPlan]:
        """The store will not list parts: the parts the checkpoint recorded done are taken as
        sent (each was acknowledged with its ETag); Complete and verification still check."""
        if self.bucket.first_time("no ListParts"):
            log.warning("%s does not support ListParts: resuming from the local checkpoint "
                        "alone (parts it recorded as sent are not sent again)",
                        endpoint_label(self.bucket.dest.endpoint_url))
        self._set_progress_from_store()
        return [PartPlan(p.number, p.offset, p.size) for p in self.store.parts(self.id)
                if p.state is not PartState.DONE]

    def _reconcile(self, remote) -> list[PartPlan]:
        """A part counts as done only if the server has it with the expected size (and ETag)."""
        on_server = {part.number: part for part in remote}
        lost, pending = [], []
        for part in self.store.parts(self.id):
            seen = on_server.get(part.number)
            ok = (seen is not None and seen.size == part.size
                  and (part.etag is None or seen.etag == part.etag))
            if part.state is PartState.DONE and not ok:
                lost.append(part.number)
            if part.state is not PartState.DONE or not ok:
                pending.append(PartPlan(part.number, part.offset, part.size))
        if lost:
            self.store.mark_parts_pending(self.id, lost)
            log.warning("task %s: server lacks parts %s that were recorded done; resending",
                        self.id, lost)
        self._set_progress_from_store()
        log.info("task %s: reconciled with server: %d parts to send", self.id, len(pending))
        return pending

    def _forget_upload(self, record, notice: str, abort: bool = True) -> None:
        if abort and record.upload_id:
            try:
                self.bucket.abort(record.key, record.upload_id)
            except S3Error as error:       # the stale upload is cleaned by `hoist cleanup`
                log.warning("task %s: could not abort stale upload: %s", self.id, error.message)
        self.store.reset_upload(self.id)
        self.notice = notice
        self.store.set_state(self.id, self.state, message=notice)
        log.warning("task %s: %s", self.id, notice)
        self._set_progress_from_store()
