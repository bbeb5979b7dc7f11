"""Single flight: among concurrent callers asking for the same key, one computes the value and
the others wait for it, within one event loop.

A failed or cancelled computation stores nothing, so a waiter then finds no value and no
computation in flight, and computes it itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

import anyio

__all__ = ["SingleFlight"]

T = TypeVar("T")


class SingleFlight:
    """The computations in flight, by key (their events belong to one event loop)."""

    def __init__(self) -> None:
        self._in_flight: dict[Hashable, anyio.Event] = {}

    async def run(
        self,
        key: Hashable,
        lookup: Callable[[], T | None],
        compute: Callable[[], Awaitable[T]],
    ) -> T:
        """``lookup()`` if it has the value (also after waiting for another caller's
        computation), else ``compute()``, run by one caller at a time per key. ``compute`` is
        expected to store what ``lookup`` finds."""
        while True:
            found = lookup()
            if found is not None:
                return found
            pending = self._in_flight.get(key)
            if pending is None:
                break
            await pending.wait()
        done = anyio.Event()
        self._in_flight[key] = done
        try:
            return await compute()
        finally:
            del self._in_flight[key]
            done.set()
