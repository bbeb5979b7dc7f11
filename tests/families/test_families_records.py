"""Each family's status record and callback, normalised: every status value Kie documents
maps to the right state, an unknown one is kept as text, results and failures are found
where the family keeps them."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest

from kieai._families import (
    ALEPH,
    FAMILIES,
    MARKET,
    RUNWAY,
    SUNO,
    VEO,
    Family,
    callback_family,
    get_family,
    task_from_callback,
    task_from_record,
)

DOCUMENTED: list[tuple[Family, str, Any, str, str | None]] = [
    # family, status field, value, state, stage
    (MARKET, "state", "waiting", "waiting", None),
    (MARKET, "state", "queuing", "queuing", None),
    (MARKET, "state", "generating", "generating", None),
    (MARKET, "state", "success", "success", None),
    (MARKET, "state", "fail", "fail", None),
    (VEO, "successFlag", 0, "generating", None),
    (VEO, "successFlag", 1, "success", None),
    (VEO, "successFlag", 2, "fail", None),
    (VEO, "successFlag", 3, "fail", None),
    (VEO, "successFlag", "1", "success", None),
    (RUNWAY, "state", "wait", "waiting", None),
    (RUNWAY, "state", "queueing", "queuing", None),
    (RUNWAY, "state", "queuing", "queuing", None),
    (RUNWAY, "state", "waiting", "waiting", None),
    (RUNWAY, "state", "generating", "generating", None),
    (RUNWAY, "state", "success", "success", None),
    (RUNWAY, "state", "fail", "fail", None),
    (ALEPH, "successFlag", 0, "generating", None),
    (ALEPH, "successFlag", 1, "success", None),
    (SUNO, "status", "PENDING", "waiting", None),
    (SUNO, "status", "TEXT_SUCCESS", "generating", "text"),
    (SUNO, "status", "FIRST_SUCCESS", "generating", "first"),
    (SUNO, "status", "SUCCESS", "success", "complete"),
    (SUNO, "status", "CREATE_TASK_FAILED", "fail", "error"),
    (SUNO, "status", "GENERATE_AUDIO_FAILED", "fail", "error"),
    (SUNO, "status", "CALLBACK_EXCEPTION", "fail", "error"),
    (SUNO, "status", "SENSITIVE_WORD_ERROR", "fail", "error"),
]


@pytest.mark.parametrize(
    ("family", "status_field", "value", "state", "stage"),
    DOCUMENTED,
    ids=[f"{f.name}-{v}" for f, _, v, _, _ in DOCUMENTED],
)
def test_every_documented_status_maps_to_its_state(
    family: Family, status_field: str, value: Any, state: str, stage: str | None
) -> None:
    task = task_from_record(family, {"taskId": "t1", status_field: value})
    assert (task["state"], task["stage"], task["family"]) == (state, stage, family.name)
    assert task["task_id"] == "t1"


@pytest.mark.parametrize(
    ("family", "status_field", "value", "kept"),
    [
        (MARKET, "state", "paused", "paused"),
        (VEO, "successFlag", 7, "7"),
        (RUNWAY, "state", "cancelled", "cancelled"),
        (ALEPH, "successFlag", 5, "5"),
        (SUNO, "status", "SOMETHING_NEW", "SOMETHING_NEW"),
    ],
)
def test_an_unknown_status_is_kept_as_text(
    family: Family, status_field: str, value: Any, kept: str
) -> None:
    task = task_from_record(family, {"taskId": "t1", status_field: value})
    assert task["state"] == kept
    assert task["stage"] is None


def test_garbage_records_never_raise() -> None:
    for family in FAMILIES.values():
        records: list[dict[str, Any]] = [
            {},
            {"taskId": 5},
            {"state": ["x"], "status": {}, "successFlag": None},
        ]
        for record in records:
            task = task_from_record(family, record)
            assert task["result_urls"] == []
            assert task["raw"] == record


def test_market_results_come_from_the_result_json_string() -> None:
    record = {
        "taskId": "m1",
        "model": "kling-2.6/text-to-video",
        "state": "success",
        "param": json.dumps({"model": "kling-2.6/text-to-video", "input": {"prompt": "x"}}),
        "resultJson": json.dumps({"resultUrls": ["https://r/1.mp4"]}),
        "failCode": "",
        "createTime": 1_795_040_000_000,
    }
    task = task_from_record(MARKET, record)
    assert task["result_urls"] == ["https://r/1.mp4"]
    assert task["model"] == "kling-2.6/text-to-video"
    assert task["param"] == {"model": "kling-2.6/text-to-video", "input": {"prompt": "x"}}
    assert task["create_time"] == datetime.fromtimestamp(1_795_040_000, tz=timezone.utc)
    assert task["fail_code"] is None


def test_veo_results_are_an_object_and_extended_videos_fall_back_to_full_urls() -> None:
    record = {
        "taskId": "veo_task_1",
        "paramJson": json.dumps({"prompt": "a dog", "model": "veo3_fast"}),
        "completeTime": "2025-06-06 10:30:00",
        "createTime": 1_749_205_500_000,
        "response": {"resultUrls": ["https://v/1.mp4"], "fullResultUrls": ["https://v/f.mp4"]},
        "successFlag": 1,
        "errorCode": None,
        "errorMessage": "",
    }
    task = task_from_record(VEO, record)
    assert task["result_urls"] == ["https://v/1.mp4"]
    assert task["model"] == "veo3_fast"
    assert task["complete_time"] == datetime(2025, 6, 6, 10, 30, tzinfo=timezone.utc)
    assert task["create_time"] is not None
    extended = {**record, "response": {"resultUrls": None, "fullResultUrls": ["https://v/f.mp4"]}}
    assert task_from_record(VEO, extended)["result_urls"] == ["https://v/f.mp4"]


def test_veo_failure_carries_its_error_code_and_message() -> None:
    record = {"taskId": "v", "successFlag": 3, "errorCode": 400, "errorMessage": "flagged"}
    task = task_from_record(VEO, record)
    assert (task["state"], task["fail_code"], task["fail_msg"]) == ("fail", "400", "flagged")


def test_runway_results_are_in_video_info() -> None:
    record = {
        "taskId": "r1",
        "state": "success",
        "generateParam": {"prompt": "cat", "imageUrl": "", "expandPrompt": True},
        "generateTime": "2023-08-15 14:30:45",
        "videoInfo": {"videoId": "v", "videoUrl": "https://r/v.mp4", "imageUrl": "https://r/i"},
        "expireFlag": 0,
    }
    task = task_from_record(RUNWAY, record)
    assert task["result_urls"] == ["https://r/v.mp4"]
    assert task["param"] == {"prompt": "cat", "imageUrl": "", "expandPrompt": True}
    assert task["complete_time"] == datetime(2023, 8, 15, 14, 30, 45, tzinfo=timezone.utc)
    failed = task_from_record(
        RUNWAY, {"taskId": "r1", "state": "fail", "failCode": 400, "failMsg": "moderated"}
    )
    assert (failed["fail_code"], failed["fail_msg"]) == ("400", "moderated")


def test_aleph_zero_flag_with_an_error_is_a_failure_and_without_one_is_running() -> None:
    running = {"taskId": "a", "successFlag": 0, "errorCode": 0, "errorMessage": ""}
    failed = {"taskId": "a", "successFlag": 0, "errorCode": 400, "errorMessage": "moderated"}
    done = {
        "taskId": "a",
        "successFlag": 1,
        "errorCode": 0,
        "errorMessage": "",
        "response": {"resultVideoUrl": "https://a/v.mp4"},
        "completeTime": "2023-08-15T14:30:45Z",
    }
    assert task_from_record(ALEPH, running)["state"] == "generating"
    assert task_from_record(ALEPH, failed)["state"] == "fail"
    assert task_from_record(ALEPH, failed)["fail_code"] == "400"
    finished = task_from_record(ALEPH, done)
    assert (finished["state"], finished["fail_code"]) == ("success", None)
    assert finished["result_urls"] == ["https://a/v.mp4"]
    assert finished["complete_time"] == datetime(2023, 8, 15, 14, 30, 45, tzinfo=timezone.utc)


def test_suno_results_are_every_track_that_has_audio() -> None:
    record = {
        "taskId": "s1",
        "param": json.dumps({"model": "V5", "prompt": "x"}),
        "response": {
            "taskId": "s1",
            "sunoData": [{"id": "a", "audioUrl": "https://s/a.mp3"}, {"id": "b", "audioUrl": ""}],
        },
        "status": "FIRST_SUCCESS",
    }
    task = task_from_record(SUNO, record)
    assert task["result_urls"] == ["https://s/a.mp3"]
    assert task["model"] == "V5"


# -- callbacks ------------------------------------------------------------------------------

SUNO_TRACK = {"id": "a", "audio_url": "https://s/a.mp3", "stream_audio_url": "https://s/a"}


@pytest.mark.parametrize(
    ("callback_type", "code", "state", "stage"),
    [
        ("text", 200, "generating", "text"),
        ("first", 200, "generating", "first"),
        ("complete", 200, "success", "complete"),
        ("error", 501, "fail", "error"),
    ],
)
def test_suno_staged_callbacks(callback_type: str, code: int, state: str, stage: str) -> None:
    body = {
        "code": code,
        "msg": "ok" if code == 200 else "Audio generation failed",
        "data": {
            "callbackType": callback_type,
            "task_id": "s1",
            "data": None if code != 200 else [SUNO_TRACK, {**SUNO_TRACK, "audio_url": ""}],
        },
    }
    assert callback_family(body) is SUNO
    task = task_from_callback(SUNO, body)
    assert (task["task_id"], task["state"], task["stage"]) == ("s1", state, stage)
    if code == 200:
        assert task["result_urls"] == ["https://s/a.mp3"]
    else:
        assert (task["fail_code"], task["fail_msg"]) == ("501", "Audio generation failed")


def test_veo_callbacks_read_arrays_and_the_documented_bracket_string() -> None:
    ok = {
        "code": 200,
        "msg": "ok",
        "data": {"taskId": "v", "info": {"resultUrls": ["https://a"]}, "fallbackFlag": False},
    }
    as_text = {
        "code": 200,
        "msg": "ok",
        "data": {"taskId": "v", "info": {"resultUrls": "[http://a.mp4, http://b.mp4]"}},
    }
    four_k = {
        "code": 200,
        "msg": "ok",
        "data": {"task_id": "v", "result_urls": ["https://4k"], "media_ids": ["m"]},
    }
    failed = {"code": 400, "msg": "flagged", "data": {"taskId": "v", "fallbackFlag": False}}
    for body in (ok, as_text, four_k, failed):
        assert callback_family(body) is VEO
    assert task_from_callback(VEO, ok)["result_urls"] == ["https://a"]
    assert task_from_callback(VEO, as_text)["result_urls"] == ["http://a.mp4", "http://b.mp4"]
    assert task_from_callback(VEO, four_k)["task_id"] == "v"
    assert task_from_callback(VEO, four_k)["result_urls"] == ["https://4k"]
    failure = task_from_callback(VEO, failed)
    assert (failure["state"], failure["fail_code"], failure["fail_msg"]) == (
        "fail",
        "400",
        "flagged",
    )


def test_runway_and_aleph_callbacks() -> None:
    runway = {
        "code": 200,
        "msg": "ok",
        "data": {"task_id": "r", "video_id": "x", "video_url": "https://r.mp4", "image_url": ""},
    }
    aleph_failed = {"code": 400, "msg": "moderated", "data": None, "taskId": "a"}
    aleph_ok = {
        "code": 200,
        "msg": "success",
        "taskId": "a",
        "data": {"result_video_url": "https://a.mp4", "result_image_url": "https://a.png"},
    }
    assert callback_family(runway) is RUNWAY
    assert callback_family(aleph_failed) is ALEPH
    assert callback_family(aleph_ok) is ALEPH
    assert task_from_callback(RUNWAY, runway)["result_urls"] == ["https://r.mp4"]
    assert task_from_callback(ALEPH, aleph_ok)["task_id"] == "a"
    assert task_from_callback(ALEPH, aleph_failed)["state"] == "fail"


def test_market_callbacks_carry_a_whole_record() -> None:
    body = {
        "code": 501,
        "msg": "failed",
        "data": {"taskId": "m", "state": "fail", "failCode": "500", "failMsg": "boom"},
    }
    assert callback_family(body) is MARKET
    task = task_from_callback(MARKET, body)
    assert (task["state"], task["fail_code"], task["raw"]) == ("fail", "500", body)


def test_a_body_with_nothing_to_tell_has_no_family() -> None:
    assert callback_family({"code": 200}) is None
    assert callback_family({"code": 200, "data": [1]}) is None


def test_get_family_names_the_known_ones() -> None:
    assert get_family("veo") is VEO
    with pytest.raises(ValueError, match="'market', 'veo'"):
        get_family("midjourney")
