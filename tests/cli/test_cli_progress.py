"""The progress display on a terminal (live rich bars) and in a log (plain lines)."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

from rich.console import Console

from kieai import Task
from kieai.cli._progress import FlowProgress


def _task(state: str) -> Task:
    return Task.model_validate({"taskId": "task_1", "state": state})


def _run_flow(progress: FlowProgress, tmp_path: Path) -> None:
    progress.upload(0, 100, "image")
    progress.upload(0, 2000, "video")
    progress.upload(100, 100, "image")
    progress.upload(2000, 2000, "video")
    progress.created("task_1")
    progress.update(_task("waiting"))
    progress.update(_task("generating"))
    progress.update(_task("generating"))
    progress.update(_task("success"))
    progress.download(0, None)
    progress.download(5000, 5000)
    saved = tmp_path / "out.mp4"
    saved.write_bytes(b"x" * 5000)
    progress.downloaded(saved)
    progress.close()


def test_live_bars_on_a_terminal(tmp_path: Path) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system=None, width=120)
    progress = FlowProgress(console, names={"image": "me.png", "video": "move.mp4"})

    _run_flow(progress, tmp_path)

    text = buffer.getvalue()
    assert "upload me.png" in text
    assert "upload move.mp4" in text
    assert "task_1 created" in text
    assert "task task_1: success" in text
    assert "download" in text
    assert progress.task_id == "task_1"


def test_plain_lines_in_a_log(tmp_path: Path) -> None:
    buffer = io.StringIO()
    progress = FlowProgress(Console(file=buffer, width=200), names={"image": "me.png"})

    _run_flow(progress, tmp_path)

    assert buffer.getvalue().splitlines() == [
        "sent me.png (100 bytes), waiting for Kie",
        "sent video (2.0 kB), waiting for Kie",
        "uploaded me.png (100 bytes)",
        "uploaded video (2.0 kB)",
        "task task_1 created (resume with: kie wait task_1)",
        "task task_1: waiting",
        "task task_1: generating",
        "task task_1: success",
        f"downloaded {tmp_path / 'out.mp4'} (5.0 kB)",
    ]


def test_disabled_shows_only_the_created_task(tmp_path: Path) -> None:
    buffer = io.StringIO()
    progress = FlowProgress(Console(file=buffer, width=200), enabled=False)

    _run_flow(progress, tmp_path)

    assert buffer.getvalue().splitlines() == ["task task_1 created (resume with: kie wait task_1)"]


def test_a_sent_file_is_waiting_for_kie_until_accepted() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system=None, width=120)
    progress = FlowProgress(console, names={"image": "me.png"})

    progress.upload(100, 100, "image")
    progress.close()
    sent = buffer.getvalue()
    progress.accepted()

    assert "me.png: sent, waiting for Kie" in sent
    assert "uploaded" not in sent


def test_plain_upload_lines_wait_for_the_answer() -> None:
    buffer = io.StringIO()
    progress = FlowProgress(Console(file=buffer, width=200), names={"file": "a.png"})

    progress.upload(0, 10)
    progress.upload(10, 10)
    progress.upload(10, 10)  # a repeated final call prints nothing new
    before = buffer.getvalue().splitlines()
    progress.accepted()
    progress.accepted()  # accepted once only

    assert before == ["sent a.png (10 bytes), waiting for Kie"]
    assert buffer.getvalue().splitlines()[1:] == ["uploaded a.png (10 bytes)"]


def test_not_resumable_leaves_out_the_resume_hint() -> None:
    buffer = io.StringIO()
    progress = FlowProgress(Console(file=buffer, width=200), resumable=False)

    progress.created("task_1")

    assert buffer.getvalue().splitlines() == ["task task_1 created"]


def _old_task(state: str, age_s: float) -> Task:
    created_ms = int((time.time() - age_s) * 1000)
    return Task.model_validate({"taskId": "task_1", "state": state, "createTime": created_ms})


def _ages_between(task: Task, before: float, after: float) -> str:
    """A regex of every age ``task`` had (H:MM:SS) while the clock read from ``before`` to
    ``after``: however long this machine took in between, the one shown is among them."""
    assert task.create_time is not None
    created = task.create_time.timestamp()
    ages = range(int(before - created), int(after - created) + 1)
    return "(?:" + "|".join(f"{a // 3600}:{a % 3600 // 60:02d}:{a % 60:02d}" for a in ages) + ")"


def test_elapsed_time_counts_from_the_tasks_creation_in_a_log() -> None:
    buffer = io.StringIO()
    progress = FlowProgress(Console(file=buffer, width=200))

    task = _old_task("generating", 95)
    before = time.time()
    progress.update(task)
    ages = _ages_between(task, before, time.time())

    assert re.fullmatch(
        rf"task task_1: generating \({ages} since created\)", buffer.getvalue().strip()
    )
    assert ages.startswith("(?:0:01:3")  # about 95 s


def test_elapsed_time_counts_from_the_tasks_creation_on_a_terminal() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system=None, width=120)
    progress = FlowProgress(console)

    task = _old_task("generating", 3725)
    before = time.time()
    progress.update(task)
    progress.close()
    ages = _ages_between(task, before, time.time())

    assert re.search(rf"task task_1: generating +{ages}", buffer.getvalue())
    assert ages.startswith("(?:1:02:0")  # about 3725 s
