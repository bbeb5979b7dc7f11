"""``kie tasks`` and ``kie costs`` over the CLI's default journal (in the user's data
directory: here a temporary ``XDG_DATA_HOME``), ``KIE_JOURNAL``, ``--no-journal``, and ``kie
demo`` never writing to it."""

from __future__ import annotations

import json
from pathlib import Path

import anyio

from kieai.testing import FakeKie

from .conftest import DANCE, FAST, PERSON, Invoke


def _journal(data_home: Path) -> Path:
    return data_home / "kieai" / "journal.sqlite3"


def _generate(invoke: Invoke, *extra: str) -> str:
    result = invoke(*extra, "generate", "-i", PERSON, "-v", DANCE, "--no-download", "--json", *FAST)
    assert result.exit_code == 0, result.stderr
    return str(json.loads(result.stdout)["task_id"])


def test_generate_journals_in_the_data_directory_and_tasks_lists_it(
    invoke: Invoke, data_home: Path
) -> None:
    task_id = _generate(invoke)
    listed = invoke("tasks", "ls", "--json")
    shown = invoke("tasks", "show", task_id, "--json")
    human = invoke("tasks")

    assert _journal(data_home).exists()
    [entry] = json.loads(listed.stdout)["tasks"]
    assert (entry["task_id"], entry["model"], entry["state"]) == (
        task_id,
        "kling-2.6/motion-control",
        "success",
    )
    assert entry["input"]["video_urls"][0].startswith("http")  # uploaded URLs, not files
    assert json.loads(shown.stdout)["task_id"] == task_id
    assert task_id in human.stdout


def test_kie_journal_overrides_and_no_journal_turns_it_off(
    invoke: Invoke, tmp_path: Path, data_home: Path
) -> None:
    elsewhere = tmp_path / "elsewhere.sqlite3"
    _generate(invoke, "--no-journal")
    assert not _journal(data_home).exists()
    result = invoke(
        "generate",
        *("-i", PERSON, "-v", DANCE, "--no-download", "--json", *FAST),
        env={"KIE_JOURNAL": str(elsewhere)},
    )
    assert result.exit_code == 0, result.stderr

    assert elsewhere.exists()
    assert not _journal(data_home).exists()
    refused = invoke("--no-journal", "tasks", "ls")
    assert refused.exit_code == 2


def test_resume_and_collect_finish_tasks_created_without_waiting(
    invoke: Invoke, fake: FakeKie, tmp_path: Path
) -> None:
    task_id = _generate(invoke)
    collected = invoke("tasks", "collect", "--json", *FAST)
    resumed = invoke("tasks", "resume", task_id, "-o", "again.mp4", "--json", *FAST)

    assert collected.exit_code == 0, collected.stderr
    assert json.loads(collected.stdout) == {"collected": []}  # generate already finished it
    assert resumed.exit_code == 0, resumed.stderr
    assert json.loads(resumed.stdout)["task_id"] == task_id
    assert (tmp_path / "again.mp4").stat().st_size > 0
    assert len([r for r in fake.requests if r.route == "createTask"]) == 1


def test_costs_shows_estimates_reported_credits_and_the_balance_change(
    invoke: Invoke, fake: FakeKie
) -> None:
    _generate(invoke)
    first = invoke("costs", "--json")  # records the balance (next to the journal)
    _generate(invoke)
    second = invoke("costs", "--json")
    since = invoke("costs", "--since", "2999-01-01", "--json")
    bad = invoke("costs", "--since", "yesterday")

    before, after = json.loads(first.stdout), json.loads(second.stdout)
    assert (before["tasks"], before["balance_change"]) == (1, None)
    assert after["tasks"] == 2
    assert after["estimated_credits"] > 0
    assert after["balance_change"] == before["balance"] - fake.credits
    assert json.loads(since.stdout)["tasks"] == 0
    assert bad.exit_code == 2


def test_demo_never_writes_to_the_users_journal(invoke: Invoke, data_home: Path) -> None:
    result = invoke("demo", env={"KIE_API_KEY": None})

    assert result.exit_code == 0, result.stderr
    assert not _journal(data_home).exists()
    assert json.loads(invoke("tasks", "ls", "--json").stdout)["tasks"] == []


def _tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


READ_ONLY_COMMANDS: list[tuple[str, ...]] = [
    ("tasks",),
    ("tasks", "ls"),
    ("tasks", "ls", "--json"),
    ("tasks", "show", "task_nowhere"),
    ("tasks", "resume", "task_nowhere"),
    ("tasks", "collect", "--json"),
    ("costs",),
    ("costs", "--json"),
    ("credits",),
    ("status", "task_nowhere"),
]


