"""Time as an injectable dependency, so backoff and rate limits are testable without sleeping.

Everything that waits (retry backoff, the bandwidth limiter, the engine's
sliced sleeps) asks a :class:`Clock` rather than the ``time`` module.
"""

import threading
import time
from typing import Callable, Protocol


class Clock(Protocol):
    """A monotonic time source that can also wait."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock: :func:`time.monotonic` and :func:`time.sleep`."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class FakeClock:
    """A clock for tests: ``sleep`` returns at once, moves time forward and is recorded.

    Thread-safe. All threads share one timeline, so two threads that each
    sleep 1 s move it by 2 s. ``on_sleep(seconds)`` is called after each
    sleep, outside the clock's lock, from the sleeping thread; tests use it to
    act "while" someone waits (change a rate, ask for a stop).
    """

    def __init__(self, start: float = 0.0, on_sleep: Callable[[float], None] | None = None):
        self._now = float(start)
        self._sleeps: list[float] = []
        self._lock = threading.Lock()
        self.on_sleep = on_sleep

    def monotonic(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")   # as time.sleep says
        with self._lock:
            self._now += seconds
            self._sleeps.append(seconds)
        if self.on_sleep is not None:
            self.on_sleep(seconds)

    def advance(self, seconds: float) -> None:
        """Move time forward without recording a sleep (time passing elsewhere)."""
        if seconds < 0:
            raise ValueError("a monotonic clock cannot go back")
        with self._lock:
            self._now += seconds

    @property
    def sleeps(self) -> list[float]:
        """A copy of every sleep so far, in order."""
        with self._lock:
            return list(self._sleeps)

    @property
    def slept(self) -> float:
        """Total seconds slept."""
        with self._lock:
            return sum(self._sleeps)
