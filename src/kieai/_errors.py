"""The kieai error tree.

Every exception the library raises on purpose is a `KieError`, so ``except KieError``
is a complete catch-all. HTTP failures carry the request (method and URL only: never headers,
so never the API key) and the parsed body. Task-level outcomes (failed, timed out, creation
uncertain) sit under the same base, unlike SDKs whose wait helpers raise bare ``Exception``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._logging import redact, redact_value

if TYPE_CHECKING:
    # Annotations only: `import kieai` loads this module and must not pay for httpx.
    import httpx

    from .types import Task

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BudgetExceededError",
    "InsufficientCreditsError",
    "InternalServerError",
    "KeyLimitExceededError",
    "KieError",
    "KieInputError",
    "MalformedCallbackError",
    "NotFoundError",
    "RateLimitError",
    "ServiceUnavailableError",
    "TaskCreationUncertainError",
    "TaskFailedError",
    "TaskTimeoutError",
    "UnprocessableEntityError",
    "WebhookVerificationError",
    "after_creation",
]


class KieError(Exception):
    """Base class of every error kieai raises.

    ``task_id`` is set on an error that came after Kie created a task (a ``generate`` whose
    wait failed): the task exists and may be billed, and the message says how to resume it.
    """

    task_id: str | None = None


def after_creation(exc: KieError, task_id: str) -> KieError:
    """``exc`` marked as raised after task ``task_id`` was created: ``exc.task_id`` is set and
    the message ends with how to resume the task (once, however often this is called)."""
    if isinstance(exc, TaskFailedError):
        note = f" (client.wait_for_task({task_id!r}) or `kie wait {task_id}` shows it again)"
    else:
        note = (
            f"; task {task_id} was created at Kie: resume with "
            f"client.wait_for_task({task_id!r}) or `kie wait {task_id}`"
        )
    exc.task_id = task_id
    message = str(exc.args[0]) if exc.args else ""
    if message.endswith(note):
        return exc
    message += note
    exc.args = (message, *exc.args[1:])
    if isinstance(exc, APIError):
        exc.message = message
    return exc


class KieInputError(KieError, ValueError):
    """Local validation failed before anything was sent.

    ``problems`` lists every violation found (not only the first); the message joins them.
    """

    problems: list[str]

    def __init__(self, problems: str | list[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems) if self.problems else "invalid input")


def describe_request(request: httpx.Request | None) -> str:
    """``"GET https://host/path"`` for messages: the query string is dropped (it may hold ids
    that are fine, but nothing there is needed to understand an error)."""
    if request is None:
        return "request"
    return f"{request.method} {request.url.copy_with(query=None)}"


class APIError(KieError):
    """A request to Kie (or a download host) did not produce a usable answer."""

    message: str
    request: httpx.Request | None
    body: object | None

    def __init__(
        self, message: str, *, request: httpx.Request | None = None, body: object | None = None
    ) -> None:
        # A server may echo the key back ("Invalid API key: sk-..."); messages never carry it.
        message = redact(message)
        super().__init__(message)
        self.message = message
        self.request = request
        # The body is kept for inspection, with the same redaction as the message.
        self.body = redact_value(body)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class APIConnectionError(APIError):
    """No HTTP answer: the connection failed or broke."""

    def __init__(
        self, message: str = "Connection error.", *, request: httpx.Request | None = None
    ) -> None:
        super().__init__(message, request=request)


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, write, read or pool)."""

    def __init__(
        self, message: str = "Request timed out.", *, request: httpx.Request | None = None
    ) -> None:
        super().__init__(message, request=request)


class APIStatusError(APIError):
    """Kie answered with an error, either as an HTTP status or as a JSON ``code`` in an HTTP 200.

    ``status_code`` is the HTTP status of the response; ``code`` is Kie's JSON ``code`` (None when
    the body had none, e.g. an HTML error page). The subclass is chosen by ``code`` when present,
    else by ``status_code``.
    """

    status_code: int
    code: int | None
    response: httpx.Response

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: object | None,
        code: int | None = None,
    ) -> None:
        super().__init__(message, request=response.request, body=body)
        self.response = response
        self.status_code = response.status_code
        self.code = code

    @property
    def effective_code(self) -> int:
        """The code that classifies this error: Kie's JSON code when present, else the HTTP status."""
        return self.code if self.code is not None else self.status_code


