"""Every model FakeKie supports is validated the way Kie documents it (required fields, enums,
lengths, media kinds and limits of the stored files) and priced per the research figures.
Raw HTTP, independent of the client's own checks."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kieai import catalog
from kieai.testing import DEFAULT_MODELS, FakeKie, ManualClock

from ..media.builders import simple_mp4
from ..motion._media import fixture, png_bytes
from ._support import create, media, upload_url
from .conftest import START_S

pytestmark = pytest.mark.anyio

V3 = "kling-3.0/motion-control"
I2V = "kling-2.6/image-to-video"
T2V = "kling-2.6/text-to-video"


async def _answer(client: httpx.AsyncClient, model: str, input_: dict[str, Any]) -> dict[str, Any]:
    return dict((await create(client, {"model": model, "input": input_})).json())


async def _problem(client: httpx.AsyncClient, model: str, input_: dict[str, Any]) -> str:
    payload = await _answer(client, model, input_)
    assert payload["code"] == 422, payload
    return str(payload["msg"])


async def test_every_catalog_model_is_accepted_by_default(client: httpx.AsyncClient) -> None:
    ids = {info.id for info in catalog.models()}
    assert set(DEFAULT_MODELS) <= ids
    for model in sorted(ids):  # each is known: an empty input is judged, never "unknown model"
        payload = await _answer(client, model, {})
        assert not str(payload.get("msg", "")).startswith("model:"), (model, payload)


# -- kling-3.0/motion-control ---------------------------------------------------------------


async def test_kling_3_0_needs_only_the_two_urls(fake: FakeKie, client: httpx.AsyncClient) -> None:
    assert await _problem(client, V3, {}) == (
        "input.input_urls: is required; input.video_urls: is required"
    )
    image, video = await media(client)
    payload = await _answer(client, V3, {"input_urls": [image], "video_urls": [video]})
    assert payload["code"] == 200
    # dance.mp4 is 4.0 s: 20 credits per second at 720p.
    assert fake.task(payload["data"]["taskId"]).cost == 80.0


@pytest.mark.parametrize(
    ("mode", "cost"), [("720p", 80.0), ("std", 80.0), ("1080p", 108.0), ("pro", 108.0)]
)
async def test_kling_3_0_takes_both_mode_spellings_and_prices_1080p_higher(
    fake: FakeKie, client: httpx.AsyncClient, mode: str, cost: float
) -> None:
    image, video = await media(client)
    payload = await _answer(
        client, V3, {"input_urls": [image], "video_urls": [video], "mode": mode}
    )
    assert fake.task(payload["data"]["taskId"]).cost == cost


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"background_source": "studio"},
            "input.background_source: must be 'input_video' or 'input_image', got 'studio'",
        ),
        ({"mode": "4k"}, "input.mode: must be '720p' or '1080p' or 'std' or 'pro', got '4k'"),
        ({"prompt": "x" * 2501}, "input.prompt: 2501 characters exceeds 2500"),
    ],
)
async def test_kling_3_0_enums_and_lengths(
    client: httpx.AsyncClient, fields: dict[str, Any], expected: str
) -> None:
    image, video = await media(client)
    assert (
        await _problem(client, V3, {"input_urls": [image], "video_urls": [video], **fields})
        == expected
    )


async def test_kling_3_0_refuses_webp_images_and_mkv_videos(client: httpx.AsyncClient) -> None:
    webp = await upload_url(client, "p.webp", fixture("person_480x640.webp").read_bytes())
    mkv = await upload_url(client, "d.mkv", fixture("ok_1280x720_12s.mkv").read_bytes())
    assert await _problem(client, V3, {"input_urls": [webp], "video_urls": [mkv]}) == (
        "input.input_urls: expected an image (JPEG or PNG), the file is image/webp; "
        "input.video_urls: expected a video (MP4 or MOV), the file is video/x-matroska"
    )


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [
        (300, 720, "input.video_urls: 300x720 px, sides must exceed 300 px"),
        (1600, 600, "input.video_urls: aspect ratio 1600x600 is outside 2:5 to 5:2"),
    ],
)
async def test_kling_3_0_checks_the_video_sides_and_aspect(
    client: httpx.AsyncClient, width: int, height: int, expected: str
) -> None:
    image, _ = await media(client)
    video = await upload_url(client, "v.mp4", simple_mp4(width=width, height=height))
    assert await _problem(client, V3, {"input_urls": [image], "video_urls": [video]}) == expected


async def test_kling_3_0_image_orientation_caps_the_video_at_10_s(
    client: httpx.AsyncClient,
) -> None:
    image, _ = await media(client)
    video = await upload_url(client, "v.mp4", simple_mp4(duration_s=12.0, width=720, height=720))
    input_ = {"input_urls": [image], "video_urls": [video], "character_orientation": "image"}
    assert await _problem(client, V3, input_) == (
        'input.video_urls: duration 12.0 s exceeds 10 s (character_orientation="image")'
    )


# -- kling-2.6/image-to-video ---------------------------------------------------------------


async def test_image_to_video_requires_every_documented_field(client: httpx.AsyncClient) -> None:
    assert await _problem(client, I2V, {}) == (
        "input.duration: is required; input.image_urls: is required; "
        "input.prompt: is required; input.sound: is required"
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"duration": 5}, "input.duration: must be a string, got 5"),
        ({"duration": "15"}, "input.duration: must be '5' or '10', got '15'"),
        ({"sound": "true"}, "input.sound: must be a boolean, got 'true'"),
        ({"prompt": "x" * 1001}, "input.prompt: 1001 characters exceeds 1000"),
        (
            {"image_urls": "https://x/y.png"},
            "input.image_urls: must be an array of URLs, got 'https://x/y.png'",
        ),
    ],
)
async def test_image_to_video_field_rules(
    client: httpx.AsyncClient, fields: dict[str, Any], expected: str
) -> None:
    image, _ = await media(client)
    input_ = {"prompt": "p", "image_urls": [image], "sound": False, "duration": "5", **fields}
    assert await _problem(client, I2V, input_) == expected


async def test_image_to_video_refuses_webp_and_accepts_any_pixel_size(
    client: httpx.AsyncClient,
) -> None:
    webp = await upload_url(client, "p.webp", fixture("person_480x640.webp").read_bytes())
    input_ = {"prompt": "p", "image_urls": [webp], "sound": False, "duration": "5"}
    assert await _problem(client, I2V, input_) == (
        f"input.image_urls: {webp} is image/webp (accepted: image/jpeg, image/png)"
    )
    tiny = await upload_url(client, "tiny.png", png_bytes(64, 32))
    assert (await _answer(client, I2V, {**input_, "image_urls": [tiny]}))["code"] == 200


@pytest.mark.parametrize(
    ("duration", "sound", "cost"), [("5", False, 55.0), ("10", False, 110.0), ("10", True, 220.0)]
)
async def test_image_to_video_is_priced_by_duration_and_sound(
    fake: FakeKie, client: httpx.AsyncClient, duration: str, sound: bool, cost: float
) -> None:
    image, _ = await media(client)
    input_ = {"prompt": "p", "image_urls": [image], "sound": sound, "duration": duration}
    payload = await _answer(client, I2V, input_)
    assert fake.task(payload["data"]["taskId"]).cost == cost


# -- kling-2.6/text-to-video ----------------------------------------------------------------


async def test_text_to_video_requires_every_documented_field(client: httpx.AsyncClient) -> None:
    assert await _problem(client, T2V, {"prompt": "p"}) == (
        "input.aspect_ratio: is required; input.duration: is required; input.sound: is required"
    )


async def test_text_to_video_aspect_ratio_enum_and_price() -> None:
    fake = FakeKie(clock=ManualClock(start=START_S), credits=150.0)
    async with fake.http_client() as client:
        input_ = {"prompt": "p", "sound": True, "aspect_ratio": "4:3", "duration": "5"}
        assert await _problem(client, T2V, input_) == (
            "input.aspect_ratio: must be '1:1' or '16:9' or '9:16', got '4:3'"
        )
        payload = await _answer(client, T2V, {**input_, "aspect_ratio": "9:16"})
        assert fake.task(payload["data"]["taskId"]).cost == 110.0
        # 110 credits again is more than the 40 left: Kie's 402.
        refused = await _answer(client, T2V, {**input_, "aspect_ratio": "9:16"})
    assert refused["code"] == 402


async def test_a_text_to_video_task_yields_an_mp4(fake: FakeKie, client: httpx.AsyncClient) -> None:
    input_ = {"prompt": "p", "sound": False, "aspect_ratio": "16:9", "duration": "5"}
    task_id = (await _answer(client, T2V, input_))["data"]["taskId"]
    fake.advance(1)
    task = fake.task(task_id)
    assert task.state == "success"
    assert task.result_urls[0].endswith(".mp4")


# -- kling-2.6/motion-control ---------------------------------------------------------------


@pytest.mark.parametrize(("width", "height"), [(640, 1280), (1280, 719)])
async def test_kling_2_6_refuses_a_reference_video_under_720_px(
    client: httpx.AsyncClient, width: int, height: int
) -> None:
    image, _ = await media(client)
    video = await upload_url(
        client, "v.mp4", simple_mp4(duration_s=5.0, width=width, height=height)
    )
    input_ = {
        "input_urls": [image],
        "video_urls": [video],
        "character_orientation": "video",
        "mode": "720p",
    }
    assert await _problem(client, "kling-2.6/motion-control", input_) == (
        f"input.video_urls: {width}x{height} px, width and height must be at least 720 px"
    )
    exact = await upload_url(client, "w.mp4", simple_mp4(duration_s=5.0, width=720, height=720))
    assert (await _answer(client, "kling-2.6/motion-control", {**input_, "video_urls": [exact]}))[
        "code"
    ] == 200
