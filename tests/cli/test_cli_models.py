"""``kie generate --model``, ``kie image-to-video`` and ``kie text-to-video``: the same
progress, ``--json``, exit codes and resume hints as ``kie generate``, for every model."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kieai import Task, VideoInfo, probe
from kieai.cli._progress import FlowProgress
from kieai.testing import FakeKie

from ..motion._media import fixture
from .conftest import DANCE, FAST, PERSON, Invoke, fields

PERSON_JPEG = str(fixture("person_480x640.jpg"))


def _created_id(stderr: str) -> str:
    match = re.search(r"task (\S+) created \(resume with: kie wait \1\)", stderr)
    assert match is not None, stderr
    return match.group(1)


def test_generate_with_kling_3_0_and_a_background_source(
    invoke: Invoke, fake: FakeKie, tmp_path: Path
) -> None:
    result = invoke(
        "generate",
        "-i",
        PERSON_JPEG,
        "-v",
        DANCE,
        "--model",
        "kling-3.0/motion-control",
        "--background-source",
        "input_image",
        "-o",
        "out.mp4",
        *FAST,
    )
    assert result.exit_code == 0, result.output
    task = fake.task(_created_id(result.stderr))
    assert task.model == "kling-3.0/motion-control"
    assert task.input["background_source"] == "input_image"
    assert isinstance(probe(tmp_path / "out.mp4"), VideoInfo)


def test_background_source_with_kling_2_6_exits_2_naming_it(invoke: Invoke, fake: FakeKie) -> None:
    result = invoke("generate", "-i", PERSON, "-v", DANCE, "--background-source", "input_image")
    assert result.exit_code == 2
    assert "--background-source: kling-2.6/motion-control does not take this argument" in (
        result.stderr
    )
    assert fake.requests == []


def test_an_unknown_model_exits_2(invoke: Invoke, fake: FakeKie) -> None:
    result = invoke("generate", "-i", PERSON, "-v", DANCE, "--model", "kling-9/motion-control")
    assert result.exit_code == 2
    assert "model: must be 'kling-2.6/motion-control' or 'kling-3.0/motion-control'" in (
        result.stderr
    )
    assert fake.requests == []


def test_check_takes_the_model_too(invoke: Invoke) -> None:
    webp = str(fixture("person_480x640.webp"))
    assert invoke("check", "-i", webp, "-v", DANCE).exit_code == 0
    result = invoke("check", "-i", webp, "-v", DANCE, "--model", "kling-3.0/motion-control")
    assert result.exit_code == 2
    assert "WebP is not accepted by kling-3.0/motion-control" in result.stderr


def test_image_to_video_downloads_a_playable_mp4(
    invoke: Invoke, fake: FakeKie, tmp_path: Path
) -> None:
    result = invoke(
        "image-to-video",
        "-i",
        PERSON,
        "-p",
        "She waves.",
        "--duration",
        "10",
        "--sound",
        "-o",
        "wave.mp4",
        *FAST,
    )
    assert result.exit_code == 0, result.output
    assert "uploaded person.png" in result.stderr
    task_id = _created_id(result.stderr)
    assert fake.task(task_id).input == {
        "prompt": "She waves.",
        "image_urls": [fake.task(task_id).input["image_urls"][0]],
        "sound": True,
        "duration": "10",
    }
    shown = fields(result.stdout)
    assert shown["task_id"] == task_id and shown["state"] == "success"
    assert isinstance(probe(tmp_path / "wave.mp4"), VideoInfo)


def test_image_to_video_bad_inputs_exit_2_listing_every_problem(
    invoke: Invoke, fake: FakeKie
) -> None:
    result = invoke("image-to-video", "-i", DANCE, "-p", "x" * 1001, "--duration", "7")
    assert result.exit_code == 2
    assert "3 problems with the input:" in result.stderr
    problems = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert problems == [
        f"  - --image: {DANCE!r} is an MP4 video; expected a JPEG or PNG image",
        "  - --prompt: 1001 characters exceeds the 1000-character limit",
        "  - --duration: must be 5 or 10 (seconds), got 7",
    ]
    assert fake.requests == []


def test_image_to_video_needs_a_prompt(invoke: Invoke) -> None:
    result = invoke("image-to-video", "-i", PERSON)
    assert result.exit_code == 2
    assert "--prompt" in result.output


def test_text_to_video_json_is_one_parseable_document(
    invoke: Invoke, fake: FakeKie, tmp_path: Path
) -> None:
    result = invoke(
        "text-to-video", "-p", "A red fox in snow.", "--aspect-ratio", "16:9", "--json", *FAST
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["state"] == "success"
    assert Path(document["output"]) == (tmp_path / f"{document['task_id']}.mp4").resolve()
    assert fake.task(document["task_id"]).input == {
        "prompt": "A red fox in snow.",
        "sound": False,
        "aspect_ratio": "16:9",
        "duration": "5",
    }
    assert fake.uploads == {}


def test_text_to_video_bad_aspect_ratio_json_error(invoke: Invoke, fake: FakeKie) -> None:
    result = invoke("text-to-video", "-p", "p", "--aspect-ratio", "4:3", "--json")
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "KieInputError"
    assert error["problems"] == ['--aspect-ratio: must be "1:1", "16:9" or "9:16", got \'4:3\'']
    assert fake.requests == []


def test_a_failed_text_to_video_task_exits_1(invoke: Invoke, fake: FakeKie) -> None:
    fake.fail_next_task("500", "model exploded")
    result = invoke("text-to-video", "-p", "p", *FAST)
    assert result.exit_code == 1
    task_id = _created_id(result.stderr)
    assert (
        f"error: Kie could not generate task {task_id}: model exploded (fail code 500)"
        in result.stderr
    )


@pytest.mark.parametrize(
    "command",
    [
        ("image-to-video", "-i", PERSON, "-p", "p"),
        ("text-to-video", "-p", "p"),
    ],
    ids=["image-to-video", "text-to-video"],
)
def test_ctrl_c_prints_the_resume_command(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    original = FlowProgress.update

    def interrupt(self: FlowProgress, task: Task) -> None:
        original(self, task)
        raise KeyboardInterrupt

    monkeypatch.setattr(FlowProgress, "update", interrupt)
    result = invoke(*command, "-o", "clip.mp4", *FAST)
    assert result.exit_code == 130
    task_id = _created_id(result.stderr)
    assert f"resume with: kie wait {task_id} -o clip.mp4" in result.stderr
