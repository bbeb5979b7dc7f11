"""Opening a journal from a picklable description, the same way in the test process and in
the worker processes it spawns: ``("sqlite", path)`` or ``("redis", url)``."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Literal

from kieai._journal import DEFAULT_RETENTION_S, Journal, SQLiteJournal
from kieai.redis import RedisJournal

JournalKind = Literal["sqlite", "redis"]
JournalSpec = tuple[JournalKind, str]


@asynccontextmanager
async def open_journal(
    spec: JournalSpec, *, retention: float | timedelta = DEFAULT_RETENTION_S
) -> AsyncGenerator[Journal, None]:
    """A fresh journal instance on the stored data ``spec`` names, closed on exit."""
    kind, where = spec
    if kind == "sqlite":
        journal = SQLiteJournal(where, retention=retention)
        try:
            yield journal
        finally:
            await journal.aclose()
    else:
        async with RedisJournal(where, retention=retention) as redis_journal:
            yield redis_journal
