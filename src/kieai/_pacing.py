"""Client-side pacing: at most N sends in any window of T seconds, shared by all coroutines.

Kie rejects (does not queue) requests over its limits, so a batch of 300 concurrent
``generate`` calls would otherwise collect 429s. The limiter records the time of each send and
makes the next caller wait until the oldest send in the window is T seconds old. Waiters are
served first-come first-served (anyio's Lock is fair), and the lock is held while sleeping so no
late arrival can overtake a waiter.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import anyio

__all__ = ["RateLimiter"]


class RateLimiter:
    """Sliding-window limiter: no window of ``period`` seconds holds more than ``count`` sends."""

    def __init__(
        self,
        count: int,
        period: float,
        *,
        clock: Callable[[], float] = anyio.current_time,
    ) -> None:
        self.count = count
        self.period = period
        self._clock = clock
        self._sends: deque[float] = deque()
        self._lock: anyio.Lock | None = None

    def __repr__(self) -> str:
        return f"RateLimiter({self.count} per {self.period:g} s)"

    async def acquire(self) -> None:
        """Wait until one more send fits in the window, then record it as sent now."""
        if self._lock is None:
            self._lock = anyio.Lock()
        async with self._lock:
            while True:
                now = self._clock()
                while self._sends and now - self._sends[0] >= self.period:
                    self._sends.popleft()
                if len(self._sends) < self.count:
                    self._sends.append(now)
                    return
                await anyio.sleep(self._sends[0] + self.period - now)
