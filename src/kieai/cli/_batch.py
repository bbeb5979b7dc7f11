"""``kie batch jobs.jsonl --out DIR``: many generations from a file, one job per line
(``{"key": ..., "model": ..., "input": {...}}``), through ``client.batch``.

Every line is read and every job's input checked before anything is uploaded or paid for
(all problems listed, exit 2). The CLI journals by default, so each key is an idempotency key:
after a crash or Ctrl-C the same command resumes the batch (finished jobs are not created
again, created ones are waited for). Exit 0 only when every job succeeded, 1 otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .._constants import (
    DEFAULT_BATCH_CONCURRENCY,
    DEFAULT_MAX_POLL_INTERVAL_S,
    DEFAULT_POLL_INTERVAL_S,
    DEFAULT_WAIT_TIMEOUT_S,
)
from ._messages import EXIT_INTERRUPTED, EXIT_TASK_FAILED, EXIT_USAGE, UsageProblem
from ._output import Output
from ._paths import check_destination
from ._runtime import (
    API_KEY_HELP,
    BASE_URL_HELP,
    UPLOAD_BASE_URL_HELP,
    ClientOptions,
    Runtime,
    execute,
    execute_now,
)

if TYPE_CHECKING:
    from .._batch import BatchOutcome, Job
    from ..types import AnyResult

__all__ = ["batch", "read_jobs"]

_STATES = ("done", "failed", "uncertain")


def read_jobs(path: Path) -> tuple[list[Job], list[str]]:
    """The jobs of a JSON-lines file and every problem found reading it (``file:line: ...``).
    A string starting with ``@`` in the input is a local file (as in ``kie run``)."""
    from .._batch import Job

    jobs: list[Job] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageProblem(f"{path}: cannot read the jobs file ({exc})") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path.name}:{number}"
        try:
            document: object = json.loads(line)
        except ValueError as exc:
            problems.append(f"{where}: not a JSON object ({exc})")
            continue
        if not isinstance(document, dict):
            problems.append(f"{where}: expected an object with key, model and input")
            continue
        fields: dict[str, Any] = document  # pyright: ignore[reportUnknownVariableType]
        key, model, input = fields.get("key"), fields.get("model"), fields.get("input")
        found = [
            problem
            for problem in (
                None
                if isinstance(key, str) and key
                else f"{where}: key: must be a non-empty string",
                None if isinstance(model, str) and model else f"{where}: model: must be a model id",
                None if isinstance(input, dict) else f"{where}: input: must be an object",
            )
            if problem is not None
        ]
        unknown = sorted(set(fields) - {"key", "model", "input"})
        if unknown:
            found.append(f"{where}: unknown fields {', '.join(unknown)} (key, model, input)")
        if isinstance(key, str) and key in seen:
            found.append(f"{where}: key {key!r} is already used on line {seen[key]}")
        if found:
            problems.extend(found)
            continue
        assert isinstance(key, str) and isinstance(model, str) and isinstance(input, dict)
        seen[key] = number
        jobs.append(Job(model, _local_files(input), key=key))  # pyright: ignore[reportUnknownArgumentType]
    if not jobs and not problems:
        problems.append(f"{path.name}: no jobs (one JSON object per line)")
    return jobs, problems


def _local_files(input: dict[str, Any]) -> dict[str, object]:
    """``"@path"`` (alone or in a list) as a local file to upload."""

    def one(value: object) -> object:
        if isinstance(value, str) and value.startswith("@"):
            return Path(value[1:]).expanduser()
        if isinstance(value, list):
            items: list[object] = value  # pyright: ignore[reportUnknownVariableType]
            return [one(item) for item in items]
        return value

    return {name: one(value) for name, value in input.items()}


def _input_problems(jobs: list[Job], check_media: bool) -> list[str]:
    """Every job's local checks, each problem prefixed with its key."""
    from .._pipeline import check_model

    problems: list[str] = []
    for job in jobs:
        _, report = check_model(job.model, job.input, check_media=check_media)
        problems.extend(f"{job.key}: {problem}" for problem in report.problems)
    return problems


def _refuse(out: Output, problems: list[str]) -> None:
    message = problems[0] if len(problems) == 1 else f"{len(problems)} problems with the jobs:"
    out.error(message, details=problems if len(problems) > 1 else ())
    if out.json_mode:
        out.emit_json(
            {
                "error": {
                    "type": "KieInputError",
                    "message": message,
                    "problems": problems,
                    "exit_code": EXIT_USAGE,
                }
            }
        )
    raise typer.Exit(EXIT_USAGE)


