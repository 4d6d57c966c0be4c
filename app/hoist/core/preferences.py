"""The window's preferences, kept in preferences.json, and the TransferConfig they make."""

import json
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from hoist.core.config import TransferConfig
from hoist.core.planner import MiB

PREFERENCES_NAME = "preferences.json"


@dataclass(frozen=True)
class Preferences:
    files_at_once: int = 3
    parts_per_file: int = 4
    part_size: int = 8 * MiB
    bandwidth_limit: int = 0          # bytes per second; 0 = unlimited
    bandwidth_schedule: str = ""      # a timetable (core/schedule.py); replaces the limit when set
    auto_resume: bool = False         # resume restored uploads at start-up
    close_to_tray: bool = False       # closing the window keeps uploads going in the tray
    ask_before_quit: bool = True      # ask before quitting while uploads run

    @classmethod
    def load(cls, path: Path) -> "Preferences":
        """Missing or damaged file: the defaults (a preference is not worth an error dialog)."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            known = {f.name for f in fields(cls)}
            return cls(**{k: v for k, v in data.items() if k in known})
        except (OSError, ValueError, TypeError, AttributeError):
            return cls()

    def save(self, path: Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(path.name + ".tmp")
        temp.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
        os.replace(temp, path)

    def transfer_config(self) -> TransferConfig:
        """The engine's config for these preferences, clamped to S3's and our limits.

        ``parts_total`` (parts in flight across all files) is not a preference: it
        stays at TransferConfig's default, raised only to ``parts_per_file`` so one
        file can use what it was given. Not files × parts: open connections and
        threads grow with parts in flight, and raising both knobs must not
        multiply them (the dialog shows the resulting total).
        """
        base = TransferConfig()
        return replace(base, files_at_once=self.files_at_once, parts_per_file=self.parts_per_file,
                       parts_total=max(base.parts_total, self.parts_per_file),
                       part_size=self.part_size, bandwidth_limit=self.bandwidth_limit,
                       auto_resume=self.auto_resume).clamped()
