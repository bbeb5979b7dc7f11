"""A caller's ``httpx.Client`` under `SyncKieClient`'s async core.

The async `KieClient` needs an ``httpx.AsyncClient``. `async_client_over` makes one whose
transport sends each request through the caller's ``httpx.Client`` in a worker thread, so
everything configured there applies: its transport (proxies, ``verify``, a custom or mock
transport), ``mounts``, ``auth``, ``event_hooks`` and default headers. Bodies are streamed both
ways a chunk at a time (an upload's file is never read whole), and a cancelled call stops
between chunks. The caller's client is never closed here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import anyio
import anyio.from_thread
import anyio.to_thread
import httpx

__all__ = ["async_client_over"]


def async_client_over(client: httpx.Client) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` (owned by the caller of this function) sending through
    ``client``. Its timeout is ``client``'s, so KieClient treats an httpx-default client as it
    treats an httpx-default async client (kieai's own default timeout applies)."""
    return httpx.AsyncClient(transport=_ThroughSyncClient(client), timeout=client.timeout)


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
