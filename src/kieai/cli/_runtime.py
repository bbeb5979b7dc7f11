"""How a command runs: building the client, running its coroutine, and turning the outcome into
output and an exit code.

The seam for tests (and for embedding the CLI) is :class:`Runtime`, passed to the click
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

import asyncio
import os
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeVar

import anyio
import httpx
import typer

from .._client import KieClient
from .._constants import API_KEY_ENV, BASE_URL_ENV, UPLOAD_BASE_URL_ENV
from .._errors import (
    APIError,
    APIStatusError,
    AuthenticationError,
    InsufficientCreditsError,
    KieError,
    KieInputError,
    TaskCreationUncertainError,
    TaskFailedError,
    TaskTimeoutError,
    UnprocessableEntityError,
)
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
    "execute",
    "fail",
]

T = TypeVar("T")

EXIT_OK = 0
EXIT_TASK_FAILED = 1
EXIT_USAGE = 2
EXIT_API_ERROR = 3
EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class Runtime:
    """What commands take from their surroundings; tests replace it.

    ``http_client_factory``: called once per command, inside its event loop, for the
    ``httpx.AsyncClient`` the :class:`KieClient` uses (the command closes it). None: the
    client makes its own.
    """

    http_client_factory: Callable[[], httpx.AsyncClient] | None = None


class DownloadFailedError(APIError):
    """The task succeeded but saving its video failed; carries what is needed to retry."""

    def __init__(self, message: str, *, task_id: str, video_url: str | None) -> None:
        super().__init__(message)
        self.task_id = task_id
        self.video_url = video_url


class UsageProblem(Exception):
    """Bad configuration found by the CLI itself (exit 2), e.g. no API key."""


@dataclass
class ClientOptions:
    """The connection options every API command accepts."""

    api_key: str | None = None
    base_url: str | None = None
    upload_base_url: str | None = None
    runtime: Runtime = field(default_factory=Runtime)

    def resolve_key(self) -> str:
        key = self.api_key if self.api_key is not None else os.environ.get(API_KEY_ENV)
        if key is None or not key.strip():
            raise UsageProblem(
                f"no API key: set the {API_KEY_ENV} environment variable or pass --api-key "
                "(keys are at https://kie.ai/api-key)"
            )
        return key.strip()

    @asynccontextmanager
    async def open(self, out: Output) -> AsyncGenerator[KieClient]:
        """A :class:`KieClient` for one command (the key is registered with ``out`` first)."""
        key = self.resolve_key()
        out.add_secret(key)
        factory = self.runtime.http_client_factory
        if factory is None:
            async with KieClient(
                api_key=key, base_url=self.base_url, upload_base_url=self.upload_base_url
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
            ) as client,
        ):
            yield client


# -- failures ------------------------------------------------------------------------------


def _classify(
    exc: BaseException, resume: str | None = None
) -> tuple[int, str, list[str], str | None]:
    """Exit code, message, detail lines and hint for an expected failure."""
    if isinstance(exc, UsageProblem):
        return EXIT_USAGE, str(exc), [], None
    if isinstance(exc, KieInputError):
        if len(exc.problems) == 1:
            return EXIT_USAGE, exc.problems[0], [], None
        count = len(exc.problems)
        return EXIT_USAGE, f"{count} problems with the input:", list(exc.problems), None
    if isinstance(exc, TaskFailedError):
        return EXIT_TASK_FAILED, str(exc), [], None
    if isinstance(exc, TaskTimeoutError):
        hint = f"the task keeps running at Kie; resume with: {resume or _wait(exc.task_id)}"
        return EXIT_TASK_FAILED, str(exc), [], hint
    if isinstance(exc, UnprocessableEntityError) and "recordinfo is null" in exc.message.lower():
        hint = "Kie knows no task with this id (a task created a moment ago may not show yet)"
        return EXIT_API_ERROR, str(exc), [], hint
    if isinstance(exc, AuthenticationError):
        hint = f"check the API key ({API_KEY_ENV} or --api-key)"
        return EXIT_API_ERROR, str(exc), [], hint
    if isinstance(exc, InsufficientCreditsError):
        return EXIT_API_ERROR, str(exc), [], "top up your Kie account, then retry"
    if isinstance(exc, TaskCreationUncertainError):
        hint = "check https://kie.ai/logs before creating the task again"
        return EXIT_API_ERROR, str(exc), [], hint
    if isinstance(exc, KieError):
        return EXIT_API_ERROR, str(exc), [], None
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return EXIT_API_ERROR, f"{exc.strerror or exc}{where}", [], None
    raise exc  # pragma: no cover  (only expected failures are passed in)


def _wait(task_id: str) -> str:
    return f"kie wait {task_id}"


def _error_document(
    exc: BaseException, code: int, message: str, resume: str | None
) -> dict[str, Any]:
    error: dict[str, Any] = {"type": type(exc).__name__, "message": message, "exit_code": code}
    if isinstance(exc, KieInputError):
        error["problems"] = list(exc.problems)
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
            error["resume"] = resume or _wait(exc.task_id)
    if isinstance(exc, DownloadFailedError):
        error["task_id"] = exc.task_id
        error["video_url"] = exc.video_url
        error["resume"] = resume or _wait(exc.task_id)
    if isinstance(exc, APIError) and exc.request is not None:
        error["request"] = f"{exc.request.method} {exc.request.url.copy_with(query=None)}"
    return error


def fail(out: Output, exc: BaseException, *, resume: str | None = None) -> NoReturn:
    """Report an expected failure (one line on stderr; a JSON error document in ``--json``
    mode) and exit with its code. ``resume``: the command that picks the task up again."""
    code, message, details, hint = _classify(exc, resume)
    out.error(message, details=details, hint=hint)
    if out.json_mode:
        out.emit_json({"error": _error_document(exc, code, message, resume)})
    raise typer.Exit(code)


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


#: What Ctrl-C looks like when it leaves ``anyio.run``: KeyboardInterrupt, or on Python 3.10's
#: asyncio the main task's CancelledError (3.11+ turns that back into KeyboardInterrupt).
INTERRUPTED: tuple[type[BaseException], ...] = (KeyboardInterrupt, asyncio.CancelledError)


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
    try:
        return anyio.run(work)
    except INTERRUPTED:
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
