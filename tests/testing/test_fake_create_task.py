"""createTask: Kie's body, id shape, and the documented validation of motion-control input."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from kieai.testing import FakeKie, ManualClock

from ._support import (
    API,
    AUTH,
    DANCE_MP4,
    MODEL,
    PERSON_PNG,
    create,
    create_id,
    media,
    motion_body,
    record,
    upload_url,
)
from .conftest import START_S

pytestmark = pytest.mark.anyio


async def test_create_answers_a_kie_shaped_task_id(client: httpx.AsyncClient) -> None:
    image, video = await media(client)
    response = await create(client, motion_body(image, video))
    payload = response.json()
    assert response.status_code == 200
    assert payload["code"] == 200
    assert payload["msg"] == "success"
    # Kie's example: task_kling-2.6_1767693973938, the creation time in epoch milliseconds
    assert payload["data"]["taskId"] == f"task_kling-2.6_{round(START_S * 1000)}"
    assert re.fullmatch(r"task_kling-2\.6_\d{13}", payload["data"]["taskId"])


async def test_task_ids_on_a_frozen_clock_take_the_next_free_millisecond(
    client: httpx.AsyncClient,
) -> None:
    image, video = await media(client)
    ids = [await create_id(client, motion_body(image, video)) for _ in range(3)]
    start_ms = round(START_S * 1000)
    assert ids == [f"task_kling-2.6_{start_ms + n}" for n in range(3)]


async def test_param_is_the_whole_request_as_a_json_string(client: httpx.AsyncClient) -> None:
    image, video = await media(client)
    body = motion_body(image, video, callback_url="https://app.example/cb")
    task_id = await create_id(client, body)
    data = (await record(client, task_id))["data"]
    assert isinstance(data["param"], str)
    assert json.loads(data["param"]) == body


async def test_the_task_record_keeps_the_request(fake: FakeKie, client: httpx.AsyncClient) -> None:
    image, video = await media(client)
    task_id = await create_id(
        client, motion_body(image, video, callback_url="https://app.example/cb")
    )
    task = fake.task(task_id)
    assert task.model == MODEL
    assert task.input["video_urls"] == [video]
    assert task.callback_url == "https://app.example/cb"
    assert fake.tasks == {task_id: task}


async def _problem(client: httpx.AsyncClient, body: dict[str, Any]) -> str:
    response = await create(client, body)
    payload = response.json()
    assert response.status_code == 200
    assert payload["code"] == 422, payload
    return str(payload["msg"])


async def test_unknown_model_is_422(client: httpx.AsyncClient) -> None:
    image, video = await media(client)
    body = motion_body(image, video)
    body["model"] = "kling-9/motion-control"
    assert await _problem(client, body) == (
        "model: 'kling-9/motion-control' is not a supported model "
        "(FakeKie(models=[...]) accepts ids of your own)"
    )


async def test_missing_model_and_input_are_422(client: httpx.AsyncClient) -> None:
    assert await _problem(client, {"input": {}}) == "model: is required"
    assert await _problem(client, {"model": MODEL}) == "input: is required and must be an object"


async def test_extra_models_accept_any_input() -> None:
    """A model id the fake has no rules for (a spec of the caller's own) is taken as it comes."""
    fake = FakeKie(models=["kling-2.6/motion-control", "acme/echo-1"])
    async with fake.http_client() as client:
        task_id = await create_id(client, {"model": "acme/echo-1", "input": {"x": 1}})
    assert task_id.startswith("task_acme_")
    assert fake.task(task_id).cost == 0


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"prompt": "x" * 2501}, "input.prompt: 2501 characters exceeds 2500"),
        ({"prompt": 42}, "input.prompt: must be a string, got 42"),
        (
            {"character_orientation": "side"},
            "input.character_orientation: must be 'image' or 'video', got 'side'",
        ),
        ({"mode": "std"}, "input.mode: must be '720p' or '1080p', got 'std'"),
        ({"mode": "pro"}, "input.mode: must be '720p' or '1080p', got 'pro'"),
        ({"input_urls": []}, "input.input_urls: needs at least 1 URL"),
        (
            {"video_urls": "https://x.example/a.mp4"},
            "input.video_urls: must be an array of URLs, got 'https://x.example/a.mp4'",
        ),
        (
            {"input_urls": ["file:///tmp/a.png"]},
            "input.input_urls[0]: 'file:///tmp/a.png' is not an http(s) URL",
        ),
    ],
)
async def test_invalid_motion_input_is_422_naming_the_field(
    client: httpx.AsyncClient, fields: dict[str, Any], expected: str
) -> None:
    image, video = await media(client)
    assert await _problem(client, motion_body(image, video, **fields)) == expected


