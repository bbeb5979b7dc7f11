"""What the ``kie`` command says when something goes wrong: plain words first, raw detail on demand.

`explain` turns an expected failure into an `Explanation`: the exit code, one line
saying what Kie (or the network, or the input) refused and why, an optional hint saying what to
do, and the raw facts (HTTP status, Kie's JSON code, the request, the library's own message) that
only ``--debug`` and ``--json`` show. Every command, present and future, reports through it (via
``_runtime.fail``), so the wording stays consistent; a new error type needs one branch here.

`cli_wording` rewrites the library's argument names in a message into the flags a CLI
user types (``check_media=False`` -> ``--no-check-media``); `install_hint` quotes an extra
for every shell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from .._constants import API_KEY_ENV, BASE_URL_ENV
from .._errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InsufficientCreditsError,
    InternalServerError,
    KieError,
    KieInputError,
    NotFoundError,
    RateLimitError,
    ServiceUnavailableError,
    TaskCreationUncertainError,
    TaskFailedError,
    TaskTimeoutError,
    UnprocessableEntityError,
    describe_request,
)

if TYPE_CHECKING:
    import httpx

__all__ = [
    "EXIT_API_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TASK_FAILED",
    "EXIT_USAGE",
    "DownloadFailedError",
    "Explanation",
    "UsageProblem",
    "cli_wording",
    "explain",
    "install_hint",
    "resume_command",
]

EXIT_OK = 0
EXIT_TASK_FAILED = 1
EXIT_USAGE = 2
EXIT_API_ERROR = 3
EXIT_INTERRUPTED = 130


class DownloadFailedError(APIError):
    """The task succeeded but saving its video failed; carries what is needed to retry."""

    task_id: str  # pyright: ignore[reportIncompatibleVariableOverride]  # always known here

    def __init__(self, message: str, *, task_id: str, video_url: str | None) -> None:
        super().__init__(message)
        self.task_id = task_id  # pyright: ignore[reportIncompatibleVariableOverride]  # as above
        self.video_url = video_url


class UsageProblem(Exception):
    """Bad configuration found by the CLI itself (exit 2), e.g. no API key."""


@dataclass(frozen=True)
class Explanation:
    """One failure, worded for a person: ``message`` and ``hint`` always, ``debug`` lines with
    ``--debug``. ``details`` lists several problems under the message (failed input checks)."""

    exit_code: int
    message: str
    hint: str | None = None
    details: list[str] = field(default_factory=list[str])
    debug: list[str] = field(default_factory=list[str])


def install_hint(extra: str) -> str:
    """``pip install 'kieai[extra]'``: quoted, because zsh and others expand the brackets."""
    return f"pip install 'kieai[{extra}]'"


def resume_command(task_id: str, output: str | None = None) -> str:
    """The ``kie wait`` line that picks a task up again (with the same ``-o``, if any)."""
    import shlex

    command = f"kie wait {task_id}"
    return command if output is None else f"{command} -o {shlex.quote(output)}"


# -- library wording -> CLI wording ------------------------------------------------------------

_WORDING: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bcheck_media=False\b"), "--no-check-media"),
    (re.compile(r'\bcharacter_orientation="(\w+)"'), r"--orientation \1"),
    (re.compile(r"\bcharacter_orientation\b"), "--orientation"),
    (re.compile(r'\bbackground_source="(\w+)"'), r"--background-source \1"),
    (re.compile(r"\bbackground_source\b"), "--background-source"),
    (re.compile(r'\baspect_ratio="([\w:]+)"'), r"--aspect-ratio \1"),
    (re.compile(r"\baspect_ratio\b"), "--aspect-ratio"),
    (re.compile(r"^callback_url:"), "--callback-url:"),
    # A problem starts with the argument it is about: the flag of the same name on the CLI.
    (re.compile(r"^(image|video|prompt|mode|model|duration|sound):"), r"--\1:"),
    (re.compile(r"\bpip install kieai\[(\w+)\]"), r"pip install 'kieai[\1]'"),
]


def cli_wording(text: str) -> str:
    """``text`` with the library's argument names replaced by the flags of the ``kie`` command."""
    for pattern, replacement in _WORDING:
        text = pattern.sub(replacement, text)
    return text


