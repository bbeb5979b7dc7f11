"""The resources (friendly argument names) and ``client.generate`` (Kie's names) cannot drift
apart: what a resource sends passes the catalog's checks for its model, and sent again through
``client.create`` it is the same request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import respx

from kieai import KieClient

from .._kie_mock import client, kie, sent_input
from ..motion._media import fixture

pytestmark = pytest.mark.anyio
__all__ = ["client", "kie"]  # fixtures

IMAGE = "https://cdn.example/p.png"
VIDEO = "https://cdn.example/d.mp4"

Create = Callable[[KieClient], Awaitable[str]]
CALLS: dict[str, tuple[str, Create]] = {
    "motion-2.6": (
        "kling-2.6/motion-control",
        lambda c: c.motion_control.create(image=IMAGE, video=VIDEO, prompt="Dance.", mode="pro"),
    ),
    "motion-3.0": (
        "kling-3.0/motion-control",
        lambda c: c.motion_control.create(
            image=IMAGE,
            video=VIDEO,
            model="kling-3.0/motion-control",
            character_orientation="image",
            background_source="input_image",
        ),
    ),
    "image-to-video": (
        "kling-2.6/image-to-video",
        lambda c: c.image_to_video.create(
            image=fixture("person_480x640.jpg"), prompt="Wave.", duration=10, sound=True
        ),
    ),
    "text-to-video": (
        "kling-2.6/text-to-video",
        lambda c: c.text_to_video.create(prompt="A fox.", aspect_ratio="9:16"),
    ),
}


@pytest.mark.parametrize("name", sorted(CALLS))
async def test_what_a_resource_sends_passes_the_catalogs_checks(
    client: KieClient, kie: respx.MockRouter, name: str
) -> None:
    model, create = CALLS[name]
    await create(client)
    sent: dict[str, Any] = sent_input(kie)
    report = await client.check(model, sent)
    assert report.problems == []
    await client.create(model, sent)
    assert sent_input(kie) == sent
