"""What uploads cost beyond their bytes: retries by cause, parts re-sent, time offline
or waiting for fresh credentials.

The engine keeps one :class:`TransferStats` per task for the current run and adds
it to what the checkpoint store holds from earlier runs; the CLI prints them in
its run summary and in `hoist stats`, and the window's Details pane shows them.
"""

import json
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
    credentials_wait: float = 0.0  # seconds spent waiting for expired credentials to be renewed
    bytes_sent: int = 0            # bytes of requests the server accepted
    bytes_received: int = 0        # bytes of downloads' ranges written to disk
    seconds: float = 0.0           # time spent preparing, uploading and completing
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def retried(self, cause: str) -> None:
        with self._lock:
            self.retries[cause] += 1

    def resent(self) -> None:
        with self._lock:
            self.parts_resent += 1

    def waited(self, seconds: float, credentials: bool = False) -> None:
        with self._lock:
            if credentials:
                self.credentials_wait += seconds
            else:
                self.network_wait += seconds
                self.outages += 1

    def sent(self, nbytes: int) -> None:
        with self._lock:
            self.bytes_sent += nbytes

    def received(self, nbytes: int) -> None:
        with self._lock:
            self.bytes_received += nbytes

    def merge(self, other: "TransferStats") -> "TransferStats":
        with self._lock:
            self.retries.update(other.retries)
            self.parts_resent += other.parts_resent
            self.network_wait += other.network_wait
            self.outages += other.outages
            self.credentials_wait += other.credentials_wait
            self.bytes_sent += other.bytes_sent
            self.bytes_received += other.bytes_received
            self.seconds += other.seconds
        return self

    def throughput(self) -> float:
        """Bytes a second, sent and received, over the time spent transferring (0 when nothing
        was timed)."""
        moved = self.bytes_sent + self.bytes_received
        return moved / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> str:
        return json.dumps({"retries": dict(self.retries), "parts_resent": self.parts_resent,
                           "network_wait": round(self.network_wait, 3), "outages": self.outages,
                           "credentials_wait": round(self.credentials_wait, 3),
                           "bytes_sent": self.bytes_sent,
                           "bytes_received": self.bytes_received, "seconds": round(self.seconds, 3)})

    @classmethod
    def from_json(cls, text: str | None) -> "TransferStats":
        """Statistics from the store; anything unreadable counts as none."""
        try:
            data = json.loads(text or "{}")
            return cls(retries=Counter({str(k): int(v) for k, v in data.get("retries", {}).items()}),
                       parts_resent=int(data.get("parts_resent", 0)),
                       network_wait=float(data.get("network_wait", 0.0)),
                       outages=int(data.get("outages", 0)),
                       credentials_wait=float(data.get("credentials_wait", 0.0)),
                       bytes_sent=int(data.get("bytes_sent", 0)),
                       bytes_received=int(data.get("bytes_received", 0)),
                       seconds=float(data.get("seconds", 0.0)))
        except (ValueError, TypeError, AttributeError):
            return cls()

    def describe(self) -> str:
        """"2 retries (reset 1, throttled 1), 1 part re-sent, 31 s waiting for the network"."""
        bits = []
        total = sum(self.retries.values())
        if total:
            causes = ", ".join(f"{c.replace('_', ' ')} {n}" for c, n in sorted(self.retries.items()))
            bits.append(f"{total} retr{'y' if total == 1 else 'ies'} ({causes})")
        if self.parts_resent:
            bits.append(f"{self.parts_resent} part{'' if self.parts_resent == 1 else 's'} re-sent")
        if self.network_wait >= 0.5:
            bits.append(f"{self.network_wait:.0f} s waiting for the network")
        if self.credentials_wait >= 0.5:
            bits.append(f"{self.credentials_wait:.0f} s waiting for credentials")
        return ", ".join(bits) or "no retries"
