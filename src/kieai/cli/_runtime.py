"""How a command runs: building the client, running its coroutine, and turning the outcome into
output and an exit code.

The seam for tests (and for embedding the CLI) is `Runtime`, passed to the click
context as ``obj`` (``kieai.cli.main(argv, runtime=...)`` or ``CliRunner().invoke(app, argv,
obj=...)``). Its ``http_client_factory`` supplies the ``httpx.AsyncClient`` every command
uses, e.g. ``FakeKie().http_client`` to run the real commands against the in-process fake.

Exit codes (documented in docs/cli.md):

=====  =================================================================================
0      success
1      the task failed, or did not finish before ``--timeout``
2      bad input or usage: failed local checks, bad options, no API key
3      Kie or the network said no: HTTP/API errors (401, 402, 5xx after retries, ...),
       connection problems, an uncertain task creation, a file that could not be written
130    interrupted (Ctrl-C); the task, if created, keeps running at Kie
=====  =================================================================================
"""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer

from .._constants import API_KEY_ENV, BASE_URL_ENV, UPLOAD_BASE_URL_ENV
from .._errors import (
    APIError,
    APIStatusError,
    KieError,
    KieInputError,
    TaskCreationUncertainError,
    TaskFailedError,
    TaskTimeoutError,
    describe_request,
)
from ._messages import (
    EXIT_API_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TASK_FAILED,
    EXIT_USAGE,
    DownloadFailedError,
    Explanation,
    UsageProblem,
    explain,
    resume_command,
)

if TYPE_CHECKING:
    # Imported when a command runs, not when `kie --help` or a local check needs none of it.
    import httpx

    from .._client import KieClient
    from ._output import Output

