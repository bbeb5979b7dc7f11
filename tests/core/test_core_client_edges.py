"""Edges of the client surface found in review: hostile keys, a caller's client and its timeout,
a closed client, logging silence, model inputs to create_task, result and upload models."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest
import respx

from kieai import (
    KieClient,
    KieError,
    MotionControlInput,
    MotionControlResult,
    Task,
    UploadedFile,
)

from ._support import API_KEY, CREATE_URL, CREDIT_URL, MODEL, created, kie, ok

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("key", "what"),
    [
        ("sk-abc\u2019def", "a non-ASCII or control character at position 6"),
        ("sk-abc\ndef", "whitespace at position 6"),
        ("sk abc", "whitespace at position 2"),
        ("sk-\x00abc", "a non-ASCII or control character at position 3"),
    ],
)
def test_a_key_that_cannot_travel_in_a_header_fails_at_construction_without_echoing_it(
    key: str, what: str
) -> None:
    with pytest.raises(KieError) as caught:
        KieClient(api_key=key)
    message = str(caught.value)
    assert f"api_key: contains {what}" in message
    assert key not in message
    assert "abc" not in message


async def test_a_callers_client_left_at_httpx_defaults_gets_kies_default_timeout(
    respx_mock: respx.MockRouter,
) -> None:
    route = respx_mock.get(CREDIT_URL).mock(return_value=ok(7))
    async with httpx.AsyncClient() as http, KieClient(api_key=API_KEY, http_client=http) as client:
        await client.get_credits()
    timeouts = route.calls.last.request.extensions["timeout"]
    assert timeouts == {"connect": 10.0, "read": 60.0, "write": 60.0, "pool": 60.0}


async def test_a_callers_deliberate_timeout_is_kept(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(CREDIT_URL).mock(return_value=ok(7))
    async with (
        httpx.AsyncClient(timeout=httpx.Timeout(7.0, connect=2.0)) as http,
        KieClient(api_key=API_KEY, http_client=http) as client,
    ):
        await client.get_credits()
    timeouts = route.calls.last.request.extensions["timeout"]
    assert timeouts == {"connect": 2.0, "read": 7.0, "write": 7.0, "pool": 7.0}


async def test_calls_after_aclose_raise_a_kie_error(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(CREDIT_URL).mock(return_value=ok(7))
    async with kie() as client:
        pass
    with pytest.raises(KieError, match="this KieClient is closed"):
        await client.get_credits()
    assert route.call_count == 0


def test_the_library_logs_nothing_unless_configured(capsys: pytest.CaptureFixture[str]) -> None:
    logging.getLogger("kieai").warning("polling task t: a transient error; polling on")
    assert capsys.readouterr().err == ""


async def test_create_task_accepts_the_pydantic_input_model(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post(CREATE_URL).mock(return_value=created())
    payload = MotionControlInput(
        input_urls=["https://t/a.png"], video_urls=["https://t/b.mp4"], mode="1080p"
    )
    async with kie() as client:
        await client.create_task(MODEL, payload)
    assert json.loads(route.calls.last.request.content)["input"] == {
        "input_urls": ["https://t/a.png"],
        "video_urls": ["https://t/b.mp4"],
        "character_orientation": "video",
        "mode": "1080p",
    }


async def test_download_progress_ends_at_the_bytes_written(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    # (A compressed body is refused, not inflated: see test_core_download.py.)
    raw = b"frame" * 20_000
    respx_mock.get("https://cdn.example/v.mp4").mock(
        return_value=httpx.Response(200, content=raw, headers={"content-length": str(len(raw))})
    )
    calls: list[tuple[int, int | None]] = []
    async with kie() as client:
        path = await client.download(
            "https://cdn.example/v.mp4",
            tmp_path / "v.mp4",
            on_progress=lambda s, t: calls.append((s, t)),
        )
    assert path.read_bytes() == raw
    assert calls[-1] == (len(raw), len(raw))
    assert all(sent <= len(raw) for sent, _ in calls)


def test_uploaded_file_prefers_download_url_over_other_spellings() -> None:
    both = {"url": "https://a/url", "fileUrl": "https://a/file", "downloadUrl": "https://a/dl"}
    assert UploadedFile.model_validate(both).url == "https://a/dl"
    assert UploadedFile.model_validate(
        {"url": "https://a/url", "fileUrl": "https://a/file"}
    ).url == ("https://a/file")


def _result() -> MotionControlResult:
    task = Task.model_validate(
        {"taskId": "t1", "state": "success", "resultJson": '{"resultUrls": ["https://x/a.mp4"]}'}
    )
    return MotionControlResult(task_id="t1", task=task, video_urls=task.result_urls)


def test_motion_control_result_dumps_video_url_and_round_trips() -> None:
    result = _result()
    dumped = result.model_dump()
    assert dumped["video_url"] == "https://x/a.mp4"
    again = MotionControlResult.model_validate(dumped)
    assert again == result
    assert again.model_extra == {}


async def test_an_unbound_result_cannot_download_and_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(KieError, match=r"use client\.download\(result\.video_url, dest\)"):
        await _result().download(tmp_path)
