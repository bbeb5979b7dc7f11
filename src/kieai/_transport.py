"""Sending one logical request: auth, pacing, retries (tenacity), error mapping, logging.

Every call to Kie goes through `Transport.send`. It is the single place that answers
"what happens on a 429 during createTask": the retry decision lives in `_retry`, the
envelope/error mapping in `_response`, the pacing in `_pacing`.
"""

from __future__ import annotations

import json as jsonlib
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio
import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from ._constants import RETRY_COUNT_HEADER
from ._coordination import Pacer
from ._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    KieError,
    TaskCreationUncertainError,
    describe_request,
)
from ._logging import logger
from ._response import ACCEPT_ENCODING, read_bounded
from ._retry import (
    RetryPolicy,
    backoff_delay,
    parse_retry_after,
    request_never_sent,
    should_retry,
)
from ._secrets import Redactor
from ._version import __version__

__all__ = [
    "BodyFactory",
    "SendGuard",
    "Transport",
    "continue_cancellation",
]

#: Builds a fresh request body for each attempt: (byte stream, extra headers). The stream is
#: handed to httpx as is (not as ``content=``, which httpx would wrap in an async generator that
#: a dropped connection leaves unfinished, for trio to warn about).
BodyFactory = Callable[[], tuple[httpx.AsyncByteStream, dict[str, str]]]
T = TypeVar("T")
ResponseHandler = Callable[[httpx.Response], Awaitable[T]]

USER_AGENT = f"kieai-python/{__version__}"


def _connection_error(exc: httpx.RequestError, request: httpx.Request) -> APIConnectionError:
    where = describe_request(request)
    if isinstance(exc, httpx.TimeoutException):
        kind = type(exc).__name__
        error: APIConnectionError = APITimeoutError(
            f"Request timed out ({kind}): {where}", request=request
        )
    else:
        detail = str(exc) or type(exc).__name__
        error = APIConnectionError(f"Connection error: {detail}: {where}", request=request)
    error.__cause__ = exc
    return error


def deadline_s(timeout: httpx.Timeout) -> float | None:
    """How long one whole request may take (connecting, sending, waiting for and reading the
    answer): the timeout's ``read`` part, so ``timeout=2.0`` means 2 s in all, however slowly a
    server trickles its answer. The other parts still bound their own phase."""
    return timeout.read


class _SentBody(httpx.AsyncByteStream):
    """An upload's body that tells ``on_sent`` once its last byte was written: httpx asks for
    the next chunk only after writing the previous one. Until then, an upload is bounded by
    its per-write timeout (a stall), not a deadline, so a big file may take as long as the link
    needs."""

    def __init__(self, body: httpx.AsyncByteStream, on_sent: Callable[[], None]) -> None:
        self._body = body
        self._on_sent = on_sent

    def __aiter__(self) -> _SentBody:
        self._chunks = self._body.__aiter__()
        return self

    async def __anext__(self) -> bytes:
        try:
            return await self._chunks.__anext__()
        except StopAsyncIteration:
            self._on_sent()
            raise

    async def aclose(self) -> None:
        await self._body.aclose()


class _BytesBody(httpx.AsyncByteStream):
    """A request body held in memory (a JSON payload), as one chunk.

    An iterator object, not an async generator: httpx's own ``ByteStream`` (what ``json=``
    becomes) is one, and a cancellation landing while httpcore writes it leaves it unfinished,
    for trio to report as a ResourceWarning when it is collected. ``on_leaving`` is told when
    httpcore asks for the body, i.e. once the request head is on the wire.
    """

    def __init__(self, data: bytes, on_leaving: Callable[[], None] | None) -> None:
        self._data = data
        self._on_leaving = on_leaving
        self._done = False

    def __aiter__(self) -> _BytesBody:
        return self

    async def __anext__(self) -> bytes:
        if self._done:
            raise StopAsyncIteration
        self._done = True
        if self._on_leaving is not None:
            self._on_leaving()
        return self._data


def _json_body(
    payload: Any, on_leaving: Callable[[], None] | None
) -> tuple[_BytesBody, dict[str, str]]:
    """``payload`` encoded exactly as httpx's ``json=`` does, as a `_BytesBody`."""
    data = jsonlib.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    raw = data.encode("utf-8")
    headers = {"Content-Length": str(len(raw)), "Content-Type": "application/json"}
    return _BytesBody(raw, on_leaving), headers


