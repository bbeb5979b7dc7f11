"""Waiting for Veo's 1080P and 4K versions: Kie has no task for them to poll, so the request
itself is asked again until it answers with the URL (its pages: a non-200 code while it is
processing; for 4K, 422 "processing" and then 422 "generated" with the URLs)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import anyio

from .._errors import KieError, TaskTimeoutError
from .._families._paths import dig, text, url_list
from .._logging import logger

__all__ = ["wait_for_upscale"]

#: Words in Kie's "not ready yet" answers (1080P: code 400; 4K: code 422).
_NOT_READY = ("processing", "check back")


async def wait_for_upscale(
    label: str,
    task_id: str,
    call: Callable[[], Awaitable[Mapping[str, Any]]],
    *,
    timeout: float | None,
    poll_interval: float,
) -> str:
    """The URL the upscale request answers with, asking again while Kie says it is not
    ready; `TaskTimeoutError` at the deadline, `KieError` with Kie's message for a refusal."""
    deadline = None if timeout is None else anyio.current_time() + timeout
    while True:
        envelope = await call()
        urls = url_list(dig(envelope, "data.resultUrl")) or url_list(
            dig(envelope, "data.resultUrls")
        )
        if urls:
            return urls[0]
        code = text(envelope.get("code"))
        message = text(envelope.get("msg")) or text(envelope.get("message")) or ""
        if code != "200" and not any(word in message.lower() for word in _NOT_READY):
            raise KieError(f"the {label} version of task {task_id} was refused: {code} {message}")
        logger.info("%s version of task %s not ready yet (%s)", label, task_id, message or code)
        remaining = None if deadline is None else deadline - anyio.current_time()
        if remaining is not None and remaining <= 0:
            raise TaskTimeoutError(task_id, None, timeout)
        await anyio.sleep(poll_interval if remaining is None else min(poll_interval, remaining))
