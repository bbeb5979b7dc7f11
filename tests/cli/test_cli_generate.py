"""``kie generate`` and ``kie wait`` end to end against FakeKie in-process."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from kieai import Task, VideoInfo, probe
from kieai.cli._progress import FlowProgress
from kieai.testing import FakeKie, Outcome, Schedule

from .conftest import DANCE, FAST, PERSON, Invoke, fields


def _created_id(stderr: str) -> str:
    match = re.search(r"task (\S+) created \(resume with: kie wait \1\)", stderr)
    assert match is not None, stderr
    return match.group(1)


def test_generate_downloads_a_playable_mp4(invoke: Invoke, fake: FakeKie, tmp_path: Path) -> None:
    result = invoke("generate", "-i", PERSON, "-v", DANCE, "-o", "out.mp4", *FAST)

    assert result.exit_code == 0, result.output
    info = probe(tmp_path / "out.mp4")
    assert isinstance(info, VideoInfo)
    assert info.container == "mp4"
    assert info.duration > 0
    task_id = _created_id(result.stderr)
    assert fake.task(task_id).state == "success"
    shown = fields(result.stdout)
    assert shown["task_id"] == task_id
    assert shown["state"] == "success"
    assert Path(shown["saved"]).name == "out.mp4"


def test_generate_shows_uploads_states_and_download_on_stderr(
    invoke: Invoke, fake: FakeKie
) -> None:
    fake.queue_outcomes(Outcome.success(schedule=Schedule()))  # 300 ms through every state
    result = invoke("generate", "-i", PERSON, "-v", DANCE, "-o", "out.mp4", *FAST)

    assert result.exit_code == 0, result.output
    assert "uploaded person.png" in result.stderr
    assert "uploaded dance.mp4" in result.stderr
    for state in ("waiting", "generating", "success"):
        assert f": {state}" in result.stderr
    assert "downloaded out.mp4" in result.stderr


def test_generate_without_output_saves_under_the_task_id(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("generate", "-i", PERSON, "-v", DANCE, *FAST)

    assert result.exit_code == 0, result.output
    task_id = _created_id(result.stderr)
    assert isinstance(probe(tmp_path / f"{task_id}.mp4"), VideoInfo)


def test_generate_json_is_one_parseable_document(
    invoke: Invoke, fake: FakeKie, tmp_path: Path
) -> None:
    result = invoke(
        "generate", "-i", PERSON, "-v", DANCE, "-p", "A dance.", "--mode", "1080p", "--json", *FAST
    )

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["state"] == "success"
    assert document["video_url"] == document["video_urls"][0]
    assert Path(document["output"]) == (tmp_path / f"{document['task_id']}.mp4").resolve()
    assert document["task"]["task_id"] == document["task_id"]
    sent = fake.task(document["task_id"]).input
    assert sent["prompt"] == "A dance."
    assert sent["mode"] == "1080p"
    assert "\x1b[" not in result.stderr  # no bars, no colours


def test_generate_passes_orientation_and_callback_url(invoke: Invoke, fake: FakeKie) -> None:
    result = invoke(
        "generate",
        "-i",
        PERSON,
        "-v",
        DANCE,
        "--orientation",
        "image",
        "--callback-url",
        "http://127.0.0.1:9/callback",
        "--no-download",
        "--json",
        *FAST,
    )

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["output"] is None
    task = fake.task(document["task_id"])
    assert task.input["character_orientation"] == "image"
    assert task.callback_url == "http://127.0.0.1:9/callback"


def test_generate_with_bad_inputs_exits_2_listing_every_problem(
    invoke: Invoke, fake: FakeKie, tmp_path: Path
) -> None:
    (tmp_path / "note.png").write_bytes(b"this is text, not an image")
    result = invoke(
        "generate", "-i", "note.png", "-v", "missing.mp4", "--mode", "4k", "-p", "x" * 2501
    )

    assert result.exit_code == 2
    assert "4 problems with the input:" in result.stderr
    problems = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert len(problems) == 4
    assert any(p.startswith("  - --image:") for p in problems)
    assert any(p.startswith("  - --video:") for p in problems)
    assert any(p.startswith("  - --mode:") for p in problems)
    assert any(p.startswith("  - --prompt:") for p in problems)
    assert "Traceback" not in result.output
    assert fake.requests == []  # nothing was sent


def test_generate_bad_inputs_json_lists_problems(invoke: Invoke) -> None:
    result = invoke("generate", "-i", DANCE, "-v", PERSON, "--json")

    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "KieInputError"
    assert error["exit_code"] == 2
    assert len(error["problems"]) == 2


def test_no_check_media_skips_local_media_checks(invoke: Invoke, fake: FakeKie) -> None:
    # An image as the motion video: refused locally, unless --no-check-media sends it to Kie
    # (here the fake), which refuses it in turn: an API error, exit 3.
    local = invoke("generate", "-i", PERSON, "-v", PERSON)
    remote = invoke("generate", "-i", PERSON, "-v", PERSON, "--no-check-media")

    assert local.exit_code == 2
    assert remote.exit_code == 3, remote.output
    assert "expected a video" in remote.stderr
    assert [r.route for r in fake.requests].count("createTask") == 1


def test_failed_task_exits_1_without_writing_a_file(
    invoke: Invoke, fake: FakeKie, tmp_path: Path
) -> None:
    fake.fail_next_task("500", "model exploded")
    result = invoke("generate", "-i", PERSON, "-v", DANCE, "-o", "out.mp4", *FAST)

    assert result.exit_code == 1
    task_id = _created_id(result.stderr)
    assert (
        f"error: Kie could not generate task {task_id}: model exploded (fail code 500)"
        in result.stderr
    )
    assert "Traceback" not in result.output
    assert not (tmp_path / "out.mp4").exists()


def test_failed_task_json_error_carries_the_failure(invoke: Invoke, fake: FakeKie) -> None:
    fake.fail_next_task("501", "no person found")
    result = invoke("generate", "-i", PERSON, "-v", DANCE, "--json", *FAST)

    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "TaskFailedError"
    assert (error["fail_code"], error["fail_msg"]) == ("501", "no person found")
    assert error["task"]["state"] == "fail"


@pytest.fixture
def slow_fake(fake: FakeKie) -> FakeKie:
    """The next task never finishes until the test says so."""
    fake.queue_outcomes(Outcome.success(schedule=Schedule(generating=math.inf)))
    return fake


def test_wait_timeout_exits_1_and_resume_finishes_the_job(
    invoke: Invoke, slow_fake: FakeKie, tmp_path: Path
) -> None:
    first = invoke("generate", "-i", PERSON, "-v", DANCE, "-o", "a.mp4", "--timeout", "0.2", *FAST)
    assert first.exit_code == 1
    task_id = _created_id(first.stderr)
    assert f"task {task_id} did not finish after 0.2 s" in first.stderr
    assert f"resume with: kie wait {task_id} -o a.mp4" in first.stderr

    again = invoke("wait", task_id, "--timeout", "0.1", "--json", *FAST)
    assert again.exit_code == 1
    error = json.loads(again.stdout)["error"]
    assert (error["type"], error["resume"]) == ("TaskTimeoutError", f"kie wait {task_id}")

    slow_fake.finish_task(task_id)
    done = invoke("wait", task_id, "-o", "result.mp4", *FAST)
    assert done.exit_code == 0, done.output
    assert isinstance(probe(tmp_path / "result.mp4"), VideoInfo)


def test_wait_no_download_prints_the_url(invoke: Invoke, fake: FakeKie, tmp_path: Path) -> None:
    created = invoke("generate", "-i", PERSON, "-v", DANCE, "--no-download", *FAST)
    task_id = _created_id(created.stderr)

    result = invoke("wait", task_id, "--no-download", "--json", *FAST)

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["video_url"].endswith(f"/results/{task_id}.mp4")
    assert document["output"] is None
    assert list(tmp_path.iterdir()) == []


def test_wait_for_an_unknown_task_times_out(invoke: Invoke) -> None:
    result = invoke("wait", "no-such-task", "--timeout", "0.1", *FAST)

    assert result.exit_code == 1  # Kie's "recordInfo is null" until the deadline
    assert "did not finish" in result.stderr


def test_ctrl_c_during_the_wait_prints_the_resume_command(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = FlowProgress.update

    def interrupt(self: FlowProgress, task: Task) -> None:
        original(self, task)
        raise KeyboardInterrupt

    monkeypatch.setattr(FlowProgress, "update", interrupt)
    result = invoke("generate", "-i", PERSON, "-v", DANCE, "-o", "clip.mp4", *FAST)

    assert result.exit_code == 130
    task_id = _created_id(result.stderr)
    assert f"interrupted; task {task_id} keeps running at Kie" in result.stderr
    assert f"resume with: kie wait {task_id} -o clip.mp4" in result.stderr


def test_ctrl_c_json_mode_reports_the_task(invoke: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(self: FlowProgress, task: Task) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(FlowProgress, "update", interrupt)
    result = invoke("generate", "-i", PERSON, "-v", DANCE, "--json", *FAST)

    assert result.exit_code == 130
    error = json.loads(result.stdout)["error"]
    assert error["resume"] == f"kie wait {error['task_id']}"


def test_a_failed_download_keeps_the_video_url(invoke: Invoke, fake: FakeKie) -> None:
    fake.inject("results", status=404)
    result = invoke("generate", "-i", PERSON, "-v", DANCE, "-o", "out.mp4", *FAST)

    assert result.exit_code == 3
    task_id = _created_id(result.stderr)
    assert f"/results/{task_id}.mp4" in result.stderr
    assert f"retry with: kie wait {task_id} -o out.mp4" in result.stderr


def test_a_failed_download_json_error_has_the_url(invoke: Invoke, fake: FakeKie) -> None:
    fake.inject("results", status=404)
    result = invoke("generate", "-i", PERSON, "-v", DANCE, "--json", *FAST)

    assert result.exit_code == 3
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "DownloadFailedError"
    assert error["video_url"].endswith(f"/results/{error['task_id']}.mp4")
    assert error["resume"] == f"kie wait {error['task_id']}"
