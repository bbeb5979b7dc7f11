"""``client.tasks``: the journal's record of paid work, read and resumed.

Kie has no endpoint that lists or finds tasks; the journal is the list. ``resume`` waits for
one task (again) and returns its typed result; ``collect`` does that for every unfinished
task at once, paced by the client like any other polling.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import anyio

from ._constants import DEFAULT_MAX_POLL_INTERVAL_S, DEFAULT_POLL_INTERVAL_S, DEFAULT_WAIT_TIMEOUT_S
from ._errors import KieError, KieInputError, after_creation
from ._journal import Journal, JournalEntry
from ._ledger import recorded_end

if TYPE_CHECKING:
    from ._engine import Engine
    from ._ledger import Ledger
    from ._polling import OnUpdate
    from .types import AnyResult

__all__ = ["DEFAULT_COLLECT_CONCURRENCY", "Tasks"]

logger = logging.getLogger("kieai")

#: How many unfinished tasks `Tasks.collect` waits for at once (the client's pacer keeps the
#: polls under Kie's limit whatever this is).
DEFAULT_COLLECT_CONCURRENCY = 16


class Tasks:
    """``client.tasks``: list, read, resume and collect the tasks the journal holds."""

    def __init__(self, ledger: Ledger, engine: Engine) -> None:
        self._ledger = ledger
        self._engine = engine

    def __repr__(self) -> str:
        return f"<Tasks journal={self._ledger.journal!r}>"

    def _journal(self) -> Journal:
        journal = self._ledger.journal
        if journal is None:
            raise KieError(
                "client.tasks needs a journal: KieClient(journal='tasks.sqlite3'), a "
                "kieai.redis.RedisJournal, or the KIE_JOURNAL environment variable"
            )
        return journal

    async def list(
        self,
        state: str | None = None,
        model: str | None = None,
        since: datetime | None = None,
    ) -> list[JournalEntry]:
        """The journal's entries, oldest first. ``state``: a `TaskState` value,
        ``"unfinished"`` (created, not ended: `resume` or `collect` them), ``"uncertain"`` (a
        create whose creator is gone before Kie's answer: with ``sent`` None the task may
        exist; with ``sent`` False it never left), or None for every entry."""
        return await self._journal().list(state=state, model=model, since=since)

    async def get(self, task_id: str) -> JournalEntry | None:
        """The journal's entry for ``task_id``, or None when it holds none."""
        if not isinstance(task_id, str) or not task_id.strip():  # pyright: ignore[reportUnnecessaryIsInstance]
            raise KieInputError(f"task_id: must be a non-empty string, got {task_id!r}")
        return await self._journal().get(task_id.strip())

    async def resume(
        self,
        task_id: str,
        *,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT_S,
        poll_interval: float = DEFAULT_POLL_INTERVAL_S,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL_S,
        on_update: OnUpdate | None = None,
    ) -> AnyResult:
        """Wait for a journaled task (again) and return its typed result. A task the
        journal already saw succeed is returned without asking Kie; one that failed raises
        `TaskFailedError` again."""
        entry = await self.get(task_id)
        if entry is None:
            # Not journaled: waited for like any id (a short grace if Kie does not know it).
            entry = JournalEntry(
                id="",
                task_id=task_id.strip(),
                model="",
                family="market",
                state="waiting",
                created_at=datetime.now(timezone.utc),
                updated_at=datetime.now(timezone.utc),
                idempotency_key=None,
                estimate=None,
                credits=None,
                result_urls=(),
                fail_code=None,
                fail_msg=None,
                input={},
                sent=True,
            )
        return await self._resume(entry, timeout, poll_interval, max_poll_interval, on_update)

    async def _resume(
        self,
        entry: JournalEntry,
        timeout: float | None,
        poll_interval: float,
        max_poll_interval: float,
        on_update: OnUpdate | None,
    ) -> AnyResult:
        from ._pipeline import find_model
        from .types import bound_result, result_class

        assert entry.task_id is not None
        task_id = entry.task_id
        try:
            task = recorded_end(entry) or await self._engine.wait(
                task_id,
                timeout=timeout,
                poll_interval=poll_interval,
                max_poll_interval=max_poll_interval,
                on_update=on_update,
            )
        except KieError as exc:
            after_creation(exc, task_id)
            raise
        info = find_model(entry.model or task.model or "")
        cls = result_class(info.output if info is not None else None, task.result_urls)
        return bound_result(
            cls, task_id=task_id, task=task, urls=task.result_urls, downloader=self._engine.download
        )

    async def collect(
        self,
        *,
        concurrency: int = DEFAULT_COLLECT_CONCURRENCY,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT_S,
        poll_interval: float = DEFAULT_POLL_INTERVAL_S,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL_S,
    ) -> AsyncIterator[AnyResult]:
        """Wait for every unfinished task in the journal, ``concurrency`` at a time, and yield
        each result as it finishes. A task that fails or times out is logged and recorded
        (``tasks.list(state="fail")``), not raised: one task never stops the others."""
        if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:  # pyright: ignore[reportUnnecessaryIsInstance]
            raise KieInputError(f"concurrency: must be an int >= 1, got {concurrency!r}")
        entries = await self._journal().list(state="unfinished")
        send, receive = anyio.create_memory_object_stream["AnyResult"](len(entries) or 1)
        limiter = anyio.CapacityLimiter(concurrency)

        async def one(entry: JournalEntry) -> None:
            async with limiter:
                try:
                    result = await self._resume(
                        entry, timeout, poll_interval, max_poll_interval, None
                    )
                except KieError as exc:
                    logger.warning("collecting task %s: %s", entry.task_id, exc)
                    return
                await send.send(result)

        async def run_all() -> None:
            async with send, anyio.create_task_group() as group:
                for entry in entries:
                    group.start_soon(one, entry)

        async with anyio.create_task_group() as group, receive:
            group.start_soon(run_all)
            async for result in receive:
                yield result

    async def _collect_all(
        self,
        *,
        concurrency: int = DEFAULT_COLLECT_CONCURRENCY,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT_S,
    ) -> list[AnyResult]:
        """`collect` as one list (in order of completion): what the sync client returns."""
        return [result async for result in self.collect(concurrency=concurrency, timeout=timeout)]
