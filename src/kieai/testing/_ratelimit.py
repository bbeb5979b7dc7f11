"""Kie's per-account request limits (20 createTask per 10 s; recordInfo 10 per second).

A sliding window, as Kie's "up to 20 new requests per 10 seconds" reads. A request leaves the
window once ``window_s`` seconds have passed on the fake's clock *or* in real time: a test can
advance a manual clock to open the window, and a client that paces itself in real time (as
``KieClient`` does) is never refused because a frozen test clock did not move.
"""

from __future__ import annotations

import math
import time
from collections import deque

__all__ = ["RateWindow"]


class RateWindow:
    """At most ``limit`` admitted requests in any ``window_s`` seconds. Not locked: the caller
    holds the fake's state lock."""

    def __init__(self, limit: int, window_s: float) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError(
                f"a rate limit needs limit >= 1 and window > 0, got ({limit}, {window_s})"
            )
        self.limit = limit
        self.window_s = window_s
        self._admitted: deque[tuple[float, float]] = deque()

    def _expire(self, now: float, mono: float) -> None:
        while self._admitted and (
            now - self._admitted[0][0] >= self.window_s
            or mono - self._admitted[0][1] >= self.window_s
        ):
            self._admitted.popleft()

    def admit(self, now: float) -> float | None:
        """Count one request at clock time ``now``; return None if admitted, else the seconds
        until a slot frees up (the refused request is not counted)."""
        mono = time.monotonic()
        self._expire(now, mono)
        if len(self._admitted) < self.limit:
            self._admitted.append((now, mono))
            return None
        oldest_clock, oldest_mono = self._admitted[0]
        return max(0.0, min(oldest_clock + self.window_s - now, oldest_mono + self.window_s - mono))

    def reset(self) -> None:
        self._admitted.clear()


def retry_after_header(seconds: float) -> str:
    """Retry-After in whole seconds, at least 1 (HTTP allows only integers there)."""
    return str(max(1, math.ceil(seconds)))
