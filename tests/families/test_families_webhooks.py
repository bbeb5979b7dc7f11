"""``parse_callback``/``verify_callback`` for every family: Suno's staged callbacks, Veo,
Runway and Aleph shapes, duplicates, signatures; the callbacks FakeKie sends parse back."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kieai import KieInputError, TaskState, parse_callback, verify_callback
from kieai.testing import FakeKie, ManualClock
from kieai.webhooks import MalformedCallbackError

from ..testing._support import AUTH, Webhook

API = "https://api.kie.ai"
KEY = "hmac-s3cret"


def _suno(stage: str, code: int = 200) -> dict[str, Any]:
    tracks = [{"id": "a", "audio_url": "https://s/a.mp3"}, {"id": "b", "audio_url": ""}]
    return {
        "code": code,
        "msg": "ok",
        "data": {"callbackType": stage, "task_id": "s1", "data": None if code != 200 else tracks},
    }


def test_suno_stages_parse_in_order() -> None:
    tasks = [parse_callback(_suno(stage)) for stage in ("text", "first", "complete")]
    assert [(t.state, t.stage) for t in tasks] == [
        (TaskState.GENERATING, "text"),
        (TaskState.GENERATING, "first"),
        (TaskState.SUCCESS, "complete"),
    ]
    assert {t.family for t in tasks} == {"suno"}
    failed = parse_callback(json.dumps(_suno("error", 501)))
    assert (failed.state, failed.stage, failed.fail_code) == (TaskState.FAIL, "error", "501")


def test_a_duplicated_callback_parses_to_the_same_task() -> None:
    body = json.dumps(_suno("complete")).encode()
    first, second = parse_callback(body), parse_callback(body)
    assert first == second
    assert (first.task_id, first.stage) == (second.task_id, second.stage)


def test_aleph_failure_with_null_data_parses() -> None:
    task = parse_callback({"code": 400, "msg": "moderated", "data": None, "taskId": "a1"})
    assert (task.family, task.task_id, task.state, task.fail_msg) == (
        "aleph",
        "a1",
        TaskState.FAIL,
        "moderated",
    )


def test_runway_and_veo_callbacks_parse() -> None:
    runway = parse_callback(
        {
            "code": 200,
            "msg": "ok",
            "data": {
                "task_id": "r1",
                "video_id": "v",
                "video_url": "https://r.mp4",
                "image_url": "",
            },
        }
    )
    veo = parse_callback(
        {
            "code": 200,
            "msg": "ok",
            "data": {"taskId": "v1", "info": {"resultUrls": ["https://v"]}, "fallbackFlag": False},
        }
    )
    assert (runway.family, runway.result_urls) == ("runway", ["https://r.mp4"])
    assert (veo.family, veo.state, veo.result_urls) == ("veo", TaskState.SUCCESS, ["https://v"])


def test_the_family_can_be_named_and_must_be_known() -> None:
    body = {"code": 500, "msg": "unavailable", "data": {"taskId": "v1"}}
    assert parse_callback(body, family="veo").fail_msg == "unavailable"
    with pytest.raises(KieInputError, match="family"):
        parse_callback(body, family="midjourney")


def test_a_body_of_no_known_family_asks_for_family() -> None:
    with pytest.raises(MalformedCallbackError, match="pass family="):
        parse_callback({"code": 200, "msg": "ok", "data": {"weird": 1}, "taskId": "x"})


@pytest.mark.anyio
async def test_the_fakes_signed_staged_callbacks_verify() -> None:
    webhook = Webhook()
    async with webhook.client() as receiver:
        fake = FakeKie(clock=ManualClock(), hmac_key=KEY, callback_http_client=receiver)
        fake.families.duplicate_callbacks(times=1)
        async with fake.http_client() as http:
            body = {
                "prompt": "a tune",
                "customMode": False,
                "instrumental": True,
                "model": "V4_5",
                "callBackUrl": "http://127.0.0.1:9/hook",
            }
            response = await http.post(f"{API}/api/v1/generate", headers=AUTH, json=body)
            task_id = response.json()["data"]["taskId"]
            for _ in range(4):
                fake.advance(0.1)
                await fake.deliver_callbacks()
    tasks = [verify_callback(raw, headers, KEY) for _, headers, raw in webhook.received]
    assert [t.stage for t in tasks] == ["text", "text", "first", "complete"]
    assert all(t.task_id == task_id for t in tasks)
    assert tasks[0] == tasks[1]  # the duplicate
    assert tasks[-1].is_success
    assert len(tasks[-1].result_urls) == 2
