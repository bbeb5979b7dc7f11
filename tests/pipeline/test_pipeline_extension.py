"""The extension point is real: a model spec written inside this test runs through the same
pipeline (check, concurrent reused uploads, create, on_created, wait, download) against a
FakeKie told to accept the model, over a real loopback socket."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import BaseModel, ConfigDict, Field

from kieai import KieClient, KieInputError, VideoInfo, VideoResult, probe
from kieai._assets import asset_path
from kieai._media_rules import ImageRule, VideoRule
from kieai._pipeline import RunOptions, WaitOptions
from kieai._resources._base import Resource
from kieai._spec import Choice, FileSlot, ModelSpec, Text
from kieai.testing import DEFAULT_MODELS, FakeKie

pytestmark = pytest.mark.anyio

MODEL = "acme/remix-1"


class RemixInput(BaseModel):
    model_config: ClassVar[ConfigDict] = ConfigDict(frozen=True, extra="forbid")

    caption: str | None = Field(default=None, max_length=40)
    still_url: list[str] = Field(min_length=1, max_length=1)
    clip_url: str
    style: str = "plain"


REMIX = ModelSpec(
    model=MODEL,
    input_model=RemixInput,
    files=(
        FileSlot("still", "still_url", ImageRule(formats=("png",), max_bytes=1 << 20)),
        FileSlot(
            "clip",
            "clip_url",
            VideoRule(
                containers=("mp4",), max_bytes=1 << 24, min_duration_s=1.0, max_duration_s=6.0
            ),
            as_list=False,  # Kie-style "clip_url": "https://..." rather than a one-URL list
        ),
    ),
    params=(Text("caption", 40), Choice("style", ("plain", "noir"), default="plain")),
)


class Remix(Resource):
    """What a contributor writes for a new model family: the spec and the argument names."""

    specs = (REMIX,)

    def __init__(self, client: KieClient) -> None:
        super().__init__(client)
        self.created: list[str] = []

    async def generate(
        self, *, still: object, clip: object, caption: str | None = None, style: str = "plain"
    ) -> VideoResult:
        return await self._pipeline.generate(
            self._spec(MODEL),
            {"still": still, "clip": clip, "caption": caption, "style": style},
            VideoResult,
            RunOptions(on_created=self.created.append),
            WaitOptions(timeout=30.0, poll_interval=0.02, max_poll_interval=0.05),
        )


async def test_a_spec_written_in_a_test_runs_the_whole_pipeline(tmp_path: Path) -> None:
    fake = FakeKie(models=[*DEFAULT_MODELS, MODEL])
    async with fake.serve() as base_url:
        async with KieClient(
            api_key="test-key", base_url=base_url, upload_base_url=base_url
        ) as client:
            remix = Remix(client)
            first = await remix.generate(
                still=asset_path("person.png"), clip=asset_path("dance.mp4"), caption="hi"
            )
            # The same clip again: the pipeline's upload reuse serves it.
            second = await remix.generate(
                still=asset_path("person.png"), clip=asset_path("dance.mp4"), style="noir"
            )
            path = await second.download(tmp_path / "remix.mp4")
    assert remix.created == [first.task_id, second.task_id]
    assert len(fake.uploads) == 2
    task = fake.task(second.task_id)
    assert task.model == MODEL
    assert set(task.input) == {"still_url", "clip_url", "style"}
    assert task.input["style"] == "noir"
    assert isinstance(task.input["clip_url"], str) and task.input["clip_url"].startswith("http")
    assert isinstance(task.input["still_url"], list)
    assert fake.task(first.task_id).input["caption"] == "hi"
    assert isinstance(probe(path), VideoInfo)


async def test_a_custom_spec_gets_all_its_problems_reported_with_nothing_sent() -> None:
    fake = FakeKie(models=[MODEL])
    async with fake.http_client() as http, KieClient(api_key="test-key", http_client=http) as c:
        remix = Remix(c)
        with pytest.raises(KieInputError) as caught:
            await remix.generate(
                still=asset_path("dance.mp4"), clip=asset_path("person.png"), style="loud"
            )
    assert caught.value.problems == [
        f"still: {str(asset_path('dance.mp4'))!r} is an MP4 video; expected a PNG image",
        f"clip: {str(asset_path('person.png'))!r} is a PNG image; expected an MP4 video",
        'style: must be "plain" or "noir", got \'loud\'',
    ]
    assert fake.requests == []
