"""Named sets of transfer settings: ``--preset`` on the command line, Preset in Preferences.

A preset fills in part size, parts in flight, files at once and how long a
failing request is retried; anything set explicitly (a flag, a spin box) wins.
"""

from dataclasses import dataclass, replace

from hoist.core.local.units import format_duration, format_size
from hoist.core.policy.planner import MiB
from hoist.core.settings.config import TransferConfig


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    purpose: str
    part_size: int | None          # None: automatic
    parts_per_file: int | None     # None: automatic
    parts_total: int | None        # None: automatic
    files_at_once: int
    max_attempts: int              # tries of a request the server keeps refusing …
    retry_window: float            # … and seconds since its first failure, both spent to fail

    def apply(self, config: TransferConfig) -> TransferConfig:
        return replace(config, part_size=self.part_size, parts_per_file=self.parts_per_file,
                       parts_total=self.parts_total, files_at_once=self.files_at_once,
                       max_attempts=self.max_attempts, retry_window=self.retry_window).clamped()

    def describe(self) -> str:
        """What it sets, in words: "automatic part size, … 3 files at once, 6 tries"."""
        size = format_size(self.part_size) + " parts" if self.part_size else "automatic part size"
        parts = (f"{self.parts_total} parts in flight" if self.parts_total
                 else "parts in flight from the measured link")
        return (f"{size}, {parts}, {self.files_at_once} file{'s' if self.files_at_once > 1 else ''}"
                f" at once, a refused request retried {self.max_attempts} times over at least "
                f"{format_duration(self.retry_window)}")


PRESETS = {p.name: p for p in (
    Preset("balanced", "Balanced", "most links: parts and parallelism follow the link as Hoist measures it (the default)",
           None, None, None, 3, 10, 600),
    Preset("fast", "Fast", "a fast, reliable link (LAN, data centre): many big parts at once "
           "from the start, and a refusal fails sooner",
           32 * MiB, 8, 16, 6, 4, 60),
    Preset("poor-network", "Poor network", "a slow or flaky link: small parts that checkpoint "
           "often, one file at a time, and more patience with refusals",
           5 * MiB, 2, 2, 1, 12, 1800),
)}
DEFAULT = "balanced"
