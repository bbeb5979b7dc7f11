"""The fake's sense of time: task schedules, rate-limit windows and link expiry read it.

Tests want determinism, so besides the real clock there is a `ManualClock` that only
moves when told to. Both can jump forward with `Clock.advance`, which is how a test
skips a long schedule without sleeping. Clocks are shared with the server thread of
``FakeKie.serve()``, so they guard their state with a ``threading.Lock``.
"""

from __future__ import annotations

import threading
import time

__all__ = ["Clock", "ManualClock", "SystemClock"]


class Clock:
    """Seconds since the Unix epoch, as a float. Subclasses decide how it moves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset_s = 0.0

    def now(self) -> float:
        """The current time in epoch seconds."""
        raise NotImplementedError

    def advance(self, seconds: float) -> None:
        """Jump forward by ``seconds`` (tasks progress, windows slide, links expire)."""
        if seconds < 0:
            raise ValueError(f"a clock only moves forward, got {seconds!r} s")
        with self._lock:
            self._offset_s += seconds


class SystemClock(Clock):
    """Real wall-clock time, plus whatever `advance` added."""

    def now(self) -> float:
        with self._lock:
            return time.time() + self._offset_s


class ManualClock(Clock):
    """Frozen time that moves only through `advance`: tasks never progress on their own.

    ``start`` defaults to the real time at construction, so timestamps the fake reports look
    like today's.
    """

    def __init__(self, start: float | None = None) -> None:
        super().__init__()
        self._start_s = time.time() if start is None else float(start)

    def now(self) -> float:
        with self._lock:
            return self._start_s + self._offset_s
