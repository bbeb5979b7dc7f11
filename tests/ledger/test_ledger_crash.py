"""A process SIGKILLed mid-create leaves an entry that says what is known (real processes)."""

from __future__ import annotations

import multiprocessing

import anyio

from kieai._journal import CREATING

from ._journals import JournalSpec, open_journal
from ._workers import INPUT, MODEL, RUN_TIMEOUT_S, intent_then_hang


def _kill_after_write(spec: JournalSpec, key: str, *, record_id: bool) -> str:
    """Run a process that writes (intent, maybe id), SIGKILL it, return the entry id."""
    context = multiprocessing.get_context("spawn")
    written = context.Queue()
    process = context.Process(target=intent_then_hang, args=(spec, key, record_id, written))
    process.start()
    try:
        entry_id: str = written.get(timeout=RUN_TIMEOUT_S)
    finally:
        process.kill()  # SIGKILL: no cleanup, no finally blocks, as a crashed host
        process.join()
        written.close()
    assert process.exitcode == -9
    return entry_id


def test_a_process_killed_between_intent_and_id_leaves_an_uncertain_entry(
    journal_spec: JournalSpec,
) -> None:
    entry_id = _kill_after_write(journal_spec, "order-1", record_id=False)

    async def look() -> None:
        async with open_journal(journal_spec) as journal:  # a new instance, a new process
            entry = await journal.get_by_key("order-1")
            uncertain = await journal.list(state="uncertain")
            claim = await journal.begin(MODEL, INPUT, idempotency_key="order-1")
            unfinished = await journal.list(state="unfinished")

        assert entry is not None
        assert (entry.id, entry.state, entry.task_id) == (entry_id, CREATING, None)
        assert entry.uncertain
        assert [e.id for e in uncertain] == [entry_id]
        assert claim.outcome == "uncertain"  # never sent again
        assert claim.entry.id == entry_id
        assert unfinished == []

    anyio.run(look)


def test_a_process_killed_after_the_id_leaves_a_resumable_entry(
    journal_spec: JournalSpec,
) -> None:
    entry_id = _kill_after_write(journal_spec, "order-2", record_id=True)

    async def look() -> None:
        async with open_journal(journal_spec) as journal:
            unfinished = await journal.list(state="unfinished")
            claim = await journal.begin(MODEL, INPUT, idempotency_key="order-2")
            uncertain = await journal.list(state="uncertain")

        assert [(e.id, e.task_id, e.state) for e in unfinished] == [
            (entry_id, "task-order-2", "waiting")
        ]
        assert claim.outcome == "existing"
        assert claim.entry.task_id == "task-order-2"
        assert uncertain == []

    anyio.run(look)