class BadRequestError(APIStatusError):
    """400: a missing or malformed parameter."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, wrong or not allowed from this IP."""


class InsufficientCreditsError(APIStatusError):
    """402: the account does not have enough credits for this task."""


class NotFoundError(APIStatusError):
    """404: the task or endpoint does not exist."""


class UnprocessableEntityError(APIStatusError):
    """422: Kie rejected the parameters (also ``recordInfo is null`` for a task not visible yet)."""


class RateLimitError(APIStatusError):
    """429: too many requests. ``retry_after`` is the server's hint in seconds, if it gave one."""

    retry_after: float | None

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: object | None,
        code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, response=response, body=body, code=code)
        self.retry_after = retry_after


class KeyLimitExceededError(APIStatusError):
    """433: the usage cap set for this API key (a sub-key's credit limit at kie.ai/api-key) is
    used up. Not a rate limit: waiting does not help, so it is never retried. Raise the key's
    limit or use another key."""


class ServiceUnavailableError(APIStatusError):
    """455 or 503: Kie is in maintenance or overloaded."""


class InternalServerError(APIStatusError):
    """500 and any other 5xx."""


class APIResponseValidationError(APIError):
    """A 2xx answer whose body is not the JSON shape Kie documents."""

    response: httpx.Response | None

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response | None = None,
        body: object | None = None,
        request: httpx.Request | None = None,
    ) -> None:
        super().__init__(
            message, request=response.request if response is not None else request, body=body
        )
        self.response = response


class MalformedCallbackError(APIResponseValidationError):
    """A callback body is not the JSON shape Kie documents: not JSON, not an object, no ``data``
    object, or ``data`` without a task id or state. (A web app answers these with 400, while a
    `WebhookVerificationError` deserves 401.)"""


class TaskCreationUncertainError(KieError):
    """``createTask`` was sent but no answer came back, so the task may exist (and be billed).

    It is deliberately not retried. Look for the task in Kie's logs (kie.ai/logs) or wait for
    its callback before creating another one.
    """

    request: httpx.Request | None
    cause: BaseException | None

    def __init__(
        self,
        message: str,
        *,
        request: httpx.Request | None = None,
        cause: BaseException | None = None,
    ) -> None:
        super().__init__(redact(message))
        self.request = request
        self.cause = cause


class TaskFailedError(KieError):
    """The task ended in state ``fail``. ``task`` is the final snapshot."""

    task: Task
    fail_code: str | None
    fail_msg: str | None

    def __init__(self, task: Task) -> None:
        self.task = task
        self.fail_code = task.fail_code
        self.fail_msg = task.fail_msg
        detail = (
            ": ".join(part for part in (task.fail_code, task.fail_msg) if part) or "no reason given"
        )
        super().__init__(redact(f"task {task.task_id} failed ({detail})"))


class TaskTimeoutError(KieError, TimeoutError):
    """The wait deadline passed before the task finished. The task itself keeps running at Kie;
    resume with ``client.wait_for_task(task_id)``. ``task`` is the last snapshot seen (None if no
    poll succeeded)."""

    task_id: str  # pyright: ignore[reportIncompatibleVariableOverride]  # always known here
    task: Task | None

    def __init__(self, task_id: str, task: Task | None, timeout: float | None) -> None:
        self.task_id = task_id  # pyright: ignore[reportIncompatibleVariableOverride]  # as above
        self.task = task
        state = f"last state {task.state!s}" if task is not None else "no successful poll"
        limit = f" after {timeout:g} s" if timeout is not None else ""
        super().__init__(f"task {task_id} did not finish{limit} ({state})")


class WebhookVerificationError(KieError):
    """A callback failed signature or timestamp verification (the message never holds the key)."""


# Kie's JSON codes / HTTP statuses -> the class that represents them.
_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientCreditsError,
    404: NotFoundError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    433: KeyLimitExceededError,
    455: ServiceUnavailableError,
    503: ServiceUnavailableError,
}


