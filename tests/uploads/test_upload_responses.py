"""Reading Kie's upload answers: the documented variants, the error envelopes, and answers that
are not usable."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
import respx

from kieai import (
    APIResponseValidationError,
    AuthenticationError,
    BadRequestError,
    UploadedFile,
)

from .upload_helpers import CDN_URL, make_client, png_bytes, upload_answer

pytestmark = pytest.mark.anyio


def answer_with(kie: respx.MockRouter, status: int, body: Any) -> None:
    kie.routes["stream"].side_effect = None
    kie.routes["stream"].return_value = httpx.Response(status, json=body)


async def upload(kie: respx.MockRouter, status: int, body: Any) -> UploadedFile:
    answer_with(kie, status, body)
    async with make_client() as client:
        return await client.upload(png_bytes())


# -- errors first ------------------------------------------------------------------------------


async def test_success_false_with_code_400_raises_bad_request(kie: respx.MockRouter) -> None:
    body = {"success": False, "code": 400, "msg": "Missing required parameter: uploadPath"}
    with pytest.raises(BadRequestError) as caught:
        await upload(kie, 200, body)
    assert caught.value.code == 400
    assert "Missing required parameter: uploadPath" in str(caught.value)
    assert kie.routes["stream"].call_count == 1


async def test_http_400_with_the_error_envelope_raises_bad_request(kie: respx.MockRouter) -> None:
    body = {"success": False, "code": 400, "msg": "bad"}
    with pytest.raises(BadRequestError) as caught:
        await upload(kie, 400, body)
    assert caught.value.status_code == 400


async def test_json_401_raises_authentication_error(kie: respx.MockRouter) -> None:
    body = {"success": False, "code": 401, "msg": "Authentication failed: Invalid API Key"}
    with pytest.raises(AuthenticationError, match="Invalid API Key"):
        await upload(kie, 200, body)
    assert kie.routes["stream"].call_count == 1


async def test_http_401_raises_authentication_error(kie: respx.MockRouter) -> None:
    body = {"code": 401, "msg": "You do not have access permissions"}
    with pytest.raises(AuthenticationError) as caught:
        await upload(kie, 401, body)
    assert caught.value.status_code == 401


async def test_error_message_never_contains_the_api_key(kie: respx.MockRouter) -> None:
    answer_with(kie, 401, {"code": 401, "msg": "nope"})
    async with make_client(api_key="sk-very-secret") as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.upload(png_bytes())
    assert "sk-very-secret" not in str(caught.value)


async def test_answer_without_any_url_raises_validation_error(kie: respx.MockRouter) -> None:
    body = upload_answer(downloadUrl=None)
    del body["data"]["downloadUrl"]
    with pytest.raises(APIResponseValidationError, match="upload answer"):
        await upload(kie, 200, body)


async def test_answer_with_an_empty_download_url_raises_validation_error(
    kie: respx.MockRouter,
) -> None:
    with pytest.raises(APIResponseValidationError, match="upload answer"):
        await upload(kie, 200, upload_answer(downloadUrl=""))


async def test_answer_with_an_empty_url_raises_validation_error(kie: respx.MockRouter) -> None:
    body = {"success": True, "code": 200, "data": {"url": "", "fileName": "a.png"}}
    with pytest.raises(APIResponseValidationError, match="not an http"):
        await upload(kie, 200, body)


async def test_answer_with_a_relative_url_raises_validation_error(kie: respx.MockRouter) -> None:
    with pytest.raises(APIResponseValidationError, match=re.escape("'/files/x.png'")):
        await upload(kie, 200, upload_answer(downloadUrl="/files/x.png"))


async def test_answer_without_data_raises_validation_error(kie: respx.MockRouter) -> None:
    with pytest.raises(APIResponseValidationError, match="no 'data'"):
        await upload(kie, 200, {"success": True, "code": 200, "msg": "ok"})


async def test_answer_with_data_that_is_not_an_object_raises_validation_error(
    kie: respx.MockRouter,
) -> None:
    with pytest.raises(APIResponseValidationError):
        await upload(kie, 200, {"success": True, "code": 200, "data": "https://x/y.png"})


async def test_html_page_with_http_200_raises_validation_error(kie: respx.MockRouter) -> None:
    kie.routes["stream"].side_effect = None
    kie.routes["stream"].return_value = httpx.Response(
        200, text="<html>captive portal</html>", headers={"content-type": "text/html"}
    )
    async with make_client() as client:
        with pytest.raises(APIResponseValidationError, match="non-JSON"):
            await client.upload(png_bytes())


# -- the documented variants -------------------------------------------------------------------


async def test_endpoint_schema_answer_is_read_in_full(kie: respx.MockRouter) -> None:
    uploaded = await upload(kie, 200, upload_answer())
    assert uploaded.url == CDN_URL
    assert uploaded.file_name == "photo.png"
    assert uploaded.file_path == "kieai/photo.png"
    assert uploaded.size == 154832
    assert uploaded.mime_type == "image/png"
    assert uploaded.uploaded_at == datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


async def test_expiry_defaults_to_three_days_after_the_upload(kie: respx.MockRouter) -> None:
    uploaded = await upload(kie, 200, upload_answer())
    assert uploaded.expires_at == uploaded.uploaded_at + timedelta(days=3)


async def test_quickstart_answer_uses_download_url_and_expires_at(kie: respx.MockRouter) -> None:
    data = {
        "fileId": "file_abc123456",
        "fileName": "photo.png",
        "originalName": "holiday.png",
        "fileSize": 1024,
        "mimeType": "image/png",
        "uploadPath": "kieai",
        "fileUrl": "https://kieai.redpandaai.co/files/kieai/photo.png",
        "downloadUrl": "https://kieai.redpandaai.co/download/file_abc123456",
        "uploadTime": "2026-11-25T10:30:00Z",
        "expiresAt": "2026-11-28T10:30:00Z",
    }
    uploaded = await upload(kie, 200, {"success": True, "code": 200, "msg": "ok", "data": data})
    assert uploaded.url == "https://kieai.redpandaai.co/download/file_abc123456"
    assert uploaded.uploaded_at == datetime(2026, 11, 25, 10, 30, tzinfo=timezone.utc)
    assert uploaded.expires_at == datetime(2026, 11, 28, 10, 30, tzinfo=timezone.utc)
    assert uploaded.model_extra is not None
    assert uploaded.model_extra["fileId"] == "file_abc123456"


async def test_file_url_is_used_when_download_url_is_missing(kie: respx.MockRouter) -> None:
    data = {"fileName": "a.png", "fileUrl": "https://kieai.redpandaai.co/files/a.png"}
    uploaded = await upload(kie, 200, {"success": True, "code": 200, "data": data})
    assert uploaded.url == "https://kieai.redpandaai.co/files/a.png"


async def test_plain_url_field_is_accepted(kie: respx.MockRouter) -> None:
    data = {"url": "https://tempfile.redpandaai.co/a.png"}
    uploaded = await upload(kie, 200, {"code": 200, "msg": "success", "data": data})
    assert uploaded.url == "https://tempfile.redpandaai.co/a.png"


async def test_epoch_millisecond_times_are_read(kie: respx.MockRouter) -> None:
    uploaded_ms = 1_795_000_000_000
    data = {"downloadUrl": CDN_URL, "uploadedAt": uploaded_ms}
    uploaded = await upload(kie, 200, {"success": True, "code": 200, "data": data})
    assert uploaded.uploaded_at == datetime.fromtimestamp(uploaded_ms / 1000, tz=timezone.utc)
    assert uploaded.expires_at == uploaded.uploaded_at + timedelta(days=3)


async def test_answer_without_times_expires_three_days_from_now(kie: respx.MockRouter) -> None:
    before = datetime.now(timezone.utc)
    uploaded = await upload(kie, 200, {"success": True, "code": 200, "data": {"url": CDN_URL}})
    after = datetime.now(timezone.utc)
    assert before <= uploaded.uploaded_at <= after
    assert uploaded.expires_at == uploaded.uploaded_at + timedelta(days=3)


async def test_unknown_fields_are_kept(kie: respx.MockRouter) -> None:
    uploaded = await upload(kie, 200, upload_answer(checksum="abc"))
    assert uploaded.model_extra is not None
    assert uploaded.model_extra["checksum"] == "abc"


async def test_uploaded_file_round_trips_through_json(kie: respx.MockRouter) -> None:
    uploaded = await upload(kie, 200, upload_answer(fileId="file_1"))
    assert UploadedFile.model_validate_json(uploaded.model_dump_json()) == uploaded
