"""Client-side pacing: at most N sends in any window of T seconds, shared by all coroutines.

Kie rejects (does not queue) requests over its limits, so a batch of 300 concurrent
``generate`` calls would otherwise collect 429s. A send holds a slot from `acquire` until
`release` (called when its attempt finished), and the slot keeps counting for T seconds
after that. Counting from the end rather than from the start of the send is what makes the
window hold at the moment a request actually leaves (and arrives at Kie), however long the way
from ``acquire`` to the socket took. Waiters are served first-come first-served (anyio's Lock is
fair), and the lock is held while waiting so no late arrival can overtake a waiter.
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
        #: When finished sends ended, oldest first (release times are monotonic).
        self._sends: deque[float] = deque()
        #: Slots handed out whose send has not finished yet: they count as "now" until released.
        self._in_flight = 0
        #: Held by the one waiter (on the event loop) while it waits for room.
        self._lock: anyio.Lock | None = None
        self._released: anyio.Event | None = None

    def __repr__(self) -> str:
        return f"RateLimiter({self.count} per {self.period:g} s)"

    async def acquire(self) -> None:
        """Wait until one more send fits in the window and take a slot for it. Every call must
        be paired with `release` once the send is over (also when it failed)."""
        lock = self._lock
        if lock is None:
            lock = self._lock = anyio.Lock()
        if not lock.locked():
            # Nobody waits (a waiter holds the lock while it waits), so a slot taken at once
            # overtakes no one: the lock, and its trip through the event loop, are for when the
            # window is full. A caller already cancelled still takes no slot.
            await anyio.lowlevel.checkpoint_if_cancelled()
            if self._take_if_room():
                return
        async with lock:
            while True:
                if self._take_if_room():
                    return
                now = self._clock()
                oldest = self._sends[0] if self._sends else None
                # Wake when the oldest finished send leaves the window, or when an in-flight
                # send finishes (its end time is then known and may be the one to wait for).
                self._released = released = anyio.Event()
                delay = None if oldest is None else oldest + self.period - now
                with anyio.move_on_after(delay):
                    await released.wait()

    def _take_if_room(self) -> bool:
        """Drop sends that left the window; take a slot if one more send fits."""
        now = self._clock()
        while self._sends and now - self._sends[0] >= self.period:
            self._sends.popleft()
        if len(self._sends) + self._in_flight < self.count:
            self._in_flight += 1
            return True
        return False

    def release(self) -> None:
        """The send that took a slot is over; the slot counts for ``period`` from now, and a
        waiter looks again."""
        self._in_flight -= 1
        self._sends.append(self._clock())
        if self._released is not None:
            self._released.set()