#: Kie's documented codes, each with what it means for the caller and what to do about it.
_HINTS: dict[int, str] = {
    408: (
        "Kie's upstream returned no result for over 10 minutes: the task has ended (final) and "
        "will not finish; create a new task"
    ),
    433: (
        "this API key's usage cap is used up (Kie's 433 is a per-key limit, not a rate limit: "
        "waiting will not help); raise the key's limit at kie.ai/api-key or use another key"
    ),
    501: "the generation failed: the task has ended (final); create a new task to try again",
    505: (
        "this feature is disabled for the account or model (Kie's 505); it will not work by "
        "retrying: check the model id and the account's settings at kie.ai"
    ),
}


def status_hint(code: int, *, creating: bool = False) -> str | None:
    """What ``code`` means for the caller, or None when the code speaks for itself.
    ``creating``: the answer is to a createTask request, where a 5xx leaves doubt."""
    if creating and 500 <= code <= 599:
        probably = "probably" if code in (503, 455) else "possibly"
        return (
            f"a task was {probably} not created, but an answer of {code} does not prove it "
            "(a gateway may answer so after Kie took the request), so it was not resent: "
            "before retrying, check kie.ai/logs (or wait for the callback) for a task "
            "created just now"
        )
    return _HINTS.get(code)


def status_error_class(code: int) -> type[APIStatusError]:
    """The `APIStatusError` subclass for a Kie code or HTTP status."""
    if code in _STATUS_CLASSES:
        return _STATUS_CLASSES[code]
    if 500 <= code <= 599:
        return InternalServerError
    return APIStatusError


def make_status_error(
    message: str,
    *,
    response: httpx.Response,
    body: Any,
    code: int | None,
    retry_after: float | None = None,
) -> APIStatusError:
    """Build the right subclass for ``code`` (Kie's JSON code) or the HTTP status."""
    cls = status_error_class(code if code is not None else response.status_code)
    if cls is RateLimitError:
        return RateLimitError(
            message, response=response, body=body, code=code, retry_after=retry_after
        )
    return cls(message, response=response, body=body, code=code)


class CoordinatorUnavailableError(KieError):
    """The fleet coordinator (``kieai.redis.RedisCoordinator`` with ``on_unavailable="raise"``)
    could not be reached, so nothing was sent: pacing or upload reuse could not be shared.
    Raised before a request leaves, never after, so a task is never lost or duplicated by it."""


class BudgetExceededError(KieError):
    """A create would go over a `Budget` limit (or has no known price while a limit is set), so
    nothing was uploaded or sent.

    ``limit`` names the limit (``"per_task"``, ``"per_day"`` or ``"total"``), ``allowed`` its
    value in credits, ``estimate`` this task's estimated credits (None: no known price) and
    ``spent`` the credits already counted against the limit (0 for ``per_task``).
    """

    limit: str
    allowed: float
    estimate: float | None
    spent: float

    def __init__(self, limit: str, *, allowed: float, estimate: float | None, spent: float) -> None:
        self.limit = limit
        self.allowed = allowed
        self.estimate = estimate
        self.spent = spent
        if estimate is None:
            detail = "the model has no known price (Budget(allow_unpriced=True) accepts it)"
        elif limit == "per_task":
            detail = f"the estimate {estimate:g} credits exceeds {allowed:g}"
        else:
            detail = (
                f"{spent:g} credits already counted + the estimate {estimate:g} exceeds {allowed:g}"
            )
        super().__init__(f"budget {limit}: {detail}; nothing was uploaded or sent")


class CoordinatorConfigurationError(KieError):
    """The fleet coordinator's Redis refused kieai's credentials or commands: a wrong
    password or user, a password missing, or an ACL user lacking a command kieai needs
    (``EVALSHA``/``EVAL``, ``SCRIPT``, ``GET``, ``SET``). Not an outage, so never a fallback to
    local pacing: raised at once, with either ``on_unavailable``, before anything is sent.
    Waiting will not help; fixing the URL or the ACL will."""
