"""Calling user hooks (``on_progress``, ``on_update``, ``on_created``) that may be sync or async."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

__all__ = ["Progress", "ProgressCallback", "call_hook"]

T = TypeVar("T")

#: ``on_progress(sent_bytes, total_bytes)``; total is None only for a stream of unknown length.
ProgressCallback = Callable[[int, "int | None"], "Awaitable[None] | None"]


async def call_hook(hook: Callable[..., Any] | None, *args: Any) -> None:
    """Call ``hook(*args)`` and await the result if it is awaitable."""
    if hook is None:
        return
    result = hook(*args)
    if inspect.isawaitable(result):
        await result


class Progress:
    """Reports ``(sent, total)`` so that ``sent`` never decreases, even when a retry restarts
    the transfer from byte 0: a restarted transfer stays silent until it passes the old mark."""

    def __init__(self, hook: ProgressCallback | None, total: int | None) -> None:
        self._hook = hook
        self.total = total
        self._reported = -1

    async def update(self, sent: int) -> None:
        if self._hook is None or sent <= self._reported:
            return
        self._reported = sent
        await call_hook(self._hook, sent, self.total)

    async def finish(self, sent: int) -> None:
        """The final ``(total, total)`` call (for unknown totals: ``(sent, sent)``)."""
        if self.total is None:
            # The last update said (sent, None); now that the length is known, say it, even
            # though ``sent`` did not move.
            self.total = sent
            if self._hook is not None and sent >= self._reported:
                self._reported = sent
                await call_hook(self._hook, sent, sent)
            return
        await self.update(self.total)
