"""The in-process transport behind ``fake.http_client()``.

``httpx.ASGITransport`` runs the app inline and knows neither broken connections nor
timeouts. This subclass gives in-process tests the failures a socket would: an injected drop
becomes ``httpx.RemoteProtocolError`` and an injected delay longer than the request's read
timeout becomes ``httpx.ReadTimeout``.
"""

from __future__ import annotations

import httpx

from ._http import READ_TIMEOUT, ConnectionDropped, ReadTimedOut

__all__ = ["FakeTransport"]


class FakeTransport(httpx.ASGITransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        token = READ_TIMEOUT.set(timeouts.get("read"))
        try:
            return await super().handle_async_request(request)
        except ConnectionDropped:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None
        except ReadTimedOut:
            raise httpx.ReadTimeout("The read operation timed out", request=request) from None
        finally:
            READ_TIMEOUT.reset(token)
