"""The bandwidth limit: one token bucket shared by every thread that sends part bytes.

A token is a byte. The bucket refills at ``rate`` tokens a second up to
``burst``; a sender takes tokens before it hands bytes to the socket. Waiting
happens in short slices on the injected clock, outside the lock, so a new
rate reaches threads that are already waiting and a pause interrupts them
within one slice.
"""

import threading
from typing import Callable

from hoist.core.policy.clock import Clock, SystemClock

MIN_BURST = 64 * 1024
MAX_SLICE = 0.05     # seconds; the longest a waiting sender goes without checking for a stop
MIN_SLICE = 0.001    # seconds; keeps a sender that is a few bytes short from spinning


class TokenBucket:
    """A thread-safe token bucket; ``rate`` 0 means unlimited.

    ``burst`` is the most the bucket holds. Left as None it follows the rate,
    ``max(rate / 4, 64 KiB)``: a quarter second of sending, which keeps the
    flow smooth without letting an idle pause turn into a long full-speed spike.
    """

    def __init__(self, rate_bytes_per_s: int, clock: Clock | None = None, burst: int | None = None):
        if burst is not None and burst <= 0:
            raise ValueError(f"burst must be positive, not {burst}")
        self._clock = clock or SystemClock()
        self._fixed_burst = burst
        self._lock = threading.Lock()
        self._rate = self._check_rate(rate_bytes_per_s)
        self._burst = self._burst_for(self._rate)
        self._tokens = float(self._burst)            # start full: the first burst goes at once
        self._last = self._clock.monotonic()

    @staticmethod
    def _check_rate(rate: int) -> int:
        if rate < 0:
            raise ValueError(f"rate must be 0 (unlimited) or positive, not {rate}")
        return rate

    def _burst_for(self, rate: int) -> int:
        return self._fixed_burst or max(rate // 4, MIN_BURST)

    @property
    def rate(self) -> int:
        """Bytes per second; 0 = unlimited."""
        return self._rate

    @property
    def burst(self) -> int:
        return self._burst

    def _refill(self) -> None:
        # Caller holds the lock. max(): another thread may have read the clock later.
        now = self._clock.monotonic()
        elapsed = max(0.0, now - self._last)
        self._tokens = min(float(self._burst), self._tokens + elapsed * self._rate)
        self._last = max(now, self._last)

    def set_rate(self, rate_bytes_per_s: int) -> None:
        """Change the rate now, also for threads already waiting in :meth:`consume`."""
        rate = self._check_rate(rate_bytes_per_s)
        with self._lock:
            if self._rate:
                self._refill()                      # time so far is credited at the old rate
            else:
                self._tokens = float(self._burst_for(rate))   # leaving unlimited: start full
                self._last = self._clock.monotonic()
            self._rate = rate
            self._burst = self._burst_for(rate)
            self._tokens = min(self._tokens, float(self._burst))

    def consume(self, n: int, should_stop: Callable[[], bool] | None = None) -> bool:
        """Take ``n`` tokens, waiting as long as the rate requires.

        Returns True once all are taken, or False as soon as ``should_stop()``
        is true (checked at least every 50 ms of clock time); tokens taken
        before a stop are not given back. ``n`` may exceed the burst: it is
        taken in slices as the bucket refills, alongside other threads.
        """
        if n < 0:
            raise ValueError(f"cannot consume a negative number of tokens ({n})")
        remaining = float(n)
        while remaining > 0:
            if not self._rate:                      # unlimited, or became so while we waited
                return True
            if should_stop is not None and should_stop():
                return False
            with self._lock:
                if not self._rate:
                    return True
                self._refill()
                take = min(remaining, self._tokens)
                self._tokens -= take
                remaining -= take
                if remaining <= 0:
                    return True
                # Wake when the bucket could cover us (or is full), but never later than
                # one slice: the rate may change or a stop may come meanwhile.
                wait = min(remaining, self._burst) / self._rate
            self._clock.sleep(min(MAX_SLICE, max(MIN_SLICE, wait)))
        return True
