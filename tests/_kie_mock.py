"""Kie's two hosts mocked with respx, for request-level tests of the resources: uploads answer
with a fresh URL each, createTask with ``task_1``; tests assert on what was called."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Iterator
from typing import Any

import httpx
import pytest
import respx

from kieai import KieClient, KieInputError

API = "https://api.kie.ai"
UPLOADS = "https://kieai.redpandaai.co"


@pytest.fixture
async def client() -> AsyncIterator[KieClient]:
    async with KieClient(
        api_key="sk-test", initial_retry_delay=0, max_retry_delay=0, create_task_rate=None
    ) as c:
        yield c


@pytest.fixture
def kie() -> Iterator[respx.MockRouter]:
    """Kie's two hosts, answering uploads and createTask; tests assert on what was called."""
    with respx.mock(assert_all_called=False) as router:
        counter = iter(range(1000))

        def uploaded(request: httpx.Request) -> httpx.Response:
            n = next(counter)
            url = f"https://tempfile.redpandaai.co/kieai/file-{n}"
            return httpx.Response(
                200,
                json={"success": True, "code": 200, "msg": "ok", "data": {"downloadUrl": url}},
            )

        router.post(f"{UPLOADS}/api/file-stream-upload", name="upload").mock(side_effect=uploaded)
        router.post(f"{API}/api/v1/jobs/createTask", name="create").mock(
            return_value=httpx.Response(
                200, json={"code": 200, "msg": "success", "data": {"taskId": "task_1"}}
            )
        )
        yield router


def sent_input(kie: respx.MockRouter) -> dict[str, Any]:
    body = json.loads(kie.routes["create"].calls.last.request.content)
    return body["input"]


async def refused(kie: respx.MockRouter, call: Awaitable[object]) -> list[str]:
    """The problems ``call`` raises, after checking that not a single request went out."""
    with pytest.raises(KieInputError) as caught:
        await call
    assert kie.calls.call_count == 0
    assert isinstance(caught.value, ValueError)
    return caught.value.problems
