"""Task progress on the fake's clock, recordInfo's shapes, and tasks that fail on demand."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

import httpx
import pytest

from kieai import KieClient, TaskFailedError
from kieai.testing import FAIL_MARKER, FakeKie, ManualClock, Outcome, Schedule, TaskRequest

from ._support import (
    API,
    AUTH,
    DANCE_MP4,
    PERSON_PNG,
    RESULT_MP4,
    create_id,
    media,
    motion_body,
    record,
    result_urls,
    state_of,
)
from .conftest import START_S

pytestmark = pytest.mark.anyio


async def test_states_follow_the_schedule_on_a_manual_clock(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    image, video = await media(client)
    task_id = await create_id(client, motion_body(image, video))
    seen = [await state_of(client, task_id)]
    schedule = Schedule()
    for step in (schedule.waiting, schedule.queuing, schedule.generating):
        fake.advance(step)
        seen.append(await state_of(client, task_id))
    assert seen == ["waiting", "queuing", "generating", "success"]
    assert fake.task(task_id).finishes_at == fake.clock.now() == START_S + schedule.total


async def test_record_info_fields_before_and_after_success(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    image, video = await media(client)
    task_id = await create_id(client, motion_body(image, video))
    created_ms = round(fake.clock.now() * 1000)
    running = (await record(client, task_id))["data"]
    assert running["taskId"] == task_id
    assert running["model"] == "kling-2.6/motion-control"
    assert running["resultJson"] == ""
    assert running["failCode"] == ""
    assert running["failMsg"] == ""
    assert running["createTime"] == running["updateTime"] == created_ms
    assert running["completeTime"] is None
    assert "progress" not in running
    fake.advance(10)
    done = (await record(client, task_id))["data"]
    assert done["state"] == "success"
    assert done["completeTime"] == done["updateTime"] == created_ms + 300
    assert done["costTime"] == 300
    assert result_urls(done) == [f"https://fake.kie.local/results/{task_id}.mp4"]


async def test_the_result_url_serves_the_bundled_mp4(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    image, video = await media(client)
    task_id = await create_id(client, motion_body(image, video))
    result = f"https://fake.kie.local/results/{task_id}.mp4"
    assert (await client.get(result)).status_code == 404  # not finished yet
    fake.advance(1)
    response = await client.get(result)
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["content-length"] == str(len(RESULT_MP4))
    assert response.content == RESULT_MP4


async def test_record_info_needs_a_task_id(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/api/v1/jobs/recordInfo", headers=AUTH)
    assert response.json() == {"code": 400, "msg": "taskId parameter is required"}


async def test_unknown_task_is_recordinfo_is_null(client: httpx.AsyncClient) -> None:
    assert await record(client, "task_kling-2.6_1") == {
        "code": 422,
        "msg": "recordInfo is null",
        "data": None,
    }


async def test_record_visible_after_hides_a_new_task_for_a_while() -> None:
    fake = FakeKie(clock=ManualClock(), record_visible_after=2.0)
    async with fake.http_client() as client:
        image, video = await media(client)
        task_id = await create_id(client, motion_body(image, video))
        assert (await record(client, task_id))["msg"] == "recordInfo is null"
        fake.advance(2.0)
        assert (await record(client, task_id))["code"] == 200


async def test_fail_next_task_fails_exactly_the_next_task(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    image, video = await media(client)
    fake.fail_next_task(fail_code="SENSITIVE_WORD_ERROR", fail_msg="The prompt was rejected")
    failed = await create_id(client, motion_body(image, video))
    succeeded = await create_id(client, motion_body(image, video))
    fake.advance(1)
    data = (await record(client, failed))["data"]
    assert data["state"] == "fail"
    assert (data["failCode"], data["failMsg"]) == (
        "SENSITIVE_WORD_ERROR",
        "The prompt was rejected",
    )
    assert data["resultJson"] == ""
    assert data["completeTime"] is not None
    assert await state_of(client, succeeded) == "success"
    assert (await client.get(f"https://fake.kie.local/results/{failed}.mp4")).status_code == 404


async def test_a_prompt_marker_fails_the_task(fake: FakeKie, client: httpx.AsyncClient) -> None:
    image, video = await media(client)
    task_id = await create_id(client, motion_body(image, video, prompt=f"dance {FAIL_MARKER}"))
    fake.advance(1)
    data = (await record(client, task_id))["data"]
    assert (data["state"], data["failCode"], data["failMsg"]) == (
        "fail",
        "500",
        "Internal server error",
    )


async def test_an_outcome_hook_decides_per_request(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    seen: list[TaskRequest] = []

    def hook(request: TaskRequest) -> Outcome | None:
        seen.append(request)
        if request.input["mode"] == "1080p":
            return Outcome.failure("422", "1080p is unavailable")
        return None

    fake.outcome_hook = hook
    image, video = await media(client)
    fine = await create_id(client, motion_body(image, video))
    bad = await create_id(client, motion_body(image, video, mode="1080p"))
    fake.advance(1)
    assert await state_of(client, fine) == "success"
    assert (await record(client, bad))["data"]["failMsg"] == "1080p is unavailable"
    assert [r.task_id for r in seen] == [fine, bad]
    assert fake.outcome_hook is hook


async def test_queued_outcomes_come_before_the_hook(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    fake.outcome_hook = lambda request: Outcome.failure("500", "from the hook")
    fake.queue_outcomes(Outcome.success(result_urls=["https://cdn.example/out.mp4"]))
    image, video = await media(client)
    first = await create_id(client, motion_body(image, video))
    second = await create_id(client, motion_body(image, video))
    fake.advance(1)
    assert result_urls((await record(client, first))["data"]) == ["https://cdn.example/out.mp4"]
    assert (await record(client, second))["data"]["failMsg"] == "from the hook"


async def test_schedules_are_configurable_globally_and_per_task() -> None:
    fake = FakeKie(clock=ManualClock(), schedule=Schedule(waiting=1, queuing=1, generating=10))
    async with fake.http_client() as client:
        image, video = await media(client)
        slow = await create_id(client, motion_body(image, video))
        fake.queue_outcomes(Outcome.success(schedule=Schedule(0, 0, 0.5)))
        quick = await create_id(client, motion_body(image, video))
        fake.advance(1.0)
        assert await state_of(client, slow) == "queuing"
        assert await state_of(client, quick) == "success"
        fake.advance(11)
        assert await state_of(client, slow) == "success"


async def test_a_held_task_runs_until_finished_by_hand(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    image, video = await media(client)
    fake.queue_outcomes(Outcome.success(schedule=Schedule(generating=math.inf)))
    task_id = await create_id(client, motion_body(image, video))
    fake.advance(3600)
    assert await state_of(client, task_id) == "generating"
    fake.finish_task(task_id, Outcome.failure("408", "no result for over 10 minutes"))
    data = (await record(client, task_id))["data"]
    assert (data["state"], data["failCode"]) == ("fail", "408")
    assert data["completeTime"] == round(fake.clock.now() * 1000)


async def test_finishing_a_finished_task_changes_nothing(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    image, video = await media(client)
    task_id = await create_id(client, motion_body(image, video))
    fake.advance(1)
    fake.finish_task(task_id, Outcome.failure())
    assert fake.task(task_id).state == "success"


async def test_real_clock_tasks_finish_on_their_own() -> None:
    fake = FakeKie(schedule=Schedule(0, 0, 0.05))
    async with fake.http_client() as client:
        image, video = await media(client)
        task_id = await create_id(client, motion_body(image, video))
        fake.clock.advance(0.05)  # the system clock can be pushed forward too
        assert await state_of(client, task_id) == "success"


def test_schedules_refuse_negative_durations() -> None:
    with pytest.raises(ValueError, match="generating"):
        Schedule(generating=-1)


def test_clocks_only_move_forward() -> None:
    clock = ManualClock(start=1000.0)
    clock.advance(2.5)
    assert clock.now() == 1002.5
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)


async def test_reset_forgets_everything_but_settings(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    image, video = await media(client)
    await create_id(client, motion_body(image, video))
    fake.inject("credit", status=500, times=None)
    fake.fail_next_task()
    fake.reset()
    assert (fake.tasks, fake.uploads, fake.requests, fake.callbacks, fake.faults) == (
        {},
        {},
        [],
        [],
        [],
    )
    assert fake.credits == 100_000.0
    image, video = await media(client)
    task_id = await create_id(client, motion_body(image, video))
    fake.advance(1)
    assert await state_of(client, task_id) == "success"


async def test_custom_result_urls_backed_by_the_fake_download_through_its_client(
    tmp_path: Path,
) -> None:
    fake = FakeKie(schedule=Schedule(0, 0, 0))
    fake.add_remote_file("https://cdn.example/renders/custom.mp4", RESULT_MP4)
    stored = fake.add_file("renders/own.mp4", RESULT_MP4[::-1], mime_type="video/mp4")
    fake.queue_outcomes(
        Outcome.success(result_urls=["https://cdn.example/renders/custom.mp4"]),
        Outcome.success(result_urls=[stored.url]),
    )
    async with fake.http_client() as http, KieClient(api_key="test-key", http_client=http) as kie:
        remote = await kie.motion_control.generate(image=PERSON_PNG, video=DANCE_MP4)
        own = await kie.motion_control.generate(image=PERSON_PNG, video=DANCE_MP4)
        assert remote.video_url == "https://cdn.example/renders/custom.mp4"
        assert (await remote.download(tmp_path / "remote.mp4")).read_bytes() == RESULT_MP4
        assert (await own.download(tmp_path / "own.mp4")).read_bytes() == RESULT_MP4[::-1]
        link = await kie.get_download_url(remote.video_url)  # Kie generated it, for this task
        assert link.startswith("https://cdn.example/renders/custom.mp4?expires=")
        assert (await http.get(link)).content == RESULT_MP4


@pytest.mark.parametrize("code", [501, 408])
async def test_failed_task_code_answers_a_failed_task_in_kies_failure_envelope(
    code: Literal[501, 408],
) -> None:
    fake = FakeKie(clock=ManualClock(), failed_task_code=code)
    async with fake.http_client() as client:
        image, video = await media(client)
        fake.fail_next_task(fail_code="500", fail_msg="content policy")
        failed = await create_id(client, motion_body(image, video))
        running = await create_id(client, motion_body(image, video))
        assert (await record(client, failed))["code"] == 200  # not failed yet
        fake.advance(1)
        answer = await record(client, failed)
        assert answer["code"] == code
        assert answer["data"]["state"] == "fail"
        assert (answer["data"]["failCode"], answer["data"]["failMsg"]) == ("500", "content policy")
        assert (await record(client, running))["code"] == 200


async def test_failed_task_code_501_ends_the_wait_with_the_records_reason() -> None:
    fake = FakeKie(schedule=Schedule(0, 0, 0), failed_task_code=501, http_status_errors=True)
    fake.fail_next_task(fail_code="SENSITIVE_WORD_ERROR", fail_msg="The prompt was rejected")
    async with fake.http_client() as http, KieClient(api_key="test-key", http_client=http) as kie:
        with pytest.raises(TaskFailedError) as info:
            await kie.motion_control.generate(image=PERSON_PNG, video=DANCE_MP4)
        answer = await http.get(
            f"{API}/api/v1/jobs/recordInfo",
            headers=AUTH,
            params={"taskId": info.value.task.task_id},
        )

    assert answer.status_code == 501
    assert (info.value.fail_code, info.value.fail_msg) == (
        "SENSITIVE_WORD_ERROR",
        "The prompt was rejected",
    )


def test_failed_task_code_accepts_only_kies_codes() -> None:
    with pytest.raises(ValueError, match="failed_task_code"):
        FakeKie(failed_task_code=500)  # pyright: ignore[reportArgumentType]  # the wrong value is the test
