"""The extension point is real: a model declared inside this test (a `ModelInfo` and one extra
media rule, as the catalog and ``catalog/_rules.py`` would hold it) runs through the same
pipeline (check, concurrent reused uploads, create, on_created, wait, download) against a
FakeKie told to accept the model, over a real loopback socket."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest

from kieai import KieClient, VideoInfo, VideoResult, probe
from kieai._assets import asset_path
from kieai._media_rules import VideoRule
from kieai._pipeline import RunOptions, WaitOptions, check_declared, generate
from kieai.catalog._rules import ModelRules
from kieai.catalog._types import Field, FileSpec, ModelInfo
from kieai.testing import DEFAULT_MODELS, FakeKie

pytestmark = pytest.mark.anyio

MODEL = "acme/remix-1"
REMIX = ModelInfo(
    id=MODEL,
    title="Remix",
    task_type="video-to-video",
    output="video",
    fields=(
        Field("caption", "string", max_length=40),
        Field(
            "still_url",
            "array",
            required=True,
            max_items=1,
            item_type="string",
            file=FileSpec("image", multiple=True, mime_types=("image/png",), max_bytes=1 << 20),
        ),
        Field(
            "clip_url",
            "string",
            required=True,
            file=FileSpec("video", multiple=False, mime_types=("video/mp4",), max_bytes=1 << 24),
        ),
        Field("style", "string", choices=("plain", "noir"), default="plain", has_default=True),
    ),
)
#: What Kie would state only in prose: the clip's duration.
RULES = ModelRules(files={"clip_url": VideoRule(min_duration_s=1.0, max_duration_s=6.0)})
FAST = WaitOptions(timeout=30.0, poll_interval=0.02, max_poll_interval=0.05)


async def test_a_model_declared_in_a_test_runs_the_whole_pipeline(tmp_path: Path) -> None:
    fake = FakeKie(models=[*DEFAULT_MODELS, MODEL])
    created: list[str] = []
    async with fake.serve() as base_url:
        async with KieClient(
            api_key="test-key", base_url=base_url, upload_base_url=base_url
        ) as client:
            engine = client._engine  # pyright: ignore[reportPrivateUsage]  # the seam under test
            first, report = check_declared(
                REMIX,
                {"still_url": [asset_path("person.png")], "clip_url": asset_path("dance.mp4")},
                rules=RULES,
            )
            assert report.ok and isinstance(report.video, VideoInfo)
            one = await generate(engine, first, RunOptions(on_created=created.append), FAST)
            # The same clip again: the pipeline's upload reuse serves it.
            second, _ = check_declared(
                REMIX,
                {
                    "still_url": [asset_path("person.png")],
                    "clip_url": asset_path("dance.mp4"),
                    "style": "noir",
                    "caption": "hi",
                },
                rules=RULES,
            )
            two = await generate(engine, second, RunOptions(on_created=created.append), FAST)
            path = await two.download(tmp_path / "remix.mp4")
    assert isinstance(one, VideoResult) and created == [one.task_id, two.task_id]
    assert len(fake.uploads) == 2
    task = fake.task(two.task_id)
    assert task.model == MODEL
    assert set(task.input) == {"still_url", "clip_url", "style", "caption"}
    assert isinstance(task.input["clip_url"], str) and task.input["clip_url"].startswith("http")
    still: object = task.input["still_url"]
    assert isinstance(still, list) and len(cast("list[str]", still)) == 1
    assert set(fake.task(one.task_id).input) == {"still_url", "clip_url"}
    assert isinstance(probe(path), VideoInfo)


def test_a_declared_model_gets_all_its_problems_reported_together() -> None:
    _, report = check_declared(
        REMIX,
        {
            "still_url": [asset_path("dance.mp4")],
            "clip_url": asset_path("person.png"),
            "style": "loud",
            "captoin": "typo",
        },
        rules=RULES,
        callback_url="ftp://nope",
    )
    assert report.problems == [
        "captoin: acme/remix-1 has no such field (did you mean 'caption'?), got 'typo'",
        f"still_url[0]: {str(asset_path('dance.mp4'))!r} is an MP4 video; expected a PNG image",
        f"clip_url: {str(asset_path('person.png'))!r} is a PNG image; expected an MP4 video",
        "callback_url: must be an http(s) URL, got 'ftp://nope'",
        'style: must be "plain" or "noir", got \'loud\'',
    ]
