"""The crash-point matrix and the races, with real processes: a client SIGKILLed at each point
of a paid ``generate`` (before the create is sent; sent, no answer yet; answered, before the
journal write; while waiting; while downloading) x {SQLite, RedisJournal on a real
redis-server}. After a restart and ``tasks.collect()``, no task was created twice and every
task the fake billed is collected or listed as uncertain, counted by the fake's own request
log (the fake runs in a process of its own, so its log outlives the client)."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from kieai import Budget, KieClient, TaskCreationUncertainError

from ..motion._media import write_png
from ._journals import JournalSpec
from ._processes import (
    CRASH_KEY,
    CRASH_POINTS,
    KEY,
    T2V,
    T2V_INPUT,
    CrashPoint,
    crash_client,
    journal_for,
    race,
    run_until,
    served_fake,
    upload_then_hang,
)

#: The line each point writes to the events file just before the process blocks there.
_EVENT: dict[CrashPoint, str] = {
    "before_send": "create-request",
    "sent_no_answer": "create-request",
    "answered": "create-answered",
    "waiting": "waiting",
    "downloading": "downloading",
}


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_a_client_killed_at_any_point_loses_no_paid_task_and_pays_none_twice(
    journal_spec: JournalSpec, point: CrashPoint, tmp_path: Path
) -> None:
    events = tmp_path / "events.txt"
    with served_fake(delay_creates=point == "sent_no_answer") as fake:
        also = (lambda: fake.creates() == 1) if point == "sent_no_answer" else None
        exit_code = run_until(
            crash_client,
            (journal_spec, fake.url, point, events, tmp_path / "out.mp4"),
            events,
            _EVENT[point],
            also=also,
        )

        async def restart() -> tuple[set[str], int, set[str], str]:
            async with KieClient(
                KEY, base_url=fake.url, upload_base_url=fake.url, journal=journal_for(journal_spec)
            ) as client:
                collected = {r.task_id async for r in client.tasks.collect(poll_interval=0.05)}
                uncertain = await client.tasks.list(state="uncertain")
                try:  # the same call again: returns the task, or refuses; never a second task
                    again = await client.generate(
                        T2V, T2V_INPUT, idempotency_key=CRASH_KEY, poll_interval=0.05
                    )
                    rerun = again.task_id
                except TaskCreationUncertainError:
                    rerun = "uncertain"
                succeeded = {e.task_id or "" for e in await client.tasks.list(state="success")}
            return collected, len(uncertain), succeeded, rerun

        collected, uncertain, succeeded, rerun = anyio.run(restart)
        routes, billed = fake.log()

    assert exit_code == -9
    assert routes.count("createTask") == len(billed) <= 1  # never created twice
    unaccounted = set(billed) - succeeded
    assert len(unaccounted) <= uncertain  # every billed task collected, or listed uncertain
    if point in ("before_send", "sent_no_answer", "answered"):
        assert (uncertain, rerun) == (1, "uncertain")
        assert collected == set()
    else:
        assert uncertain == 0
        assert set(billed) == succeeded == {rerun}
        if point == "waiting":
            assert collected == {rerun}
    if point == "before_send":
        assert billed == []


def test_a_client_killed_while_uploading_frees_its_key_for_the_rerun(
    journal_spec: JournalSpec, tmp_path: Path
) -> None:
    events = tmp_path / "events.txt"
    image = write_png(tmp_path / "person.png", 800, 800)
    with served_fake() as fake:
        exit_code = run_until(
            upload_then_hang, (journal_spec, fake.url, image, events), events, "uploading"
        )

        async def rerun() -> tuple[list[str], str, int]:
            async with KieClient(
                KEY, base_url=fake.url, upload_base_url=fake.url, journal=journal_for(journal_spec)
            ) as client:
                left = [e.idempotency_key or "" for e in await client.tasks.list()]
                task_id = await client.image_to_video.create(
                    image=image, prompt="Wave.", idempotency_key=CRASH_KEY
                )
                return left, task_id, len(await client.tasks.list(state="uncertain"))

        left, task_id, uncertain = anyio.run(rerun)
        routes, billed = fake.log()

    assert exit_code == -9
    assert left == [CRASH_KEY]  # the intent was written before the upload
    assert (billed, uncertain) == ([task_id], 0)
    assert routes.count("createTask") == 1


@pytest.mark.parametrize("processes", [4])
def test_twenty_creates_with_one_key_across_processes_send_one_create_task(
    journal_spec: JournalSpec, processes: int
) -> None:
    with served_fake() as fake:
        outcomes = race(journal_spec, fake.url, processes=processes, calls=5, key="one-key")
        creates = fake.creates()

    assert len(outcomes) == 20
    assert len(set(outcomes)) == 1
    assert creates == 1


def test_a_day_budget_raced_by_four_processes_is_never_exceeded(
    journal_spec: JournalSpec,
) -> None:
    per_day = 300.0  # room for 5 tasks at 55 credits, not 6
    with served_fake() as fake:
        outcomes = race(
            journal_spec,
            fake.url,
            processes=4,
            calls=4,
            key=None,
            budget=Budget(per_day=per_day),
        )
        creates = fake.creates()

    made = [o for o in outcomes if o != "refused"]
    assert len(outcomes) == 16
    assert creates == len(made) == 5
    assert creates * 55.0 <= per_day
