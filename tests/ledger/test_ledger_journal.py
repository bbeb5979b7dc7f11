"""The journal's promises, each run against a real SQLite file and a real redis-server."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import anyio
import pytest

from kieai import Budget, BudgetExceededError, KieInputError
from kieai._journal import CREATING, NOT_SENT, wait_for_create

from ._journals import JournalSpec, open_journal

pytestmark = pytest.mark.anyio

MODEL = "kling-2.6/motion-control"
INPUT = {
    "input_urls": ["https://tempfile.redpandaai.co/kieai/person.png"],
    "video_urls": ["https://tempfile.redpandaai.co/kieai/dance.mp4"],
    "character_orientation": "video",
    "mode": "720p",
}


def today() -> datetime:
    return datetime.now(timezone.utc)


async def test_the_intent_is_written_before_any_task_id(journal_spec: JournalSpec) -> None:
    async with open_journal(journal_spec) as journal:
        claim = await journal.begin(MODEL, INPUT, idempotency_key="order-1", estimate=330.0)

    async with open_journal(journal_spec) as reopened:  # another instance reads it back
        entry = await reopened.get_by_key("order-1")

    assert claim.outcome == "create"
    assert entry is not None
    assert entry.state == CREATING
    assert entry.task_id is None
    assert entry.model == MODEL
    assert entry.input == INPUT
    assert entry.estimate == 330.0
    assert not entry.uncertain  # this process, which wrote it, is alive


async def test_a_key_whose_task_exists_returns_that_task(journal_spec: JournalSpec) -> None:
    async with open_journal(journal_spec) as journal:
        first = await journal.begin(MODEL, INPUT, idempotency_key="order-1")
        await journal.record_task_id(first.entry.id, "task-1")

    async with open_journal(journal_spec) as after_restart:
        again = await after_restart.begin(MODEL, dict(INPUT), idempotency_key="order-1")

    assert again.outcome == "existing"
    assert again.entry.task_id == "task-1"
    assert again.entry.id == first.entry.id


async def test_the_same_key_with_another_input_is_refused(journal_spec: JournalSpec) -> None:
    async with open_journal(journal_spec) as journal:
        await journal.begin(MODEL, INPUT, idempotency_key="order-1")

        with pytest.raises(KieInputError, match="idempotency_key: 'order-1' was already used"):
            await journal.begin(MODEL, {**INPUT, "mode": "1080p"}, idempotency_key="order-1")
        with pytest.raises(KieInputError, match="idempotency_key"):
            await journal.begin("kling-3.0/motion-control", INPUT, idempotency_key="order-1")

        assert len(await journal.list()) == 1


async def test_a_caller_waits_for_the_create_in_progress_and_gets_its_task(
    journal_spec: JournalSpec,
) -> None:
    async with open_journal(journal_spec) as journal:
        first = await journal.begin(MODEL, INPUT, idempotency_key="order-1")
        second = await journal.begin(MODEL, INPUT, idempotency_key="order-1")
        seen: list[str | None] = []

        async def waiter() -> None:
            entry = await wait_for_create(journal, "order-1", timeout=30.0)
            seen.append(None if entry is None else entry.task_id)

        async with anyio.create_task_group() as group:
            group.start_soon(waiter)
            await anyio.sleep(0.2)
            await journal.record_task_id(first.entry.id, "task-1")

    assert second.outcome == "in_progress"
    assert seen == ["task-1"]


async def test_a_released_intent_frees_its_key_and_its_reservation(
    journal_spec: JournalSpec,
) -> None:
    async with open_journal(journal_spec) as journal:
        first = await journal.begin(MODEL, INPUT, idempotency_key="order-1", estimate=100.0)
        await journal.release(first.entry.id)

        assert await journal.get_by_key("order-1") is None
        assert await journal.spent_total() == 0.0
        again = await journal.begin(MODEL, INPUT, idempotency_key="order-1", estimate=100.0)
        states = sorted(e.state for e in await journal.list())

    assert again.outcome == "create"
    assert again.entry.id != first.entry.id
    assert states == [CREATING, NOT_SENT]


async def test_states_results_credits_and_the_end_are_kept(journal_spec: JournalSpec) -> None:
    async with open_journal(journal_spec) as journal:
        claim = await journal.begin(MODEL, INPUT, estimate=330.0)
        await journal.record_task_id(claim.entry.id, "task-1")
        after_id = await journal.get("task-1")
        await journal.record_update("task-1", state="generating")
        await journal.record_update(
            "task-1", state="success", result_urls=["https://file.kie.ai/out.mp4"], credits=121.0
        )
        await journal.record_update("no-such-task", state="success")  # ignored, no crash

    async with open_journal(journal_spec) as reopened:
        entry = await reopened.get("task-1")

    assert after_id is not None and after_id.state == "waiting"
    assert entry is not None
    assert entry.state == "success"
    assert entry.result_urls == ("https://file.kie.ai/out.mp4",)
    assert entry.credits == 121.0
    assert entry.estimate == 330.0
    assert entry.ended_at is not None
    assert entry.is_finished
    assert entry.updated_at >= entry.created_at


async def test_a_failure_keeps_its_code_and_message(journal_spec: JournalSpec) -> None:
    async with open_journal(journal_spec) as journal:
        claim = await journal.begin(MODEL, INPUT)
        await journal.record_task_id(claim.entry.id, "task-1")
        await journal.record_update("task-1", state="fail", fail_code="501", fail_msg="no face")
        entry = await journal.get("task-1")

    assert entry is not None
    assert (entry.state, entry.fail_code, entry.fail_msg) == ("fail", "501", "no face")
    assert entry.ended_at is not None


async def test_list_filters_by_state_model_and_time(journal_spec: JournalSpec) -> None:
    async with open_journal(journal_spec) as journal:
        done = await journal.begin(MODEL, INPUT)
        await journal.record_task_id(done.entry.id, "task-done")
        await journal.record_update("task-done", state="success")
        running = await journal.begin("kling-3.0/motion-control", INPUT)
        await journal.record_task_id(running.entry.id, "task-running")
        await journal.begin(MODEL, {**INPUT, "mode": "1080p"})  # still creating

        everything = await journal.list()
        unfinished = await journal.list(state="unfinished")
        successes = await journal.list(state="success")
        by_model = await journal.list(model="kling-3.0/motion-control")
        creating = await journal.list(state=CREATING)
        future = await journal.list(since=today() + timedelta(hours=1))
        with pytest.raises(KieInputError, match="state: must be one of"):
            await journal.list(state="done")
        with pytest.raises(KieInputError, match="since: must be timezone-aware"):
            await journal.list(since=datetime(2026, 1, 1))

    assert len(everything) == 3
    assert [e.task_id for e in unfinished] == ["task-running"]
    assert [e.task_id for e in successes] == ["task-done"]
    assert [e.task_id for e in by_model] == ["task-running"]
    assert len(creating) == 1
    assert future == []


async def test_file_contents_never_reach_the_journal(journal_spec: JournalSpec) -> None:
    async with open_journal(journal_spec) as journal:
        with pytest.raises(KieInputError, match="journal input: must be JSON"):
            await journal.begin(MODEL, {**INPUT, "video_urls": [b"\x00\x00\x00\x18ftypmp42"]})
        with pytest.raises(KieInputError, match="journal input: must be JSON"):
            await journal.begin(MODEL, {**INPUT, "input_urls": [Path("person.png")]})

        assert await journal.list() == []


async def test_a_bad_idempotency_key_is_refused(journal_spec: JournalSpec) -> None:
    async with open_journal(journal_spec) as journal:
        with pytest.raises(KieInputError, match="idempotency_key: must be a non-empty string"):
            await journal.begin(MODEL, INPUT, idempotency_key="")
        with pytest.raises(KieInputError, match="at most 512"):
            await journal.begin(MODEL, INPUT, idempotency_key="k" * 513)


async def test_prune_drops_entries_past_the_retention(journal_spec: JournalSpec) -> None:
    # "new" must stay younger than the retention until the end of the test, also on a
    # machine busy enough to stall this test for a second.
    async with open_journal(journal_spec, retention=1.5) as journal:
        old = await journal.begin(MODEL, INPUT, idempotency_key="old")
        await journal.record_task_id(old.entry.id, "task-old")
        await anyio.sleep(2.0)
        await journal.begin(MODEL, INPUT, idempotency_key="new")

        pruned = await journal.prune()
        left = [e.idempotency_key for e in await journal.list()]
        gone = await journal.get("task-old")

    # SQLite deletes the old entry here; Redis may have expired it (and its index) already.
    assert pruned == 1 or (journal_spec[0] == "redis" and pruned == 0)
    assert left == ["new"]
    assert gone is None


async def test_day_and_total_spending_count_estimates_until_credits_arrive(
    journal_spec: JournalSpec,
) -> None:
    async with open_journal(journal_spec) as journal:
        first = await journal.begin(MODEL, INPUT, estimate=330.0)
        await journal.begin(MODEL, INPUT, estimate=100.0)
        before = (await journal.spent_on(today().date()), await journal.spent_total())
        await journal.record_task_id(first.entry.id, "task-1")
        await journal.record_update("task-1", state="success", credits=121.0)
        after = (await journal.spent_on(today().date()), await journal.spent_total())
        yesterday = await journal.spent_on(today().date() - timedelta(days=1))

    assert before == (430.0, 430.0)
    assert after == (221.0, 221.0)
    assert yesterday == 0.0


async def test_a_day_limit_refuses_the_create_that_would_cross_it(
    journal_spec: JournalSpec,
) -> None:
    budget = Budget(per_day=500.0)
    async with open_journal(journal_spec) as journal:
        await journal.begin(MODEL, INPUT, estimate=330.0, budget=budget)
        with pytest.raises(BudgetExceededError) as refused:
            await journal.begin(MODEL, INPUT, estimate=200.0, budget=budget)
        fits = await journal.begin(MODEL, INPUT, estimate=170.0, budget=budget)
        entries = await journal.list()

    assert (refused.value.limit, refused.value.allowed) == ("per_day", 500.0)
    assert (refused.value.estimate, refused.value.spent) == (200.0, 330.0)
    assert fits.outcome == "create"
    assert len(entries) == 2  # the refused create wrote nothing


async def test_a_total_limit_and_an_unpriced_model(journal_spec: JournalSpec) -> None:
    async with open_journal(journal_spec) as journal:
        await journal.begin(MODEL, INPUT, estimate=90.0, budget=Budget(total=100.0))
        with pytest.raises(BudgetExceededError) as over:
            await journal.begin(MODEL, INPUT, estimate=20.0, budget=Budget(total=100.0))
        with pytest.raises(BudgetExceededError) as unpriced:
            await journal.begin("new/model", {"prompt": "x"}, budget=Budget(per_day=1000.0))
        allowed = await journal.begin(
            "new/model", {"prompt": "x"}, budget=Budget(per_day=1000.0, allow_unpriced=True)
        )

    assert (over.value.limit, over.value.spent) == ("total", 90.0)
    assert unpriced.value.limit == "per_day"
    assert unpriced.value.estimate is None
    assert unpriced.value.spent == 90.0
    assert allowed.outcome == "create"


async def test_an_existing_key_is_returned_even_over_budget(journal_spec: JournalSpec) -> None:
    """A rerun of a task already paid for costs nothing more: no reservation, no refusal."""
    async with open_journal(journal_spec) as journal:
        first = await journal.begin(MODEL, INPUT, idempotency_key="k", estimate=90.0)
        await journal.record_task_id(first.entry.id, "task-1")
        again = await journal.begin(
            MODEL, INPUT, idempotency_key="k", estimate=90.0, budget=Budget(total=100.0)
        )

    assert again.outcome == "existing"


async def test_an_expired_lease_makes_a_creating_entry_uncertain(
    journal_spec: JournalSpec,
) -> None:
    async with open_journal(journal_spec) as journal:
        await journal.begin(MODEL, INPUT, idempotency_key="order-1", lease_s=0.2)
        await anyio.sleep(0.4)

        claim = await journal.begin(MODEL, INPUT, idempotency_key="order-1")
        uncertain = await journal.list(state="uncertain")
        waited = await wait_for_create(journal, "order-1", timeout=5.0)

    assert claim.outcome == "uncertain"
    assert [e.idempotency_key for e in uncertain] == ["order-1"]
    assert waited is not None and waited.uncertain


async def test_the_api_key_never_reaches_the_store(
    journal_spec: JournalSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-ledger-" + "7" * 24
    monkeypatch.setenv("KIE_API_KEY", secret)
    async with open_journal(journal_spec) as journal:
        claim = await journal.begin(MODEL, INPUT, idempotency_key="order-1", estimate=1.0)
        await journal.record_task_id(claim.entry.id, "task-1")
        await journal.record_update("task-1", state="success", credits=1.0)

    stored = await _everything_stored(journal_spec)

    assert b"task-1" in stored  # the dump does hold the journal's data
    assert secret.encode() not in stored
    assert b"sk-ledger" not in stored


async def _everything_stored(spec: JournalSpec) -> bytes:
    """Every byte the store holds: the SQLite file and its WAL, or every Redis key and value."""
    kind, where = spec
    if kind == "sqlite":
        return b"".join(p.read_bytes() for p in Path(where).parent.glob("journal.sqlite3*"))
    import coredis

    chunks: list[bytes] = []
    async with coredis.Redis.from_url(where) as redis:
        async for key in redis.scan_iter():
            chunks.append(bytes(key))
            kind_of = await redis.type(key)
            if kind_of == b"string":
                chunks.append(bytes(await redis.get(key) or b""))
            elif kind_of == b"hash":
                for field, value in (await redis.hgetall(key)).items():
                    chunks += [bytes(field), bytes(value)]
            elif kind_of == b"zset":
                chunks += [bytes(m) for m in await redis.zrange(key, 0, -1)]
            else:
                raise AssertionError(f"unexpected key type {kind_of!r} for {key!r}")
    return b"".join(chunks)


async def test_the_pending_send_mark_is_read_into_sent_and_never_handed_out(
    journal_spec: JournalSpec,
) -> None:
    from kieai._journal import PENDING_SEND_KEY

    async with open_journal(journal_spec) as journal:
        claim = await journal.begin(
            MODEL, {**INPUT, PENDING_SEND_KEY: True}, idempotency_key="order-1", lease_s=0
        )
        intent = await journal.get_by_key("order-1")
        await journal.record_input(claim.entry.id, INPUT)
        sending = await journal.get_by_key("order-1")
        await journal.record_task_id(claim.entry.id, "task-1")
        created = await journal.get("task-1")

    assert intent is not None and sending is not None and created is not None
    assert [e.input for e in (claim.entry, intent, sending, created)] == [INPUT] * 4
    assert [e.sent for e in (claim.entry, intent, sending, created)] == [False, False, None, True]
    assert intent.uncertain  # its lease is over: a creator gone before the send
