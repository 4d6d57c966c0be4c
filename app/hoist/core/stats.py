"""What one upload cost beyond its bytes: retries by cause, parts re-sent, time offline.

The engine keeps one :class:`TransferStats` per task; the CLI prints them in its
run summary and the log's completion line carries them.
"""

import threading
from collections import Counter
from dataclasses import dataclass, field

CAUSES = ("reset", "timeout", "unreachable", "throttled", "server_error", "other")


@dataclass
class TransferStats:
    retries: Counter = field(default_factory=Counter)    # cause -> retries counted against budgets
    parts_resent: int = 0          # part requests sent again after a failed attempt
    network_wait: float = 0.0      # seconds spent waiting for the endpoint to come back
    outages: int = 0               # times this task found its endpoint down
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def retried(self, cause: str) -> None:
        with self._lock:
            self.retries[cause] += 1

    def resent(self) -> None:
        with self._lock:
            self.parts_resent += 1

    def waited(self, seconds: float) -> None:
        with self._lock:
            self.network_wait += seconds
            self.outages += 1

    def merge(self, other: "TransferStats") -> None:
        with self._lock:
            self.retries.update(other.retries)
            self.parts_resent += other.parts_resent
            self.network_wait += other.network_wait
            self.outages += other.outages

    def describe(self) -> str:
        """"2 retries (reset 1, throttled 1), 1 part re-sent, 31 s waiting for the network"."""
        bits = []
        total = sum(self.retries.values())
        if total:
            causes = ", ".join(f"{c.replace('_', ' ')} {n}" for c, n in sorted(self.retries.items()))
            bits.append(f"{total} retr{'y' if total == 1 else 'ies'} ({causes})")
        if self.parts_resent:
            bits.append(f"{self.parts_resent} part{'' if self.parts_resent == 1 else 's'} re-sent")
        if self.network_wait:
            bits.append(f"{self.network_wait:.0f} s waiting for the network")
        return ", ".join(bits) or "no retries"
