"""The ledger through the client, against FakeKie in-process and a real journal (a SQLite
file and a real redis-server): idempotency keys, budgets before any upload, ``client.tasks``,
``client.estimate`` and the short grace for ids nobody here created."""

from __future__ import annotations

import multiprocessing
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

import anyio
import pytest

import kieai._polling
from kieai import (
    Budget,
    BudgetExceededError,
    KieClient,
    KieError,
    KieInputError,
    NotFoundError,
    SyncKieClient,
    SyncVideoResult,
    TaskCreationUncertainError,
    VideoResult,
)
from kieai._journal import Journal, SQLiteJournal
from kieai.redis import RedisJournal
from kieai.testing import FakeKie

from ..motion._media import write_png
from ._journals import JournalSpec
from ._workers import INPUT, MODEL, RUN_TIMEOUT_S, intent_then_hang

pytestmark = pytest.mark.anyio

KEY = "test-key"
T2V: str = "kling-2.6/text-to-video"  # any model id (the typed overloads want a TypedDict input)
T2V_INPUT: dict[str, Any] = {
    "prompt": "A fox.",
    "sound": False,
    "duration": "5",
    "aspect_ratio": "1:1",
}
T2V_CREDITS = 55.0
FAST: dict[str, Any] = {"poll_interval": 0.02, "max_poll_interval": 0.05, "timeout": 60.0}


def _journal_arg(spec: JournalSpec) -> str | Journal:
    kind, where = spec
    return where if kind == "sqlite" else RedisJournal(where)


@asynccontextmanager
async def _client(
    fake: FakeKie, spec: JournalSpec | None, **options: Any
) -> AsyncGenerator[KieClient, None]:
    if "journal" not in options:
        options["journal"] = _journal_arg(spec) if spec is not None else False
    async with KieClient(KEY, http_client=fake.http_client(), **options) as client:
        yield client


def _count(fake: FakeKie, route: str) -> int:
    return sum(1 for r in fake.requests if r.route == route)


# -- idempotency ----------------------------------------------------------------------------


async def test_a_rerun_with_the_key_of_a_finished_task_returns_it_without_a_second_create(
    journal_spec: JournalSpec,
) -> None:
    fake = FakeKie()
    async with _client(fake, journal_spec) as client:
        first = await client.generate(T2V, T2V_INPUT, idempotency_key="order-1", **FAST)
    polls = _count(fake, "recordInfo")
    async with _client(fake, journal_spec) as client:  # a restart: a new client, same journal
        again = await client.generate(T2V, T2V_INPUT, idempotency_key="order-1", **FAST)
        entry = await client.tasks.get(first.task_id)

    assert isinstance(first, VideoResult) and isinstance(again, VideoResult)
    assert again.task_id == first.task_id
    assert again.video_urls == first.video_urls
    assert _count(fake, "createTask") == 1
    assert _count(fake, "recordInfo") == polls  # not waited for again
    assert entry is not None
    assert (entry.state, entry.idempotency_key, entry.estimate) == ("success", "order-1", 55.0)
    assert entry.result_urls == tuple(first.video_urls)


async def test_create_with_a_known_key_returns_the_task_and_generate_resumes_it(
    journal_spec: JournalSpec,
) -> None:
    fake = FakeKie()
    async with _client(fake, journal_spec) as client:
        task_id = await client.create(T2V, T2V_INPUT, idempotency_key="order-2")
        same = await client.text_to_video.create(
            prompt="A fox.", sound=False, duration=5, aspect_ratio="1:1", idempotency_key="order-3"
        )
        again = await client.create(T2V, T2V_INPUT, idempotency_key="order-2")
        result = await client.generate(T2V, T2V_INPUT, idempotency_key="order-2", **FAST)

    assert again == task_id == result.task_id
    assert same != task_id
    assert _count(fake, "createTask") == 2


async def test_the_same_key_with_another_input_is_refused_before_anything_is_sent(
    journal_spec: JournalSpec,
) -> None:
    fake = FakeKie()
    async with _client(fake, journal_spec) as client:
        await client.create(T2V, T2V_INPUT, idempotency_key="order-4")
        sent = len(fake.requests)
        with pytest.raises(KieInputError, match=r"order-4.*different input"):
            await client.create(T2V, {**T2V_INPUT, "prompt": "A dog."}, idempotency_key="order-4")

    assert len(fake.requests) == sent


