"""Callback delivery: the POST Kie makes to ``callBackUrl`` when a task finishes.

Kie documents one best-effort POST per task, no retries, and (on older pages) a 15 s timeout;
with a webhook HMAC key set, two headers sign ``f"{taskId}.{timestamp}"``. The fake does the
same and records every attempt. Without a configured client it only reaches loopback hosts,
so a test that passes ``https://my-app.example/cb`` never touches the network by accident.

A round of deliveries runs its POSTs concurrently, each cut off at ``callback_timeout`` (also
for in-process receivers, which ``httpx.ASGITransport`` would let hang forever). If the round
is cancelled (in-process, the request that was delivering it was), the attempts still in
flight are recorded as interrupted and their callbacks queued again: nothing is lost.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import ssl
import time
from collections.abc import AsyncGenerator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import TypeAlias

import anyio
import httpx

from ._records import CallbackDelivery
from ._state import FakeState, Settings
from ._tasks import TaskRecord

__all__ = ["CALLBACK_TIMEOUT_S", "CallbackClient", "deliver", "deliver_due", "sign"]

CALLBACK_TIMEOUT_S = 15.0
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
INTERRUPTED = (
    "interrupted: the request delivering it was cancelled before the receiver answered; "
    "the callback is queued again"
)

#: An ``httpx.AsyncClient`` (used as is, never closed by the fake; in-process only) or a
#: zero-argument factory (called per delivery round and closed after it: required for
#: ``serve()``, whose deliveries run on the server's own thread and event loop).
CallbackClient: TypeAlias = "httpx.AsyncClient | Callable[[], httpx.AsyncClient]"


def sign(hmac_key: str, task_id: str, timestamp: int) -> str:
    """Kie's ``X-Webhook-Signature``: base64(HMAC-SHA256(key, f"{taskId}.{timestamp}"))."""
    digest = hmac.new(hmac_key.encode(), f"{task_id}.{timestamp}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@dataclass
class _Outgoing:
    """One callback about to be sent, and what became of it."""

    task: TaskRecord
    url: str
    headers: dict[str, str]
    body: bytes
    delivery: CallbackDelivery | None = None

    def done(self, status: int | None, error: str | None) -> None:
        self.delivery = CallbackDelivery(
            task_id=self.task.task_id,
            url=self.url,
            headers=self.headers,
            body=self.body,
            status_code=status,
            error=error,
        )


def _outgoing(task: TaskRecord, settings: Settings) -> _Outgoing:
    payload = task.callback_body(task_id_at=settings.callback_task_id)
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {"content-type": "application/json"}
    if settings.hmac_key is not None:
        # Real wall-clock seconds: the receiver compares them with its own clock.
        timestamp = int(time.time())
        headers["x-webhook-timestamp"] = str(timestamp)
        headers["x-webhook-signature"] = sign(settings.hmac_key, task.task_id, timestamp)
    return _Outgoing(task, task.callback_url or "", headers, body)


_ssl_context: ssl.SSLContext | None = None


def _shared_ssl_context() -> ssl.SSLContext:
    """Built once: loading the CA bundle costs tens of milliseconds per client otherwise."""
    global _ssl_context
    if _ssl_context is None:
        _ssl_context = httpx.create_ssl_context()
    return _ssl_context


@asynccontextmanager
async def _open(
    source: CallbackClient | None, timeout: float
) -> AsyncGenerator[httpx.AsyncClient, None]:
    if source is None:
        async with httpx.AsyncClient(timeout=timeout, verify=_shared_ssl_context()) as client:
            yield client
    elif isinstance(source, httpx.AsyncClient):
        yield source
    else:
        async with source() as client:
            yield client


async def _post(client: httpx.AsyncClient, item: _Outgoing, timeout: float) -> None:
    # httpx's timeout covers sockets; move_on_after also cuts an in-process (ASGI) receiver.
    with anyio.move_on_after(timeout) as scope:
        try:
            response = await client.post(
                item.url, content=item.body, headers=item.headers, timeout=timeout
            )
        except Exception as exc:  # best effort, like Kie: a broken receiver must not break the fake
            item.done(None, f"{type(exc).__name__}: {exc}")
        else:
            item.done(response.status_code, None)
    if scope.cancelled_caught:
        item.done(None, f"timed out: no answer within {timeout:g} s (callback_timeout)")


def _host(url: str) -> str:
    try:
        return httpx.URL(url).host
    except httpx.InvalidURL:
        return url


async def deliver(
    state: FakeState, source: CallbackClient | None, due: list[TaskRecord]
) -> list[CallbackDelivery]:
    """POST each claimed callback once, concurrently; record and return every attempt."""
    settings = state.settings
    timeout = settings.callback_timeout
    items = [_outgoing(task, settings) for task in due]
    sendable: list[_Outgoing] = []
    for item in items:
        host = _host(item.url)
        if source is None and host not in _LOOPBACK_HOSTS:
            item.done(
                None,
                f"not sent: {host} is not a loopback host; pass callback_http_client= "
                "to deliver elsewhere",
            )
        else:
            sendable.append(item)
    try:
        if sendable:  # the client is opened only when something goes out
            async with AsyncExitStack() as stack:
                try:
                    client = await stack.enter_async_context(_open(source, timeout))
                except Exception as exc:
                    for item in sendable:
                        item.done(None, f"not sent: callback_http_client failed: {exc!r}")
                else:
                    async with anyio.create_task_group() as group:
                        for item in sendable:
                            group.start_soon(_post, client, item, timeout)
    except BaseException:  # cancelled (or interrupted): keep what was not delivered
        interrupted = [item for item in items if item.delivery is None]
        for item in interrupted:
            item.done(None, INTERRUPTED)
        state.requeue_callbacks([item.task for item in interrupted])
        raise
    finally:
        state.record_callbacks([item.delivery for item in items if item.delivery is not None])
    return [item.delivery for item in items if item.delivery is not None]


async def deliver_due(state: FakeState, source: CallbackClient | None) -> list[CallbackDelivery]:
    """Deliver the callbacks of tasks that finished by now (and the dedicated families'
    stages and retries), and record them."""
    # Imported here: the families' delivery reuses this module's helpers.
    from ._family_callbacks import deliver_family_due

    due = state.claim_callbacks()
    delivered = await deliver(state, source, due) if due else []
    return delivered + await deliver_family_due(state, source)
