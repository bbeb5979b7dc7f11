"""A batch process SIGKILLed half-way (after a given number of outcomes written to a file),
then the same batch again: every job done, and the fake (served by a process of its own, so
its log outlives the killed client) created each job exactly once, within its windows."""

from __future__ import annotations

import time
from pathlib import Path

from ._processes import (
    CONCURRENCY,
    CREATE_RATE,
    START_TIMEOUT_S,
    FakeProcess,
    jobs,
    most_in_one_window,
    run_batch,
    run_batch_stopping_dead,
    start,
)

JOBS = 40
STOP_AFTER = 15


def _lines(events: Path) -> list[str]:
    return events.read_text().splitlines() if events.exists() else []


def test_a_batch_killed_half_way_resumes_with_every_job_done_and_none_created_twice(
    tmp_path: Path,
) -> None:
    fake = FakeProcess()
    try:
        journal = str(tmp_path / "journal.sqlite3")
        out = tmp_path / "out"
        events = tmp_path / "events.txt"
        first = start(run_batch, fake.url, journal, JOBS, out, events, STOP_AFTER)
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while "stopped" not in _lines(events):
                assert first.is_alive() and time.monotonic() < deadline, _lines(events)
                time.sleep(0.02)
        finally:
            first.kill()  # SIGKILL: no cleanup, as a crashed host
            first.join()
        routes, _, states = fake.log()
        created_before = routes.count(("createTask", 200))
        # Half-way: some jobs reported, more created (one per frozen worker), the rest not.
        assert STOP_AFTER + CONCURRENCY <= created_before < JOBS
        assert any(state not in ("success", "fail") for state in states.values())

        events_again = tmp_path / "events-again.txt"
        second = start(run_batch, fake.url, journal, JOBS, out, events_again, JOBS + 1)
        second.join(START_TIMEOUT_S)
        assert second.exitcode == 0

        outcomes = dict(line.split() for line in _lines(events_again) if " " in line)
        assert outcomes == {job.key: "done" for job in jobs(JOBS)}
        assert sorted(p.name for p in out.iterdir()) == sorted(f"fox-{n}.mp4" for n in range(JOBS))
        routes, created_at, states = fake.log()
        assert routes.count(("createTask", 200)) == JOBS
        assert [r for r in routes if r[0] == "createTask" and r[1] != 200] == []
        assert len(states) == JOBS  # one task per prompt
        limit, window_s = CREATE_RATE
        assert most_in_one_window(created_at, window_s) <= limit
    finally:
        fake.stop()


def test_jobs_killed_while_waiting_for_a_pacing_slot_are_created_on_the_next_run(
    tmp_path: Path,
) -> None:
    # The first run's client may create 8 jobs per 300 s: the other 8 of its 16 workers claim
    # their job in the journal and wait for a slot, unsent, when the process is killed. They
    # are not "uncertain": nothing of theirs left, so the next run creates them, once.
    fake = FakeProcess()
    try:
        journal = str(tmp_path / "journal.sqlite3")
        out = tmp_path / "out"
        events = tmp_path / "events.txt"
        first = start(
            run_batch_stopping_dead, fake.url, journal, 24, out, events, 4, (8, 300.0), 16
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while "stopped" not in _lines(events):
                assert first.is_alive() and time.monotonic() < deadline, _lines(events)
                time.sleep(0.02)
        finally:
            first.kill()
            first.join()
        routes, _, _ = fake.log()
        assert routes.count(("createTask", 200)) == 8

        events_again = tmp_path / "events-again.txt"
        second = start(run_batch, fake.url, journal, 24, out, events_again, 25)
        second.join(START_TIMEOUT_S)
        assert second.exitcode == 0

        outcomes = dict(line.split() for line in _lines(events_again) if " " in line)
        assert outcomes == {job.key: "done" for job in jobs(24)}
        routes, _, states = fake.log()
        assert routes.count(("createTask", 200)) == 24
        assert len(states) == 24
    finally:
        fake.stop()