def batch(
    ctx: typer.Context,
    jobs_file: Annotated[
        Path,
        typer.Argument(
            help='A JSON-lines file: one {"key", "model", "input"} per line ("@path": a local '
            "file to upload).",
            metavar="JOBS.jsonl",
            show_default=False,
        ),
    ],
    out_dir: Annotated[
        str,
        typer.Option("--out", help="The directory each output is written to, named after its key."),
    ],
    concurrency: Annotated[
        int, typer.Option("--concurrency", help="Jobs in flight at once.", min=1)
    ] = DEFAULT_BATCH_CONCURRENCY,
    no_check_media: Annotated[
        bool,
        typer.Option(
            "--no-check-media", help="Skip the local media-content checks (type, duration, sides)."
        ),
    ] = False,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout", help="Give up waiting for a job after this many seconds (0: never).", min=0
        ),
    ] = DEFAULT_WAIT_TIMEOUT_S,
    poll_interval: Annotated[
        float,
        typer.Option(
            "--poll-interval", help="Seconds before a job's second status poll (grows x1.5)."
        ),
    ] = DEFAULT_POLL_INTERVAL_S,
    api_key: Annotated[
        str | None, typer.Option("--api-key", help=API_KEY_HELP, show_default=False)
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help=BASE_URL_HELP, show_default=False)
    ] = None,
    upload_base_url: Annotated[
        str | None,
        typer.Option("--upload-base-url", help=UPLOAD_BASE_URL_HELP, show_default=False),
    ] = None,
    json_: Annotated[
        bool,
        typer.Option("--json", help="Print one JSON summary on stdout; no progress bar."),
    ] = False,
) -> None:
    """Run many jobs from a JSON-lines file: `kie batch jobs.jsonl --out out/`.

    One line per job: {"key": "a", "model": "ID", "input": {...}} with Kie's own field names.
    Every job is checked first; then up to --concurrency run at once under Kie's pacing,
    each output written to --out as it finishes. The key names the output and is the job's
    idempotency key: after Ctrl-C or a crash, the same command resumes the batch without
    paying for any job twice. Exit 0 only when every job succeeded.
    """
    out = Output(json_mode=json_)
    # --out is a directory: checked as the place of a file in it (created by the batch).
    directory = execute_now(out, lambda: check_destination(out_dir.rstrip("/") + "/", "x")).parent
    jobs, problems = execute_now(out, lambda: read_jobs(jobs_file))
    if problems:
        _refuse(out, problems)
    problems = execute_now(out, lambda: _input_problems(jobs, not no_check_media))
    if problems:
        _refuse(out, problems)
    runtime = ctx.obj if isinstance(ctx.obj, Runtime) else Runtime()
    options = ClientOptions(
        api_key=api_key, base_url=base_url, upload_base_url=upload_base_url, runtime=runtime
    )
    outcomes: list[BatchOutcome[AnyResult]] = []

    async def work() -> None:
        from ._progress import BatchProgress

        with BatchProgress(out.stderr, total=len(jobs), enabled=not out.json_mode) as bar:
            async with options.open(out) as client:
                runs = client.batch(
                    jobs,
                    concurrency=concurrency,
                    download_to=directory,
                    timeout=None if timeout == 0 else timeout,
                    poll_interval=poll_interval,
                    max_poll_interval=max(poll_interval, DEFAULT_MAX_POLL_INTERVAL_S),
                )
                async for outcome in runs:
                    outcomes.append(outcome)
                    bar.finished(outcome.state)

    try:
        execute(out, work)
    except typer.Exit as exc:
        if exc.exit_code == EXIT_INTERRUPTED:  # the journal holds every created job
            out.note(f"resume with the same command: kie batch {jobs_file} --out {out_dir}")
        raise
    _summary(out, outcomes)
    if not all(outcome.ok for outcome in outcomes):
        raise typer.Exit(EXIT_TASK_FAILED)


def _reason(outcome: BatchOutcome[AnyResult]) -> str | None:
    return None if outcome.error is None else str(outcome.error)


def _summary(out: Output, outcomes: list[BatchOutcome[AnyResult]]) -> None:
    counts = {state: sum(1 for o in outcomes if o.state == state) for state in _STATES}
    if out.json_mode:
        out.emit_json(
            {
                "jobs": len(outcomes),
                **counts,
                "outcomes": [
                    {
                        "key": o.key,
                        "state": o.state,
                        "task_id": o.result.task_id if o.result is not None else None,
                        "outputs": [str(p.resolve()) for p in o.paths],
                        "error": None
                        if o.error is None
                        else {"type": type(o.error).__name__, "message": str(o.error)},
                    }
                    for o in sorted(outcomes, key=lambda o: o.key)
                ],
            }
        )
        return
    from rich.table import Table

    table = Table("key", "state", "output or reason", title=None, show_edge=False)
    order = {state: n for n, state in enumerate(("failed", "uncertain", "done"))}
    for o in sorted(outcomes, key=lambda o: (order[o.state], o.key)):
        shown = ", ".join(str(p) for p in o.paths) or (
            o.result.url if o.result and o.result.urls else ""
        )
        style = {"done": "green", "failed": "red", "uncertain": "yellow"}[o.state]
        table.add_row(o.key, f"[{style}]{o.state}[/]", out.scrub(_reason(o) or shown))
    out.stdout.print(table)
    out.stdout.print(
        f"{counts['done']} done, {counts['failed']} failed, {counts['uncertain']} uncertain "
        f"of {len(outcomes)}"
    )
    if counts["uncertain"]:
        out.note(
            "uncertain: the create may have reached Kie and was not sent again; "
            "see kie tasks ls --state uncertain",
            style="yellow",
        )
