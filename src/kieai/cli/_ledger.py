"""``kie tasks ls|show|resume|collect`` and ``kie costs``: the journal of paid work.

The CLI journals every task it creates (`_datadir.user_journal_path`), so a task whose
terminal was closed is still listed, resumed and collected here. ``kie costs`` puts three
figures side by side: what kieai estimated, what Kie reported (``creditsConsumed``) and how
the account's balance moved between the balances ``kie costs`` itself recorded.

Start-up: this module imports only typer; the client and the journal load when a command runs.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .._constants import DEFAULT_MAX_POLL_INTERVAL_S, DEFAULT_POLL_INTERVAL_S
from ._output import Output
from ._runtime import ClientOptions, Runtime, UsageProblem, execute, execute_now

if TYPE_CHECKING:
    from .._journal import JournalEntry
    from ..types import AnyResult

__all__ = ["costs", "tasks_app"]

tasks_app = typer.Typer(
    name="tasks",
    help="The tasks kie created (its journal): list, show, resume and collect them.",
    invoke_without_command=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
ApiKeyOpt = Annotated[
    str | None,
    typer.Option("--api-key", help="Kie API key (default: $KIE_API_KEY).", show_default=False),
]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option("--base-url", help="API base URL (default: $KIE_BASE_URL).", show_default=False),
]
StateOpt = Annotated[
    str | None,
    typer.Option(
        "--state",
        help="Only entries in this state: waiting, queuing, generating, success, fail, "
        "unfinished or uncertain.",
        show_default=False,
    ),
]
PollOpt = Annotated[float, typer.Option("--poll-interval", help="Seconds between the first polls.")]

#: Balances ``kie costs`` saw, next to the journal (JSON lines: time, credits).
BALANCES_FILE_SUFFIX = ".balances.jsonl"


def _runtime(ctx: typer.Context) -> Runtime:
    obj: object = ctx.obj
    if ctx.parent is not None and not isinstance(obj, Runtime):
        obj = ctx.parent.obj
    return obj if isinstance(obj, Runtime) else Runtime()


def _options(ctx: typer.Context, api_key: str | None, base_url: str | None) -> ClientOptions:
    """A client on the journal if it exists (these commands never create it)."""
    runtime = _runtime(ctx)
    if not runtime.journal:
        raise UsageProblem("kie tasks and kie costs read the journal: drop --no-journal")
    return ClientOptions(api_key=api_key, base_url=base_url, runtime=runtime, read_only=True)


def _journal_path(ctx: typer.Context) -> Path:
    from ._datadir import user_journal_path

    if not _runtime(ctx).journal:
        raise UsageProblem("kie tasks and kie costs read the journal: drop --no-journal")
    return user_journal_path()


async def _entries(path: Path, **filters: Any) -> list[JournalEntry]:
    """The journal's entries; none when there is no journal yet (nothing is created)."""
    import anyio.to_thread

    from .._journal import SQLiteJournal

    if not await anyio.to_thread.run_sync(path.exists):
        return []
    journal = SQLiteJournal(path)
    try:
        return await journal.list(**filters)
    finally:
        await journal.aclose()


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def _state_word(entry: JournalEntry) -> str:
    """The state as the table shows it: Kie's word once there is a task id, else what is
    known about the create."""
    from .._journal import NOT_SENT

    sent = entry.sent
    if sent is True:
        return entry.state
    if sent is False:
        # Released, or its creator died before the send: either way nothing left.
        return "not sent" if entry.uncertain or entry.state == NOT_SENT else "creating"
    return "uncertain" if entry.uncertain else "sending"


def _sent_text(entry: JournalEntry) -> str:
    sent = entry.sent
    if sent is True:
        return "yes (Kie returned the task id)"
    if sent is False:
        if _state_word(entry) == "creating":
            return "not yet (uploading, or waiting for a pacing slot)"
        return "no: createTask never left, nothing to pay (the same idempotency key creates it)"
    if entry.uncertain:
        return (
            "unknown: createTask may have reached Kie and its answer was lost; kieai never "
            "sends it again (kie.ai/logs tells whether the task exists)"
        )
    return "sending now"


def _document(entry: JournalEntry) -> dict[str, Any]:
    return {
        "task_id": entry.task_id,
        "model": entry.model,
        "family": entry.family,
        "state": "uncertain" if entry.uncertain else entry.state,
        "sent": entry.sent,
        "created_at": entry.created_at.isoformat(),
        "updated_at": entry.updated_at.isoformat(),
        "ended_at": entry.ended_at.isoformat() if entry.ended_at else None,
        "idempotency_key": entry.idempotency_key,
        "estimate": entry.estimate,
        "credits": entry.credits,
        "result_urls": list(entry.result_urls),
        "fail_code": entry.fail_code,
        "fail_msg": entry.fail_msg,
        "input": dict(entry.input),
    }