async def test_twenty_concurrent_calls_with_one_key_make_one_task(
    journal_spec: JournalSpec,
) -> None:
    fake = FakeKie(create_rate_limit=None)
    ids: list[str] = []
    async with _client(fake, journal_spec) as client:

        async def one() -> None:
            ids.append(await client.create(T2V, T2V_INPUT, idempotency_key="order-5"))

        async with anyio.create_task_group() as group:
            for _ in range(20):
                group.start_soon(one)

    assert len(ids) == 20
    assert len(set(ids)) == 1
    assert _count(fake, "createTask") == 1


async def test_a_key_whose_creator_died_mid_create_is_uncertain_and_never_sent(
    journal_spec: JournalSpec,
) -> None:
    context = multiprocessing.get_context("spawn")
    written = context.Queue()
    process = context.Process(
        target=intent_then_hang, args=(journal_spec, "order-6", False, written)
    )
    process.start()
    try:
        written.get(timeout=RUN_TIMEOUT_S)
    finally:
        process.kill()
        process.join()
        written.close()
    fake = FakeKie()
    model = cast("str", MODEL)  # the intent the dead process wrote, sent as the same dict
    async with _client(fake, journal_spec) as client:
        with pytest.raises(TaskCreationUncertainError, match="order-6"):
            await client.generate(model, INPUT, idempotency_key="order-6", **FAST)
        uncertain = await client.tasks.list(state="uncertain")

    assert [e.idempotency_key for e in uncertain] == ["order-6"]
    assert fake.requests == []


async def test_an_idempotency_key_without_a_journal_is_refused() -> None:
    fake = FakeKie()
    async with _client(fake, None) as client:
        with pytest.raises(KieInputError, match=r"idempotency_key.*journal"):
            await client.create(T2V, T2V_INPUT, idempotency_key="order-7")
    assert fake.requests == []


async def test_the_journal_keeps_uploaded_urls_never_file_contents_or_the_key(
    tmp_path: Path,
) -> None:
    fake = FakeKie()
    image = write_png(tmp_path / "person.png", 800, 800)
    path = tmp_path / "journal.sqlite3"
    async with _client(fake, ("sqlite", str(path))) as client:
        task_id = await client.image_to_video.create(
            image=image, prompt="Wave.", idempotency_key="order-8"
        )
        entry = await client.tasks.get(task_id)

    assert entry is not None
    [url] = entry.input["image_urls"]
    assert url.startswith("http") and url in {u.url for u in fake.uploads.values()}
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("journal.sqlite3*"))
    assert KEY.encode() not in stored
    assert image.read_bytes()[16:80] not in stored


# -- budgets -----------------------------------------------------------------------------------


async def test_a_budget_refuses_before_any_upload(tmp_path: Path) -> None:
    fake = FakeKie()
    image = write_png(tmp_path / "person.png", 800, 800)
    async with _client(fake, None, budget=Budget(per_task=50)) as client:
        with pytest.raises(BudgetExceededError) as info:
            await client.image_to_video.generate(image=image, prompt="Wave.", **FAST)

    assert (info.value.limit, info.value.allowed, info.value.estimate) == ("per_task", 50, 55.0)
    assert fake.requests == []  # nothing uploaded, nothing created


async def test_a_day_budget_counts_the_journal_and_refuses_before_uploads(
    journal_spec: JournalSpec, tmp_path: Path
) -> None:
    fake = FakeKie()
    image = write_png(tmp_path / "person.png", 800, 800)
    async with _client(fake, journal_spec, budget=Budget(per_day=100)) as client:
        await client.create(T2V, T2V_INPUT)
        sent = len(fake.requests)
        with pytest.raises(BudgetExceededError) as info:
            await client.image_to_video.create(image=image, prompt="Wave.")

    assert (info.value.limit, info.value.spent, info.value.estimate) == ("per_day", 55.0, 55.0)
    assert len(fake.requests) == sent


async def test_a_model_without_a_known_price_is_refused_while_a_limit_is_set() -> None:
    fake = FakeKie()
    async with _client(fake, None, budget=Budget(per_task=1000)) as client:
        with pytest.raises(BudgetExceededError) as info:
            await client.create("acme/unpriced-model", {"prompt": "x"})
    assert info.value.estimate is None
    assert fake.requests == []


def test_day_and_total_limits_without_a_journal_fail_at_construction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("KIE_JOURNAL", raising=False)
    for budget in (Budget(per_day=10), Budget(total=10)):
        with pytest.raises(KieError, match="journal="):
            KieClient(KEY, budget=budget)


def test_kie_journal_names_the_default_journal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KIE_JOURNAL", str(tmp_path / "env.sqlite3"))
    client = KieClient(KEY, budget=Budget(per_day=10))
    off = KieClient(KEY, journal=False)

    assert client.journal is not None and "env.sqlite3" in repr(client.journal)
    assert off.journal is None


# -- estimates -----------------------------------------------------------------------------------


