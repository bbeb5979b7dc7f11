"""``client.veo``, ``client.suno``, ``client.runway`` over FakeKie on a loopback socket, under
asyncio and trio: request bodies field for field, states, stages, success, failure and timeout,
and the local checks (every problem at once, nothing sent)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, TypedDict

import pytest

from kieai import (
    AudioResult,
    KieClient,
    KieInputError,
    Task,
    TaskFailedError,
    TaskState,
    TaskTimeoutError,
    VideoResult,
)
from kieai.testing import FakeKie, ManualClock, Outcome, Schedule

pytestmark = pytest.mark.anyio

HOOK = "https://example.com/kie/hook"


class Waiting(TypedDict):
    timeout: float | None
    poll_interval: float
    max_poll_interval: float


FAST: Waiting = {"poll_interval": 0.01, "max_poll_interval": 0.02, "timeout": 10.0}


@pytest.fixture
async def served() -> AsyncIterator[tuple[FakeKie, KieClient]]:
    fake = FakeKie(schedule=Schedule(0.01, 0.01, 0.05))
    async with (
        fake.serve() as url,
        KieClient(api_key="test-key", base_url=url, upload_base_url=url) as client,
    ):
        yield fake, client


def _sent(fake: FakeKie, path: str) -> list[dict[str, Any]]:
    return [r.json() for r in fake.requests if r.path == path and r.method == "POST"]


async def test_veo_generate_sends_kies_fields_and_returns_the_video(
    served: tuple[FakeKie, KieClient],
) -> None:
    fake, client = served
    updates: list[Task] = []
    result = await client.veo.generate(
        prompt="a dog",
        model="veo3",
        aspect_ratio="9:16",
        watermark="Mine",
        seeds=12345,
        enable_translation=False,
        on_update=updates.append,
        **FAST,
    )
    assert isinstance(result, VideoResult)
    (body,) = _sent(fake, "/api/v1/veo/generate")
    assert body == {
        "prompt": "a dog",
        "model": "veo3",
        "aspect_ratio": "9:16",
        "watermark": "Mine",
        "seeds": 12345,
        "enableTranslation": False,
    }
    assert result.task.family == "veo"
    assert result.task.state == TaskState.SUCCESS
    assert result.video_url.endswith(f"/results/{result.task_id}.mp4")
    assert updates[-1].state == TaskState.SUCCESS
    assert {u.family for u in updates} == {"veo"}


async def test_veo_uploads_a_local_image(served: tuple[FakeKie, KieClient], tmp_path: Any) -> None:
    fake, client = served
    from kieai._assets import asset_bytes

    image = tmp_path / "frame.png"
    image.write_bytes(asset_bytes("person.png"))
    await client.veo.generate(prompt="a person waves", image=str(image), **FAST)
    (body,) = _sent(fake, "/api/v1/veo/generate")
    (url,) = body["imageUrls"]
    assert "/files/" in url


async def test_veo_failure_raises_with_kies_code_and_message(
    served: tuple[FakeKie, KieClient],
) -> None:
    fake, client = served
    fake.fail_next_task("400", "Your prompt was flagged")
    with pytest.raises(TaskFailedError) as info:
        await client.veo.generate(prompt="x", **FAST)
    assert (info.value.fail_code, info.value.fail_msg) == ("400", "Your prompt was flagged")
    assert info.value.task.family == "veo"


async def test_veo_timeout_names_the_task(served: tuple[FakeKie, KieClient]) -> None:
    fake, client = served
    fake.queue_outcomes(Outcome.success(schedule=Schedule(0, 0, float("inf"))))
    with pytest.raises(TaskTimeoutError) as info:
        await client.veo.generate(prompt="x", poll_interval=0.01, timeout=0.2)
    assert info.value.task is not None
    assert info.value.task.state == TaskState.GENERATING


async def test_veo_1080p_4k_and_extend(served: tuple[FakeKie, KieClient]) -> None:
    fake, client = served
    fake.families.upscale_1080p_s = 0.05
    fake.families.upscale_4k_s = 0.05
    result = await client.veo.generate(prompt="x", **FAST)
    hd = await client.veo.get_1080p(result.task_id, poll_interval=0.01, timeout=10)
    uhd = await client.veo.get_4k(result.task_id, index=0, poll_interval=0.01, timeout=10)
    assert hd.endswith(f"{result.task_id}-1080p-0.mp4")
    assert uhd.endswith(f"{result.task_id}-4k-0.mp4")
    longer = await client.veo.extend(result.task_id, prompt="more", **FAST)
    (body,) = _sent(fake, "/api/v1/veo/extend")
    assert body == {"taskId": result.task_id, "prompt": "more", "model": "fast"}
    assert longer.task.family == "veo"


async def test_veo_bad_input_is_all_reported_and_nothing_is_sent(
    served: tuple[FakeKie, KieClient],
) -> None:
    fake, client = served
    with pytest.raises(KieInputError) as info:
        await client.veo.generate(
            prompt="x",
            model="veo3",
            generation_type="REFERENCE_2_VIDEO",
            seeds=5,
            callback_url="ftp://nope",
        )
    problems = info.value.problems
    assert any(p.startswith("seeds:") for p in problems)
    assert any(p.startswith("callback_url:") for p in problems)
    assert any("REFERENCE_2_VIDEO works only with veo3_fast" in p for p in problems)
    assert not [r for r in fake.requests if r.path.startswith("/api/")]


async def test_suno_without_a_callback_url_is_refused_locally(
    served: tuple[FakeKie, KieClient],
) -> None:
    fake, client = served
    with pytest.raises(KieInputError, match="callback_url: is required for Suno"):
        await client.suno.generate(prompt="a tune")
    assert not fake.requests
    report = await client.suno.check(prompt="a tune")
    assert report.problems[0].startswith("callback_url: is required")


async def test_suno_stages_reach_on_update_in_order() -> None:
    # The fake's clock moves one second per update: every stage is seen, whatever the load.
    fake = FakeKie(clock=ManualClock(start=1_795_040_000.0), schedule=Schedule(1.0, 0.0, 2.0))
    seen: list[tuple[str, str | None]] = []

    def on_update(task: Task) -> None:
        seen.append((str(task.state), task.stage))
        fake.advance(1.0)

    async with (
        fake.serve() as url,
        KieClient(api_key="test-key", base_url=url, upload_base_url=url) as client,
    ):
        result = await client.suno.generate(
            prompt="a tune", callback_url=HOOK, on_update=on_update, **FAST
        )
    assert isinstance(result, AudioResult)
    assert len(result.urls) == 2
    assert seen == [
        ("waiting", None),
        ("generating", "text"),
        ("generating", "first"),
        ("success", "complete"),
    ]
    (body,) = _sent(fake, "/api/v1/generate")
    assert body == {
        "prompt": "a tune",
        "customMode": False,
        "instrumental": False,
        "model": "V5",
        "callBackUrl": HOOK,
    }


async def test_suno_failure_word_becomes_task_failed(served: tuple[FakeKie, KieClient]) -> None:
    fake, client = served
    fake.fail_next_task("SENSITIVE_WORD_ERROR", "filtered")
    with pytest.raises(TaskFailedError) as info:
        await client.suno.generate(prompt="x", callback_url=HOOK, **FAST)
    assert info.value.task.raw["status"] == "SENSITIVE_WORD_ERROR"
    assert info.value.fail_msg == "filtered"


async def test_runway_generate_and_wait_for_task_by_family(
    served: tuple[FakeKie, KieClient],
) -> None:
    fake, client = served
    task_id = await client.runway.create(prompt="a cat", aspect_ratio="1:1")
    (body,) = _sent(fake, "/api/v1/runway/generate")
    assert body == {"prompt": "a cat", "duration": 5, "quality": "720p", "aspectRatio": "1:1"}
    task = await client.wait_for_task(task_id, family="runway", poll_interval=0.01)
    assert (task.family, task.state) == ("runway", TaskState.SUCCESS)
    assert task.raw["state"] == "success"
    assert (await client.runway.get_task(task_id)).result_urls == task.result_urls


async def test_runway_failure_and_aleph(served: tuple[FakeKie, KieClient]) -> None:
    fake, client = served
    fake.fail_next_task("400", "moderated")
    with pytest.raises(TaskFailedError) as info:
        await client.runway.generate(prompt="x", aspect_ratio="16:9", **FAST)
    assert (info.value.fail_code, info.value.fail_msg) == ("400", "moderated")
    video = fake.add_file("in/clip.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)
    fake.clear_faults()
    # Served under serve(): the file lives on the fake's own host.
    result = await client.runway.aleph(
        prompt="watercolour", video=video.url, check_media=False, **FAST
    )
    assert result.task.family == "aleph"


async def test_json_bodies_never_carry_none(served: tuple[FakeKie, KieClient]) -> None:
    fake, client = served
    await client.runway.create(prompt="x", aspect_ratio="16:9", watermark=None)
    (body,) = _sent(fake, "/api/v1/runway/generate")
    assert None not in body.values()
    assert json.dumps(body)


async def test_client_generate_runs_a_family_call_by_its_id_as_the_resource_does(
    served: tuple[FakeKie, KieClient],
) -> None:
    fake, client = served
    result = await client.generate("veo/generate", {"prompt": "a dog"}, **FAST)

    assert isinstance(result, VideoResult)
    assert result.task.family == "veo"
    assert _sent(fake, "/api/v1/veo/generate") == [{"prompt": "a dog"}]
    assert _sent(fake, "/api/v1/jobs/createTask") == []


async def test_client_generate_of_a_family_id_checks_its_fields_and_its_callback_rule(
    served: tuple[FakeKie, KieClient],
) -> None:
    fake, client = served
    with pytest.raises(KieInputError) as caught:
        await client.create("suno/generate", {"prompt": "a song", "promt": "x"})

    assert caught.value.problems[0].startswith("callback_url: is required for Suno")
    assert any("did you mean 'prompt'" in p for p in caught.value.problems)
    assert fake.requests == []


async def test_a_batch_runs_family_jobs_beside_market_ones(
    served: tuple[FakeKie, KieClient],
) -> None:
    from kieai import Job

    _, client = served
    jobs = [
        Job("veo/generate", {"prompt": "a dog"}, key="veo"),
        Job(
            "runway/generate",
            {"prompt": "a cat", "duration": 5, "quality": "720p", "aspectRatio": "16:9"},
            key="rw",
        ),
    ]
    outcomes = {o.key: o async for o in client.batch(jobs, **FAST)}

    assert {key: (o.state, o.error) for key, o in outcomes.items()} == {
        "veo": ("done", None),
        "rw": ("done", None),
    }
    families = {key: o.result.task.family for key, o in outcomes.items() if o.result}
    assert families == {"veo": "veo", "rw": "runway"}
