"""Kling 2.6 text-to-video through ``client.text_to_video``: no files, so nothing is uploaded;
every rule passing and failing, and the exact ``input`` JSON sent."""

from __future__ import annotations

import json
from typing import Any

import pytest
import respx

from kieai import KieClient, TextToVideoInput

from .._kie_mock import client, kie, refused, sent_input

pytestmark = pytest.mark.anyio
__all__ = ["client", "kie"]  # fixtures

MODEL = "kling-2.6/text-to-video"


async def test_the_exact_request_sent_with_kies_defaults(
    client: KieClient, kie: respx.MockRouter
) -> None:
    task_id = await client.text_to_video.create(prompt="A red fox runs through snow.")
    assert task_id == "task_1"
    assert kie.routes["upload"].call_count == 0
    body = json.loads(kie.routes["create"].calls.last.request.content)
    assert body == {
        "model": MODEL,
        "input": {
            "prompt": "A red fox runs through snow.",
            "sound": False,
            "aspect_ratio": "1:1",
            "duration": "5",
        },
    }


@pytest.mark.parametrize("aspect_ratio", ["1:1", "16:9", "9:16"])
async def test_every_documented_aspect_ratio_is_sent(
    client: KieClient, kie: respx.MockRouter, aspect_ratio: Any
) -> None:
    await client.text_to_video.create(
        prompt="p", aspect_ratio=aspect_ratio, duration=10, sound=True
    )
    assert sent_input(kie) == {
        "prompt": "p",
        "sound": True,
        "aspect_ratio": aspect_ratio,
        "duration": "10",
    }


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"prompt": ""}, "prompt: must not be empty (up to 1000 characters)"),
        ({"prompt": "x" * 1001}, "prompt: 1001 characters exceeds the 1000-character limit"),
        (
            {"aspect_ratio": "4:3"},
            'aspect_ratio: must be "1:1", "16:9" or "9:16", got \'4:3\'',
        ),
        ({"duration": 3}, "duration: must be 5 or 10 (seconds), got 3"),
        ({"sound": None, "duration": "6"}, "duration: must be 5 or 10 (seconds), got '6'"),
        ({"sound": "no"}, "sound: must be True or False, got 'no'"),
    ],
)
async def test_each_argument_rule_fails_with_its_own_message(
    client: KieClient, kie: respx.MockRouter, kwargs: dict[str, Any], problem: str
) -> None:
    arguments: dict[str, Any] = {"prompt": "p", **kwargs}
    problems = await refused(kie, client.text_to_video.create(**arguments))
    assert problems == [problem]


async def test_all_problems_are_reported_together(client: KieClient, kie: respx.MockRouter) -> None:
    problems = await refused(
        kie,
        client.text_to_video.create(
            prompt="x" * 1001,
            aspect_ratio="21:9",  # type: ignore[arg-type]  # the wrong value under test
            duration=7,  # type: ignore[arg-type]  # the wrong value under test
            callback_url="not a url",
        ),
    )
    assert problems == [
        "callback_url: must be an http(s) URL, got 'not a url'",
        "prompt: 1001 characters exceeds the 1000-character limit",
        'aspect_ratio: must be "1:1", "16:9" or "9:16", got \'21:9\'',
        "duration: must be 5 or 10 (seconds), got 7",
    ]


async def test_check_has_no_media_to_report(client: KieClient) -> None:
    report = await client.text_to_video.check(prompt="p")
    assert report.ok and report.image is None and report.video is None
    assert dict(report.media) == {}
    bad = await client.text_to_video.check(prompt="")
    assert bad.problems == ["prompt: must not be empty (up to 1000 characters)"]


def test_the_input_model_is_kies_json() -> None:
    payload = TextToVideoInput(prompt="p", aspect_ratio="9:16", sound=True)
    assert payload.model_dump(exclude_none=True) == {
        "prompt": "p",
        "sound": True,
        "aspect_ratio": "9:16",
        "duration": "5",
    }
    with pytest.raises(ValueError, match="aspect_ratio"):
        TextToVideoInput(prompt="p", aspect_ratio="4:3")  # type: ignore[arg-type]  # under test