# -- what was asked of Kie ---------------------------------------------------------------------

_OPERATIONS = {
    "/api/v1/jobs/createTask": "creating the task",
    "/api/v1/chat/credit": "reading the credit balance",
    "/api/v1/common/download-url": "asking for a download URL",
    "/api/file-stream-upload": "uploading a file",
    "/api/file-url-upload": "having Kie fetch a file from a URL",
}


def _task_id_of(request: httpx.Request | None) -> str | None:
    if request is None or not request.url.path.endswith("/recordInfo"):
        return None
    ids = parse_qs(urlsplit(str(request.url)).query).get("taskId")
    return ids[0] if ids else None


def _operation(request: httpx.Request | None) -> str | None:
    if request is None:
        return None
    task_id = _task_id_of(request)
    if task_id is not None:
        return f"looking up task {task_id}"
    path = request.url.path
    return next((what for suffix, what in _OPERATIONS.items() if path.endswith(suffix)), None)


def _while(request: httpx.Request | None) -> str:
    operation = _operation(request)
    return f" (while {operation})" if operation else ""


def _kie_said(exc: APIError) -> str | None:
    """The message in Kie's JSON answer (``msg`` or ``message``), if it sent one."""
    body = exc.body
    if isinstance(body, dict):
        for key in ("msg", "message"):
            value = body.get(key)  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def _fetch_failed(request: httpx.Request | None, said: str) -> bool:
    """Whether Kie's answer to a URL upload says it could not download the URL (a permanent
    failure that Kie sends as a 500)."""
    url_upload = request is not None and request.url.path.endswith("/api/file-url-upload")
    return url_upload and said.lower().startswith("file download failed")


def _host(request: httpx.Request | None) -> str:
    return request.url.host if request is not None else "Kie"


def _debug_lines(exc: BaseException) -> list[str]:
    lines: list[str] = []
    if isinstance(exc, APIStatusError):
        code = "none" if exc.code is None else str(exc.code)
        lines.append(f"HTTP {exc.status_code}, Kie code {code}")
    if isinstance(exc, (APIError, TaskCreationUncertainError)) and exc.request is not None:
        lines.append(f"request: {describe_request(exc.request)}")
    lines.append(f"{type(exc).__name__}: {exc}")
    cause = exc.__cause__ or getattr(exc, "cause", None)
    if isinstance(cause, BaseException):
        lines.append(f"caused by {type(cause).__name__}: {cause}")
    return lines


def _status(exc: APIStatusError) -> tuple[str, str | None]:
    """Message and hint for an error answer from Kie."""
    where = _while(exc.request)
    said = _kie_said(exc)
    because = f": {said}" if said else ""
    task_id = _task_id_of(exc.request)
    not_visible = isinstance(exc, NotFoundError) or (
        isinstance(exc, UnprocessableEntityError) and "recordinfo is null" in exc.message.lower()
    )
    if task_id is not None and not_visible:
        return (
            f"Kie has no task {task_id} (yet): check the id; a task just created can take a "
            "few seconds to appear",
            f"look again with: kie status {task_id}",
        )
    if isinstance(exc, AuthenticationError):
        return (
            f"Kie refused the API key{where}: it is wrong, revoked, or not allowed from here",
            f"check {API_KEY_ENV} or --api-key (keys are at https://kie.ai/api-key)",
        )
    if isinstance(exc, InsufficientCreditsError):
        return (
            f"Kie refused{where}: the account does not have enough credits",
            "top up the Kie account (kie credits shows the balance), then run the command again",
        )
    if isinstance(exc, RateLimitError):
        return (
            f"Kie refused{where}: too many requests for this account right now, also after "
            "retrying",
            "wait a minute and run the command again",
        )
    if isinstance(exc, ServiceUnavailableError):
        return (
            f"Kie is unavailable (maintenance or overload){where}, also after retrying",
            "try again in a few minutes",
        )
    if said is not None and _fetch_failed(exc.request, said):
        # Kie reports a URL it could not download as a 500; waiting does not fix the URL.
        return (
            f"Kie could not fetch the URL{where}: {said}",
            "check that the URL is public and answers without a login; or download the file "
            "and upload it: kie upload FILE",
        )
    if isinstance(exc, InternalServerError):
        return (
            f"Kie had an internal error{where}, also after retrying{because}",
            "try again in a few minutes; --debug shows Kie's answer",
        )
    if isinstance(exc, (BadRequestError, UnprocessableEntityError)):
        return f"Kie refused the request's parameters{where}{because}", None
    if isinstance(exc, NotFoundError):
        return f"Kie does not know what was asked for{where}{because}", None
    return f"Kie refused the request{where}{because}", "--debug shows Kie's full answer"


