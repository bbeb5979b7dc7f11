"""Kling 3.0 Motion Control through ``client.motion_control(model="kling-3.0/motion-control")``:
its own limits, ``background_source``, and the exact ``input`` JSON sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import respx

from kieai import KieClient, KieInputError

from .._kie_mock import client, kie, refused, sent_input
from ..media.builders import simple_mp4
from ..motion._media import fixture, png_bytes

pytestmark = pytest.mark.anyio
__all__ = ["client", "kie"]  # fixtures

V3 = "kling-3.0/motion-control"
PERSON_JPEG = fixture("person_480x640.jpg")
PERSON_WEBP = fixture("person_480x640.webp")
VIDEO_5S = simple_mp4(duration_s=5.0, width=480, height=480)


async def test_the_exact_input_sent_for_kling_3_0(client: KieClient, kie: respx.MockRouter) -> None:
    task_id = await client.motion_control.create(
        image=PERSON_JPEG,
        video="https://cdn.example/d.mp4",
        prompt="A dancer.",
        character_orientation="image",
        mode="pro",
        model=V3,
        background_source="input_image",
    )
    assert task_id == "task_1"
    body = json.loads(kie.routes["create"].calls.last.request.content)
    assert body == {
        "model": V3,
        "input": {
            "prompt": "A dancer.",
            "input_urls": ["https://tempfile.redpandaai.co/kieai/file-0"],
            "video_urls": ["https://cdn.example/d.mp4"],
            "character_orientation": "image",
            "mode": "1080p",
            "background_source": "input_image",
        },
    }
    assert sent_input(kie) == body["input"]


async def test_background_source_is_left_out_when_not_given(
    client: KieClient, kie: respx.MockRouter
) -> None:
    await client.motion_control.create(
        image="https://cdn.example/p.jpg", video="https://cdn.example/d.mp4", model=V3
    )
    assert sent_input(kie) == {
        "input_urls": ["https://cdn.example/p.jpg"],
        "video_urls": ["https://cdn.example/d.mp4"],
        "character_orientation": "video",
        "mode": "720p",
    }


async def test_background_source_with_kling_2_6_is_an_input_error_naming_it(
    client: KieClient, kie: respx.MockRouter
) -> None:
    problems = await refused(
        kie,
        client.motion_control.create(
            image="https://cdn.example/p.jpg",
            video="https://cdn.example/d.mp4",
            background_source="input_image",
        ),
    )
    assert problems == [
        "background_source: kling-2.6/motion-control does not take this argument "
        "(only kling-3.0/motion-control does), got 'input_image'"
    ]


async def test_an_unknown_background_source_is_refused(
    client: KieClient, kie: respx.MockRouter
) -> None:
    problems = await refused(
        kie,
        client.motion_control.create(
            image="https://cdn.example/p.jpg",
            video="https://cdn.example/d.mp4",
            model=V3,
            background_source="studio",  # type: ignore[arg-type]  # the wrong value under test
        ),
    )
    assert problems == ['background_source: must be "input_video" or "input_image", got \'studio\'']


async def test_an_unknown_model_is_refused_naming_the_choices(
    client: KieClient, kie: respx.MockRouter
) -> None:
    with pytest.raises(KieInputError) as caught:
        await client.motion_control.create(
            image="https://cdn.example/p.jpg",
            video="https://cdn.example/d.mp4",
            model="kling-9/motion-control",  # type: ignore[arg-type]  # the wrong value under test
        )
    assert caught.value.problems == [
        "model: must be 'kling-2.6/motion-control' or 'kling-3.0/motion-control', "
        "got 'kling-9/motion-control'"
    ]
    assert kie.calls.call_count == 0


async def test_kling_3_0_refuses_webp_and_mkv_that_2_6_accepts(
    client: KieClient, kie: respx.MockRouter
) -> None:
    mkv = fixture("ok_1280x720_12s.mkv")
    report = await client.motion_control.check(image=PERSON_WEBP, video=mkv)
    assert report.ok
    problems = await refused(
        kie, client.motion_control.create(image=PERSON_WEBP, video=mkv, model=V3)
    )
    assert problems == [
        "image: WebP is not accepted by kling-3.0/motion-control; use JPEG or PNG",
        "video: MKV is not accepted by kling-3.0/motion-control; use MP4 or MOV (QuickTime)",
    ]


@pytest.mark.parametrize(
    ("width", "height", "problem"),
    [
        (341, 600, None),
        (600, 341, None),
        (340, 600, "image: 340x600 px is too small: width and height must be above 340 px"),
        (
            1000,
            390,
            "image: aspect ratio 2.56 (1000x390) is outside 2:5 to 5:2 (0.40 to 2.50)",
        ),
    ],
)
async def test_kling_3_0_image_sides_must_be_above_340_px_within_2_5_to_5_2(
    client: KieClient, width: int, height: int, problem: str | None
) -> None:
    report = await client.motion_control.check(
        image=png_bytes(width, height), video=VIDEO_5S, model=V3
    )
    assert report.problems == ([] if problem is None else [problem])


@pytest.mark.parametrize(
    ("width", "height", "problem"),
    [
        (400, 400, None),
        (341, 720, None),
        (
            340,
            720,
            "video: 340x720 px is too small: width and height must be above 340 px "
            "(check_media=False skips this)",
        ),
        (
            1800,
            700,
            "video: aspect ratio 2.57 (1800x700) is outside 2:5 to 5:2 (0.40 to 2.50)",
        ),
    ],
)
async def test_kling_3_0_video_limits_differ_from_2_6(
    client: KieClient, width: int, height: int, problem: str | None
) -> None:
    video = simple_mp4(duration_s=5.0, width=width, height=height)
    report = await client.motion_control.check(image=PERSON_JPEG, video=video, model=V3)
    assert report.problems == ([] if problem is None else [problem])


async def test_a_video_3_0_accepts_is_still_too_small_for_2_6(client: KieClient) -> None:
    report = await client.motion_control.check(image=PERSON_JPEG, video=VIDEO_5S)
    assert report.problems == [
        "video: 480x480 px is too small: width and height must be at least 720 px "
        "(check_media=False skips this)"
    ]


@pytest.mark.parametrize(
    ("orientation", "seconds", "problem"),
    [
        ("image", 10.0, None),
        ("image", 12.0, 'video: duration 12.0 s exceeds 10 s (character_orientation="image")'),
        ("video", 30.0, None),
        ("video", 31.0, 'video: duration 31.0 s exceeds 30 s (character_orientation="video")'),
        ("video", 2.5, "video: duration 2.5 s is below the 3 s minimum"),
    ],
)
async def test_kling_3_0_durations_follow_the_orientation(
    client: KieClient, orientation: str, seconds: float, problem: str | None
) -> None:
    video = simple_mp4(duration_s=seconds, width=480, height=480)
    report = await client.motion_control.check(
        image=PERSON_JPEG,
        video=video,
        model=V3,
        character_orientation=orientation,  # type: ignore[arg-type]  # parametrized
    )
    assert report.problems == ([] if problem is None else [problem])


async def test_every_problem_is_reported_together_and_nothing_is_sent(
    client: KieClient, kie: respx.MockRouter, tmp_path: Path
) -> None:
    problems = await refused(
        kie,
        client.motion_control.create(
            image=png_bytes(200, 200),
            video=simple_mp4(duration_s=12.0, width=300, height=300),
            prompt="x" * 2501,
            character_orientation="image",
            mode="4k",  # type: ignore[arg-type]  # the wrong value under test
            model=V3,
            background_source="studio",  # type: ignore[arg-type]  # the wrong value under test
        ),
    )
    assert problems == [
        "image: 200x200 px is too small: width and height must be above 340 px",
        'video: duration 12.0 s exceeds 10 s (character_orientation="image")',
        "video: 300x300 px is too small: width and height must be above 340 px "
        "(check_media=False skips this)",
        "prompt: 2501 characters exceeds the 2500-character limit",
        'mode: must be "720p" or "1080p" ("std"/"pro" accepted), got \'4k\'',
        'background_source: must be "input_video" or "input_image", got \'studio\'',
    ]


async def test_check_media_false_skips_3_0_media_limits_but_not_the_size(
    client: KieClient, kie: respx.MockRouter
) -> None:
    await client.motion_control.create(
        image=PERSON_WEBP, video=simple_mp4(width=200, height=200), model=V3, check_media=False
    )
    assert kie.routes["create"].call_count == 1
