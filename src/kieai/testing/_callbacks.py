"""Callback delivery: the POST Kie makes to ``callBackUrl`` when a task finishes.

Kie documents one best-effort POST per task, no retries, and (on older pages) a 15 s timeout;
with a webhook HMAC key set, two headers sign ``f"{taskId}.{timestamp}"``. The fake does the
same and records every attempt. Without a configured client it only reaches loopback hosts,
so a test that passes ``https://my-app.example/cb`` never touches the network by accident.
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
from typing import TypeAlias

import httpx

from ._records import CallbackDelivery
from ._tasks import TaskRecord

__all__ = ["CallbackClient", "deliver_callbacks", "sign"]

CALLBACK_TIMEOUT_S = 15.0
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})

#: An ``httpx.AsyncClient`` (used as is, never closed by the fake) or a zero-argument factory
#: (called per delivery round and closed after it: the safe choice for ``serve()``, whose
#: deliveries run on the server's own thread and event loop).
CallbackClient: TypeAlias = "httpx.AsyncClient | Callable[[], httpx.AsyncClient]"


def sign(hmac_key: str, task_id: str, timestamp: int) -> str:
    """Kie's ``X-Webhook-Signature``: base64(HMAC-SHA256(key, f"{taskId}.{timestamp}"))."""
    digest = hmac.new(hmac_key.encode(), f"{task_id}.{timestamp}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _request_for(task: TaskRecord, hmac_key: str | None) -> tuple[dict[str, str], bytes]:
    body = json.dumps(task.callback_body(), separators=(",", ":"), ensure_ascii=False).encode()
    headers = {"content-type": "application/json"}
    if hmac_key is not None:
        # Real wall-clock seconds: the receiver compares them with its own clock.
        timestamp = int(time.time())
        headers["x-webhook-timestamp"] = str(timestamp)
        headers["x-webhook-signature"] = sign(hmac_key, task.task_id, timestamp)
    return headers, body


_ssl_context: ssl.SSLContext | None = None


def _shared_ssl_context() -> ssl.SSLContext:
    """Built once: loading the CA bundle costs tens of milliseconds per client otherwise."""
    global _ssl_context
    if _ssl_context is None:
        _ssl_context = httpx.create_ssl_context()
    return _ssl_context


@asynccontextmanager
async def _open(source: CallbackClient | None) -> AsyncGenerator[httpx.AsyncClient, None]:
    if source is None:
        async with httpx.AsyncClient(
            timeout=CALLBACK_TIMEOUT_S, verify=_shared_ssl_context()
        ) as client:
            yield client
    elif isinstance(source, httpx.AsyncClient):
        yield source
    else:
        async with source() as client:
            yield client


async def _post(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], body: bytes
) -> tuple[int | None, str | None]:
    try:
        response = await client.post(url, content=body, headers=headers, timeout=CALLBACK_TIMEOUT_S)
    except Exception as exc:  # best effort, like Kie: a broken receiver must not break the fake
        return None, f"{type(exc).__name__}: {exc}"
    return response.status_code, None


def _host(url: str) -> str:
    try:
        return httpx.URL(url).host
    except httpx.InvalidURL:
        return url


async def deliver_callbacks(
    tasks: list[TaskRecord], *, source: CallbackClient | None, hmac_key: str | None
) -> list[CallbackDelivery]:
    """POST each finished task's callback once, in order; return what happened."""
    deliveries: list[CallbackDelivery] = []
    async with AsyncExitStack() as stack:
        client: httpx.AsyncClient | None = None
        for task in tasks:
            url = task.callback_url or ""
            headers, body = _request_for(task, hmac_key)
            host = _host(url)
            if source is None and host not in _LOOPBACK_HOSTS:
                status, error = (
                    None,
                    (
                        f"not sent: {host} is not a loopback host; pass callback_http_client= "
                        "to deliver elsewhere"
                    ),
                )
            else:
                if client is None:  # opened lazily: most rounds have nothing to send
                    client = await stack.enter_async_context(_open(source))
                status, error = await _post(client, url, headers, body)
            deliveries.append(
                CallbackDelivery(
                    task_id=task.task_id,
                    url=url,
                    headers=headers,
                    body=body,
                    status_code=status,
                    error=error,
                )
            )
    return deliveries
