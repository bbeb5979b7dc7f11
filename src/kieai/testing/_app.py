"""The ASGI application: routing by path (any host), authentication, injected faults,
request recording and in-request callback delivery.

Routing ignores the host on purpose: one app answers for ``api.kie.ai``, the upload host and
the fake's own file URLs, in-process and over a socket alike. The one exception comes first:
a URL registered with ``fake.add_remote_file`` is served by its full URL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import anyio

from . import _api, _files
from ._callbacks import CallbackClient, deliver_due
from ._family_api import FAMILY_RESULTS_PREFIX, FAMILY_ROUTES, serve_family_result
from ._faults import UPLOAD_ROUTES, Fault
from ._http import (
    READ_TIMEOUT,
    ReadTimedOut,
    Receive,
    Request,
    Response,
    Scope,
    Send,
    json_response,
    read_request,
    send_dropped,
    send_response,
)
from ._records import RecordedRequest
from ._state import FAKE_BASE_URL, FakeState

__all__ = ["BACKGROUND_CALLBACKS_SCOPE_KEY", "BASE_URL_SCOPE_KEY", "STOPPING_SCOPE_KEY", "handle"]

#: Set by ``serve()`` on each scope: the loopback base URL, an event set at shutdown, and a
#: flag saying callbacks go out from the server thread (so no request waits for them).
BASE_URL_SCOPE_KEY = "kieai.fake.base_url"
STOPPING_SCOPE_KEY = "kieai.fake.stopping"
BACKGROUND_CALLBACKS_SCOPE_KEY = "kieai.fake.background_callbacks"

Handler = Callable[[FakeState, Request], Response]


@dataclass(frozen=True)
class Route:
    name: str
    methods: frozenset[str]
    handler: Handler
    auth: bool


_EXACT: dict[str, Route] = {
    "/api/v1/jobs/createTask": Route("createTask", frozenset({"POST"}), _api.create_task, True),
    "/api/v1/jobs/recordInfo": Route("recordInfo", frozenset({"GET"}), _api.record_info, True),
    "/api/v1/chat/credit": Route("credit", frozenset({"GET"}), _api.credit, True),
    "/api/v1/common/download-url": Route(
        "download-url", frozenset({"POST"}), _api.download_url, True
    ),
    "/api/file-stream-upload": Route(
        "stream-upload", frozenset({"POST"}), _files.stream_upload, True
    ),
    "/api/file-base64-upload": Route(
        "base64-upload", frozenset({"POST"}), _files.base64_upload, True
    ),
    "/api/file-url-upload": Route("url-upload", frozenset({"POST"}), _files.url_upload, True),
}
# Kie's dedicated families (Veo, Suno, Runway, Aleph): testing/_family_api.py.
_EXACT.update(
    {path: Route(r.name, r.methods, r.handler, True) for path, r in FAMILY_ROUTES.items()}
)
_READ = frozenset({"GET", "HEAD"})
_FILES = Route("files", _READ, _files.serve_file, False)
_RESULTS = Route("results", _READ, _files.serve_result, False)
_REMOTE = Route("remote", _READ, _files.serve_remote, False)
_FAMILY_RESULTS = Route("family-results", _READ, serve_family_result, False)


def match(state: FakeState, request: Request) -> Route | None:
    if state.remote_file(request.url) is not None:  # "the internet", by full URL
        return _REMOTE
    path = request.path
    if path in _EXACT:
        return _EXACT[path]
    if path.startswith("/files/"):
        return _FILES
    if path.startswith("/results/"):
        return _RESULTS
    if path.startswith(FAMILY_RESULTS_PREFIX):
        return _FAMILY_RESULTS
    return None


def _authorized(state: FakeState, request: Request) -> bool:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and key.strip() == state.settings.api_key


def dispatch(state: FakeState, route: Route | None, request: Request) -> Response:
    """Kie's answer to ``request``, as if nothing were broken."""
    key = state.settings.message_key
    if route is None:
        return json_response({"code": 404, key: "Not Found"}, status=404)
    upload = route.name in UPLOAD_ROUTES
    if request.method not in route.methods:
        body = {"code": 405, key: "Method Not Allowed"}
        return json_response({"success": False, **body} if upload else body, status=405)
    if route.auth and not _authorized(state, request):
        if upload:
            msg = "Authentication failed: Invalid API Key"
        else:
            msg = "You do not have access permissions"
        return state.error(401, msg, upload=upload)
    return route.handler(state, request)


async def _wait(scope: Scope, seconds: float) -> None:
    """An injected delay. In-process, a client read timeout shorter than the delay ends it
    with a timeout (``ASGITransport`` has none of its own); under ``serve()`` shutdown cuts it
    short so the server can stop."""
    read_timeout = READ_TIMEOUT.get()
    if read_timeout is not None and seconds > read_timeout:
        await anyio.sleep(read_timeout)
        raise ReadTimedOut
    stopping: asyncio.Event | None = scope.get(STOPPING_SCOPE_KEY)  # only on serve()'s loop
    if stopping is None:
        await anyio.sleep(seconds)
        return
    with anyio.move_on_after(seconds):
        await stopping.wait()


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def _answer(
    state: FakeState, route: Route | None, request: Request
) -> tuple[list[Fault], Response | None]:
    """The faults shaping this request (a delay-only one and a shaping one, each optional)
    and the answer to send; None only for a dropped request that was not processed."""
    faults = state.faults.take(route.name if route else None)
    shaping = next((f for f in faults if not f.delay_only), None)
    response: Response | None = None
    if shaping is None or shaping.runs_handler:
        response = dispatch(state, route, request)
    if shaping is not None and shaping.has_answer:
        response = shaping.answer(
            route.name if route else "", message_key=state.settings.message_key
        )
    return faults, response


def _record(
    state: FakeState,
    route: Route | None,
    request: Request,
    faults: list[Fault],
    response: Response | None,
) -> None:
    dropped = any(f.drop for f in faults)
    answered = None if dropped else response
    keep = state.settings.keep_request_bodies
    state.record_request(
        RecordedRequest(
            method=request.method,
            path=request.path,
            host=request.host,
            query=request.query,
            headers=request.headers,
            body=request.body if keep else b"",
            route=route.name if route else None,
            status=answered.status if answered else None,
            response_body=answered.body if answered and keep else b"",
            fault=bool(faults),
        )
    )


async def handle(
    state: FakeState, source: CallbackClient | None, scope: Scope, receive: Receive, send: Send
) -> None:
    """Serve one ASGI connection scope: read, deliver due callbacks, answer (or misbehave)."""
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    if scope["type"] != "http":
        raise RuntimeError(f"FakeKie speaks HTTP only, not {scope['type']!r}")
    request = await read_request(scope, receive, scope.get(BASE_URL_SCOPE_KEY) or FAKE_BASE_URL)
    route = match(state, request)
    if not scope.get(BACKGROUND_CALLBACKS_SCOPE_KEY):
        await deliver_due(state, source)
    faults, response = _answer(state, route, request)
    # Recorded before any delay, so a test that timed out still sees its request.
    _record(state, route, request, faults, response)
    delay = sum(f.delay for f in faults)
    if delay:
        await _wait(scope, delay)
    if any(f.drop for f in faults):
        await send_dropped(send)
    assert response is not None  # only a dropped, unprocessed request has no answer
    await send_response(send, response, head_only=request.method == "HEAD")
