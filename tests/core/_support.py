"""Helpers shared by the core tests: a fast client, Kie envelopes, recorders, tracked streams."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

import anyio
import httpx
import respx
from respx.models import Call

from kieai import KieClient

API_KEY = "sk-test-secret-123"
BASE_URL = "https://api.kie.ai"
CREATE_URL = f"{BASE_URL}/api/v1/jobs/createTask"
RECORD_URL = f"{BASE_URL}/api/v1/jobs/recordInfo"
CREDIT_URL = f"{BASE_URL}/api/v1/chat/credit"
DOWNLOAD_URL_ENDPOINT = f"{BASE_URL}/api/v1/common/download-url"
MODEL = "kling-2.6/motion-control"
INPUT: dict[str, Any] = {
    "prompt": "The character dances.",
    "input_urls": ["https://tempfile.redpandaai.co/kieai/person.png"],
    "video_urls": ["https://tempfile.redpandaai.co/kieai/dance.mp4"],
    "character_orientation": "video",
    "mode": "720p",
}
TASK_ID = "task_kling-2.6_1767693973938"


#: Loading the CA bundle costs ~40 ms per httpx client; the tests share one context instead.
SSL_CONTEXT = httpx.create_ssl_context()


@asynccontextmanager
async def kie(**overrides: Any) -> AsyncGenerator[KieClient, None]:
    """A fast test client (see :func:`make_client`) on an httpx client that shares one SSL
    context; both are closed on exit."""
    async with (
        httpx.AsyncClient(verify=SSL_CONTEXT) as http_client,
        make_client(http_client=http_client, **overrides) as client,
    ):
        yield client


def make_client(**overrides: Any) -> KieClient:
    """A client that never sleeps between retries and does not pace, unless told otherwise."""
    options: dict[str, Any] = {
        "api_key": API_KEY,
        "initial_retry_delay": 0,
        "max_retry_delay": 0,
        "create_task_rate": None,
        "get_task_rate": None,
    }
    options.update(overrides)
    return KieClient(**options)


def envelope(data: Any = None, *, code: int | str = 200, msg: str = "success") -> dict[str, Any]:
    return {"code": code, "msg": msg, "data": data}


def ok(data: Any) -> httpx.Response:
    """HTTP 200 with Kie's success envelope around ``data``."""
    return httpx.Response(200, json=envelope(data))


def kie_error(
    status: int,
    code: int | None = None,
    msg: str = "error",
    *,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """An error answer: HTTP ``status`` with ``{"code": code, "msg": msg}`` (no code if None)."""
    body: dict[str, Any] = {"msg": msg}
    if code is not None:
        body["code"] = code
    return httpx.Response(status, json=body, headers=headers)


def task_data(state: str = "waiting", task_id: str = TASK_ID, **extra: Any) -> dict[str, Any]:
    """A recordInfo ``data`` object the way Kie sends it (JSON strings, epoch milliseconds)."""
    data: dict[str, Any] = {
        "taskId": task_id,
        "model": MODEL,
        "state": state,
        "param": json.dumps({"model": MODEL, "input": INPUT}),
        "resultJson": "",
        "failCode": "",
        "failMsg": "",
        "costTime": 0,
        "completeTime": None,
        "createTime": 1767693973938,
        "updateTime": 1767693975000,
    }
    if state == "success":
        data["resultJson"] = json.dumps({"resultUrls": ["https://cdn.kie.ai/result.mp4"]})
    data.update(extra)
    return data


def created(task_id: str = TASK_ID) -> httpx.Response:
    return ok({"taskId": task_id})


class SleepRecorder:
    """Stands in for ``client._transport.sleep``: records retry waits instead of sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def record_sleeps(client: KieClient) -> SleepRecorder:
    recorder = SleepRecorder()
    client._transport.sleep = recorder  # pyright: ignore[reportPrivateUsage]
    return recorder


class TrackedStream(httpx.AsyncByteStream):
    """A response body that yields ``chunks``, then optionally stalls or breaks, and remembers
    whether it was closed (a closed stream means the connection went back to the pool)."""

    def __init__(
        self,
        chunks: list[bytes],
        *,
        stall: float | None = None,
        error: Exception | None = None,
    ) -> None:
        self.chunks = chunks
        self.stall = stall
        self.error = error
        self.closed = False
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            self.sent += len(chunk)
            yield chunk
        if self.stall is not None:
            await anyio.sleep(self.stall)
        if self.error is not None:
            raise self.error

    async def aclose(self) -> None:
        self.closed = True


def requests_of(route: respx.Route) -> list[httpx.Request]:
    """Every request a respx route answered, in order."""
    return [cast("Call", route.calls[n]).request for n in range(route.call_count)]


def header_values(route: respx.Route, name: str) -> list[str | None]:
    """The value of header ``name`` in each request a respx route answered."""
    return [request.headers.get(name) for request in requests_of(route)]
