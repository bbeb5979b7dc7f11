"""Sending one logical request: auth, pacing, retries (tenacity), error mapping, logging.

Every call to Kie goes through `Transport.send`. It is the single place that answers
"what happens on a 429 during createTask": the retry decision lives in `_retry`, the
envelope/error mapping in `_response`, the pacing in `_pacing`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from ._constants import RETRY_COUNT_HEADER
from ._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    KieError,
    TaskCreationUncertainError,
    describe_request,
)
from ._logging import logger
from ._pacing import RateLimiter
from ._retry import (
    RetryPolicy,
    backoff_delay,
    parse_retry_after,
    request_never_sent,
    should_retry,
)
from ._version import __version__

__all__ = ["BodyFactory", "Transport"]

#: Builds a fresh request body for each attempt: (byte stream, extra headers). The stream is
#: handed to httpx as is (not as ``content=``, which httpx would wrap in an async generator that
#: a dropped connection leaves unfinished, for trio to warn about).
BodyFactory = Callable[[], tuple[httpx.AsyncByteStream, dict[str, str]]]
ResponseHandler = Callable[[httpx.Response], Awaitable[Any]]

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


class Transport:
    """Owns the policy around an ``httpx.AsyncClient``; the client itself may be the caller's."""

    def __init__(
        self,
        *,
        api_key: str,
        http_client: httpx.AsyncClient,
        timeout: httpx.Timeout | None,
        max_retries: int,
        initial_retry_delay: float,
        max_retry_delay: float,
    ) -> None:
        self._api_key = api_key
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

    async def send(
        self,
        method: str,
        url: str,
        *,
        handle: ResponseHandler,
        json: Any = None,
        params: dict[str, str] | None = None,
        body: BodyFactory | None = None,
        policy: RetryPolicy = RetryPolicy.SAFE,
        pacer: RateLimiter | None = None,
        timeout: httpx.Timeout | None = None,
        auth: bool = True,
        stream: bool = False,
        follow_redirects: bool = False,
        max_retries: int | None = None,
    ) -> Any:
        """Send with retries; ``handle(response)`` turns a response into the result or raises.

        ``handle`` runs inside the attempt, so a status error it raises is retried by the same
        rules as a transport error; with ``stream=True`` it may read the body incrementally.
        """
        if self.closed:
            raise KieError("this KieClient is closed (after aclose() or its async with block)")
        retries = self.max_retries if max_retries is None else max_retries
        retrying = AsyncRetrying(
            stop=stop_after_attempt(retries + 1),
            wait=self._wait,
            retry=retry_if_exception(lambda exc: should_retry(exc, policy)),
            sleep=self.sleep,
            reraise=True,
            before_sleep=self._log_retry,
        )
        async for attempt in retrying:
            with attempt:
                number = attempt.retry_state.attempt_number - 1
                if pacer is not None:
                    await pacer.acquire()
                try:
                    return await self._attempt(
                        method,
                        url,
                        number,
                        handle=handle,
                        json=json,
                        params=params,
                        body=body,
                        policy=policy,
                        timeout=timeout,
                        auth=auth,
                        stream=stream,
                        follow_redirects=follow_redirects,
                    )
                finally:
                    if pacer is not None:
                        pacer.release()
        raise AssertionError("unreachable: tenacity either returns or reraises")  # pragma: no cover

    async def _attempt(
        self,
        method: str,
        url: str,
        number: int,
        *,
        handle: ResponseHandler,
        json: Any,
        params: dict[str, str] | None,
        body: BodyFactory | None,
        policy: RetryPolicy,
        timeout: httpx.Timeout | None,
        auth: bool,
        stream: bool,
        follow_redirects: bool,
    ) -> Any:
        headers = {"User-Agent": USER_AGENT, RETRY_COUNT_HEADER: str(number)}
        if auth:
            headers["Authorization"] = f"Bearer {self._api_key}"
            headers["Accept"] = "application/json"
        stream_body: httpx.AsyncByteStream | None = None
        if body is not None:
            stream_body, extra = body()
            headers.update(extra)
        request = self.http_client.build_request(
            method,
            url,
            json=json,
            params=params,
            headers=headers,
            timeout=timeout if timeout is not None else self._default_timeout(),
        )
        if stream_body is not None:
            # Rebuilt with ``stream=`` rather than assigned: a request built without content
            # caches an empty body, which transports that read ``request.content`` would send.
            request = httpx.Request(
                request.method,
                request.url,
                headers=request.headers,
                stream=stream_body,
                extensions=request.extensions,
            )
        where = describe_request(request)
        logger.debug("Request: %s (attempt %d)", where, number + 1)
        started = time.perf_counter()
        try:
            response = await self.http_client.send(
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
                    await response.aread()
                except httpx.RequestError as exc:  # incl. DecodingError (garbled gzip)
                    if policy is RetryPolicy.CREATE:
                        raise TaskCreationUncertainError(
                            "createTask was sent but its answer broke off "
                            f"({type(exc).__name__}); the task may exist. It was not resent.",
                            request=request,
                            cause=exc,
                        ) from exc
                    raise _connection_error(exc, request) from exc
            elapsed_ms = (time.perf_counter() - started) * 1000.0
            logger.debug(
                "Response: %s -> HTTP %d in %.0f ms", where, response.status_code, elapsed_ms
            )
            try:
                return await handle(response)
            except APIStatusError as exc:
                logger.debug("Error answer: %s", exc)
                raise
            except httpx.RequestError as exc:  # while streaming a body inside handle()
                raise _connection_error(exc, request) from exc
        finally:
            # Shielded: a cancelled caller must still hand the connection back to the pool.
            with anyio.CancelScope(shield=True):
                await response.aclose()

    def _default_timeout(self) -> httpx.Timeout:
        return self.timeout if self.timeout is not None else self.http_client.timeout
