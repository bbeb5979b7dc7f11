"""Races between real processes on one journal (SQLite file / redis-server): one create per
idempotency key, a day budget never exceeded, and no "database is locked" under load."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import anyio

from ._journals import JournalSpec, open_journal
from ._workers import budget_worker, claim_worker, load_worker, run_workers

PROCESSES = 4
#: The load run in the suite; benchmarks/journal.py runs it for a full minute.
LOAD_RUN_S = 10.0


def test_twenty_concurrent_creates_with_one_key_across_four_processes_create_once(
    journal_spec: JournalSpec,
) -> None:
    reports = run_workers(claim_worker, [(journal_spec, "order-1234", 5)] * PROCESSES)

    assert [e for r in reports for e in r.errors] == []
    outcomes = [o for r in reports for o in r.outcomes]
    created = [task_id for what, task_id in outcomes if what == "created"]
    assert len(outcomes) == 20
    assert len(created) == 1
    assert {task_id for _, task_id in outcomes} == {created[0]}  # all 20 got the same task


def test_a_day_budget_raced_by_four_processes_is_never_exceeded(
    journal_spec: JournalSpec,
) -> None:
    estimate, per_day = 10.0, 95.0

    reports = run_workers(budget_worker, [(journal_spec, 6, estimate, per_day)] * PROCESSES)

    assert [e for r in reports for e in r.errors] == []
    outcomes = [what for r in reports for what, _ in r.outcomes]
    spent = anyio.run(_spent_today, journal_spec)
    assert outcomes.count("created") == 9  # 9 x 10 <= 95 < 10 x 10
    assert outcomes.count("refused") == 24 - 9
    assert spent == 90.0


async def _spent_today(spec: JournalSpec) -> float:
    async with open_journal(spec) as journal:
        return await journal.spent_on(datetime.now(timezone.utc).date())


def test_four_processes_writing_one_sqlite_journal_never_see_database_is_locked(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "load.sqlite3")

    reports = run_workers(load_worker, [(("sqlite", path), LOAD_RUN_S)] * PROCESSES)

    errors = [e for r in reports for e in r.errors]
    assert errors == []
    operations = sum(r.operations for r in reports)
    with sqlite3.connect(path) as db:
        stored = db.execute("SELECT COUNT(*) FROM entries WHERE state = 'success'").fetchone()[0]
    db.close()
    assert operations > 0
    assert stored == operations