@tasks_app.callback()
def list_tasks(
    ctx: typer.Context,
    state: StateOpt = None,
    json_: JsonOpt = False,
) -> None:
    """List the journal's tasks, oldest first (`kie tasks ls` does the same)."""
    if ctx.invoked_subcommand is not None:
        return
    _list(ctx, state, json_)


@tasks_app.command("ls")
def ls(ctx: typer.Context, state: StateOpt = None, json_: JsonOpt = False) -> None:
    """List the journal's tasks, oldest first."""
    _list(ctx, state, json_)


def _list(ctx: typer.Context, state: str | None, json_: bool) -> None:
    out = Output(json_mode=json_)
    path = execute_now(out, lambda: _journal_path(ctx))
    entries = execute(out, lambda: _entries(path, state=state))
    if out.json_mode:
        out.emit_json({"journal": str(path), "tasks": [_document(e) for e in entries]})
        return
    if not entries:
        out.note(f"no tasks in the journal ({path})")
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("task id", "model", "state", "created (UTC)", "estimate", "credits", "key"):
        table.add_column(column)
    for entry in entries:
        table.add_row(
            entry.task_id or "-",
            entry.model,
            _state_word(entry),
            _when(entry.created_at),
            "-" if entry.estimate is None else f"{entry.estimate:g}",
            "-" if entry.credits is None else f"{entry.credits:g}",
            entry.idempotency_key or "-",
        )
    out.stdout.print(table)


@tasks_app.command("show")
def show(
    ctx: typer.Context,
    task_id: Annotated[
        str,
        typer.Argument(
            help="A task id or an idempotency key (a batch job's key) from `kie tasks ls`.",
            metavar="TASK_ID_OR_KEY",
        ),
    ],
    json_: JsonOpt = False,
) -> None:
    """Everything the journal knows about one task, found by its task id or, for a create that
    has none (not sent, uncertain), by its idempotency key."""
    out = Output(json_mode=json_)
    path = execute_now(out, lambda: _journal_path(ctx))

    async def work() -> JournalEntry:
        entries = await _entries(path)
        by_id = [e for e in entries if e.task_id == task_id]
        found = by_id or [e for e in entries if e.idempotency_key == task_id]
        if not found:
            raise UsageProblem(
                f"{task_id} is not in the journal ({path}) as a task id or an idempotency key"
            )
        return found[-1]  # a key reused after a create that never left: its latest entry

    entry = execute(out, work)
    document = _document(entry)
    shown = {**document, "state": _state_word(entry), "sent": _sent_text(entry)}
    out.result(
        document,
        [
            (key, json.dumps(value) if isinstance(value, (dict, list)) else value)
            for key, value in shown.items()
        ],
    )


def _result_rows(result: AnyResult, saved: Path | None) -> list[tuple[str, object]]:
    return [
        ("task_id", result.task_id),
        ("state", result.task.state),
        *[("url", url) for url in result.urls],
        ("saved", None if saved is None else str(saved)),
    ]


@tasks_app.command("resume")
def resume(
    ctx: typer.Context,
    task_id: Annotated[str, typer.Argument(help="A task id from `kie tasks ls`.")],
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", help="Save the result here.", show_default=False),
    ] = None,
    poll_interval: PollOpt = DEFAULT_POLL_INTERVAL_S,
    api_key: ApiKeyOpt = None,
    base_url: BaseUrlOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Wait for one journaled task (again) and save its result with -o."""
    out = Output(json_mode=json_)
    options = execute_now(out, lambda: _options(ctx, api_key, base_url))
    path = execute_now(out, lambda: _journal_path(ctx))

    async def work() -> tuple[AnyResult, Path | None]:
        if options.journal() is False:
            raise UsageProblem(
                f"task {task_id} is not in the journal (there is none yet at {path}); "
                f"`kie wait {task_id}` waits for any task"
            )
        async with options.open(out) as client:
            result = await client.tasks.resume(
                task_id,
                poll_interval=poll_interval,
                max_poll_interval=max(poll_interval, DEFAULT_MAX_POLL_INTERVAL_S),
            )
            saved = (
                await client.download(result.urls[0], output)
                if output is not None and result.urls
                else None
            )
        return result, saved

    result, saved = execute(out, work)
    document = {**result.model_dump(mode="json"), "saved": None if saved is None else str(saved)}
    out.result(document, _result_rows(result, saved))


@tasks_app.command("collect")
def collect(
    ctx: typer.Context,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Save every result into this directory.", show_default=False),
    ] = None,
    poll_interval: PollOpt = DEFAULT_POLL_INTERVAL_S,
    api_key: ApiKeyOpt = None,
    base_url: BaseUrlOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Wait for every unfinished task in the journal at once; save results with --out."""
    out = Output(json_mode=json_)
    options = execute_now(out, lambda: _options(ctx, api_key, base_url))

    async def work() -> list[tuple[AnyResult, Path | None]]:
        done: list[tuple[AnyResult, Path | None]] = []
        if options.journal() is False:
            return done  # no journal yet: nothing to collect (and none is created)
        async with options.open(out) as client:
            async for result in client.tasks.collect(
                poll_interval=poll_interval,
                max_poll_interval=max(poll_interval, DEFAULT_MAX_POLL_INTERVAL_S),
            ):
                saved = None
                if out_dir is not None and result.urls:
                    out_dir.mkdir(parents=True, exist_ok=True)
                    saved = await client.download(result.urls[0], out_dir)
                done.append((result, saved))
        return done

    done = execute(out, work)
    if out.json_mode:
        out.emit_json(
            {
                "collected": [
                    {"task_id": r.task_id, "urls": r.urls, "saved": str(s) if s else None}
                    for r, s in done
                ]
            }
        )
        return
    if not done:
        out.note("no unfinished tasks in the journal")
    for result, saved in done:
        out.fields(_result_rows(result, saved))