def explain(exc: BaseException, *, resume: str | None = None) -> Explanation:
    """The plain-language account of an expected failure. ``resume``: the command that picks
    the task up again, when one was created."""
    debug = _debug_lines(exc)
    if isinstance(exc, UsageProblem):
        return Explanation(EXIT_USAGE, cli_wording(str(exc)))
    if isinstance(exc, KieInputError):
        problems = [cli_wording(p) for p in exc.problems]
        if len(problems) == 1:
            return Explanation(EXIT_USAGE, problems[0])
        return Explanation(
            EXIT_USAGE, f"{len(problems)} problems with the input:", details=problems
        )
    if isinstance(exc, TaskFailedError):
        reason = exc.fail_msg or "Kie gave no reason"
        code = f" (fail code {exc.fail_code})" if exc.fail_code else ""
        return Explanation(
            EXIT_TASK_FAILED,
            f"Kie could not generate task {exc.task.task_id}: {reason}{code}",
            "the failure is final: change the inputs or the prompt and create a new task",
            debug=debug,
        )
    if isinstance(exc, TaskTimeoutError):
        return Explanation(
            EXIT_TASK_FAILED,
            str(exc),
            f"the task keeps running at Kie; resume with: {resume or resume_command(exc.task_id)}",
            debug=debug,
        )
    if isinstance(exc, DownloadFailedError):
        return Explanation(EXIT_API_ERROR, str(exc), debug=debug)
    if isinstance(exc, APIStatusError):
        message, hint = _status(exc)
        return Explanation(EXIT_API_ERROR, message, hint, debug=debug)
    if isinstance(exc, APITimeoutError):
        return Explanation(
            EXIT_API_ERROR,
            f"{_host(exc.request)} did not answer in time{_while(exc.request)}",
            "check the network connection and run the command again",
            debug=debug,
        )
    if isinstance(exc, APIConnectionError):
        return Explanation(
            EXIT_API_ERROR,
            f"could not reach {_host(exc.request)}{_while(exc.request)}",
            f"check the network connection, a proxy, or --base-url / {BASE_URL_ENV}",
            debug=debug,
        )
    if isinstance(exc, APIResponseValidationError):
        return Explanation(
            EXIT_API_ERROR,
            f"Kie's answer{_while(exc.request)} was not in the shape its documentation describes",
            "--debug shows the answer; run the command again, and report it if it persists",
            debug=debug,
        )
    if isinstance(exc, TaskCreationUncertainError):
        return Explanation(
            EXIT_API_ERROR,
            "the task may have been created: the request reached Kie but no answer came back",
            "look at https://kie.ai/logs before creating it again (kieai did not resend it, so "
            "it is not billed twice); `kie tasks ls --state uncertain` lists it",
            debug=debug,
        )
    if isinstance(exc, KieError):
        return Explanation(EXIT_API_ERROR, cli_wording(str(exc)), debug=debug)
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return Explanation(EXIT_API_ERROR, f"{exc.strerror or exc}{where}", debug=debug)
    raise exc  # pragma: no cover  (only expected failures are passed in)
