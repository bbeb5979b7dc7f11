"""``upload_from_url``: Kie fetches a public URL into its file storage (JSON, not multipart)."""

from __future__ import annotations

import json
import re

import httpx
import pytest
import respx

from kieai import BadRequestError

from .upload_helpers import CDN_URL, URL_UPLOAD_URL, make_client

pytestmark = pytest.mark.anyio


def sent_json(kie: respx.MockRouter) -> dict[str, str]:
    request = kie.routes["url"].calls.last.request
    assert request.headers["content-type"] == "application/json"
    return json.loads(request.content)


async def test_kie_refusing_the_url_raises_bad_request_once(kie: respx.MockRouter) -> None:
    kie.routes["url"].side_effect = None
    kie.routes["url"].return_value = httpx.Response(
        200, json={"success": False, "code": 400, "msg": "File download failed: timeout"}
    )
    async with make_client() as client:
        with pytest.raises(BadRequestError, match="File download failed"):
            await client.upload_from_url("https://example.com/a.png")
    assert kie.routes["url"].call_count == 1


async def test_upload_from_url_posts_file_url_upload_path_and_file_name(
    kie: respx.MockRouter,
) -> None:
    async with make_client() as client:
        uploaded = await client.upload_from_url(
            "https://example.com/media/dance.mp4", upload_path="videos/in", file_name="d.mp4"
        )
    request = kie.routes["url"].calls.last.request
    assert request.method == "POST"
    assert str(request.url) == URL_UPLOAD_URL
    assert request.headers["authorization"] == "Bearer k"
    assert sent_json(kie) == {
        "fileUrl": "https://example.com/media/dance.mp4",
        "uploadPath": "videos/in",
        "fileName": "d.mp4",
    }
    assert uploaded.url == CDN_URL


async def test_upload_from_url_names_the_file_uniquely_after_the_url(
    kie: respx.MockRouter,
) -> None:
    async with make_client() as client:
        await client.upload_from_url("https://example.com/media/my%20dance.mp4?sig=abc")
        first = sent_json(kie)["fileName"]
        await client.upload_from_url("https://example.com/media/my%20dance.mp4?sig=abc")
        second = sent_json(kie)["fileName"]
    assert re.fullmatch(r"my-dance-[0-9a-f]{12}\.mp4", first), first
    assert first != second


async def test_upload_from_url_default_upload_path_is_kieai(kie: respx.MockRouter) -> None:
    async with make_client() as client:
        await client.upload_from_url("https://example.com/")
    body = sent_json(kie)
    assert body["uploadPath"] == "kieai"
    assert re.fullmatch(r"upload-[0-9a-f]{12}", body["fileName"]), body["fileName"]