# -- costs --------------------------------------------------------------------------------------


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise UsageProblem(f"--since: must be a date like 2026-12-01, got {value!r}") from None
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def _balances(path: Path) -> list[tuple[float, float]]:
    file = path.with_name(path.name + BALANCES_FILE_SUFFIX)
    if not file.exists():
        return []
    seen: list[tuple[float, float]] = []
    for line in file.read_text().splitlines():
        try:
            record = json.loads(line)
            seen.append((float(record["at"]), float(record["credits"])))
        except (ValueError, KeyError, TypeError):
            continue
    return seen


def _remember_balance(path: Path, credits: float, at: float) -> None:
    file = path.with_name(path.name + BALANCES_FILE_SUFFIX)
    file.parent.mkdir(parents=True, exist_ok=True)
    with file.open("a") as f:
        f.write(json.dumps({"at": at, "credits": credits}) + "\n")


def costs(
    ctx: typer.Context,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Only tasks created on or after this date (UTC, YYYY-MM-DD).",
            show_default=False,
        ),
    ] = None,
    api_key: ApiKeyOpt = None,
    base_url: BaseUrlOpt = None,
    json_: JsonOpt = False,
) -> None:
    """What the journaled tasks cost: kieai's estimates, the credits Kie reported and the
    balance change, side by side."""
    import os
    import time

    out = Output(json_mode=json_)
    path = execute_now(out, lambda: _journal_path(ctx))
    start = execute_now(out, lambda: _since(since))
    options = ClientOptions(
        api_key=api_key, base_url=base_url, runtime=_runtime(ctx), read_only=True
    )
    has_key = api_key is not None or bool(os.environ.get("KIE_API_KEY", "").strip())

    async def work() -> tuple[list[JournalEntry], float | None]:
        entries = [e for e in await _entries(path, since=start) if e.task_id is not None]
        balance = None
        if has_key:
            async with options.open(out) as client:
                balance = await client.get_credits()
        return entries, balance

    entries, balance = execute(out, work)
    now = time.time()
    earlier = [
        credits for at, credits in _balances(path) if start is None or at >= start.timestamp()
    ]
    change = None if balance is None or not earlier else earlier[0] - balance
    if balance is not None and path.exists():
        # Next to the journal only: with none yet, kie costs creates nothing.
        _remember_balance(path, balance, now)
    estimated = sum(e.estimate or 0.0 for e in entries)
    reported = [e.credits for e in entries if e.credits is not None]
    document = {
        "since": None if start is None else start.date().isoformat(),
        "tasks": len(entries),
        "unpriced_tasks": sum(1 for e in entries if e.estimate is None),
        "estimated_credits": estimated,
        "reported_credits": sum(reported),
        "reported_tasks": len(reported),
        "balance": balance,
        "balance_change": change,
    }
    out.result(
        document,
        [
            ("since", document["since"] or "the journal's start"),
            ("tasks", len(entries)),
            ("estimated", f"{estimated:g} credits"),
            ("reported", f"{sum(reported):g} credits ({len(reported)} of {len(entries)} tasks)"),
            ("balance", None if balance is None else f"{balance:g} credits"),
            (
                "balance_change",
                "unknown (no earlier balance recorded by kie costs)"
                if change is None
                else f"{change:g} credits spent",
            ),
        ],
    )
