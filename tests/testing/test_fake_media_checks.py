"""Media checks at createTask, driven by ``kieai.media.probe`` (replaced here by a stub so the
rules are tested without crafting media files), and the duration that prices a task."""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from kieai._errors import KieInputError
from kieai.testing import DEFAULT_CREDITS, FakeKie, ManualClock, _media

from ._support import create, media, motion_body

pytestmark = pytest.mark.anyio


def _stub_probe(monkeypatch: pytest.MonkeyPatch, *, image: Any, video: Any) -> None:
    """Probe PNGs as ``image`` and MP4s as ``video`` (an exception is raised, a value returned)."""

    def probe(data: bytes) -> Any:
        info = image if data.startswith(b"\x89PNG") else video
        if isinstance(info, Exception):
            raise info
        return info

    monkeypatch.setattr(_media, "_probe_function", lambda: probe)


def _image(width: int, height: int) -> SimpleNamespace:
    return SimpleNamespace(format="png", width=width, height=height)


def _video(duration: float, width: int = 720, height: int = 1280) -> SimpleNamespace:
    return SimpleNamespace(container="mp4", duration=duration, width=width, height=height)


async def _answer(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    image, video = await media(client)
    return dict((await create(client, motion_body(image, video, **fields))).json())


@pytest.mark.parametrize(
    ("video", "orientation", "msg"),
    [
        (
            _video(12.0),
            "image",
            'input.video_urls: duration 12.0 s exceeds 10 s (character_orientation="image")',
        ),
        (
            _video(31.0),
            "video",
            'input.video_urls: duration 31.0 s exceeds 30 s (character_orientation="video")',
        ),
        (_video(2.5), "video", "input.video_urls: duration 2.5 s is under 3 s"),
        (_image(720, 720), "video", "input.video_urls: unreadable media (image)"),
        (
            KieInputError("input: an audio-only MP4"),
            "video",
            "input.video_urls: unreadable media (input: an audio-only MP4)",
        ),
    ],
)
async def test_video_rules_are_checked_with_the_probe(
    monkeypatch: pytest.MonkeyPatch,
    client: httpx.AsyncClient,
    video: Any,
    orientation: str,
    msg: str,
) -> None:
    _stub_probe(monkeypatch, image=_image(480, 720), video=video)
    assert await _answer(client, character_orientation=orientation) == {"code": 422, "msg": msg}


@pytest.mark.parametrize(
    ("image", "msg"),
    [
        (_image(300, 720), "input.input_urls: 300x720 px, sides must exceed 300 px"),
        (_image(1100, 400), "input.input_urls: aspect ratio 1100x400 is outside 2:5 to 5:2"),
    ],
)
async def test_image_rules_are_checked_with_the_probe(
    monkeypatch: pytest.MonkeyPatch, client: httpx.AsyncClient, image: Any, msg: str
) -> None:
    _stub_probe(monkeypatch, image=image, video=_video(4.0))
    assert await _answer(client) == {"code": 422, "msg": msg}


async def test_limits_allow_a_tenth_of_a_second_of_slack(
    monkeypatch: pytest.MonkeyPatch, client: httpx.AsyncClient
) -> None:
    _stub_probe(monkeypatch, image=_image(1000, 400), video=_video(10.08))
    assert (await _answer(client, character_orientation="image"))["code"] == 200


async def test_the_probed_duration_prices_the_task(
    monkeypatch: pytest.MonkeyPatch, fake: FakeKie, client: httpx.AsyncClient
) -> None:
    _stub_probe(monkeypatch, image=_image(480, 720), video=_video(12.0))
    assert (await _answer(client, mode="1080p"))["code"] == 200
    assert fake.credits == DEFAULT_CREDITS - 12 * 18.0


async def test_without_a_prober_the_default_duration_prices_the_task(
    monkeypatch: pytest.MonkeyPatch, client: httpx.AsyncClient
) -> None:
    monkeypatch.setattr(_media, "_probe_function", lambda: None)
    fake = FakeKie(clock=ManualClock(), default_video_seconds=7.0)
    async with fake.http_client() as other:
        assert (await _answer(other))["code"] == 200
    assert fake.credits == DEFAULT_CREDITS - 7 * 11.0


def _real_probe_available() -> bool:
    try:
        return hasattr(importlib.import_module("kieai.media"), "probe")
    except ImportError:
        return False


@pytest.mark.skipif(not _real_probe_available(), reason="kieai.media.probe is not available")
async def test_the_real_probe_prices_the_bundled_four_second_clip(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    assert (await _answer(client))["code"] == 200
    assert fake.credits == pytest.approx(DEFAULT_CREDITS - 4 * 11.0, abs=0.5)
