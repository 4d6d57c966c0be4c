"""One object for every transfer setting, with documented defaults clamped to S3's limits."""

from dataclasses import dataclass, replace

from hoist.core.policy.planner import MAX_PART_SIZE, MIN_PART_SIZE, MiB

MAX_FILES_AT_ONCE = 64
MAX_PARTS_IN_FLIGHT = 256
AUTO_PARTS_IN_FLIGHT = 32      # the most parts in flight the automatic mode uses, in total
AUTO_SMALL_FILES_AT_ONCE = 16  # files sent in one request at once, where parts_total is automatic


@dataclass(frozen=True)
class TransferConfig:
    """Settings shared by the engine, the CLI and the preferences dialog.

    part_size            -- preferred part size; raised for big files (see planner).
                            None (default): automatic, chosen per new upload from the
                            file size and the endpoint's measured throughput (core/adaptive)
    multipart_threshold  -- files smaller than this go as one PutObject
    files_at_once        -- multipart uploads preparing/uploading/completing at the same
                            time. A file under the threshold goes in one request, like a
                            part: up to ``small_files_at_once`` of those run besides
    parts_per_file       -- parts of one file in flight at once; None (default): no cap
                            per file, the endpoint's automatic limit shares them out
    parts_total          -- parts in flight across all files; None (default): automatic,
                            per endpoint, grown while measured goodput rises (core/adaptive)
    bandwidth_limit      -- bytes per second for all parts together; 0 = unlimited
    checksum_algorithm   -- "CRC32" (default), "CRC32C", "SHA1", "SHA256", or "" for none
    max_attempts         -- tries of one request the server keeps refusing before its task
                            fails (network outages are waited out and do not count)
    retry_window         -- seconds: nor does it fail before this long since the request's
                            first failure (both must be spent)
    auto_resume          -- at start-up resume restored tasks instead of leaving them paused
    wait_for_credentials -- credentials that expire mid-transfer are waited for, like the
                            network, until a probe finds them renewed; False: the task
                            fails, saying how to renew them (`--no-wait-for-credentials`)
    history_days         -- the window shows completed uploads again when it reopens, until
                            Clear completed, or for this many days after they finished;
                            0 (default): until cleared
    """

    part_size: int | None = None
    multipart_threshold: int = 8 * MiB
    files_at_once: int = 3
    parts_per_file: int | None = None
    parts_total: int | None = None
    bandwidth_limit: int = 0
    checksum_algorithm: str = "CRC32"
    max_attempts: int = 10
    retry_window: float = 600.0
    auto_resume: bool = False
    wait_for_credentials: bool = True
    history_days: int = 0

    def clamped(self) -> "TransferConfig":
        """A copy with every value inside what S3 and this machine can take."""
        return replace(
            self,
            part_size=_clamp(self.part_size, MIN_PART_SIZE, MAX_PART_SIZE),
            # One PutObject takes at most 5 GiB, so bigger files must go as multipart.
            multipart_threshold=min(max(self.multipart_threshold, 0), MAX_PART_SIZE),
            files_at_once=min(max(self.files_at_once, 1), MAX_FILES_AT_ONCE),
            parts_per_file=_clamp(self.parts_per_file, 1, MAX_PARTS_IN_FLIGHT),
            parts_total=_clamp(self.parts_total, 1, MAX_PARTS_IN_FLIGHT),
            bandwidth_limit=max(self.bandwidth_limit, 0),
            max_attempts=max(self.max_attempts, 1),
            retry_window=max(self.retry_window, 0.0),
            history_days=max(self.history_days, 0),
        )

    @property
    def small_files_at_once(self) -> int:
        """Files sent whole (one PutObject each) at once: the parts cap, or 16 if automatic.

        A small file's upload is one request, so it is paced like a part: a folder of
        photos goes many at a time (a link's latency, not its bandwidth, limits it),
        not ``files_at_once`` at a time.
        """
        return self.parts_total or AUTO_SMALL_FILES_AT_ONCE

    @property
    def max_parts_in_flight(self) -> int:
        """Parts that can be in flight at once: sizes the thread and connection pools."""
        return self.parts_total or AUTO_PARTS_IN_FLIGHT


def _clamp(value: int | None, low: int, high: int) -> int | None:
    """``value`` within [low, high]; None (automatic) stays None."""
    return None if value is None else min(max(value, low), high)
