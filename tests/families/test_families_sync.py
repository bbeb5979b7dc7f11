"""The dedicated families from `SyncKieClient`: the same behaviours without ``await``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kieai import (
    KieInputError,
    SyncAudioResult,
    SyncKieClient,
    SyncVideoResult,
    Task,
    TaskFailedError,
    TaskState,
    TaskTimeoutError,
)
from kieai.testing import FakeKie, Outcome, Schedule

HOOK = "https://example.com/kie/hook"


@pytest.fixture
def served() -> Iterator[tuple[FakeKie, SyncKieClient]]:
    fake = FakeKie(schedule=Schedule(0.01, 0.01, 0.05))
    with (
        fake.serve_in_thread() as url,
        SyncKieClient(api_key="test-key", base_url=url, upload_base_url=url) as client,
    ):
        yield fake, client


def test_sync_veo_generate_and_upgrades(served: tuple[FakeKie, SyncKieClient]) -> None:
    fake, client = served
    fake.families.upscale_1080p_s = 0.05
    result = client.veo.generate(prompt="a dog", poll_interval=0.01, max_poll_interval=0.02)
    assert isinstance(result, SyncVideoResult)
    assert result.task.family == "veo"
    url = client.veo.get_1080p(result.task_id, poll_interval=0.01, timeout=10)
    assert url.endswith("-1080p-0.mp4")
    assert client.veo.get_task(result.task_id).state == TaskState.SUCCESS


def test_sync_suno_refuses_a_missing_callback_and_returns_two_tracks(
    served: tuple[FakeKie, SyncKieClient],
) -> None:
    fake, client = served
    with pytest.raises(KieInputError, match="callback_url"):
        client.suno.generate(prompt="a tune")
    updates: list[Task] = []
    result = client.suno.generate(
        prompt="a tune", callback_url=HOOK, on_update=updates.append, poll_interval=0.01
    )
    assert isinstance(result, SyncAudioResult)
    assert len(result.urls) == 2
    assert updates[-1].stage == "complete"
    assert [r.path for r in fake.requests if r.method == "POST"] == ["/api/v1/generate"]


def test_sync_runway_failure_timeout_and_wait_by_family(
    served: tuple[FakeKie, SyncKieClient],
) -> None:
    fake, client = served
    fake.fail_next_task("400", "moderated")
    with pytest.raises(TaskFailedError) as info:
        client.runway.generate(prompt="x", aspect_ratio="1:1", poll_interval=0.01)
    assert (info.value.fail_code, info.value.task.family) == ("400", "runway")
    fake.queue_outcomes(Outcome.success(schedule=Schedule(0, 0, float("inf"))))
    task_id = client.runway.create(prompt="x", aspect_ratio="1:1")
    with pytest.raises(TaskTimeoutError):
        client.wait_for_task(task_id, family="runway", poll_interval=0.01, timeout=0.2)
    fake.finish_task(task_id)
    task = client.wait_for_task(task_id, family="runway", poll_interval=0.01)
    assert (task.state, task.raw["state"]) == (TaskState.SUCCESS, "success")
