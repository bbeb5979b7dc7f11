"""End to end for every model beyond Kling 2.6 Motion Control: the real client against FakeKie
over a real loopback socket, from local files to a downloaded MP4 that probes as a video."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypedDict

import pytest

from kieai import KieClient, VideoInfo, VideoResult, probe
from kieai._assets import asset_path
from kieai.testing import FakeKie

from ..motion._media import fixture

pytestmark = pytest.mark.anyio

KEY = "test-key"


class Wait(TypedDict):
    poll_interval: float
    max_poll_interval: float
    timeout: float


FAST = Wait(poll_interval=0.02, max_poll_interval=0.05, timeout=30.0)

Generate = Callable[[KieClient, list[str]], Awaitable[VideoResult]]


async def _motion_3_0(client: KieClient, created: list[str]) -> VideoResult:
    return await client.motion_control.generate(
        image=fixture("person_480x640.jpg"),
        video=asset_path("dance.mp4"),
        model="kling-3.0/motion-control",
        background_source="input_video",
        mode="1080p",
        on_created=created.append,
        **FAST,
    )


async def _image_to_video(client: KieClient, created: list[str]) -> VideoResult:
    return await client.image_to_video.generate(
        image=asset_path("person.png"),
        prompt="She waves at the camera.",
        duration=10,
        sound=True,
        on_created=created.append,
        **FAST,
    )


async def _text_to_video(client: KieClient, created: list[str]) -> VideoResult:
    return await client.text_to_video.generate(
        prompt="A red fox runs through fresh snow.",
        aspect_ratio="16:9",
        on_created=created.append,
        **FAST,
    )


@pytest.mark.parametrize(
    ("generate", "model", "uploads", "input_", "cost"),
    [
        (
            _motion_3_0,
            "kling-3.0/motion-control",
            2,
            {"character_orientation": "video", "mode": "1080p", "background_source": "input_video"},
            108.0,
        ),
        (
            _image_to_video,
            "kling-2.6/image-to-video",
            1,
            {"prompt": "She waves at the camera.", "sound": True, "duration": "10"},
            220.0,
        ),
        (
            _text_to_video,
            "kling-2.6/text-to-video",
            0,
            {
                "prompt": "A red fox runs through fresh snow.",
                "sound": False,
                "aspect_ratio": "16:9",
                "duration": "5",
            },
            55.0,
        ),
    ],
    ids=["motion-control-3.0", "image-to-video", "text-to-video"],
)
async def test_generate_over_a_real_socket_to_a_probed_mp4(
    tmp_path: Path,
    generate: Generate,
    model: str,
    uploads: int,
    input_: dict[str, object],
    cost: float,
) -> None:
    fake = FakeKie(api_key=KEY)
    created: list[str] = []
    async with fake.serve() as base_url:
        async with KieClient(api_key=KEY, base_url=base_url, upload_base_url=base_url) as client:
            result = await generate(client, created)
            path = await result.download(tmp_path)
    assert created == [result.task_id]
    assert result.video_url == result.video_urls[0] and result.task.is_success
    task = fake.task(result.task_id)
    assert task.model == model
    assert {k: task.input[k] for k in input_} == input_
    assert len(fake.uploads) == uploads
    assert task.cost == cost
    info = probe(path)
    assert isinstance(info, VideoInfo) and info.container == "mp4" and info.duration > 0