def test_estimate_is_offline_and_says_its_basis(tmp_path: Path) -> None:
    client = KieClient(KEY)
    by_url = client.estimate(MODEL, INPUT)
    fixed = client.estimate(T2V, T2V_INPUT)
    unknown = client.estimate("acme/unpriced-model", {"prompt": "x"})

    assert by_url is not None and (by_url.basis, by_url.seconds) == ("longest_allowed", 30.0)
    assert fixed is not None and (fixed.credits, fixed.basis) == (55.0, "fixed")
    assert unknown is None
    with pytest.raises(KieInputError, match="duration"):
        client.estimate(T2V, {**T2V_INPUT, "duration": "7"})


# -- client.tasks ------------------------------------------------------------------------------


async def test_collect_finishes_every_unfinished_task_after_a_restart(
    journal_spec: JournalSpec,
) -> None:
    fake = FakeKie()
    async with _client(fake, journal_spec) as client:
        created = {await client.create(T2V, {**T2V_INPUT, "prompt": f"Fox {i}."}) for i in range(3)}
    async with _client(fake, journal_spec) as client:
        unfinished = await client.tasks.list(state="unfinished")
        collected = [r async for r in client.tasks.collect(**FAST)]
        done = await client.tasks.list(state="success")
        again = await client.tasks.resume(sorted(created)[0], **FAST)

    assert {e.task_id for e in unfinished} == created
    assert {r.task_id for r in collected} == created
    assert all(isinstance(r, VideoResult) for r in collected)
    assert {e.task_id for e in done} == created
    assert again.task_id == sorted(created)[0]
    assert _count(fake, "createTask") == 3


async def test_tasks_needs_a_journal() -> None:
    async with _client(FakeKie(), None) as client:
        with pytest.raises(KieError, match="journal"):
            await client.tasks.list()


# -- waiting on an id nobody here created -------------------------------------------------------


async def test_an_unknown_id_ends_as_not_found_after_the_short_grace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(kieai._polling, "UNKNOWN_TASK_GRACE_S", 0.1)
    fake = FakeKie()
    async with _client(fake, None) as client:
        with pytest.raises(NotFoundError, match=r"task_typo.*check the id"):
            await client.wait_for_task("task_typo", **FAST)


async def test_ids_this_client_or_its_journal_created_keep_the_full_grace(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(kieai._polling, "UNKNOWN_TASK_GRACE_S", 0.0)
    fake = FakeKie(record_visible_after=0.3)  # recordInfo is null for a while, as at Kie
    spec: JournalSpec = ("sqlite", str(tmp_path / "journal.sqlite3"))
    async with _client(fake, None) as client:
        created = await client.create(T2V, T2V_INPUT)
        task = await client.wait_for_task(created, **FAST)
    async with _client(fake, spec) as client:
        journaled = await client.create(T2V, {**T2V_INPUT, "prompt": "Two."})
    async with _client(fake, spec) as client:  # another client: knows it from the journal
        resumed = await client.wait_for_task(journaled, **FAST)

    assert task.is_success and resumed.is_success


# -- the sync client ---------------------------------------------------------------------------


def test_the_sync_client_takes_journal_and_budget_and_has_tasks(tmp_path: Path) -> None:
    fake = FakeKie()
    journal = str(tmp_path / "journal.sqlite3")
    with (
        fake.serve_in_thread() as url,
        SyncKieClient(
            KEY, base_url=url, upload_base_url=url, journal=journal, budget=Budget(per_day=200)
        ) as client,
    ):
        task_id = client.create(T2V, T2V_INPUT, idempotency_key="sync-1")
        again = client.create(T2V, T2V_INPUT, idempotency_key="sync-1")
        unfinished = client.tasks.list(state="unfinished")
        collected = client.tasks.collect(timeout=60.0)
        entry = client.tasks.get(task_id)
        estimate = client.estimate(T2V, T2V_INPUT)

    assert again == task_id
    assert [e.task_id for e in unfinished] == [task_id]
    assert [r.task_id for r in collected] == [task_id]
    assert isinstance(collected[0], SyncVideoResult)
    assert entry is not None and entry.state == "success"
    assert estimate is not None and estimate.credits == T2V_CREDITS


async def test_opening_a_client_prunes_entries_past_the_retention(tmp_path: Path) -> None:
    journal = SQLiteJournal(tmp_path / "journal.sqlite3", retention=0.2)
    await journal.begin(MODEL, INPUT, idempotency_key="old-order")
    await anyio.sleep(0.3)  # older than the retention (a lower bound only)
    async with _client(FakeKie(), None, journal=journal) as client:
        left = await client.tasks.list()

    assert left == []
