"""A client's record of paid work: its journal, its budget, and the task ids it created.

The generation pipeline asks the `Ledger` before anything is uploaded (`Ledger.claim`: the
estimate, the budget, the intent written to the journal, the idempotency key claimed), hands
it the input as sent once the files are uploaded, and the task id as soon as Kie returns it.
The client's ``wait_for_task`` tells it every state seen and the end. Without a journal the
ledger still judges ``Budget.per_task`` and remembers the ids this client created (an id it
never saw gets only a short grace when Kie says it does not exist).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from ._errors import KieError, KieInputError, TaskCreationUncertainError, TaskFailedError
from ._estimate import Budget, Estimate, check_budget, estimate
from ._journal import (
    FINISHED_STATES,
    LOCAL_FILE_STAND_IN,
    PENDING_SEND_KEY,
    Journal,
    JournalEntry,
    SQLiteJournal,
    request_fingerprint,
    wait_for_create,
)

if TYPE_CHECKING:
    from ._pipeline import Prepared
    from .types import Task

__all__ = [
    "JOURNAL_ENV",
    "JournalArg",
    "Ledger",
    "LedgerClaim",
    "estimate_prepared",
    "recorded_end",
    "resolve_journal",
]

logger = logging.getLogger("kieai")

#: A path for the journal when ``journal=`` is not given (the library's default is none).
JOURNAL_ENV = "KIE_JOURNAL"

#: What ``KieClient(journal=...)`` takes: a path, a `Journal` (`SQLiteJournal`,
#: `kieai.redis.RedisJournal`), None (``KIE_JOURNAL`` if set, else none) or False (none,
#: whatever the environment says).
JournalArg = "str | os.PathLike[str] | Journal | bool | None"


def resolve_journal(journal: object) -> Journal | None:
    """The journal a client uses for its ``journal=`` argument (see `JournalArg`)."""
    if journal is False:
        return None
    if journal is None or journal is True:
        path = os.environ.get(JOURNAL_ENV, "").strip()
        if path:
            return SQLiteJournal(Path(path).expanduser())
        if journal is True:
            raise KieInputError(
                f"journal: True needs a path in the {JOURNAL_ENV} environment variable; pass "
                "journal='tasks.sqlite3' (a path) or a journal object instead"
            )
        return None
    if isinstance(journal, (str, os.PathLike)):
        return SQLiteJournal(Path(os.fspath(journal)).expanduser())  # pyright: ignore[reportUnknownArgumentType]
    if all(hasattr(journal, name) for name in ("begin", "record_task_id", "list", "get")):
        return journal  # pyright: ignore[reportReturnType]
    raise KieInputError(
        "journal: must be a path, a journal (kieai.SQLiteJournal-like or "
        f"kieai.redis.RedisJournal), None or False, got {type(journal).__name__}"
    )


def _journal_view(prepared: Prepared, files: Mapping[int, object]) -> dict[str, Any]:
    """The call's input with every file slot replaced by ``files[position]`` (a URL, or a
    stand-in for a local file): what the journal keeps and the fingerprint covers."""
    data: dict[str, Any] = dict(prepared.input)
    for position, slot in enumerate(prepared.slots):
        if slot.index is None:
            data[slot.field] = files[position]
        else:
            items = list(data[slot.field])
            items[slot.index] = files[position]
            data[slot.field] = items
    return data


def _local_stand_in(prepared: Prepared, position: int) -> str:
    slot = prepared.slots[position]
    local = slot.prepared.local
    name = local.display_name if local is not None else slot.label
    return f"{LOCAL_FILE_STAND_IN}{name}"


def never_sent(entry: JournalEntry) -> bool:
    """``createTask`` never left for this entry (`JournalEntry.sent` is False): for an entry
    whose creator is gone, it died before the send (uploading, or waiting for a pacing slot),
    so the key is free to create again."""
    return entry.sent is False


def estimate_prepared(prepared: Prepared) -> Estimate | None:
    """The estimate of a checked call: URLs as given (the longest length the model allows),
    local files by their probed durations. None for a model with no known price."""
    from ._pipeline import find_model

    info = find_model(prepared.model)
    if info is None:
        return None
    durations: dict[str, float] = {}
    files: dict[int, object] = {}
    for position, slot in enumerate(prepared.slots):
        if slot.prepared.url is not None:
            files[position] = slot.prepared.url
            continue
        files[position] = _local_stand_in(prepared, position)
        seconds = getattr(slot.prepared.info, "duration", None)
        if isinstance(seconds, (int, float)) and slot.field not in durations:
            durations[slot.field] = float(seconds)
    return estimate(info, _journal_view(prepared, files), durations=durations)


@dataclass(frozen=True)
class LedgerClaim:
    """What `Ledger.claim` decided: ``entry_id`` set means "create it now" (the intent is
    written); ``existing`` set means the key already names this task: return or resume it."""

    entry_id: str | None = None
    existing: JournalEntry | None = None


class Ledger:
    """A client's journal, budget and memory of created ids (one per client)."""

    def __init__(
        self, journal: Journal | None, budget: Budget | None, *, create_wait_s: float
    ) -> None:
        self.journal = journal
        self.budget = budget
        #: How long a caller waits for another caller's create of the same key (its request
        #: timeout: the other create either answers or turns uncertain within it).
        self.create_wait_s = create_wait_s
        self.created_ids: set[str] = set()

    async def claim(
        self, prepared: Prepared, *, idempotency_key: str | None, family: str = "market"
    ) -> LedgerClaim:
        """Before anything is uploaded: judge the budget and write the intent.

        Raises `BudgetExceededError` (nothing written, nothing uploaded), `KieInputError`
        (the key was used with another input), `TaskCreationUncertainError` (the key's create
        may have reached Kie and its creator is gone: never sent twice).
        """
        if idempotency_key is not None and self.journal is None:
            raise KieInputError(
                f"idempotency_key: {idempotency_key!r} needs a journal to be kept across calls "
                "and restarts: KieClient(journal='tasks.sqlite3') or the KIE_JOURNAL "
                "environment variable"
            )
        budget = self.budget
        needs_estimate = self.journal is not None or (budget is not None and budget.has_limit)
        if not needs_estimate:
            return LedgerClaim()
        if any(slot.prepared.local is not None for slot in prepared.slots):
            # Identifying local files reads (or hashes) them: off the event loop.
            found, view, fingerprint = await anyio.to_thread.run_sync(_describe, prepared)
        else:
            found, view, fingerprint = _describe(prepared)
        credits = None if found is None else found.credits
        if budget is not None and budget.has_limit:
            # The per-task limit and "no known price" need no journal: judged here, before any
            # upload; the day and total limits are judged atomically by the journal's begin.
            check_budget(
                Budget(per_task=budget.per_task, allow_unpriced=budget.allow_unpriced),
                credits,
            )
            if credits is None and not budget.allow_unpriced:
                check_budget(budget, None)
        if self.journal is None:
            return LedgerClaim()
        journal_budget = budget if budget is not None and budget.needs_journal else None
        for _ in range(3):  # again if the create we met sent nothing
            claimed = await self.journal.begin(
                prepared.model,
                {**view, PENDING_SEND_KEY: True},
                family=family,
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                estimate=credits,
                budget=journal_budget,
            )
            entry = claimed.entry
            if claimed.outcome == "create":
                return LedgerClaim(entry_id=entry.id)
            if claimed.outcome == "existing":
                return LedgerClaim(existing=entry)
            if claimed.outcome == "in_progress":
                assert idempotency_key is not None
                waited = await wait_for_create(
                    self.journal, idempotency_key, timeout=self.create_wait_s
                )
                if waited is None:
                    continue
                entry = waited
                if entry.task_id is not None:
                    return LedgerClaim(existing=entry)
            # Its creator is gone (the claim said so, or it died while we waited).
            if never_sent(entry):
                # It died before the send (uploading, or waiting for a pacing slot): nothing
                # left, the key is free again.
                await self.journal.release(entry.id)
                continue
            raise _uncertain(entry)
        raise TaskCreationUncertainError(
            f"idempotency_key {idempotency_key!r}: another caller is still creating this task "
            f"after {self.create_wait_s:g} s; it was not sent again"
        )

    async def record_input(self, entry_id: str, input: Mapping[str, Any]) -> None:
        """The input as it will be sent (files as their uploaded URLs)."""
        if self.journal is not None:
            await self.journal.record_input(entry_id, input)

    async def record_task_id(self, entry_id: str | None, task_id: str) -> None:
        self.created_ids.add(task_id)
        if self.journal is not None and entry_id is not None:
            await self.journal.record_task_id(entry_id, task_id)

    async def release(self, entry_id: str | None) -> None:
        """Nothing was sent: the key and the budget reservation are free again."""
        if self.journal is not None and entry_id is not None:
            with anyio.CancelScope(shield=True):
                await self.journal.release(entry_id)

    async def prune(self) -> None:
        """Drop the entries past the journal's retention (when a client opens). A journal
        that cannot be reached is not a reason to refuse work that would record into it
        later: that fails on its own, loudly."""
        if self.journal is None:
            return
        try:
            pruned = await self.journal.prune()
        except KieError as exc:
            logger.warning("journal: pruning old entries failed: %s", exc)
            return
        if pruned:
            logger.info("journal: pruned %d entries past the retention", pruned)

    async def knows(self, task_id: str) -> bool:
        """This client created the task, or its journal has it."""
        if task_id in self.created_ids:
            return True
        return self.journal is not None and await self.journal.get(task_id) is not None

    async def family_of(self, task_id: str) -> str | None:
        """The family the journal recorded for the task (None: no journal, or not in it)."""
        if self.journal is None:
            return None
        entry = await self.journal.get(task_id)
        return entry.family if entry is not None else None

    async def record_task(self, task: Task) -> None:
        """A state seen while waiting: the state, and at the end the results, the reported
        credits and the failure (a task the journal does not hold is ignored)."""
        if self.journal is None:
            return
        finished = str(task.state) in FINISHED_STATES
        await self.journal.record_update(
            task.task_id,
            state=str(task.state),
            result_urls=task.result_urls if finished else None,
            credits=reported_credits(task),
            fail_code=task.fail_code,
            fail_msg=task.fail_msg,
        )


