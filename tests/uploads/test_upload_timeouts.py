"""Uploads run on their own timeout (``KieClient(upload_timeout=...)``, default 300 s with a
10 s connect), not the 60 s request timeout: a 100 MB video on a slow uplink needs minutes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from kieai import APITimeoutError, KieInputError

from .upload_helpers import make_client, png_bytes

pytestmark = pytest.mark.anyio

DEFAULT_UPLOAD = {"connect": 10.0, "read": 300.0, "write": 300.0, "pool": 300.0}


def timeout_of(kie: respx.MockRouter, route: str = "stream") -> dict[str, Any]:
    request = kie.routes[route].calls.last.request
    return dict(request.extensions["timeout"])


async def test_upload_times_out_as_api_timeout_error_after_retries(
    kie: respx.MockRouter,
) -> None:
    kie.routes["stream"].side_effect = httpx.WriteTimeout("write timed out")
    async with make_client(max_retries=1) as client:
        with pytest.raises(APITimeoutError, match="WriteTimeout"):
            await client.upload(png_bytes())
    assert kie.routes["stream"].call_count == 2


async def test_upload_uses_the_default_upload_timeout(kie: respx.MockRouter) -> None:
    async with make_client() as client:
        await client.upload(png_bytes())
    assert timeout_of(kie) == DEFAULT_UPLOAD


async def test_upload_timeout_is_separate_from_the_request_timeout(
    kie: respx.MockRouter,
) -> None:
    kie.get("https://api.kie.ai/api/v1/chat/credit").mock(
        return_value=httpx.Response(200, json={"code": 200, "msg": "success", "data": 10})
    )
    async with make_client(timeout=5.0) as client:
        await client.upload(png_bytes())
        await client.get_credits()
    assert timeout_of(kie) == DEFAULT_UPLOAD
    credit_request = kie.calls.last.request
    assert credit_request.extensions["timeout"]["read"] == 5.0


async def test_upload_timeout_accepts_seconds(kie: respx.MockRouter) -> None:
    async with make_client(upload_timeout=900) as client:
        await client.upload(png_bytes())
    assert timeout_of(kie) == dict.fromkeys(DEFAULT_UPLOAD, 900.0)


async def test_upload_timeout_accepts_an_httpx_timeout(kie: respx.MockRouter) -> None:
    async with make_client(upload_timeout=httpx.Timeout(120.0, connect=3.0)) as client:
        await client.upload(png_bytes())
    assert timeout_of(kie) == {"connect": 3.0, "read": 120.0, "write": 120.0, "pool": 120.0}


async def test_upload_timeout_applies_with_the_callers_http_client(kie: respx.MockRouter) -> None:
    async with (
        httpx.AsyncClient(timeout=1.0) as http_client,
        make_client(http_client=http_client) as client,
    ):
        await client.upload(png_bytes())
    assert timeout_of(kie) == DEFAULT_UPLOAD


async def test_upload_from_url_uses_the_upload_timeout(kie: respx.MockRouter) -> None:
    async with make_client(upload_timeout=42.0) as client:
        await client.upload_from_url("https://example.com/a.png")
    assert timeout_of(kie, "url") == dict.fromkeys(DEFAULT_UPLOAD, 42.0)


@pytest.mark.parametrize("value", [0, -1, "300", True])
def test_bad_upload_timeout_is_refused_at_construction(value: Any) -> None:
    with pytest.raises(KieInputError, match=r"upload_timeout: must be a positive number"):
        make_client(upload_timeout=value)
