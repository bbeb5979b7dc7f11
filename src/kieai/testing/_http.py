"""Plain HTTP plumbing for the hand-written ASGI app: read a request, send an answer, break
a connection, and build Kie's JSON envelopes.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import parse_qsl, quote

import httpx

__all__ = [
    "DROPPED_MESSAGE",
    "READ_TIMEOUT",
    "ConnectionDropped",
    "ReadTimedOut",
    "Receive",
    "Request",
    "Response",
    "Scope",
    "Send",
    "json_response",
    "read_request",
    "send_dropped",
    "send_response",
]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

DROPPED_MESSAGE = (
    "Server disconnected without sending a response "
    "(FakeKie dropped the connection: an injected drop=True fault)"
)


class ConnectionDropped(httpx.RemoteProtocolError):
    """Raised by the app after starting an answer, so the server aborts the connection.

    uvicorn closes the socket (the client sees a broken response); the in-process transport
    raises it as a plain ``httpx.RemoteProtocolError`` bound to the request. Used as a bare
    ASGI app (``httpx.ASGITransport(app=fake)``), it reaches the caller as itself: still an
    ``httpx.RemoteProtocolError``, so code that handles broken connections handles it.
    """

    def __init__(self, message: str = DROPPED_MESSAGE) -> None:
        super().__init__(message)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: httpx.Headers
    body: bytes
    base_url: str
    """Where the fake's own file and result URLs point for this request."""
    url: str = ""
    """The full URL asked for (scheme, ``Host``, path and query)."""

    @property
    def host(self) -> str:
        return self.headers.get("host", "")

    def json(self) -> Any:
        """The body as JSON; raises ``ValueError`` when it is not JSON."""
        return json.loads(self.body)

    def json_object(self) -> dict[str, Any] | None:
        """The body as a JSON object, or None when it is anything else."""
        try:
            body = self.json()
        except ValueError:
            return None
        return cast("dict[str, Any]", body) if isinstance(body, dict) else None


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list[tuple[str, str]])


def json_response(
    payload: Any, *, status: int = 200, headers: list[tuple[str, str]] | None = None
) -> Response:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(
        status, body, [("content-type", "application/json; charset=utf-8"), *(headers or [])]
    )


async def read_request(scope: Scope, receive: Receive, base_url: str) -> Request:
    """Read the whole body. Chunks are joined once at the end, so a big upload stays linear."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        if chunk:
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    raw_headers: list[tuple[bytes, bytes]] = list(scope.get("headers", []))
    query_string: bytes = scope.get("query_string", b"")
    headers = httpx.Headers(raw_headers)
    return Request(
        method=str(scope["method"]).upper(),
        path=str(scope["path"]),
        query=dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)),
        headers=headers,
        body=b"".join(chunks),
        base_url=base_url,
        url=_full_url(scope, headers, query_string),
    )


def _full_url(scope: Scope, headers: httpx.Headers, query_string: bytes) -> str:
    scheme = str(scope.get("scheme", "http"))
    host = headers.get("host")
    if not host:
        server = scope.get("server")
        host = f"{server[0]}:{server[1]}" if server else "localhost"
    raw_path = scope.get("raw_path")
    path = raw_path.decode("latin-1") if raw_path else quote(str(scope["path"]))
    query = f"?{query_string.decode('latin-1')}" if query_string else ""
    return f"{scheme}://{host}{path}{query}"


async def send_response(send: Send, response: Response, *, head_only: bool = False) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head_only else response.body})


async def send_dropped(send: Send) -> None:
    """Start an answer that promises a body, then break the connection before sending it."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")],
        }
    )
    raise ConnectionDropped()


#: The client's read timeout for the request being handled in-process (set by the fake's
#: transport), so an injected delay can time out like a slow server would.
READ_TIMEOUT: ContextVar[float | None] = ContextVar("kieai_fake_read_timeout", default=None)


class ReadTimedOut(Exception):
    """An injected delay outlasted the client's read timeout."""