__all__ = [
    "EXIT_API_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TASK_FAILED",
    "EXIT_USAGE",
    "ClientOptions",
    "DownloadFailedError",
    "Runtime",
    "UsageProblem",
    "execute",
    "execute_now",
    "fail",
    "interruptions",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Runtime:
    """What commands take from their surroundings; tests replace it.

    ``http_client_factory``: called once per command, inside its event loop, for the
    ``httpx.AsyncClient`` the `KieClient` uses (the command closes it). None: the
    client makes its own.
    """

    http_client_factory: Callable[[], httpx.AsyncClient] | None = None
    #: Journal paid work in the user's data directory (``KIE_JOURNAL`` overrides);
    #: ``kie --no-journal`` turns it off.
    journal: bool = True


@dataclass
class ClientOptions:
    """The connection options every API command accepts."""

    api_key: str | None = None
    base_url: str | None = None
    upload_base_url: str | None = None
    runtime: Runtime = field(default_factory=Runtime)
    #: The command creates no task (``status``, ``wait``, ``credits``, ``costs``, ...): it
    #: uses the journal only if one exists, and never creates the file or its directory.
    read_only: bool = False

    def resolve_key(self) -> str:
        key = self.api_key if self.api_key is not None else os.environ.get(API_KEY_ENV)
        if key is None or not key.strip():
            raise UsageProblem(
                f"no API key: set the {API_KEY_ENV} environment variable or pass --api-key "
                "(keys are at https://kie.ai/api-key)"
            )
        return key.strip()

    def journal(self) -> str | bool:
        """The CLI journals by default (the user's data directory, or ``KIE_JOURNAL``); a
        read-only command without a journal yet goes without (opening one creates it)."""
        if not self.runtime.journal:
            return False
        from ._datadir import user_journal_path

        path = user_journal_path()
        if self.read_only and not path.exists():
            return False
        return str(path)

    @asynccontextmanager
    async def open(self, out: Output) -> AsyncGenerator[KieClient]:
        """A `KieClient` for one command (the key is registered with ``out`` first)."""
        from .._client import KieClient

        key = self.resolve_key()
        out.add_secret(key)
        journal = self.journal()
        factory = self.runtime.http_client_factory
        if factory is None:
            async with KieClient(
                api_key=key,
                base_url=self.base_url,
                upload_base_url=self.upload_base_url,
                journal=journal,
            ) as client:
                yield client
            return
        async with (
            factory() as http_client,
            KieClient(
                api_key=key,
                base_url=self.base_url,
                upload_base_url=self.upload_base_url,
                http_client=http_client,
                journal=journal,
            ) as client,
        ):
            yield client


# -- failures ------------------------------------------------------------------------------


def _error_document(
    exc: BaseException, explained: Explanation, resume: str | None
) -> dict[str, Any]:
    """The ``--json`` error: the plain message and hint, plus the raw facts (``detail``, HTTP
    ``status_code``, Kie's ``code``, the ``request``) that the human output keeps for ``--debug``."""
    error: dict[str, Any] = {
        "type": type(exc).__name__,
        "message": explained.message,
        "hint": explained.hint,
        "exit_code": explained.exit_code,
        "detail": str(exc),
    }
    if isinstance(exc, KieInputError):
        error["problems"] = list(explained.details or [explained.message])
    if isinstance(exc, APIStatusError):
        error["status_code"] = exc.status_code
        error["code"] = exc.code
    if isinstance(exc, (TaskFailedError, TaskTimeoutError)):
        task = exc.task
        error["task_id"] = task.task_id if task is not None else getattr(exc, "task_id", None)
        error["task"] = task.model_dump(mode="json") if task is not None else None
        if isinstance(exc, TaskFailedError):
            error["fail_code"] = exc.fail_code
            error["fail_msg"] = exc.fail_msg
        else:
            error["resume"] = resume or resume_command(exc.task_id)
    if isinstance(exc, DownloadFailedError):
        error["task_id"] = exc.task_id
        error["video_url"] = exc.video_url
        error["resume"] = resume or (resume_command(exc.task_id) if exc.task_id else None)
    if isinstance(exc, (APIError, TaskCreationUncertainError)) and exc.request is not None:
        error["request"] = describe_request(exc.request)
    return error


def fail(out: Output, exc: BaseException, *, resume: str | None = None) -> NoReturn:
    """Report an expected failure (plain lines on stderr, the raw facts too with ``--debug``; a
    JSON error document in ``--json`` mode) and exit with its code. ``resume``: the command
    that picks the task up again."""
    explained = explain(exc, resume=resume)
    out.error(
        explained.message, details=explained.details, hint=explained.hint, debug=explained.debug
    )
    if out.json_mode:
        out.emit_json({"error": _error_document(exc, explained, resume)})
    raise typer.Exit(explained.exit_code)


def interrupted(out: Output, task_id: str | None, resume: str | None) -> NoReturn:
    """Ctrl-C: say what became of the task and how to pick it up again."""
    if task_id is not None and resume is not None:
        out.error(
            f"interrupted; task {task_id} keeps running at Kie", hint=f"resume with: {resume}"
        )
    else:
        out.error("interrupted")
    if out.json_mode:
        error: dict[str, Any] = {
            "type": "KeyboardInterrupt",
            "message": "interrupted",
            "exit_code": EXIT_INTERRUPTED,
            "task_id": task_id,
            "resume": resume,
        }
        out.emit_json({"error": error})
    raise typer.Exit(EXIT_INTERRUPTED)


def interruptions() -> tuple[type[BaseException], ...]:
    """What Ctrl-C looks like when it leaves ``anyio.run``: KeyboardInterrupt, or on Python
    3.10's asyncio the main task's CancelledError (3.11+ turns that back into
    KeyboardInterrupt). A function, so that importing this module does not import asyncio."""
    import asyncio

    return (KeyboardInterrupt, asyncio.CancelledError)


def execute(
    out: Output,
    work: Callable[[], Awaitable[T]],
    *,
    resume: Callable[[], tuple[str | None, str | None]] | None = None,
) -> T:
    """Run ``work`` in a fresh event loop; expected failures become an exit code.

    ``resume`` returns ``(task_id, command)``: the task created so far (None if none) and
    the command that resumes waiting for it, for the messages after Ctrl-C or a timeout.
    """
    import anyio

    return execute_now(out, lambda: anyio.run(work), resume=resume)


def execute_now(
    out: Output,
    work: Callable[[], T],
    *,
    resume: Callable[[], tuple[str | None, str | None]] | None = None,
) -> T:
    """`execute` for work that needs no event loop (``kie check``: local checks only), run in
    this thread: the same failures become the same exit codes."""
    try:
        return work()
    except interruptions():
        task_id, command = resume() if resume is not None else (None, None)
        interrupted(out, task_id, command)
    except (KieError, UsageProblem, OSError) as exc:
        task_id, command = resume() if resume is not None else (None, None)
        fail(out, exc, resume=command if task_id is not None else None)


def env_help(name: str) -> str:
    """``"(default: env NAME)"`` for option help texts."""
    return f"default: env {name}"


BASE_URL_HELP = f"API host ({env_help(BASE_URL_ENV)}, else https://api.kie.ai)."
UPLOAD_BASE_URL_HELP = (
    f"File upload host ({env_help(UPLOAD_BASE_URL_ENV)}, else https://kieai.redpandaai.co)."
)
API_KEY_HELP = f"Kie API key ({env_help(API_KEY_ENV)}; prefer the variable: options show in `ps`)."
