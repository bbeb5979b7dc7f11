"""Real worker processes on one journal (``multiprocessing``, spawn): the races, the load run
and the crash. Used by tests/ledger/test_ledger_races.py, test_ledger_crash.py and
``benchmarks/journal.py``.

Each worker opens its own journal instance from a `JournalSpec`, says it is ready, and waits
for the common start (an Event), so process start-up is not part of the race.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.to_thread

from kieai import Budget, BudgetExceededError
from kieai._journal import Journal, wait_for_create

from ._journals import JournalSpec, open_journal

MODEL = "kling-2.6/motion-control"
INPUT: dict[str, Any] = {
    "input_urls": ["https://tempfile.redpandaai.co/kieai/person.png"],
    "video_urls": ["https://tempfile.redpandaai.co/kieai/dance.mp4"],
    "character_orientation": "video",
    "mode": "720p",
}
#: How long a whole multi-process run may take before the test fails (not a timing bound:
#: a hung worker must not hang the suite).
RUN_TIMEOUT_S = 180.0
#: Stand-in for the createTask round trip while the key is held.
CREATE_ROUND_TRIP_S = 0.05

_Context = Any  # multiprocessing's spawn context (its types are not exported)


@dataclass
class WorkerResult:
    """What one worker saw: ``outcomes`` per call, and any errors as text."""

    pid: int
    outcomes: list[tuple[str, str | None]] = field(default_factory=list[tuple[str, str | None]])
    errors: list[str] = field(default_factory=list[str])
    operations: int = 0


def run_workers(target: Callable[..., None], args: Sequence[tuple[Any, ...]]) -> list[WorkerResult]:
    """Start one spawned process per ``args``, start them together, collect their results."""
    context: _Context = multiprocessing.get_context("spawn")
    ready = context.Queue()
    results = context.Queue()
    go = context.Event()
    processes = [
        context.Process(target=target, args=(*worker_args, ready, go, results))
        for worker_args in args
    ]
    for process in processes:
        process.start()
    try:
        deadline = time.monotonic() + RUN_TIMEOUT_S
        for _ in processes:
            ready.get(timeout=max(0.0, deadline - time.monotonic()))
        go.set()
        collected: list[WorkerResult] = []
        for _ in processes:
            collected.append(results.get(timeout=max(0.0, deadline - time.monotonic())))
        return collected
    except queue.Empty:
        raise AssertionError(f"a worker did not answer within {RUN_TIMEOUT_S} s") from None
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()
        ready.close()
        results.close()


def _serve(
    spec: JournalSpec,
    ready: Any,
    go: Any,
    results: Any,
    body: Callable[[Journal, WorkerResult], Any],
) -> None:
    """A worker's frame: open the journal, report ready, wait for the start, run ``body``."""
    report = WorkerResult(os.getpid())

    async def main() -> None:
        async with open_journal(spec) as journal:
            ready.put(os.getpid())
            await anyio.to_thread.run_sync(go.wait)
            await body(journal, report)

    try:
        anyio.run(main)
    except Exception as exc:  # reported to the test, which fails naming it
        report.errors.append(repr(exc))
    results.put(report)


def claim_worker(
    spec: JournalSpec, key: str, calls: int, ready: Any, go: Any, results: Any
) -> None:
    """``calls`` concurrent creates with one idempotency key: the caller that is told to
    create "sends" (a short sleep) and records its task id; the others wait for it."""

    async def body(journal: Journal, report: WorkerResult) -> None:
        async def one(n: int) -> None:
            claim = await journal.begin(MODEL, INPUT, idempotency_key=key)
            if claim.outcome == "create":
                await anyio.sleep(CREATE_ROUND_TRIP_S)
                task_id = f"task-{os.getpid()}-{n}"
                await journal.record_task_id(claim.entry.id, task_id)
                report.outcomes.append(("created", task_id))
            elif claim.outcome == "in_progress":
                entry = await wait_for_create(journal, key, timeout=60.0)
                report.outcomes.append(("waited", None if entry is None else entry.task_id))
            else:
                report.outcomes.append((claim.outcome, claim.entry.task_id))

        async with anyio.create_task_group() as group:
            for n in range(calls):
                group.start_soon(one, n)

    _serve(spec, ready, go, results, body)


def budget_worker(
    spec: JournalSpec,
    calls: int,
    estimate: float,
    per_day: float,
    ready: Any,
    go: Any,
    results: Any,
) -> None:
    """``calls`` concurrent creates of ``estimate`` credits each under ``per_day``."""
    budget = Budget(per_day=per_day)

    async def body(journal: Journal, report: WorkerResult) -> None:
        async def one() -> None:
            try:
                claim = await journal.begin(MODEL, INPUT, estimate=estimate, budget=budget)
            except BudgetExceededError as exc:
                report.outcomes.append(("refused", str(exc.spent)))
            else:
                report.outcomes.append(("created", claim.entry.id))

        async with anyio.create_task_group() as group:
            for _ in range(calls):
                group.start_soon(one)

    _serve(spec, ready, go, results, body)


def load_worker(spec: JournalSpec, seconds: float, ready: Any, go: Any, results: Any) -> None:
    """Write for ``seconds``: intent, task id, a state, the end with credits; count every
    error (a "database is locked" among them) instead of stopping at the first."""

    async def body(journal: Journal, report: WorkerResult) -> None:
        deadline = time.monotonic() + seconds
        n = 0
        while time.monotonic() < deadline:
            n += 1
            task_id = f"task-{os.getpid()}-{n}"
            try:
                claim = await journal.begin(MODEL, INPUT, idempotency_key=task_id, estimate=11.0)
                await journal.record_task_id(claim.entry.id, task_id)
                await journal.record_update(task_id, state="generating")
                await journal.record_update(task_id, state="success", credits=11.0)
                await journal.get(task_id)
            except sqlite3.OperationalError as exc:
                report.errors.append(str(exc))
            else:
                report.operations += 1

    _serve(spec, ready, go, results, body)


def intent_then_hang(spec: JournalSpec, key: str, record_id: bool, written: Any) -> None:
    """Write an intent (and, with ``record_id``, its task id), say so, then hang until killed:
    a process that dies between the intent write and the id write (or after it)."""

    async def main() -> None:
        async with open_journal(spec) as journal:
            claim = await journal.begin(MODEL, INPUT, idempotency_key=key, estimate=330.0)
            if record_id:
                await journal.record_task_id(claim.entry.id, f"task-{key}")
            written.put(claim.entry.id)
            await anyio.sleep_forever()

    anyio.run(main)
