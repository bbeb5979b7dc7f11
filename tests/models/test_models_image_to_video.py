"""Kling 2.6 image-to-video through ``client.image_to_video``: every rule passing and failing,
zero requests on bad input, and the exact ``input`` JSON sent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import respx

from kieai import ImageInfo, ImageToVideoInput, KieClient, UploadedFile

from .._kie_mock import client, kie, refused, sent_input
from ..media.builders import simple_mp4
from ..motion._media import fixture, png_bytes, write_png

pytestmark = pytest.mark.anyio
__all__ = ["client", "kie"]  # fixtures

MODEL = "kling-2.6/image-to-video"
PERSON_JPEG = fixture("person_480x640.jpg")


async def test_the_exact_request_sent(client: KieClient, kie: respx.MockRouter) -> None:
    task_id = await client.image_to_video.create(image=PERSON_JPEG, prompt="She waves.")
    assert task_id == "task_1"
    assert kie.routes["upload"].call_count == 1
    body = json.loads(kie.routes["create"].calls.last.request.content)
    assert body == {
        "model": MODEL,
        "input": {
            "prompt": "She waves.",
            "image_urls": ["https://tempfile.redpandaai.co/kieai/file-0"],
            "sound": False,
            "duration": "5",
        },
    }


@pytest.mark.parametrize(("duration", "sent"), [(5, "5"), (10, "10"), ("10", "10")])
async def test_duration_is_sent_as_kies_string(
    client: KieClient, kie: respx.MockRouter, duration: Any, sent: str
) -> None:
    await client.image_to_video.create(
        image="https://cdn.example/p.png", prompt="p", duration=duration, sound=True
    )
    assert sent_input(kie) == {
        "prompt": "p",
        "image_urls": ["https://cdn.example/p.png"],
        "sound": True,
        "duration": sent,
    }


async def test_urls_and_uploaded_files_pass_through_without_an_upload(
    client: KieClient, kie: respx.MockRouter
) -> None:
    uploaded = UploadedFile(url="https://tempfile.redpandaai.co/kieai/earlier.png")
    await client.image_to_video.create(image=uploaded, prompt="p")
    assert kie.routes["upload"].call_count == 0
    assert sent_input(kie)["image_urls"] == [uploaded.url]


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"prompt": ""}, "prompt: must not be empty (up to 1000 characters)"),
        ({"prompt": "   "}, "prompt: must not be empty (up to 1000 characters)"),
        ({"prompt": None}, "prompt: is required (up to 1000 characters)"),
        ({"prompt": 7}, "prompt: must be a string, got int"),
        ({"prompt": "x" * 1001}, "prompt: 1001 characters exceeds the 1000-character limit"),
        ({"duration": 7}, "duration: must be 5 or 10 (seconds), got 7"),
        ({"duration": 5.0}, "duration: must be 5 or 10 (seconds), got 5.0"),
        ({"duration": True}, "duration: must be 5 or 10 (seconds), got True"),
        ({"sound": "yes"}, "sound: must be True or False, got 'yes'"),
        ({"sound": 1}, "sound: must be True or False, got 1"),
        (
            {"callback_url": "ftp://example.com/hook"},
            "callback_url: must be an http(s) URL, got 'ftp://example.com/hook'",
        ),
    ],
)
async def test_each_argument_rule_fails_with_its_own_message(
    client: KieClient, kie: respx.MockRouter, kwargs: dict[str, Any], problem: str
) -> None:
    arguments: dict[str, Any] = {"image": PERSON_JPEG, "prompt": "p", **kwargs}
    problems = await refused(kie, client.image_to_video.create(**arguments))
    assert problems == [problem]


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("person_480x640.jpg", None),
        (
            "person_480x640.webp",
            "image: WebP is not accepted by kling-2.6/image-to-video; use JPEG or PNG",
        ),
        (
            "ok_720x720_5s.mp4",
            f"image: {str(fixture('ok_720x720_5s.mp4'))!r} is an MP4 video; expected a JPEG or "
            "PNG image",
        ),
    ],
)
async def test_the_image_must_be_a_jpeg_or_png(
    client: KieClient, name: str, problem: str | None
) -> None:
    report = await client.image_to_video.check(image=fixture(name), prompt="p")
    assert report.problems == ([] if problem is None else [problem])


async def test_a_gif_is_refused_by_name(client: KieClient) -> None:
    report = await client.image_to_video.check(image=fixture("person_480x640.gif"), prompt="p")
    assert len(report.problems) == 1
    assert report.problems[0].startswith("image: ") and "GIF" in report.problems[0]
    assert "expected a JPEG or PNG image" in report.problems[0]


async def test_no_pixel_limits_are_documented_so_a_small_image_passes(client: KieClient) -> None:
    report = await client.image_to_video.check(image=png_bytes(64, 32), prompt="p")
    assert report.ok
    assert report.image == ImageInfo(format="png", width=64, height=32)
    assert report.video is None and dict(report.media) == {"image": report.image}


async def test_an_image_over_10_mib_is_refused_even_without_media_checks(
    client: KieClient, kie: respx.MockRouter, tmp_path: Path
) -> None:
    big = write_png(tmp_path / "big.png", 480, 640, pad_to=10 * 1024 * 1024 + 1)
    problems = await refused(
        kie, client.image_to_video.create(image=big, prompt="p", check_media=False)
    )
    assert problems == [
        "image: file size 10.0 MiB (10,485,761 bytes) exceeds 10.0 MiB (10,485,760 bytes)"
    ]


async def test_all_problems_are_reported_together_and_nothing_is_sent(
    client: KieClient, kie: respx.MockRouter
) -> None:
    problems = await refused(
        kie,
        client.image_to_video.create(
            image=simple_mp4(),
            prompt="x" * 1001,
            duration=15,  # type: ignore[arg-type]  # the wrong value under test
            sound="loud",  # type: ignore[arg-type]  # the wrong value under test
        ),
    )
    assert problems == [
        "image: is an MP4 video; expected a JPEG or PNG image",
        "prompt: 1001 characters exceeds the 1000-character limit",
        "duration: must be 5 or 10 (seconds), got 15",
        "sound: must be True or False, got 'loud'",
    ]


async def test_a_missing_image_is_reported_not_crashed_on(
    client: KieClient, kie: respx.MockRouter
) -> None:
    problems = await refused(
        kie,
        client.image_to_video.create(image=None, prompt="p"),  # type: ignore[arg-type]  # under test
    )
    assert problems == ["image: is required (a JPEG or PNG image)"]


def test_the_input_model_is_kies_json() -> None:
    payload = ImageToVideoInput(prompt="p", image_urls=["https://x/y.png"], duration=10)  # type: ignore[arg-type]  # seconds convert
    assert payload.model_dump(exclude_none=True) == {
        "prompt": "p",
        "image_urls": ["https://x/y.png"],
        "sound": False,
        "duration": "10",
    }
    with pytest.raises(ValueError, match="image_urls"):
        ImageToVideoInput(prompt="p", image_urls=[])
    with pytest.raises(ValueError, match="duration"):
        ImageToVideoInput(prompt="p", image_urls=["https://x/y.png"], duration="7")  # type: ignore[arg-type]  # under test