async def test_two_urls_in_one_field_are_refused(client: httpx.AsyncClient) -> None:
    image, video = await media(client)
    msg = await _problem(client, motion_body(image, video, input_urls=[image, image]))
    assert msg == "input.input_urls: 2 URLs exceeds the maximum of 1"


async def test_missing_required_fields_are_all_reported(client: httpx.AsyncClient) -> None:
    msg = await _problem(client, {"model": MODEL, "input": {}})
    assert msg.split("; ") == [  # in the catalog's field order
        "input.character_orientation: is required",
        "input.input_urls: is required",
        "input.mode: is required",
        "input.video_urls: is required",
    ]


async def test_prompt_is_optional_and_counted_in_code_points(client: httpx.AsyncClient) -> None:
    image, video = await media(client)
    body = motion_body(image, video, prompt="💃" * 2500)
    assert (await create(client, body)).json()["code"] == 200
    del body["input"]["prompt"]
    assert (await create(client, body)).json()["code"] == 200


async def test_unknown_input_keys_are_accepted_unless_strict(client: httpx.AsyncClient) -> None:
    image, video = await media(client)
    body = motion_body(image, video, keep_original_sound=True)
    assert (await create(client, body)).json()["code"] == 200
    strict = FakeKie(strict_input=True, clock=ManualClock())
    async with strict.http_client() as strict_client:
        image, video = await media(strict_client)
        msg = await _problem(strict_client, motion_body(image, video, keep_original_sound=True))
    assert msg == "input.keep_original_sound: unknown field"


async def test_callback_url_must_be_http(client: httpx.AsyncClient) -> None:
    image, video = await media(client)
    msg = await _problem(client, motion_body(image, video, callback_url="ftp://app.example/cb"))
    assert msg == "callBackUrl: 'ftp://app.example/cb' is not an http(s) URL"


async def test_body_that_is_not_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{API}/api/v1/jobs/createTask", headers=AUTH, content=b"{nope")
    assert response.json() == {"code": 400, "msg": "Request body must be a JSON object"}


async def test_media_urls_must_be_files_the_fake_can_fetch(client: httpx.AsyncClient) -> None:
    image, _ = await media(client)
    msg = await _problem(client, motion_body(image, "https://cdn.example/dance.mp4"))
    assert msg.startswith("input.video_urls: cannot fetch https://cdn.example/dance.mp4")
    missing = image.rsplit("/", 1)[0] + "/never-uploaded.png"
    msg = await _problem(client, motion_body(missing, "https://cdn.example/dance.mp4"))
    assert msg.count("cannot fetch") == 2


async def test_registered_remote_files_and_external_urls_are_accepted(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    fake.add_remote_file("https://cdn.example/dance.mp4", DANCE_MP4)
    image, _ = await media(client)
    assert (await create(client, motion_body(image, "https://cdn.example/dance.mp4"))).json()[
        "code"
    ] == 200
    lenient = FakeKie(allow_external_urls=True)
    async with lenient.http_client() as lenient_client:
        body = motion_body("https://cdn.example/p.png", "https://cdn.example/d.mp4")
        assert (await create(lenient_client, body)).json()["code"] == 200


async def test_files_of_the_wrong_kind_are_refused(client: httpx.AsyncClient) -> None:
    image, video = await media(client)
    msg = await _problem(client, motion_body(video, image))
    assert msg == (
        "input.input_urls: expected an image (JPEG, PNG or WebP), the file is video/mp4; "
        "input.video_urls: expected a video (MP4, MOV or MKV), the file is image/png"
    )


async def test_check_media_false_skips_the_kind_check() -> None:
    fake = FakeKie(check_media=False)
    async with fake.http_client() as client:
        image, video = await media(client)
        assert (await create(client, motion_body(video, image))).json()["code"] == 200


async def test_a_result_video_can_be_the_next_reference_video(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    image, video = await media(client)
    task_id = await create_id(client, motion_body(image, video))
    fake.advance(1)
    result = json.loads((await record(client, task_id))["data"]["resultJson"])["resultUrls"][0]
    assert (await create(client, motion_body(image, result))).json()["code"] == 200


async def test_an_oversized_image_is_refused(client: httpx.AsyncClient) -> None:
    big = PERSON_PNG + b"\0" * (10 * 1024 * 1024)
    image = await upload_url(client, "big.png", big)
    _, video = await media(client)
    msg = await _problem(client, motion_body(image, video))
    assert msg == f"input.input_urls: {len(big)} bytes exceeds 10485760 bytes"


async def test_a_malformed_media_url_is_a_422_not_a_crash(client: httpx.AsyncClient) -> None:
    image, _ = await media(client)
    msg = await _problem(client, motion_body(image, "http://[::1/dance.mp4"))
    assert msg.startswith("input.video_urls: cannot fetch http://[::1/dance.mp4")
