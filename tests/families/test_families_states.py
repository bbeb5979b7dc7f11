"""Every status word each family documents, as FakeKie says it on a loopback socket, read by
``client.<family>.get_task`` into the right `TaskState` (and stage), under asyncio and trio."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from kieai import KieClient, TaskState
from kieai.testing import FakeKie, ManualClock, Outcome, Schedule

pytestmark = pytest.mark.anyio

HOOK = "https://example.com/kie/hook"
STEP = Schedule(1.0, 1.0, 2.0)  # waiting 1 s, queuing 1 s, generating 2 s (fake clock)


@pytest.fixture
async def served() -> AsyncIterator[tuple[FakeKie, KieClient]]:
    fake = FakeKie(clock=ManualClock(start=1_795_040_000.0), schedule=STEP, record_rate_limit=None)
    async with (
        fake.serve() as url,
        KieClient(api_key="test-key", base_url=url, upload_base_url=url) as client,
    ):
        yield fake, client


async def test_runway_words(served: tuple[FakeKie, KieClient]) -> None:
    fake, client = served
    task_id = await client.runway.create(prompt="x", aspect_ratio="1:1")
    seen: list[tuple[str, object]] = []
    for _ in range(5):
        task = await client.runway.get_task(task_id)
        seen.append((str(task.state), task.raw["state"]))
        fake.advance(1.0)
    assert seen == [
        ("waiting", "wait"),
        ("queuing", "queueing"),
        ("generating", "generating"),
        ("generating", "generating"),
        ("success", "success"),
    ]
    fake.fail_next_task("400", "moderated")
    failed = await client.runway.create(prompt="x", aspect_ratio="1:1")
    fake.advance(5.0)
    task = await client.runway.get_task(failed)
    assert (task.state, task.raw["state"], task.fail_code) == (TaskState.FAIL, "fail", "400")


async def test_veo_flags(served: tuple[FakeKie, KieClient]) -> None:
    fake, client = served
    fake.queue_outcomes(
        Outcome.success(), Outcome.failure("400", "flagged"), Outcome.failure("501", "upstream")
    )
    ok, flagged, upstream = [await client.veo.create(prompt="x") for _ in range(3)]
    running = await client.veo.get_task(ok)
    assert (running.state, running.raw["successFlag"]) == (TaskState.GENERATING, 0)
    fake.advance(5.0)
    expected = {
        ok: (TaskState.SUCCESS, 1),
        flagged: (TaskState.FAIL, 2),
        upstream: (TaskState.FAIL, 3),
    }
    for task_id, (state, flag) in expected.items():
        task = (
            await client.wait_for_task(task_id, family="veo")
            if flag == 1
            else (await client.veo.get_task(task_id))
        )
        assert (task.state, task.raw["successFlag"]) == (state, flag)


async def test_suno_statuses_and_stages(served: tuple[FakeKie, KieClient]) -> None:
    fake, client = served
    task_id = await client.suno.create(prompt="a tune", callback_url=HOOK)
    seen: list[tuple[str, str | None, object]] = []
    for _ in range(5):
        task = await client.suno.get_task(task_id)
        seen.append((str(task.state), task.stage, task.raw["status"]))
        fake.advance(1.0)
    assert seen == [
        ("waiting", None, "PENDING"),
        ("waiting", None, "PENDING"),
        ("generating", "text", "TEXT_SUCCESS"),
        ("generating", "first", "FIRST_SUCCESS"),
        ("success", "complete", "SUCCESS"),
    ]
    words = [
        "CREATE_TASK_FAILED",
        "GENERATE_AUDIO_FAILED",
        "CALLBACK_EXCEPTION",
        "SENSITIVE_WORD_ERROR",
    ]
    fake.queue_outcomes(*[Outcome.failure(word, "no") for word in words])
    ids = [await client.suno.create(prompt="x", callback_url=HOOK) for _ in words]
    fake.advance(5.0)
    for task_id, word in zip(ids, words, strict=True):
        task = await client.suno.get_task(task_id)
        assert (task.state, task.stage, task.raw["status"]) == (TaskState.FAIL, "error", word)


async def test_suno_extend_sends_kies_fields(served: tuple[FakeKie, KieClient]) -> None:
    fake, client = served
    await client.suno.create_extend(
        "audio-1",
        model="V5",
        default_param_flag=True,
        prompt="more",
        style="jazz",
        title="t",
        continue_at=30.5,
        callback_url=HOOK,
    )
    (body,) = [r.json() for r in fake.requests if r.path == "/api/v1/generate/extend"]
    assert body == {
        "defaultParamFlag": True,
        "audioId": "audio-1",
        "prompt": "more",
        "style": "jazz",
        "title": "t",
        "continueAt": 30.5,
        "model": "V5",
        "callBackUrl": HOOK,
    }


async def test_aleph_flag(served: tuple[FakeKie, KieClient]) -> None:
    fake, client = served
    video = fake.add_file("in/clip.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)
    fake.queue_outcomes(Outcome.success(), Outcome.failure("400", "moderated"))
    ok = await client.runway.create_aleph(prompt="x", video=video.url, check_media=False)
    bad = await client.runway.create_aleph(prompt="x", video=video.url, check_media=False)
    running = await client.get_task(ok, family="aleph")
    assert (running.state, running.raw["successFlag"]) == (TaskState.GENERATING, 0)
    fake.advance(5.0)
    done = await client.get_task(ok, family="aleph")
    failed = await client.get_task(bad, family="aleph")
    assert (done.state, done.raw["successFlag"]) == (TaskState.SUCCESS, 1)
    assert (failed.state, failed.raw["successFlag"], failed.fail_msg) == (
        TaskState.FAIL,
        0,
        "moderated",
    )