class SendGuard:
    """Keeps a billed request (createTask) from being lost to a cancellation.

    Use ``with guard.scope:`` around the send and what must follow it (handing the id on).
    The scope starts unshielded: a cancellation before the request leaves sends nothing. Once
    the body leaves, the transport calls `leaving` and the scope shields the rest, for at
    most ``budget_s`` seconds (the request timeout); an answer proving nothing was created
    (before a retry) lifts the shield again. The caller's cancellation resumes after the scope.
    """

    def __init__(
        self, budget_s: float, before_send: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        self.scope = anyio.CancelScope()
        self.budget_s = budget_s
        #: Awaited once, when the request has its pacing slot and is about to leave (the
        #: ledger marks its intent "sending" there: a crash before it sent nothing).
        self.before_send = before_send
        #: True while a request that may have created something is unanswered or being handled.
        self.sent = False

    def leaving(self) -> None:
        if not self.sent:
            self.sent = True
            self.scope.shield = True
            self.scope.deadline = anyio.current_time() + self.budget_s

    def nothing_created(self) -> None:
        self.sent = False
        self.scope.shield = False
        self.scope.deadline = math.inf


async def continue_cancellation(message: str, *args: object) -> None:
    """A checkpoint after a shielded section: a cancellation that arrived meanwhile goes on
    here, after ``message`` is logged at WARNING (what the cancelled caller must know)."""
    try:
        await anyio.lowlevel.checkpoint()
    except anyio.get_cancelled_exc_class():
        logger.warning(message, *args)
        raise


class Transport:
    """Owns the policy around an ``httpx.AsyncClient``; the client itself may be the caller's."""

    def __init__(
        self,
        *,
        api_key: str,
        redactor: Redactor,
        http_client: httpx.AsyncClient,
        timeout: httpx.Timeout | None,
        max_retries: int,
        initial_retry_delay: float,
        max_retry_delay: float,
    ) -> None:
        self._api_key = api_key
        #: Removes the key from every error a request raises (before it is logged).
        self.redactor = redactor
        self.http_client = http_client
        self.timeout = timeout
        self.max_retries = max_retries
        self.initial_retry_delay = initial_retry_delay
        self.max_retry_delay = max_retry_delay
        #: Set by ``KieClient.aclose()``: later calls fail with a clear KieError.
        self.closed = False
        #: How retries wait; tests swap it to record delays without sleeping.
        self.sleep: Callable[[float], Awaitable[None]] = anyio.sleep

    def _wait(self, state: RetryCallState) -> float:
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        if isinstance(exc, APIStatusError):
            hint = parse_retry_after(exc.response.headers)
            if hint is not None:
                return hint
        return backoff_delay(
            state.attempt_number, initial=self.initial_retry_delay, maximum=self.max_retry_delay
        )

    def _log_retry(self, state: RetryCallState) -> None:
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        delay = state.upcoming_sleep
        logger.info(
            "Retrying after %s (attempt %d of %d failed) in %.2f s",
            exc,
            state.attempt_number,
            self.max_retries + 1,
            delay,
        )

    def shield_budget_s(self) -> float:
        """How long a sent request's answer may take at most: its whole-request deadline
        (unbounded when the caller configured no timeout at all, as httpx would wait)."""
        limit_s = deadline_s(self._default_timeout())
        return math.inf if limit_s is None else limit_s

    async def send(
        self,
        method: str,
        url: str,
        *,
        handle: ResponseHandler[T],
        json: Any = None,
        body: BodyFactory | None = None,
        policy: RetryPolicy = RetryPolicy.SAFE,
        pacer: Pacer | None = None,
        timeout: httpx.Timeout | None = None,
        auth: bool = True,
        stream: bool = False,
        follow_redirects: bool = False,
        max_retries: int | None = None,
        guard: SendGuard | None = None,
    ) -> T:
        """Send with retries; ``handle(response)`` turns a response into the result or raises.

        ``handle`` runs inside the attempt, so a status error it raises is retried by the same
        rules as a transport error; with ``stream=True`` it may read the body incrementally
        (otherwise the body is read first, within `MAX_RESPONSE_BYTES`).
        ``guard`` learns when a JSON body leaves and when an answer proved nothing was created.
        """
        if self.closed:
            raise KieError("this KieClient is closed (after aclose() or its async with block)")
        self._check_loop()

        async def paced_attempt(number: int) -> T:
            # A pacing slot is held from before the send until the attempt is over.
            slot = None if pacer is None else await pacer.acquire()
            try:
                if guard is not None and guard.before_send is not None:
                    before_send, guard.before_send = guard.before_send, None
                    await before_send()
                return await self._attempt(
                    method,
                    url,
                    number,
                    handle=handle,
                    json=json,
                    body=body,
                    policy=policy,
                    timeout=timeout,
                    auth=auth,
                    stream=stream,
                    follow_redirects=follow_redirects,
                    guard=guard,
                )
            finally:
                if slot is not None:
                    await slot.release()

        # The first attempt runs without tenacity: building and stepping an AsyncRetrying costs
        # more than the rest of a kieai request's own work, and most requests succeed at once.
        # A failure worth retrying is handed to tenacity as its first attempt's outcome, so every
        # retry decision (stop, wait, Retry-After, logging, the guard) is tenacity's as before.
        try:
            return await paced_attempt(0)
        except Exception as exc:
            if not should_retry(exc, policy):
                raise
            replay = [exc]  # tenacity's first attempt, popped when raised (no cycle left)
        retries = self.max_retries if max_retries is None else max_retries
        retrying = AsyncRetrying(
            stop=stop_after_attempt(retries + 1),
            wait=self._wait,
            retry=retry_if_exception(lambda exc: should_retry(exc, policy)),
            sleep=self.sleep,
            reraise=True,
            before_sleep=self._log_retry if guard is None else self._guarded_log(guard),
        )
        async for attempt in retrying:
            with attempt:
                if replay:  # attempt 1 ran above: its failure is tenacity's first outcome
                    raise replay.pop()
                number = attempt.retry_state.attempt_number - 1
                return await paced_attempt(number)
        raise AssertionError("unreachable: tenacity either returns or reraises")  # pragma: no cover

    def _check_loop(self) -> None:
        """Called before every send: a subclass may refuse a loop its connections do not
        belong to."""

    def _guarded_log(self, guard: SendGuard) -> Callable[[RetryCallState], None]:
        def before_sleep(state: RetryCallState) -> None:
            # A retry happens only when the answer proved nothing was created (429/455, or a
            # connection that never opened): waiting for it need not be shielded.
            guard.nothing_created()
            self._log_retry(state)

        return before_sleep

    async def _attempt(
        self,
        method: str,
        url: str,
        number: int,
        *,
        handle: ResponseHandler[T],
        json: Any,
        body: BodyFactory | None,
        policy: RetryPolicy,
        timeout: httpx.Timeout | None,
        auth: bool,
        stream: bool,
        follow_redirects: bool,
        guard: SendGuard | None,
    ) -> T:
        headers = {"User-Agent": USER_AGENT, RETRY_COUNT_HEADER: str(number)}
        if auth:
            headers["Authorization"] = f"Bearer {self._api_key}"
            headers["Accept"] = "application/json"
        # Only what read_bounded() decodes with a bound (httpx would add br/zstd when their
        # packages are installed, and inflate them without one); a streamed body (a download)
        # is taken as stored, never inflated.
        headers["Accept-Encoding"] = "identity" if stream else ACCEPT_ENCODING
        stream_body: httpx.AsyncByteStream | None = None
        if body is not None:
            stream_body, extra = body()
            headers.update(extra)
        elif json is not None:
            stream_body, extra = _json_body(json, guard.leaving if guard is not None else None)
            headers.update(extra)
        resolved = timeout if timeout is not None else self._default_timeout()
        request = self.http_client.build_request(method, url, headers=headers, timeout=resolved)
        # A streamed answer (a download) is bounded per read: a big file on a slow link must
        # not hit a deadline. Any other request is bounded as a whole (see `deadline_s`).
        limit_s = None if stream else deadline_s(resolved)
        with anyio.CancelScope() as deadline:
            if limit_s is not None:
                if body is None:  # no body, or a JSON one: from now
                    deadline.deadline = anyio.current_time() + limit_s
                elif stream_body is not None:  # an upload: from its last byte (see _SentBody)

                    def body_sent() -> None:
                        deadline.deadline = anyio.current_time() + limit_s

                    stream_body = _SentBody(stream_body, body_sent)
            if stream_body is not None:
                # Rebuilt with ``stream=`` rather than assigned: a request built without
                # content caches an empty body, which transports that read
                # ``request.content`` would send.
                request = httpx.Request(
                    request.method,
                    request.url,
                    headers=request.headers,
                    stream=stream_body,
                    extensions=request.extensions,
                )
            try:
                return await self._exchange(
                    request,
                    number,
                    handle=handle,
                    policy=policy,
                    stream=stream,
                    follow_redirects=follow_redirects,
                )
            except KieError as exc:  # server text: without the key before anyone sees it
                self.redactor.error(exc)
                if isinstance(exc, APIStatusError):
                    logger.debug("Error answer: %s", exc)
                raise
        # Only reached when the deadline cancelled the exchange.
        message = f"no complete answer within {limit_s:g} s"
        if policy is RetryPolicy.CREATE and (guard is None or guard.sent):
            raise TaskCreationUncertainError(
                f"createTask was sent but {message}; the task may exist and be billed. It was "
                "not resent. Check kie.ai/logs or wait for its callback before creating it again.",
                request=request,
            )
        raise APITimeoutError(
            f"Request timed out ({message}): {describe_request(request)}", request=request
        )

    async def _exchange(
        self,
        request: httpx.Request,
        number: int,
        *,
        handle: ResponseHandler[T],
        policy: RetryPolicy,
        stream: bool,
        follow_redirects: bool,
    ) -> T:
        """Send ``request``, read its answer (unless ``stream``) and ``handle`` it, mapping
        httpx's errors to ours."""
        http_client = self.http_client
        # describe_request() rebuilds the URL: only worth it when the lines are logged.
        debug = logger.isEnabledFor(logging.DEBUG)
        where = describe_request(request) if debug else ""
        if debug:
            logger.debug("Request: %s (attempt %d)", where, number + 1)
        started = time.perf_counter()
        try:
            response = await http_client.send(
                request, stream=True, follow_redirects=follow_redirects
            )
        except httpx.RequestError as exc:  # TransportError, DecodingError, TooManyRedirects
            error = _connection_error(exc, request)
            if policy is RetryPolicy.CREATE and not request_never_sent(exc):
                raise TaskCreationUncertainError(
                    f"createTask was sent but no answer came back ({error.message}); the task "
                    "may exist and be billed. It was not resent. Check kie.ai/logs or wait for "
                    "its callback before creating it again.",
                    request=request,
                    cause=exc,
                ) from exc
            raise error from exc
        try:
            if not stream:
                try:
                    await read_bounded(response)
                except APIResponseValidationError as exc:  # too large, garbled compression
                    if policy is RetryPolicy.CREATE:
                        raise TaskCreationUncertainError(
                            f"createTask was sent but its answer cannot be read ({exc.message}); "
                            "the task may exist. It was not resent: check kie.ai/logs or wait "
                            "for its callback before creating it again.",
                            request=request,
                            cause=exc,
                        ) from exc
                    raise
                except httpx.RequestError as exc:
                    if policy is RetryPolicy.CREATE:
                        raise TaskCreationUncertainError(
                            "createTask was sent but its answer broke off "
                            f"({type(exc).__name__}); the task may exist. It was not resent.",
                            request=request,
                            cause=exc,
                        ) from exc
                    raise _connection_error(exc, request) from exc
            if debug:
                elapsed_ms = (time.perf_counter() - started) * 1000.0
                logger.debug(
                    "Response: %s -> HTTP %d in %.0f ms", where, response.status_code, elapsed_ms
                )
            try:
                return await handle(response)
            except httpx.RequestError as exc:  # while streaming a body inside handle()
                raise _connection_error(exc, request) from exc
        finally:
            # Shielded: a cancelled caller must still hand the connection back to the pool. A
            # body read to its end has done so already (httpx closes it there): nothing to await.
            if not response.is_closed:
                with anyio.CancelScope(shield=True):
                    await response.aclose()

    def _default_timeout(self) -> httpx.Timeout:
        return self.timeout if self.timeout is not None else self.http_client.timeout
