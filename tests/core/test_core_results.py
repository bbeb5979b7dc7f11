"""The results of ``generate`` (``VideoResult``, ``ImageResult``, ``AudioResult``) as plain
models: their fields, ``kind``, ``url``, dumps that validate again, and what an unbound one
says; and the task-id note every error after creation carries."""

from __future__ import annotations

from pathlib import Path

import pytest

from kieai import (
    AudioResult,
    ImageResult,
    KieError,
    MotionControlResult,
    Task,
    TaskFailedError,
    TaskTimeoutError,
    TextResult,
    VideoResult,
)
from kieai._errors import after_creation
from kieai.types import result_class

pytestmark = pytest.mark.anyio

TASK = Task.model_validate({"taskId": "t1", "state": "success"})


@pytest.mark.parametrize(
    ("kind", "urls", "expected"),
    [
        ("video", ["https://x/a.png"], VideoResult),  # the catalog's kind wins over the suffix
        ("image", ["https://x/a.mp4"], ImageResult),
        ("audio", [], AudioResult),
        (None, ["https://x/A.JPEG?sig=1"], ImageResult),
        (None, ["https://x/voice.wav"], AudioResult),
        (None, ["https://x/clip"], VideoResult),
        ("text", ["https://x/t.mp3"], TextResult),
        ("text", [], TextResult),
        (None, [], TextResult),
    ],
)
def test_the_result_class_follows_the_kind_else_the_first_urls_suffix(
    kind: str | None, urls: list[str], expected: type[object]
) -> None:
    assert result_class(kind, urls) is expected


@pytest.mark.parametrize("cls", [ImageResult, AudioResult])
def test_image_and_audio_results_dump_and_validate_again(cls: type[ImageResult]) -> None:
    result = cls(task_id="t1", task=TASK, urls=["https://x/a", "https://x/b"])
    again = cls.model_validate(result.model_dump())
    assert again == result and again.model_extra == {}
    assert (result.url, result.kind) == ("https://x/a", cls.kind)


def test_a_video_result_has_urls_as_its_video_urls() -> None:
    result = MotionControlResult(task_id="t1", task=TASK, video_urls=["https://x/a.mp4"])
    assert result.urls == result.video_urls and result.url == result.video_url
    assert result.kind == "video"


def test_a_result_without_urls_says_so_on_url() -> None:
    with pytest.raises(KieError, match="task t1 returned no output URL"):
        _ = ImageResult(task_id="t1", task=TASK, urls=[]).url


async def test_an_unbound_result_cannot_download_all_and_says_what_to_do(tmp_path: Path) -> None:
    result = AudioResult(task_id="t1", task=TASK, urls=["https://x/a.mp3"])
    with pytest.raises(KieError, match=r"use client\.download\(result\.url, dest\)"):
        await result.download_all(tmp_path)


def test_the_resume_note_is_added_once_and_sets_the_task_id() -> None:
    error = TaskTimeoutError("t9", None, 5.0)
    after_creation(after_creation(error, "t9"), "t9")
    assert str(error) == (
        "task t9 did not finish after 5 s (no successful poll); task t9 was created at Kie: "
        "resume with client.wait_for_task('t9') or `kie wait t9`"
    )
    assert error.task_id == "t9"


def test_a_failed_task_says_how_to_see_it_again() -> None:
    task = Task.model_validate({"taskId": "t2", "state": "fail", "failMsg": "nope"})
    error = after_creation(TaskFailedError(task), "t2")
    assert str(error) == (
        "task t2 failed (nope) (client.wait_for_task('t2') or `kie wait t2` shows it again)"
    )


def test_an_error_before_creation_has_no_task_id() -> None:
    assert KieError("x").task_id is None


def test_a_text_task_carries_its_result_object() -> None:
    task = Task.model_validate(
        {"taskId": "t3", "state": "success", "resultJson": '{"resultObject": {"text": "hi"}}'}
    )
    assert (task.result_urls, task.result_object) == ([], {"text": "hi"})
    assert Task.model_validate(task.model_dump()) == task
    files = Task.model_validate(
        {"taskId": "t4", "state": "success", "resultJson": '{"resultUrls": ["https://x/a"]}'}
    )
    assert files.result_object is None
