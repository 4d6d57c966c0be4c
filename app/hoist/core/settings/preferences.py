"""The window's preferences, kept in preferences.json, and the TransferConfig they make."""

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from hoist.core.local.private_files import make_private_dir, write_private_text
from hoist.core.policy.planner import MiB
from hoist.core.settings.config import TransferConfig
from hoist.core.settings.presets import PRESETS

FORMAT = 2                 # 2: part size and parts per file may be null (automatic)
FIXED_PARTS_TOTAL = 8      # parts in flight in total when parts per file is set by hand
_OLD_DEFAULTS = {"part_size": 8 * MiB, "parts_per_file": 4}   # what format 1 always saved


@dataclass(frozen=True)
class Preferences:
    preset: str = "balanced"          # a name from core/settings/presets.py, or "custom"
    files_at_once: int = 3
    parts_per_file: int | None = None   # None: automatic, from the measured link
    part_size: int | None = None        # None: automatic, from file size and the measured link
    bandwidth_limit: int = 0          # bytes per second; 0 = unlimited
    bandwidth_schedule: str = ""      # a timetable (core/policy/schedule.py); replaces the limit when set
    auto_resume: bool = False         # resume restored uploads at start-up
    close_to_tray: bool = False       # closing the window keeps uploads going in the tray
    ask_before_quit: bool = True      # ask before quitting while uploads run
    history_days: int = 0             # completed rows shown for this long; 0 = until cleared

    @classmethod
    def load(cls, path: Path) -> "Preferences":
        """Missing or damaged file: the defaults (a preference is not worth an error dialog)."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            if data.get("format", 1) < FORMAT:
                # the old dialog saved its defaults too: those mean "automatic" now
                data = {k: v for k, v in data.items() if _OLD_DEFAULTS.get(k) != v}
            known = {f.name for f in fields(cls)}
            return cls(**{k: v for k, v in data.items() if k in known})
        except (OSError, ValueError, TypeError, AttributeError):
            return cls()

    def chosen_preset(self):
        """The named preset in force, or None for custom values (also when the values were
        changed without changing ``preset``, as in a file written before presets existed)."""
        preset = PRESETS.get(self.preset)
        if preset is None or ((self.files_at_once, self.parts_per_file, self.part_size)
                              != (preset.files_at_once, preset.parts_per_file, preset.part_size)):
            return None
        return preset

    def save(self, path: Path) -> None:
        path = Path(path)
        make_private_dir(path.parent)
        write_private_text(path, json.dumps({"format": FORMAT, **asdict(self)}, indent=2))

    def transfer_config(self) -> TransferConfig:
        """The engine's config for these preferences, clamped to S3's and our limits.

        Automatic parts per file (None) leaves parts in flight to the engine's
        measurement of the link. Set by hand, ``parts_total`` (parts in flight
        across all files) is not a preference: it is :data:`FIXED_PARTS_TOTAL`,
        raised only to ``parts_per_file`` so one file can use what it was given.
        Not files × parts: open connections and threads grow with parts in
        flight, and raising both knobs must not multiply them (the dialog shows
        the resulting total).
        """
        base = TransferConfig()
        total = None if self.parts_per_file is None else max(FIXED_PARTS_TOTAL, self.parts_per_file)
        preset = self.chosen_preset()
        attempts, window = base.max_attempts, base.retry_window
        if preset is not None:          # parts in total and retries are not boxes: the preset's
            total, attempts, window = preset.parts_total, preset.max_attempts, preset.retry_window
        return replace(base, files_at_once=self.files_at_once, parts_per_file=self.parts_per_file,
                       parts_total=total, max_attempts=attempts, retry_window=window,
                       part_size=self.part_size, bandwidth_limit=self.bandwidth_limit,
                       auto_resume=self.auto_resume, history_days=self.history_days).clamped()
