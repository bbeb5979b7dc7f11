"""Every catalog model end to end: a minimal valid input built from the model's declaration
(small real files of the right kind for its file fields) runs ``client.generate`` against
FakeKie over a real loopback socket, to a downloaded file of the model's output kind; and a
deliberately bad input reports every problem with zero requests sent."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import kieai
from kieai import KieClient, KieInputError, TextResult
from kieai._pipeline import check_declared
from kieai.catalog._rules import rules_for
from kieai.catalog._types import Field, FileSpec, ModelInfo
from kieai.testing import FakeKie, Schedule

from ..media.builders import mp3_bytes, wav_bytes
from ..motion._media import fixture, png_bytes
from .test_e2e_models import Wait

pytestmark = pytest.mark.anyio

KEY = "test-key"
FAST = Wait(poll_interval=0.01, max_poll_interval=0.02, timeout=30.0)
MODELS = kieai.catalog.models()
MEDIA = Path(__file__).resolve().parent.parent / "fixtures" / "media"

#: One small real file per accepted type (first accepted type wins).
_IMAGES = {
    "image/png": lambda: png_bytes(720, 720),
    "image/jpeg": lambda: fixture("person_480x640.jpg").read_bytes(),
    "image/webp": lambda: fixture("person_480x640.webp").read_bytes(),
    "image/gif": lambda: (MEDIA / "img_320x240.gif").read_bytes(),
    "image/bmp": lambda: (MEDIA / "img_64x48.bmp").read_bytes(),
    "image/tiff": lambda: (MEDIA / "img_320x240.tif").read_bytes(),
}
_AUDIO = {
    "audio/wav": lambda: wav_bytes(3.0),
    "audio/x-wav": lambda: wav_bytes(3.0),
    "audio/mpeg": mp3_bytes,
    "audio/mp4": lambda: fixture("audio_only_5s.m4a").read_bytes(),
    "audio/m4a": lambda: fixture("audio_only_5s.m4a").read_bytes(),
}


def _file(spec: FileSpec) -> bytes:
    accepted = spec.mime_types
    if spec.kind == "video":
        if accepted and "video/mp4" not in accepted:
            return fixture("ok_portrait_720x1280_4s.mov").read_bytes()
        return fixture("ok_720x720_5s.mp4").read_bytes()
    table = _AUDIO if spec.kind == "audio" else _IMAGES
    for mime in accepted or tuple(table):
        if mime in table:
            return table[mime]()
    raise AssertionError(f"no test file for {spec}")


def _number(field: Field) -> float:
    low = field.minimum if field.minimum is not None else 1
    high = field.maximum if field.maximum is not None else max(low, 1) + 10
    value = low + 1 if field.exclusive_minimum else low
    if value > high or (field.exclusive_maximum and value >= high):
        value = (low + high) / 2
    return value


def _value(field: Field) -> object:
    if field.file is not None:
        item = _file(field.file)
        return [item] * max(1, field.min_items or 1) if field.file.multiple else item
    if field.choices:
        return (
            field.default
            if field.has_default and field.default in field.choices
            else field.choices[0]
        )
    if field.has_default and field.default not in (None, ""):
        return field.default
    if field.type == "boolean":
        return False
    if field.type == "integer":
        return math.ceil(_number(field))
    if field.type == "number":
        return _number(field)
    if field.type == "array":
        item: object = (
            field.item_choices[0]
            if field.item_choices
            else {}
            if field.item_type == "object"
            else 1
            if field.item_type in ("integer", "number")
            else "https://cdn.example/ref.png"
            if "url" in field.name
            else "x"
        )
        return [item] * max(1, field.min_items or 1)
    if field.type == "object":
        return {}
    if "url" in field.name:
        return "https://cdn.example/ref.png"
    text = "A small red fox runs through fresh snow."
    size = max(field.min_length or 0, min(field.max_length or len(text), len(text)))
    return (text * (size // len(text) + 1))[:size]


def minimal_input(info: ModelInfo) -> dict[str, object]:
    """Every required field, with a value inside its declared limits."""
    return {f.name: _value(f) for f in info.fields if f.required}


def test_the_catalog_is_not_empty() -> None:
    assert len(MODELS) > 100
    assert {m.output for m in MODELS} >= {"video", "image", "audio"}


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.parametrize("info", MODELS, ids=[m.id for m in MODELS])
async def test_every_catalog_model_generates_a_downloaded_file(
    info: ModelInfo, tmp_path: Path
) -> None:
    input_ = minimal_input(info)
    _, report = check_declared(info, input_, rules=rules_for(info.id))
    assert report.problems == []  # the input is valid by its declaration
    fake = FakeKie(api_key=KEY, schedule=Schedule(0.0, 0.0, 0.01))
    async with fake.serve() as base_url:
        async with KieClient(api_key=KEY, base_url=base_url, upload_base_url=base_url) as client:
            result = await client.generate(info.id, input_, **FAST)
            if isinstance(result, TextResult):  # text comes back in the answer, not a file
                assert result.result
            else:
                path = await result.download(tmp_path)
                assert path.stat().st_size > 0
    assert fake.task(result.task_id).model == info.id
    assert result.kind == info.output
    has_files = any(input_.get(f.name) is not None for f in info.file_fields)
    assert (len(fake.uploads) > 0) == has_files  # local files uploaded (equal ones once)


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.parametrize("info", MODELS, ids=[m.id for m in MODELS])
async def test_a_bad_input_reports_every_problem_with_zero_requests(info: ModelInfo) -> None:
    required = [f.name for f in info.fields if f.required]
    bad: dict[str, object] = {"no_such_field_zz": 1}
    fake = FakeKie(api_key=KEY)
    async with fake.http_client() as http, KieClient(api_key=KEY, http_client=http) as client:
        with pytest.raises(KieInputError) as caught:
            await client.generate(info.id, bad, callback_url="not-a-url", **FAST)
    problems = caught.value.problems
    assert problems[0].startswith(f"no_such_field_zz: {info.id} has no such field")
    assert "callback_url: must be an http(s) URL, got 'not-a-url'" in problems
    missing = [p.split(":")[0] for p in problems if ": is required" in p]
    assert sorted(missing) == sorted(required)
    assert len(problems) == 2 + len(required)
    assert fake.requests == []
