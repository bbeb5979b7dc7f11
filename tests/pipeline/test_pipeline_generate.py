"""``client.generate``/``create``/``check`` for any model, and the errors of every ``generate``
once Kie returned the task id: each carries ``.task_id`` and names how to resume. Request-level
(respx): what is sent, what is not, and what comes back."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from kieai import (
    APIResponseValidationError,
    AudioResult,
    AuthenticationError,
    BadRequestError,
    ImageResult,
    InsufficientCreditsError,
    KieClient,
    KieError,
    KieInputError,
    TaskFailedError,
    TaskTimeoutError,
    TextResult,
    UploadedFile,
    VideoResult,
)
from kieai._generated.market import Kling2_6TextToVideoInput

from .._kie_mock import API, client, kie, sent_input
from ..motion._media import png_bytes

pytestmark = pytest.mark.anyio
__all__ = ["client", "kie"]  # fixtures

FAST: dict[str, Any] = {"poll_interval": 0.01, "max_poll_interval": 0.02, "timeout": 10.0}
T2V: Kling2_6TextToVideoInput = {
    "prompt": "A fox.",
    "sound": False,
    "duration": "5",
    "aspect_ratio": "1:1",
}
NEW_MODEL = "acme/brand-new-model"


def _record(state: str = "success", urls: list[str] | None = None, **extra: Any) -> httpx.Response:
    data: dict[str, Any] = {"taskId": "task_1", "state": state, **extra}
    if urls is not None:
        data["resultJson"] = json.dumps({"resultUrls": urls})
    return httpx.Response(200, json={"code": 200, "msg": "success", "data": data})


def _poll_answers(kie: respx.MockRouter, *answers: httpx.Response) -> respx.Route:
    return kie.get(f"{API}/api/v1/jobs/recordInfo", name="poll").mock(side_effect=list(answers))


# -- errors after the task exists ----------------------------------------------------------------


def _status(code: int) -> httpx.Response:
    return httpx.Response(code, json={"code": code, "msg": f"refused with {code}"})


GARBLED = httpx.Response(200, text="<html>proxy</html>", headers={"content-type": "text/html"})

AFTER_CREATION: list[tuple[str, list[httpx.Response], type[KieError]]] = [
    ("401", [_status(401)], AuthenticationError),
    ("400", [_status(400)], BadRequestError),
    ("402", [_status(402)], InsufficientCreditsError),
    ("garbled", [GARBLED, GARBLED, GARBLED], APIResponseValidationError),
    ("failed", [_record("fail", failCode="500", failMsg="boom")], TaskFailedError),
    ("no-result", [_record("success", [])], APIResponseValidationError),
]

Call = Callable[[KieClient, dict[str, Any]], Awaitable[object]]
CALLS: dict[str, Call] = {
    "client.generate": lambda c, wait: c.generate("kling-2.6/text-to-video", T2V, **wait),
    "client.generate(unknown)": lambda c, wait: c.generate(NEW_MODEL, {"prompt": "x"}, **wait),
    "text_to_video": lambda c, wait: c.text_to_video.generate(prompt="A fox.", **wait),
    "motion_control": lambda c, wait: c.motion_control.generate(
        image="https://cdn.example/p.png", video="https://cdn.example/d.mp4", **wait
    ),
}


@pytest.fixture(params=sorted(CALLS))
def call(request: pytest.FixtureRequest) -> Call:
    return CALLS[request.param]


def _assert_resumable(error: KieError) -> None:
    assert error.task_id == "task_1"
    assert "client.wait_for_task('task_1')" in str(error)
    assert "`kie wait task_1`" in str(error)


@pytest.mark.parametrize(
    ("answers", "error_type"),
    [(answers, error) for _, answers, error in AFTER_CREATION],
    ids=[name for name, _, _ in AFTER_CREATION],
)
async def test_an_error_after_creation_carries_the_task_id_and_the_resume_call(
    client: KieClient,
    kie: respx.MockRouter,
    call: Call,
    answers: list[httpx.Response],
    error_type: type[KieError],
) -> None:
    _poll_answers(kie, *answers)
    with pytest.raises(error_type) as caught:
        await call(client, FAST)
    _assert_resumable(caught.value)
    if isinstance(caught.value, APIResponseValidationError | AuthenticationError):
        assert caught.value.message == str(caught.value)  # .message says it too


async def test_a_timeout_carries_the_task_id_and_the_resume_call(
    client: KieClient, kie: respx.MockRouter, call: Call
) -> None:
    kie.get(f"{API}/api/v1/jobs/recordInfo").mock(return_value=_record("generating"))
    with pytest.raises(TaskTimeoutError) as caught:
        await call(client, {**FAST, "timeout": 0.05})
    _assert_resumable(caught.value)
    assert str(caught.value).count("wait_for_task") == 1


async def test_an_error_before_creation_carries_no_task_id(
    client: KieClient, kie: respx.MockRouter
) -> None:
    kie.routes["create"].mock(return_value=_status(402))
    with pytest.raises(InsufficientCreditsError) as caught:
        await client.generate("kling-2.6/text-to-video", T2V, **FAST)
    assert caught.value.task_id is None
    assert "wait_for_task" not in str(caught.value)


# -- what comes back ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "input_", "urls", "result_type"),
    [
        ("kling-2.6/text-to-video", T2V, ["https://cdn.example/a.mp4"], VideoResult),
        (
            "google/nano-banana-edit",
            {"prompt": "snow", "image_urls": ["https://cdn.example/street.jpg"]},
            ["https://cdn.example/a.png", "https://cdn.example/b.png"],
            ImageResult,
        ),
        (NEW_MODEL, {"text": "hi"}, ["https://cdn.example/voice.mp3"], AudioResult),
        (NEW_MODEL, {"text": "hi"}, ["https://cdn.example/x.webp?sig=1"], ImageResult),
        (NEW_MODEL, {"text": "hi"}, ["https://cdn.example/out"], VideoResult),
    ],
    ids=["video", "image", "unknown-audio", "unknown-image", "unknown-other"],
)
async def test_the_result_type_follows_the_models_output(
    client: KieClient,
    kie: respx.MockRouter,
    model: str,
    input_: dict[str, object],
    urls: list[str],
    result_type: type[object],
) -> None:
    _poll_answers(kie, _record("success", urls))
    result = await client.generate(model, input_, **FAST)
    assert type(result) is result_type
    assert result.urls == urls and result.url == urls[0] and result.task_id == "task_1"
    assert result.kind in ("video", "image", "audio")
    assert sent_input(kie) == input_


async def test_a_model_answering_with_a_result_object_gives_a_text_result(
    client: KieClient, kie: respx.MockRouter
) -> None:
    _poll_answers(kie, _record("success", resultJson='{"resultObject": {"people": 2}}'))
    result = await client.generate(NEW_MODEL, {"image_url": "https://cdn.example/p.png"}, **FAST)
    assert isinstance(result, TextResult) and result.kind == "text"
    assert result.result == {"people": 2} and result.urls == []
    with pytest.raises(KieError, match="returned no output URL"):
        await result.download(".")


async def test_download_all_keeps_each_urls_name_and_tells_equal_names_apart(
    client: KieClient, kie: respx.MockRouter, tmp_path: Path
) -> None:
    urls = [
        "https://cdn.example/a/out.png",
        "https://cdn.example/b/out.png",
        "https://cdn.example/c",
    ]
    _poll_answers(kie, _record("success", urls))
    for url in urls:
        kie.get(url).mock(return_value=httpx.Response(200, content=png_bytes(4, 4)))
    result = await client.generate(
        "google/nano-banana-edit",
        {"prompt": "snow", "image_urls": ["https://cdn.example/street.jpg"]},
        **FAST,
    )
    paths = await result.download_all(tmp_path / "outputs")
    assert [p.name for p in paths] == ["out.png", "out-2.png", "c"]
    assert all(p.read_bytes() == png_bytes(4, 4) for p in paths)
    assert await result.download(tmp_path) == tmp_path / "out.png"


# -- models the catalog does not know ------------------------------------------------------------


async def test_an_unknown_model_is_sent_as_given_and_logged_once_per_client(
    client: KieClient, kie: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    uploaded = UploadedFile(url="https://tempfile.example/earlier.png")
    given = {"prompt": "x" * 90_000, "weird": {"nested": [1, None]}, "n": True}
    with caplog.at_level(logging.INFO, logger="kieai"):
        await client.create(NEW_MODEL, {**given, "refs": [uploaded]})
        assert sent_input(kie)["refs"] == [uploaded.url]
        await client.create(NEW_MODEL, given)
    assert sent_input(kie) == given
    notes = [r for r in caplog.records if "not in kieai's catalog" in r.getMessage()]
    assert len(notes) == 1 and notes[0].levelno == logging.INFO
    assert kie.routes["upload"].call_count == 0
    assert (await client.check(NEW_MODEL, given)).ok


async def test_a_local_file_for_an_unknown_model_is_refused_with_nothing_sent(
    client: KieClient, kie: respx.MockRouter
) -> None:
    with pytest.raises(KieInputError) as caught:
        await client.generate(NEW_MODEL, {"image": png_bytes(4, 4), "tags": [Path("a.png")]})
    assert [p.split(":")[0] for p in caught.value.problems] == ["image", "tags"]
    assert "client.upload()" in caught.value.problems[0]
    assert kie.calls.call_count == 0


@pytest.mark.parametrize("model", ["", "   ", None, 7])
async def test_a_model_that_is_not_an_id_is_refused(
    client: KieClient, kie: respx.MockRouter, model: Any
) -> None:
    with pytest.raises(KieInputError, match="model: must be a non-empty model id"):
        await client.create(model, {})
    assert kie.calls.call_count == 0


async def test_check_runs_the_declarations_checks_without_a_request(
    client: KieClient, kie: respx.MockRouter
) -> None:
    report = await client.check(  # pyright: ignore[reportDeprecated]  # a wrong input on purpose
        "google/nano-banana-edit", {"promt": "snow", "image_urls": [b"not an image"]}
    )
    assert not report.ok
    assert report.problems[0] == (
        "promt: google/nano-banana-edit has no such field (did you mean 'prompt'?), got 'snow'"
    )
    assert report.problems[1].startswith("image_urls[0]: ")
    assert report.problems[2] == "prompt: is required (up to 5000 characters)"
    assert kie.calls.call_count == 0
