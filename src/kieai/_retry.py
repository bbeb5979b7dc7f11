"""When to retry and how long to wait: the retry table, Retry-After parsing and backoff.

Two policies exist because a retried ``createTask`` can bill twice. ``SAFE`` requests (reads,
uploads of replayable bodies, downloads) are retried on any transient failure; ``CREATE`` is
retried only when the first attempt provably created nothing: the connection never opened, or
Kie answered 429/455 (rejected, not queued).
"""

from __future__ import annotations

import enum
import random
import time
from datetime import timezone
from email.utils import parsedate_to_datetime

import httpx

from ._constants import MAX_RETRY_AFTER_S
from ._errors import APIConnectionError, APIStatusError

__all__ = [
    "RETRYABLE_CODES",
    "RetryPolicy",
    "backoff_delay",
    "parse_retry_after",
    "request_never_sent",
    "should_retry",
]

#: Kie codes / HTTP statuses worth another attempt for a request that is safe to repeat.
RETRYABLE_CODES = frozenset({429, 455, 500, 502, 503, 504})
#: Answers that prove createTask made no task: rejected by the rate limiter or maintenance.
CREATE_RETRYABLE_CODES = frozenset({429, 455})

#: Transport failures that happen before a single byte of the request left: nothing reached Kie.
_NEVER_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
)


class RetryPolicy(enum.Enum):
    SAFE = "safe"
    """Any transient failure: the request can be repeated as is."""
    CREATE = "create"
    """Only when nothing was created: connection never opened, or 429/455."""
    UNSENT = "unsent"
    """Only when the connection never opened: a body that cannot be replayed is still unread."""


def request_never_sent(exc: BaseException) -> bool:
    """True when ``exc`` (an httpx error, or our wrapper of one) proves nothing reached the server."""
    cause = exc.__cause__ if isinstance(exc, APIConnectionError) else exc
    return isinstance(cause, _NEVER_SENT)


def should_retry(exc: BaseException, policy: RetryPolicy) -> bool:
    if policy is RetryPolicy.UNSENT:
        return isinstance(exc, APIConnectionError) and request_never_sent(exc)
    if isinstance(exc, APIStatusError):
        codes = RETRYABLE_CODES if policy is RetryPolicy.SAFE else CREATE_RETRYABLE_CODES
        return exc.effective_code in codes
    if isinstance(exc, APIConnectionError):
        return policy is RetryPolicy.SAFE or request_never_sent(exc)
    return False


def parse_retry_after(headers: httpx.Headers, *, now: float | None = None) -> float | None:
    """The server's wait hint in seconds: ``retry-after-ms``, ``Retry-After`` as seconds or as an
    HTTP date. Capped at 60 s; a date in the past means 0; negative, NaN, unparseable or absent
    -> None (the caller falls back to its own backoff)."""
    value: float | None = None
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            value = float(ms) / 1000.0
        except ValueError:
            value = None
        if value is not None and not value >= 0:  # NaN or negative: ignore, try Retry-After
            value = None
    if value is None:
        raw = headers.get("retry-after")
        if raw is None:
            return None
        raw = raw.strip()
        try:
            value = float(raw)
        except ValueError:
            try:
                when = parsedate_to_datetime(raw)
            except (TypeError, ValueError, IndexError):
                return None
            if when.tzinfo is None:  # "-0000" zone: UTC, not the local time .timestamp() assumes
                when = when.replace(tzinfo=timezone.utc)
            value = max(0.0, when.timestamp() - (time.time() if now is None else now))
    if not value >= 0:  # NaN or a negative number of seconds: garbage
        return None
    return min(value, MAX_RETRY_AFTER_S)


def backoff_delay(retry_number: int, *, initial: float, maximum: float) -> float:
    """Jittered exponential backoff: ``initial * 2**(n-1)`` capped at ``maximum``, minus up to 25 %
    jitter so a batch of clients that failed together does not retry in lockstep."""
    base = min(maximum, initial * (2 ** max(0, retry_number - 1)))
    return base * (1.0 - 0.25 * random.random())
