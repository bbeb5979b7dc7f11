"""Models judged by a declaration (`ModelInfo`, as the catalog holds them): every schema rule
answered with Kie's 422 naming the field, the stored files behind file fields, the price,
and a result file of the model's output kind. Raw HTTP, as Kie's docs describe the calls."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import httpx
import pytest

from kieai import catalog
from kieai.catalog import Field, FileSpec, ModelInfo, Price
from kieai.testing import FakeKie, ManualClock, Outcome

from ..motion._media import png_bytes
from ._catalog_inputs import PNG_MAGIC, mp3_bytes, wav_bytes
from ._support import DANCE_MP4, PERSON_PNG, create, record, upload_url
from .conftest import START_S

pytestmark = pytest.mark.anyio

EDIT = ModelInfo(
    id="acme/image-edit",
    title="Acme Image Edit",
    task_type="image-to-image",
    output="image",
    fields=(
        Field("prompt", "string", required=True, min_length=3, max_length=50),
        Field(
            "image_urls",
            "array",
            required=True,
            min_items=1,
            max_items=3,
            item_type="string",
            file=FileSpec("image", True, ("image/jpeg", "image/png"), 1000),
        ),
        Field("mask_url", "string", file=FileSpec("image", False, ("image/png",))),
        Field("size", "string", choices=("1:1", "16:9"), default="1:1", has_default=True),
        Field("steps", "integer", minimum=1, maximum=50),
        Field("strength", "number", minimum=0, maximum=1, exclusive_minimum=True),
        Field("seed_list", "array", max_items=2, item_type="integer"),
        Field("enhance", "boolean"),
        Field("num_images", "integer", minimum=1, maximum=4, default=1, has_default=True),
    ),
    prices=(
        Price(4.0, "image", "test", "2026-12-01"),
        Price(9.0, "image", "test", "2026-12-01", when=(("size", "16:9"),)),
    ),
)
SPEECH = ModelInfo(
    id="acme/speech",
    title="Acme Speech",
    task_type="text-to-speech",
    output="audio",
    fields=(
        Field("text", "string", required=True),
        Field("voice_url", "string", file=FileSpec("audio", False, ("audio/mpeg",))),
    ),
)
CAPTION = ModelInfo(
    id="acme/caption",
    title="Acme Caption",
    task_type="video-to-text",
    output="text",
    fields=(Field("video_url", "string", required=True, file=FileSpec("video", False)),),
)
CLIP = ModelInfo(
    id="acme/clip",
    title="Acme Clip",
    task_type="text-to-video",
    output="video",
    fields=(
        Field("prompt", "string", required=True),
        Field("duration", "string", choices=("5", "10"), default="5", has_default=True),
    ),
    prices=(Price(7.0, "second", "test", "2026-12-01"),),
)
MODELS = [EDIT, SPEECH, CAPTION, CLIP]
SMALL_PNG = png_bytes(64, 64)  # under EDIT's 1,000 byte limit


@pytest.fixture
def fake() -> FakeKie:
    return FakeKie(clock=ManualClock(start=START_S), models=MODELS)


async def _answer(client: httpx.AsyncClient, model: ModelInfo, input_: dict[str, Any]) -> Any:
    return (await create(client, {"model": model.id, "input": input_})).json()


async def _problem(client: httpx.AsyncClient, model: ModelInfo, input_: dict[str, Any]) -> str:
    payload = await _answer(client, model, input_)
    assert payload["code"] == 422, payload
    return str(payload["msg"])


async def _edit_input(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    small_png = await upload_url(client, "p.png", SMALL_PNG)
    return {"prompt": "make it snow", "image_urls": [small_png], **fields}


async def test_every_schema_rule_is_reported_together_naming_each_field(
    client: httpx.AsyncClient,
) -> None:
    input_ = {
        "prompt": "no",
        "image_urls": [],
        "size": "4:3",
        "steps": 51,
        "strength": 0,
        "seed_list": [1, "two", 3],
        "enhance": "yes",
    }
    assert (await _problem(client, EDIT, input_)).split("; ") == [
        "input.prompt: 2 characters is under 3",
        "input.image_urls: 0 URLs is under the minimum of 1",
        "input.size: must be '1:1' or '16:9', got '4:3'",
        "input.steps: must be at most 50, got 51",
        "input.strength: must be above 0, got 0",
        "input.seed_list: 3 items exceeds the maximum of 2",
        "input.enhance: must be a boolean, got 'yes'",
    ]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"prompt": 7}, "input.prompt: must be a string, got 7"),
        ({"prompt": "x" * 51}, "input.prompt: 51 characters exceeds 50"),
        ({"steps": 2.5}, "input.steps: must be an integer, got 2.5"),
        ({"steps": True}, "input.steps: must be an integer, got True"),
        ({"seed_list": [1, "two"]}, "input.seed_list[1]: must be an integer, got 'two'"),
        ({"mask_url": "mask.png"}, "input.mask_url: 'mask.png' is not an http(s) URL"),
        (
            {"image_urls": "https://x.example/a.png"},
            "input.image_urls: must be an array of URLs, got 'https://x.example/a.png'",
        ),
        (
            {"image_urls": ["https://x.example/a.png"] * 4},
            "input.image_urls: 4 URLs exceeds the maximum of 3",
        ),
    ],
)
async def test_types_lengths_and_url_shapes(
    client: httpx.AsyncClient, fields: dict[str, Any], expected: str
) -> None:
    assert await _problem(client, EDIT, await _edit_input(client, **fields)) == expected


async def test_missing_required_fields_and_a_null_are_both_missing(
    client: httpx.AsyncClient,
) -> None:
    assert await _problem(client, EDIT, {"prompt": None}) == (
        "input.prompt: is required; input.image_urls: is required"
    )


async def test_integral_floats_pass_as_integers_as_in_json(client: httpx.AsyncClient) -> None:
    payload = await _answer(client, EDIT, await _edit_input(client, steps=20.0, strength=1))
    assert payload["code"] == 200, payload


async def test_unknown_fields_pass_unless_strict_which_names_the_closest_field() -> None:
    fake = FakeKie(clock=ManualClock(start=START_S), models=MODELS, strict_input=True)
    async with fake.http_client() as client:
        assert await _problem(client, EDIT, await _edit_input(client, promt="x", zzz=1)) == (
            "input.promt: unknown field (did you mean 'prompt'?); input.zzz: unknown field"
        )


async def test_file_urls_must_be_stored_uploads_of_an_accepted_type_and_size(
    client: httpx.AsyncClient,
) -> None:
    video = await upload_url(client, "d.mp4", DANCE_MP4)
    big = await upload_url(client, "big.png", PERSON_PNG)  # 2,363 bytes > 1,000
    named_wrong = await upload_url(client, "really-a-video.png", DANCE_MP4)
    input_ = {
        "prompt": "make it snow",
        "image_urls": [video, big, "https://elsewhere.example/a.png"],
        "mask_url": named_wrong,
    }
    assert (await _problem(client, EDIT, input_)).split("; ") == [
        f"input.image_urls: {video} is video/mp4 (accepted: image/jpeg, image/png)",
        f"input.image_urls: {big} is 2363 bytes, over the 1000 byte limit",
        "input.image_urls: cannot fetch https://elsewhere.example/a.png (not a file this fake "
        "stores: upload it first, register it with fake.add_remote_file(), or use "
        "FakeKie(allow_external_urls=True))",
        f"input.mask_url: {named_wrong} is video/mp4 (accepted: image/png)",
    ]


async def test_a_file_field_without_listed_types_takes_any_file_of_its_kind(
    client: httpx.AsyncClient,
) -> None:
    mov = await upload_url(client, "d.mov", DANCE_MP4)
    png = await upload_url(client, "p.png", PERSON_PNG)
    assert (await _answer(client, CAPTION, {"video_url": mov}))["code"] == 200
    assert await _problem(client, CAPTION, {"video_url": png}) == (
        f"input.video_url: {png} is image/png (accepted: video files)"
    )


async def test_external_urls_pass_unchecked_when_allowed() -> None:
    fake = FakeKie(clock=ManualClock(start=START_S), models=MODELS, allow_external_urls=True)
    async with fake.http_client() as client:
        input_ = {"prompt": "make it snow", "image_urls": ["https://elsewhere.example/a.png"]}
        assert (await _answer(client, EDIT, input_))["code"] == 200


async def test_an_image_model_is_priced_per_image_by_the_matching_row_and_serves_a_png(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    base = await _answer(client, EDIT, await _edit_input(client))
    wide = await _answer(client, EDIT, await _edit_input(client, size="16:9"))
    three = await _answer(client, EDIT, await _edit_input(client, num_images=3))
    assert fake.task(base["data"]["taskId"]).cost == 4.0
    assert fake.task(wide["data"]["taskId"]).cost == 9.0
    assert fake.task(three["data"]["taskId"]).cost == 12.0  # per image
    assert fake.credits == 100_000 - 25
    fake.advance(1)
    data = (await record(client, base["data"]["taskId"]))["data"]
    (url,) = json.loads(data["resultJson"])["resultUrls"]
    assert url.endswith(".png")
    download = await client.get(url)
    assert download.headers["content-type"] == "image/png"
    assert download.content.startswith(PNG_MAGIC)


async def test_an_audio_model_serves_a_wav(fake: FakeKie, client: httpx.AsyncClient) -> None:
    voice = await upload_url(client, "voice.mp3", mp3_bytes())
    payload = await _answer(client, SPEECH, {"text": "hello", "voice_url": voice})
    fake.advance(1)
    (url,) = fake.task(payload["data"]["taskId"]).result_urls
    download = await client.get(url)
    assert download.headers["content-type"] == "audio/wav"
    assert download.content[:4] == b"RIFF" and download.content[8:12] == b"WAVE"
    assert fake.task(payload["data"]["taskId"]).cost == 0  # no price known: free


async def test_an_audio_field_judges_the_bytes_not_the_name(client: httpx.AsyncClient) -> None:
    wav = await upload_url(client, "voice.mp3", wav_bytes())  # named as an MP3
    assert await _problem(client, SPEECH, {"text": "hi", "voice_url": wav}) == (
        f"input.voice_url: {wav} is audio/wav (accepted: audio/mpeg)"
    )


async def test_a_text_model_answers_a_result_object_and_no_urls(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    video = await upload_url(client, "d.mp4", DANCE_MP4)
    fake.queue_outcomes(Outcome.success(), Outcome.success(result_object={"caption": "a dance"}))
    first = await _answer(client, CAPTION, {"video_url": video})
    second = await _answer(client, CAPTION, {"video_url": video})
    fake.advance(1)
    data = (await record(client, first["data"]["taskId"]))["data"]
    assert data["state"] == "success"
    result = json.loads(data["resultJson"])
    assert set(result) == {"resultObject"}
    assert "acme/caption" in result["resultObject"]["text"]
    assert fake.task(first["data"]["taskId"]).result_urls == []
    custom = (await record(client, second["data"]["taskId"]))["data"]["resultJson"]
    assert json.loads(custom) == {"resultObject": {"caption": "a dance"}}


async def test_a_per_second_price_follows_the_duration_asked_for(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    short = await _answer(client, CLIP, {"prompt": "waves"})
    long = await _answer(client, CLIP, {"prompt": "waves", "duration": "10"})
    assert fake.task(short["data"]["taskId"]).cost == 35.0  # the default duration, 5 s
    assert fake.task(long["data"]["taskId"]).cost == 70.0


async def test_a_short_balance_is_402_for_a_declared_price() -> None:
    fake = FakeKie(clock=ManualClock(start=START_S), models=MODELS, credits=30)
    async with fake.http_client() as client:
        payload = await _answer(client, CLIP, {"prompt": "waves"})
    assert payload["code"] == 402
    assert fake.tasks == {}


async def test_a_listed_id_without_a_declaration_takes_any_input_for_free() -> None:
    fake = FakeKie(clock=ManualClock(start=START_S), models=[EDIT, "acme/new-model"])
    async with fake.http_client() as client:
        free = await create(client, {"model": "acme/new-model", "input": {"anything": [1]}})
        other = await create(client, {"model": "acme/clip", "input": {"prompt": "x"}})
    assert free.json()["code"] == 200
    assert other.json()["code"] == 422
    assert other.json()["msg"].startswith("model: 'acme/clip' is not a supported model")


def test_models_refuses_an_empty_id() -> None:
    with pytest.raises(ValueError, match="models="):
        FakeKie(models=[""])


async def test_a_declared_price_wins_over_the_fakes_kling_figures() -> None:
    kling = catalog.get("kling-2.6/text-to-video")
    priced = dataclasses.replace(
        kling,
        prices=(Price(70.0, "task", "test", "2026-12-01", when=(("duration", "5"),)),),
    )
    input_ = {"prompt": "waves", "sound": False, "aspect_ratio": "16:9", "duration": "5"}
    fake = FakeKie(clock=ManualClock(start=START_S), models=[priced, kling.id])
    unpriced = FakeKie(clock=ManualClock(start=START_S), models=[dataclasses.replace(kling)])
    async with fake.http_client() as client, unpriced.http_client() as other:
        paid = await _answer(client, priced, input_)
        fallback = await _answer(other, kling, input_)
    assert fake.task(paid["data"]["taskId"]).cost == 70.0
    assert unpriced.task(fallback["data"]["taskId"]).cost == 55.0  # the fake's own figure


async def test_credits_per_second_given_wins_over_a_declared_price() -> None:
    motion = catalog.get("kling-2.6/motion-control")
    priced = dataclasses.replace(motion, prices=(Price(99.0, "second", "test", "2026-12-01"),))
    for rates, cost in (({"720p": 2.0}, 8.0), (None, 396.0)):  # dance.mp4 is 4 s
        fake = FakeKie(clock=ManualClock(start=START_S), models=[priced], credits_per_second=rates)
        async with fake.http_client() as client:
            input_ = {
                "character_orientation": "video",
                "mode": "720p",
                "input_urls": [await upload_url(client, "p.png", PERSON_PNG)],
                "video_urls": [await upload_url(client, "d.mp4", DANCE_MP4)],
            }
            payload = await _answer(client, priced, input_)
        assert fake.task(payload["data"]["taskId"]).cost == pytest.approx(cost, abs=0.5)
