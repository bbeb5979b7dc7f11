"""Family records as `Task` objects: states as `TaskState`, the family, its stage, the raw
record; Market records keep every field they had."""

from __future__ import annotations

import json

from kieai import Task, TaskState
from kieai._families import MARKET, RUNWAY, SUNO, VEO
from kieai._family_tasks import callback_task, record_task


def test_a_suno_record_is_a_task_with_its_stage() -> None:
    record = {"taskId": "s1", "status": "FIRST_SUCCESS", "param": json.dumps({"model": "V5"})}
    task = record_task(SUNO, record)
    assert (task.state, task.stage, task.family, task.model) == (
        TaskState.GENERATING,
        "first",
        "suno",
        "V5",
    )
    assert task.raw == record
    assert not task.is_finished


def test_a_failed_veo_record_carries_code_and_message_as_text() -> None:
    task = record_task(
        VEO, {"taskId": "v", "successFlag": 2, "errorCode": 400, "errorMessage": "flagged"}
    )
    assert (task.state, task.fail_code, task.fail_msg) == (TaskState.FAIL, "400", "flagged")
    assert task.is_finished and not task.is_success


def test_an_unknown_runway_word_is_kept_as_text() -> None:
    task = record_task(RUNWAY, {"taskId": "r", "state": "paused"})
    assert task.state == "paused"
    assert not isinstance(task.state, TaskState)


def test_a_market_record_keeps_its_fields_and_itself_as_raw() -> None:
    record = {"taskId": "m", "state": "queuing", "progress": 5, "newField": 1}
    task = record_task(MARKET, record)
    assert (task.family, task.stage, task.progress) == ("market", None, 5)
    assert task.raw == record
    assert task.model_extra == {"newField": 1}
    assert Task.model_validate(record).raw == record


def test_a_suno_callback_is_a_task() -> None:
    body = {
        "code": 200,
        "msg": "ok",
        "data": {
            "callbackType": "complete",
            "task_id": "s1",
            "data": [{"audio_url": "https://a.mp3"}, {"audio_url": "https://b.mp3"}],
        },
    }
    task = callback_task(SUNO, body)
    assert (task.task_id, task.state, task.stage) == ("s1", TaskState.SUCCESS, "complete")
    assert task.result_urls == ["https://a.mp3", "https://b.mp3"]
    assert task.raw == body
