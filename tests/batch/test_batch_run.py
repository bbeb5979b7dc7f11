"""``client.batch`` against FakeKie in-process with a real SQLite journal: every job accounted
for, one failure never stops the others, pacing windows held, budgets across the batch,
resume without a second create, outputs written under their keys."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest

from kieai import (
    BatchOutcome,
    Budget,
    BudgetExceededError,
    Job,
    KieClient,
    KieInputError,
    TaskFailedError,
)
from kieai.testing import FAIL_MARKER, FakeKie

from ._processes import CREATE_RATE, KEY, T2V, jobs, most_in_one_window

pytestmark = pytest.mark.anyio

FAST: dict[str, Any] = {"poll_interval": 0.02, "max_poll_interval": 0.05, "timeout": 60.0}
T2V_CREDITS = 55.0


def _client(fake: FakeKie, tmp_path: Path | None, **options: Any) -> KieClient:
    journal = str(tmp_path / "journal.sqlite3") if tmp_path is not None else False
    return KieClient(KEY, http_client=fake.http_client(), journal=journal, **options)


def _creates(fake: FakeKie) -> int:
    return sum(1 for r in fake.requests if r.route == "createTask")


async def _all(runs: Any) -> list[BatchOutcome[Any]]:
    return [outcome async for outcome in runs]


async def test_fifty_jobs_with_one_failure_end_with_49_done_and_the_failure_named(
    tmp_path: Path,
) -> None:
    fake = FakeKie(create_rate_limit=CREATE_RATE, record_rate_limit=None)
    batch = jobs(50)
    failing = batch[17]
    batch[17] = Job(T2V, {**failing.input, "prompt": f"Fox {FAIL_MARKER}"}, key=failing.key)
    async with _client(fake, tmp_path, create_task_rate=CREATE_RATE) as client:
        outcomes = await _all(client.batch(batch, concurrency=12, **FAST))

    assert sorted(o.key for o in outcomes) == sorted(job.key for job in batch)
    done = [o for o in outcomes if o.state == "done"]
    failed = [o for o in outcomes if o.state == "failed"]
    assert len(done) == 49 and all(o.result is not None and o.error is None for o in done)
    assert [o.key for o in failed] == ["fox-17"]
    assert isinstance(failed[0].error, TaskFailedError)
    assert "Internal server error" in str(failed[0].error)
    assert _creates(fake) == 50
    # Pacing: never more creates in one of Kie's (scaled) windows than it allows, by the
    # fake's own clock, and never a 429.
    limit, window_s = CREATE_RATE
    assert most_in_one_window([t.created_at for t in fake.tasks.values()], window_s) <= limit
    assert not [r for r in fake.requests if r.status == 429]


async def test_a_job_with_bad_input_fails_alone_and_nothing_of_it_is_sent(tmp_path: Path) -> None:
    fake = FakeKie(create_rate_limit=None, record_rate_limit=None)
    batch = jobs(3)
    batch.append(Job(T2V, {"prompt": "Fox.", "duraton": "5"}, key="typo"))
    async with _client(fake, tmp_path) as client:
        outcomes = {o.key: o for o in await _all(client.batch(batch, **FAST))}

    assert outcomes["typo"].state == "failed"
    assert isinstance(outcomes["typo"].error, KieInputError)
    assert "duration" in str(outcomes["typo"].error)  # the closest field is named
    assert [outcomes[f"fox-{n}"].state for n in range(3)] == ["done"] * 3
    assert _creates(fake) == 3


async def test_duplicate_keys_and_a_bad_concurrency_are_refused_together_before_any_send(
    tmp_path: Path,
) -> None:
    fake = FakeKie()
    batch = [*jobs(2), jobs(1)[0], Job(T2V, {}, key="")]
    async with _client(fake, tmp_path) as client:
        with pytest.raises(KieInputError) as caught:
            client.batch(batch, concurrency=0)
    problems = caught.value.problems
    assert any(p.startswith("concurrency:") and "0" in p for p in problems)
    assert any("jobs[2].key: 'fox-0' is used by an earlier job" in p for p in problems)
    assert any(p.startswith("jobs[3].key: must be a non-empty string") for p in problems)
    assert fake.requests == []


async def test_a_batch_run_again_resumes_without_creating_any_job_twice(tmp_path: Path) -> None:
    fake = FakeKie(create_rate_limit=None, record_rate_limit=None)
    batch = jobs(12)
    out = tmp_path / "out"
    async with _client(fake, tmp_path) as client:
        first: list[str] = []
        runs = client.batch(batch, concurrency=6, download_to=out, **FAST)
        async with contextlib.aclosing(runs):  # pyright: ignore[reportArgumentType]
            async for outcome in runs:
                first.append(outcome.key)
                if len(first) == 4:
                    break  # as a Ctrl-C would: the jobs in flight are cancelled
    started = _creates(fake)
    assert 4 <= started <= 12

    async with _client(fake, tmp_path) as client:
        outcomes = await _all(client.batch(batch, concurrency=6, download_to=out, **FAST))

    assert sorted(o.key for o in outcomes) == sorted(job.key for job in batch)
    assert all(o.state == "done" for o in outcomes)
    assert _creates(fake) == 12
    for outcome in outcomes:
        assert outcome.paths == (out / f"{outcome.key}.mp4",)
        assert outcome.paths[0].read_bytes()[4:8] == b"ftyp"


async def test_a_budget_holds_across_the_batch(tmp_path: Path) -> None:
    fake = FakeKie(create_rate_limit=None, record_rate_limit=None)
    budget = Budget(total=T2V_CREDITS * 3)
    async with _client(fake, tmp_path, budget=budget) as client:
        outcomes = await _all(client.batch(jobs(5), concurrency=5, **FAST))

    states = sorted(o.state for o in outcomes)
    assert states == ["done", "done", "done", "failed", "failed"]
    assert all(isinstance(o.error, BudgetExceededError) for o in outcomes if o.state == "failed")
    assert _creates(fake) == 3


async def test_without_a_journal_keys_only_name_the_outcomes(tmp_path: Path) -> None:
    fake = FakeKie(create_rate_limit=None, record_rate_limit=None)
    async with _client(fake, None) as client:
        outcomes = await _all(client.batch(jobs(3), **FAST))
        again = await _all(client.batch(jobs(3), **FAST))

    assert sorted(o.key for o in outcomes) == ["fox-0", "fox-1", "fox-2"]
    assert all(o.ok for o in outcomes + again)
    assert _creates(fake) == 6  # nothing kept them: each run creates its own


async def test_keys_that_are_paths_get_distinct_safe_file_names(tmp_path: Path) -> None:
    fake = FakeKie(create_rate_limit=None, record_rate_limit=None)
    base = jobs(2)
    batch = [
        Job(base[0].model, base[0].input, key="people/a.png"),
        Job(base[1].model, base[1].input, key="people2/a.png"),
    ]
    out = tmp_path / "out"
    async with _client(fake, tmp_path) as client:
        outcomes = await _all(client.batch(batch, download_to=out, **FAST))

    paths = [o.paths[0] for o in outcomes]
    assert len(set(paths)) == 2
    assert all(p.parent == out and p.suffix == ".mp4" and p.exists() for p in paths)
    assert all("/" not in p.name and p.name.startswith("people") for p in paths)
