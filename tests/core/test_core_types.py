"""Task and UploadedFile absorb Kie's quirks: JSON strings, epoch milliseconds, blank fail
fields, unknown states, extra fields and the three spellings of an upload's URL."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pydantic
import pytest

from kieai import MotionControlResult, Task, TaskState, UploadedFile

from ._support import MODEL, TASK_ID, task_data

URLS = ["https://cdn.kie.ai/a.mp4", "https://cdn.kie.ai/b.mp4"]


def _task(**fields: Any) -> Task:
    return Task.model_validate(task_data(**fields))


# -- Task --------------------------------------------------------------------------------------


def test_task_parses_result_json_given_as_a_string() -> None:
    task = _task(state="success", resultJson=json.dumps({"resultUrls": URLS}))

    assert task.result_urls == URLS


def test_task_parses_result_json_given_as_an_object() -> None:
    task = _task(state="success", resultJson={"resultUrls": URLS})

    assert task.result_urls == URLS


@pytest.mark.parametrize(
    "value",
    ["", None, "not json", "{}", json.dumps({"resultObject": {"text": "hi"}}), "[" * 5000],
    ids=["empty", "null", "junk", "no-urls", "text-model", "deeply-nested"],
)
def test_task_without_usable_result_json_has_no_urls(value: object) -> None:
    assert _task(resultJson=value).result_urls == []


def test_task_result_urls_skip_non_strings() -> None:
    task = _task(resultJson=json.dumps({"resultUrls": [URLS[0], None, 3, "", URLS[1]]}))

    assert task.result_urls == URLS


def test_task_result_urls_accept_a_single_url() -> None:
    assert _task(resultJson=json.dumps({"resultUrls": URLS[0]})).result_urls == [URLS[0]]


def test_task_parses_param_given_as_a_string() -> None:
    param = {"model": MODEL, "callBackUrl": "https://example.com/hook", "input": {"mode": "720p"}}
    task = _task(param=json.dumps(param))

    assert task.param == param


def test_task_parses_param_given_as_an_object() -> None:
    assert _task(param={"model": MODEL}).param == {"model": MODEL}


@pytest.mark.parametrize("value", ["", None, "junk", "[1, 2]"])
def test_task_with_unusable_param_has_none(value: object) -> None:
    assert _task(param=value).param is None


def test_task_times_are_aware_utc_datetimes_from_epoch_ms() -> None:
    task = _task(createTime=1767693973938, updateTime="1767693975000", completeTime=1767694000123)

    assert task.create_time == datetime(2026, 1, 6, 10, 6, 13, 938000, tzinfo=timezone.utc)
    assert task.update_time == datetime(2026, 1, 6, 10, 6, 15, tzinfo=timezone.utc)
    assert task.complete_time is not None
    assert task.complete_time.tzinfo is not None
    assert task.complete_time.utcoffset() == timedelta(0)


@pytest.mark.parametrize("value", [None, "", 0])
def test_task_missing_times_are_none(value: object) -> None:
    assert _task(completeTime=value).complete_time is None


@pytest.mark.parametrize("value", [10**20, -(10**20), 1e300, "99999999999999999999"])
def test_task_time_out_of_range_is_a_validation_error(value: object) -> None:
    with pytest.raises(pydantic.ValidationError, match="out of range"):
        _task(createTime=value)


@pytest.mark.parametrize("field", ["failCode", "failMsg"])
@pytest.mark.parametrize("value", ["", None, "   "])
def test_task_blank_fail_fields_are_none(field: str, value: object) -> None:
    task = _task(**{field: value})

    assert task.fail_code is None
    assert task.fail_msg is None


def test_task_numeric_fail_code_becomes_a_string() -> None:
    task = _task(state="fail", failCode=500, failMsg="Internal error")

    assert task.fail_code == "500"
    assert task.fail_msg == "Internal error"


def test_task_known_states_are_task_state_members() -> None:
    task = _task(state="generating")

    assert task.state is TaskState.GENERATING
    assert str(task.state) == "generating"


def test_task_unknown_state_is_kept_as_a_plain_string() -> None:
    task = _task(state="paused")

    assert task.state == "paused"
    assert type(task.state) is str
    assert not task.is_finished
    assert not task.is_success
    assert task.model_dump()["state"] == "paused"


@pytest.mark.parametrize("state", [None, 3, ["success"]])
def test_task_state_that_is_not_a_string_is_a_validation_error(state: object) -> None:
    with pytest.raises(pydantic.ValidationError):
        _task(state=state)


def test_task_keeps_extra_fields() -> None:
    task = _task(consumeCredits=110, remainedCredits=890.5, callbackType="complete")

    assert task.model_extra is not None
    assert task.model_extra["consumeCredits"] == 110
    assert task.model_extra["remainedCredits"] == 890.5
    assert task.model_extra["callbackType"] == "complete"


@pytest.mark.parametrize(("value", "expected"), [(15000, 15000.0), ("8", 8.0), (None, None)])
def test_task_cost_time_is_kept_as_reported(value: object, expected: float | None) -> None:
    assert _task(costTime=value).cost_time == expected


def test_task_finished_and_success_properties() -> None:
    assert _task(state="success").is_success
    assert _task(state="success").is_finished
    assert _task(state="fail").is_finished
    assert not _task(state="fail").is_success
    assert not _task(state="queuing").is_finished


def test_task_accepts_snake_case_names_too() -> None:
    task = Task.model_validate({"task_id": "t1", "state": "waiting", "fail_code": "x"})

    assert task.task_id == "t1"
    assert task.fail_code == "x"


def test_task_can_be_built_by_field_name_with_a_state_member() -> None:
    task = Task(task_id=TASK_ID, state=TaskState.FAIL, fail_msg="boom")

    assert task.state is TaskState.FAIL
    assert task.fail_msg == "boom"


def test_task_is_frozen() -> None:
    task = _task()

    with pytest.raises(pydantic.ValidationError):
        task.state = TaskState.SUCCESS  # pyright: ignore[reportAttributeAccessIssue]


def test_task_minimal_record_has_defaults() -> None:
    task = Task.model_validate({"taskId": TASK_ID, "state": "waiting"})

    assert task.model is None
    assert task.param is None
    assert task.result_urls == []
    assert task.cost_time is None
    assert task.create_time is None


# -- UploadedFile ----------------------------------------------------------------------------


def _upload(**fields: Any) -> UploadedFile:
    data: dict[str, Any] = {
        "fileName": "person.png",
        "filePath": "kieai/person.png",
        "fileSize": 154832,
        "mimeType": "image/png",
        "uploadedAt": "2026-11-25T12:00:00.000Z",
    }
    data.update(fields)
    return UploadedFile.model_validate({k: v for k, v in data.items() if v is not None})


def test_uploaded_file_url_is_download_url() -> None:
    upload = _upload(
        downloadUrl="https://tempfile.redpandaai.co/a/person.png",
        fileUrl="https://kieai.redpandaai.co/files/x",
    )

    assert upload.url == "https://tempfile.redpandaai.co/a/person.png"
    assert upload.file_name == "person.png"
    assert upload.file_path == "kieai/person.png"
    assert upload.size == 154832
    assert upload.mime_type == "image/png"


def test_uploaded_file_url_falls_back_to_file_url() -> None:
    assert _upload(fileUrl="https://kieai.redpandaai.co/files/x").url == (
        "https://kieai.redpandaai.co/files/x"
    )


def test_uploaded_file_url_falls_back_to_url() -> None:
    assert _upload(url="https://cdn.example/x.png").url == "https://cdn.example/x.png"


def test_uploaded_file_without_any_url_is_a_validation_error() -> None:
    with pytest.raises(pydantic.ValidationError):
        _upload(downloadUrl="")


def test_uploaded_file_expires_three_days_after_upload_by_default() -> None:
    upload = _upload(downloadUrl="https://x/y.png")

    assert upload.uploaded_at == datetime(2026, 11, 25, 12, tzinfo=timezone.utc)
    assert upload.expires_at == datetime(2026, 11, 28, 12, tzinfo=timezone.utc)


def test_uploaded_file_uses_expires_at_when_given() -> None:
    upload = _upload(downloadUrl="https://x/y.png", expiresAt="2026-11-26T00:00:00Z")

    assert upload.expires_at == datetime(2026, 11, 26, tzinfo=timezone.utc)


def test_uploaded_file_reads_upload_time_and_epoch_ms() -> None:
    upload = _upload(downloadUrl="https://x/y.png", uploadedAt=None, uploadTime=1795003200000)

    assert upload.uploaded_at == datetime(2026, 11, 18, 12, tzinfo=timezone.utc)
    assert upload.expires_at - upload.uploaded_at == timedelta(days=3)


def test_uploaded_file_naive_times_are_taken_as_utc() -> None:
    upload = _upload(
        downloadUrl="https://x/y.png",
        uploadedAt="2026-11-25T12:00:00",
        expiresAt="2026-11-27T12:00:00",
    )

    assert upload.uploaded_at.tzinfo is not None
    assert upload.expires_at == datetime(2026, 11, 27, 12, tzinfo=timezone.utc)


def test_uploaded_file_without_upload_time_counts_from_now() -> None:
    before = datetime.now(timezone.utc)
    upload = _upload(downloadUrl="https://x/y.png", uploadedAt="")

    assert before <= upload.uploaded_at <= datetime.now(timezone.utc)
    assert upload.valid_for() > timedelta(days=2, hours=23)


def test_uploaded_file_valid_for_goes_negative_after_expiry() -> None:
    upload = _upload(downloadUrl="https://x/y.png")

    assert upload.valid_for(datetime(2026, 11, 29, tzinfo=timezone.utc)) < timedelta(0)


@pytest.mark.parametrize("data", ["https://x/y.png", None, ["https://x/y.png"]])
def test_uploaded_file_from_a_non_object_is_a_validation_error(data: object) -> None:
    with pytest.raises(pydantic.ValidationError):
        UploadedFile.model_validate(data)


def test_uploaded_file_keeps_extra_fields() -> None:
    upload = _upload(downloadUrl="https://x/y.png", fileId="file_abc", originalName="me.png")

    assert upload.model_extra is not None
    assert upload.model_extra["fileId"] == "file_abc"


# -- MotionControlResult -----------------------------------------------------------------------


def test_motion_control_result_video_url_is_the_first() -> None:
    task = _task(state="success", resultJson=json.dumps({"resultUrls": URLS}))
    result = MotionControlResult(task_id=TASK_ID, task=task, video_urls=task.result_urls)

    assert result.video_url == URLS[0]