def reported_credits(task: Task) -> float | None:
    """``creditsConsumed`` as Kie reports it at the end (an extra field of the record)."""
    extra = task.model_extra or {}
    value = extra.get("creditsConsumed", extra.get("credits_consumed"))
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _describe(prepared: Prepared) -> tuple[Estimate | None, dict[str, Any], str]:
    """The estimate, the journal's view of the input (local files as stand-ins) and the
    fingerprint an idempotency key stands for. Hashes file contents: run in a worker thread."""
    stand_ins = {
        position: slot.prepared.url or _local_stand_in(prepared, position)
        for position, slot in enumerate(prepared.slots)
    }
    view = _journal_view(prepared, stand_ins)
    fingerprint = request_fingerprint(prepared.model, _fingerprint_view(prepared, view))
    return estimate_prepared(prepared), view, fingerprint


def _fingerprint_view(prepared: Prepared, view: dict[str, Any]) -> dict[str, Any]:
    """The view with each local file named by its content identity (path, size and mtime, or
    a hash of the bytes): the same files give the same fingerprint in a rerun."""
    data = dict(view)
    for slot in prepared.slots:
        local = slot.prepared.local
        if local is None:
            continue
        identity = local.identity()
        marker = list(identity) if identity is not None else f"unidentified: {local.display_name}"
        if slot.index is None:
            data[slot.field] = marker
        else:
            items = list(data[slot.field])
            items[slot.index] = marker
            data[slot.field] = items
    return data


def _uncertain(entry: JournalEntry) -> TaskCreationUncertainError:
    return TaskCreationUncertainError(
        f"idempotency_key {entry.idempotency_key!r}: a create of {entry.model} was begun at "
        f"{entry.created_at:%Y-%m-%d %H:%M:%S} UTC by a process that is gone before Kie's "
        "answer was recorded; the task may exist and be billed, so it is not sent again. "
        "Check kie.ai/logs (or its callback); `kie tasks ls` lists it as uncertain"
    )


def recorded_end(entry: JournalEntry) -> Task | None:
    """The end the journal recorded for a task: a success as its `Task` (a rerun returns
    its result without waiting again), a failure raised again as `TaskFailedError`. None while
    the task is not finished."""
    from .types import Task

    if entry.task_id is None or entry.state not in FINISHED_STATES:
        return None
    task = Task.model_validate(
        {
            "taskId": entry.task_id,
            "model": entry.model,
            "state": entry.state,
            "result_urls": list(entry.result_urls),
            "failCode": entry.fail_code,
            "failMsg": entry.fail_msg,
        }
    )
    if entry.state == "fail":
        raise TaskFailedError(task)
    return task
