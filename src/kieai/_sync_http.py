"""The ``httpx`` clients of `SyncKieClient`: a caller's ``httpx.Client`` under the async core,
and the blocking clients its quick calls use in the calling thread.

The async `KieClient` needs an ``httpx.AsyncClient``. `async_client_over` makes one whose
transport sends each request through the caller's ``httpx.Client`` in a worker thread, so
everything configured there applies: its transport (proxies, ``verify``, a custom or mock
transport), ``mounts``, ``auth``, ``event_hooks`` and default headers. Bodies are streamed both
ways a chunk at a time (an upload's file is never read whole), and a cancelled call stops
between chunks. The caller's client is never closed here.

`direct_client_over` and `direct_client` make ``httpx.AsyncClient`` s whose transport *blocks*:
every await in a send through them finishes without waiting on an event loop, so the core's
coroutine runs to its end in the thread that called (see `_transport.DIRECT_SEND`).
"""

from __future__ import annotations

import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread
import httpx

__all__ = ["async_client_over", "direct_client", "direct_client_over", "run_to_end"]

T = TypeVar("T")


def async_client_over(client: httpx.Client) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` (owned by the caller of this function) sending through
    ``client``. Its timeout is ``client``'s, so KieClient treats an httpx-default client as it
    treats an httpx-default async client (kieai's own default timeout applies)."""
    return httpx.AsyncClient(transport=_ThroughSyncClient(client), timeout=client.timeout)


def direct_client_over(client: httpx.Client) -> httpx.AsyncClient:
    """Like `async_client_over`, but sending in the calling thread (`_InCallingThread`)."""

    def send(request: httpx.Request) -> httpx.Response:
        # _InCallingThread made the body readable here already: _outgoing keeps it as it is.
        return client.send(_outgoing(client, request), stream=True, follow_redirects=False)

    return httpx.AsyncClient(transport=_InCallingThread(send, None), timeout=client.timeout)


def direct_client() -> httpx.AsyncClient:
    """kieai's own blocking connection pool, with the settings ``httpx.AsyncClient()`` takes
    from the environment (it is what the event loop's client is): an ``httpx.HTTPTransport``
    (its ``trust_env`` reads ``SSL_CERT_FILE``/``SSL_CERT_DIR``), or, when the environment
    names a proxy, an ``httpx.Client``, which routes through it as the loop's client does."""
    if any(urllib.request.getproxies()):
        client = httpx.Client()
        return httpx.AsyncClient(
            transport=_InCallingThread(
                lambda request: client.send(request, stream=True, follow_redirects=False),
                client.close,
            )
        )
    transport = httpx.HTTPTransport()
    return httpx.AsyncClient(transport=_InCallingThread(transport.handle_request, transport.close))


def _outgoing(client: httpx.Client, request: httpx.Request) -> httpx.Request:
    """``request`` as ``client`` must send it from a worker thread: with the client's default
    headers (``send()`` does not merge them) and a body it can read there."""
    headers = httpx.Headers(request.headers)
    for name, value in client.headers.multi_items():
        if name not in headers:  # Client.send() does not merge the client's own headers
            headers[name] = value
    stream = request.stream
    body = stream if isinstance(stream, httpx.SyncByteStream) else _BlockingBody(stream)
    return httpx.Request(
        request.method,
        request.url,
        headers=headers,
        stream=body,
        extensions=request.extensions,  # the per-request timeout travels here
    )


class _ThroughSyncClient(httpx.AsyncBaseTransport):
    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        outgoing = _outgoing(self._client, request)

        def send() -> httpx.Response:
            # Redirects are the async client's business (it decides where the key may go).
            return self._client.send(outgoing, stream=True, follow_redirects=False)

        response = await anyio.to_thread.run_sync(send)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_AwaitableBody(response),
            extensions=response.extensions,
            request=request,
        )


class _BlockingBody(httpx.SyncByteStream):
    """An async request body read from the worker thread that sends it."""

    def __init__(self, stream: httpx.AsyncByteStream) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        chunks = self._stream.__aiter__()

        async def next_chunk() -> bytes:
            return await chunks.__anext__()

        while True:
            anyio.from_thread.check_cancelled()  # a cancelled call stops the upload here
            try:
                chunk = anyio.from_thread.run(next_chunk)
            except StopAsyncIteration:
                return
            yield chunk


class _DrivenRequestBody(httpx.SyncByteStream):
    """An async request body read in the calling thread of a direct send (a JSON body: its
    chunks need no event loop)."""

    def __init__(self, stream: httpx.AsyncByteStream) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        chunks = self._stream.__aiter__()
        while True:
            try:
                chunk = run_to_end(chunks.__anext__())
            except StopAsyncIteration:
                return
            yield chunk


class _AwaitableBody(httpx.AsyncByteStream):
    """A sync response body read a chunk at a time in worker threads (raw bytes: the async
    response decodes them once)."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        stream = self._response.stream
        assert isinstance(stream, httpx.SyncByteStream)  # Client.send() gives a sync stream
        chunks: Iterator[bytes] = iter(stream)
        while True:
            chunk = await anyio.to_thread.run_sync(next, chunks, None)
            if chunk is None:
                return
            yield chunk

    async def aclose(self) -> None:
        with anyio.CancelScope(shield=True):  # the connection must go back to the pool
            await anyio.to_thread.run_sync(self._response.close)


class _InCallingThread(httpx.AsyncBaseTransport):
    """An async transport that sends with a blocking ``send`` in the calling thread: awaiting
    it, and reading the body it returns, never waits on an event loop."""

    def __init__(
        self,
        send: Callable[[httpx.Request], httpx.Response],
        close: Callable[[], None] | None,
    ) -> None:
        self._send = send
        self._close = close

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(request.stream, httpx.SyncByteStream):  # a JSON body (_BytesBody)
            request = httpx.Request(
                request.method,
                request.url,
                headers=request.headers,
                stream=_DrivenRequestBody(request.stream),
                extensions=request.extensions,
            )
        response = self._send(request)
        stream = response.stream
        assert isinstance(stream, httpx.SyncByteStream)
        # The same response, read through an async face (a new Response would cost as much
        # again as the rest of a quick call's own work).
        response.stream = _DrivenBody(stream)
        return response

    async def aclose(self) -> None:
        if self._close is not None:
            self._close()


class _DrivenBody(httpx.AsyncByteStream):
    """A sync response body behind an async face, read in the calling thread."""

    def __init__(self, stream: httpx.SyncByteStream) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        self._stream.close()


def run_to_end(awaitable: Awaitable[T]) -> T:
    """Run an awaitable that never waits on an event loop (its I/O blocks) to its end, here."""
    steps = awaitable.__await__()
    try:
        next(steps)
    except StopIteration as done:
        value: T = done.value
        return value
    close = getattr(steps, "close", None)
    if close is not None:
        close()
    raise RuntimeError("kieai: a blocking call awaited an event loop")  # pragma: no cover