def test_read_only_commands_create_no_journal_or_data_directory(
    invoke: Invoke, data_home: Path, tmp_path: Path
) -> None:
    explicit = tmp_path / "journals" / "mine.sqlite3"
    before = _tree(data_home)
    for args in READ_ONLY_COMMANDS:
        for env in ({}, {"KIE_JOURNAL": str(explicit)}):
            result = invoke(*args, env=env)

            assert result.exit_code in (0, 2, 3), (args, result.stderr)
            assert _tree(data_home) == before, args
            assert not explicit.parent.exists(), args
    assert before == []


def test_read_only_commands_say_there_is_nothing_yet(invoke: Invoke) -> None:
    listed = invoke("tasks", "ls")
    shown = invoke("tasks", "show", "task_nowhere")
    resumed = invoke("tasks", "resume", "task_nowhere")
    collected = invoke("tasks", "collect")
    costs = json.loads(invoke("costs", "--json").stdout)

    assert "no tasks in the journal" in listed.stderr
    assert (shown.exit_code, resumed.exit_code) == (2, 2)
    assert "task_nowhere is not in the journal" in shown.stderr
    assert "task_nowhere is not in the journal" in resumed.stderr
    assert "no unfinished tasks" in collected.stderr
    assert (costs["tasks"], costs["balance_change"]) == (0, None)


def test_wait_and_status_of_a_task_made_without_the_journal_create_none(
    invoke: Invoke, data_home: Path
) -> None:
    task_id = _generate(invoke, "--no-journal")

    status = invoke("status", task_id, "--json")
    waited = invoke("wait", task_id, "--no-download", "--json", *FAST)

    assert json.loads(status.stdout)["state"] == "success"
    assert json.loads(waited.stdout)["state"] == "success"
    assert _tree(data_home) == []


def test_a_create_that_never_left_shows_as_not_sent_without_internal_marks(
    invoke: Invoke, fake: FakeKie
) -> None:
    fake.inject("upload", status=400, msg="no uploads today", times=None)
    failed = invoke("generate", "-i", PERSON, "-v", DANCE, "--no-download", "--json", *FAST)
    assert failed.exit_code != 0

    listed = invoke("tasks", "ls", "--json")
    human = invoke("tasks", "ls")

    assert "kieai-pending-send" not in listed.stdout
    [entry] = json.loads(listed.stdout)["tasks"]
    assert (entry["task_id"], entry["state"], entry["sent"]) == (None, "not_sent", False)
    assert "kieai-pending-send" not in human.stdout
    assert "not sent" in human.stdout


def test_a_dead_creators_intent_says_whether_it_was_sent(invoke: Invoke, data_home: Path) -> None:
    from kieai._journal import SQLiteJournal
    from kieai._ledger import PENDING_SEND_KEY

    async def intents() -> None:
        # Two creators whose leases are over (as if killed): one before the send (the intent
        # still holds the ledger's mark), one after (its input as sent was recorded).
        journal = SQLiteJournal(_journal(data_home))
        try:
            await journal.begin("m/before", {"prompt": "a", PENDING_SEND_KEY: True}, lease_s=0)
            await journal.begin("m/after", {"prompt": "b"}, lease_s=0)
        finally:
            await journal.aclose()

    anyio.run(intents)

    listed = json.loads(invoke("tasks", "ls", "--json").stdout)["tasks"]
    human = invoke("tasks", "ls").stdout

    before, after = sorted(listed, key=lambda e: e["model"])[::-1]
    assert (before["model"], before["sent"], before["input"]) == (
        "m/before",
        False,
        {"prompt": "a"},
    )
    assert (after["model"], after["sent"], after["state"]) == ("m/after", None, "uncertain")
    [before_row] = [line for line in human.splitlines() if "m/before" in line]
    [after_row] = [line for line in human.splitlines() if "m/after" in line]
    assert "not sent" in before_row
    assert "uncertain" in after_row


def test_tasks_show_finds_a_create_without_a_task_id_by_its_idempotency_key(
    invoke: Invoke, data_home: Path
) -> None:
    from kieai._journal import SQLiteJournal

    async def intent() -> None:
        # A keyed create whose creator died after the send: no task id, only its key.
        journal = SQLiteJournal(_journal(data_home))
        try:
            await journal.begin("m/keyed", {"prompt": "k"}, idempotency_key="job-7", lease_s=0)
        finally:
            await journal.aclose()

    anyio.run(intent)

    shown = invoke("tasks", "show", "job-7", "--json")
    human = invoke("tasks", "show", "job-7")
    missing = invoke("tasks", "show", "job-8")

    assert shown.exit_code == 0, shown.stderr
    document = json.loads(shown.stdout)
    assert (document["task_id"], document["model"], document["idempotency_key"]) == (
        None,
        "m/keyed",
        "job-7",
    )
    assert (document["state"], document["sent"]) == ("uncertain", None)
    assert "m/keyed" in human.stdout
    assert missing.exit_code == 2
    assert "job-8 is not in the journal" in missing.stderr
    assert "as a task id or an idempotency key" in missing.stderr
