"""``wait_for_task``: poll until a task finishes, with a growing interval and a hard deadline.

Lessons from other SDKs: poll once immediately (no sleep first); the overall deadline is
separate from per-request timeouts and interrupts a poll in flight; transient errors while
polling are logged and polled through instead of aborting a wait that may have cost money;
Kie's ``422 recordInfo is null`` (or a ``404``) right after creation means "not visible yet".
A task Kie reports as ended (recordInfo codes 501/408) arrives here as a failed ``Task``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio

from ._constants import POLL_INTERVAL_GROWTH, RECORD_NULL_GRACE_S, UNKNOWN_TASK_GRACE_S
from ._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    KieInputError,
    NotFoundError,
    TaskFailedError,
    TaskTimeoutError,
    UnprocessableEntityError,
)
from ._hooks import call_hook
from ._logging import logger
from ._retry import RETRYABLE_CODES
from .types import Task, TaskState

__all__ = ["OnUpdate", "effective_max_interval", "validate_wait_args", "wait_for_task"]

#: Consecutive malformed recordInfo answers tolerated while waiting before giving up.
MAX_GARBLED_POLLS = 3

OnUpdate = Callable[[Task], "Awaitable[None] | None"]


def validate_wait_args(
    timeout: float | None, poll_interval: float, max_poll_interval: float
) -> None:
    """Refuse intervals that cannot work. A ``poll_interval`` above ``max_poll_interval`` is
    not refused: the cap rises to it (``poll_interval=30`` polls every 30 s)."""
    problems: list[str] = []
    if timeout is not None and not timeout > 0:
        problems.append(f"timeout: must be > 0 seconds or None, got {timeout!r}")
    if not poll_interval > 0:
        problems.append(f"poll_interval: must be > 0 seconds, got {poll_interval!r}")
    if not max_poll_interval > 0:
        problems.append(f"max_poll_interval: must be > 0 seconds, got {max_poll_interval!r}")
    if problems:
        raise KieInputError(problems)


def effective_max_interval(poll_interval: float, max_poll_interval: float) -> float:
    """The cap the interval grows to: ``max_poll_interval``, raised to ``poll_interval``."""
    return max(poll_interval, max_poll_interval)


def _not_visible_yet(exc: APIStatusError) -> bool:
    """``422 recordInfo is null`` or a ``404``: what Kie answers for a task just created."""
    return isinstance(exc, NotFoundError) or _is_record_null(exc)


def _is_record_null(exc: APIStatusError) -> bool:
    """Market says ``recordInfo is null``; the dedicated families' pages ``record is null``."""
    if not isinstance(exc, UnprocessableEntityError):
        return False
    message = exc.message.lower()
    return "recordinfo is null" in message or "record is null" in message


def _transient(exc: Exception) -> bool:
    if isinstance(exc, APIConnectionError):
        return True
    return isinstance(exc, APIStatusError) and exc.effective_code in RETRYABLE_CODES


async def wait_for_task(
    get_task: Callable[[str], Awaitable[Task]],
    task_id: str,
    *,
    timeout: float | None,
    poll_interval: float,
    max_poll_interval: float,
    on_update: OnUpdate | None,
    unknown_id: bool = False,
) -> Task:
    """Poll ``task_id`` to its end. ``unknown_id``: neither the client nor its journal
    created it, so "not visible yet" is polled through only briefly (`UNKNOWN_TASK_GRACE_S`),
    then ends the wait with `NotFoundError`."""
    grace_s = min(UNKNOWN_TASK_GRACE_S, RECORD_NULL_GRACE_S) if unknown_id else RECORD_NULL_GRACE_S
    validate_wait_args(timeout, poll_interval, max_poll_interval)
    max_poll_interval = effective_max_interval(poll_interval, max_poll_interval)
    started = anyio.current_time()
    deadline = None if timeout is None else started + timeout
    interval = poll_interval
    last: Task | None = None
    garbled = 0

    while True:
        remaining = None if deadline is None else deadline - anyio.current_time()
        if remaining is not None and remaining <= 0:
            raise TaskTimeoutError(task_id, last, timeout)
        task: Task | None = None
        with anyio.move_on_after(remaining):
            try:
                task = await get_task(task_id)
            except APIStatusError as exc:
                elapsed = anyio.current_time() - started
                if _not_visible_yet(exc) and elapsed < grace_s:
                    logger.debug("task %s not visible yet (%s); polling on", task_id, exc)
                elif _not_visible_yet(exc) and unknown_id:
                    raise NotFoundError(
                        f"task {task_id}: Kie does not know this task (still '{exc.message}' "
                        f"after {elapsed:.0f} s), and neither this client nor its journal "
                        "created it: check the id",
                        response=exc.response,
                        body=exc.body,
                        code=exc.code,
                    ) from exc
                elif _transient(exc):
                    logger.warning("polling task %s: %s; polling on", task_id, exc)
                else:
                    raise
            except APIConnectionError as exc:
                logger.warning("polling task %s: %s; polling on", task_id, exc)
            except APIResponseValidationError as exc:
                # One garbled answer (a proxy page with HTTP 200) must not abandon a paid task;
                # a schema that stays wrong must not spin silently until the deadline either.
                garbled += 1
                if garbled >= MAX_GARBLED_POLLS:
                    raise
                logger.warning("polling task %s: %s; polling on", task_id, exc)
        if task is not None:
            garbled = 0
            # A family's stage is news too (Suno: text, then first, within "generating").
            changed = last is None or (task.state, task.stage) != (last.state, last.stage)
            last = task
            if changed:
                logger.info("task %s: %s", task_id, task.state)
                await call_hook(on_update, task)
            if task.state == TaskState.SUCCESS:
                return task
            if task.state == TaskState.FAIL:
                raise TaskFailedError(task)
        remaining = None if deadline is None else deadline - anyio.current_time()
        if remaining is not None and remaining <= 0:
            raise TaskTimeoutError(task_id, last, timeout)
        await anyio.sleep(interval if remaining is None else min(interval, remaining))
        interval = min(interval * POLL_INTERVAL_GROWTH, max_poll_interval)
