"""Ctrl-C in sync code: SIGINT delivered to a real process during the upload, the wait, the
download and a ``get_task`` stops the call, cancels
its work, surfaces the task id and leaves nothing behind."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .._liveness import HANG_GUARD_S

CHILD = Path(__file__).with_name("_interrupt_child.py")
#: What the child prints once the phase is under way: "stalled" once the stalled request has
#: reached the fake (a wait has nothing to stall: it is under way once it polled).
MARKERS = {"upload": "stalled", "wait": "waiting", "download": "stalled", "poll": "stalled"}


def interrupt_at(phase: str, out_dir: Path) -> tuple[int, dict[str, object], str]:
    process = subprocess.Popen(
        [sys.executable, "-W", "error", "-u", str(CHILD), phase, str(out_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        said: list[str] = []
        while MARKERS[phase] not in said:  # earlier phases print their markers first
            line = process.stdout.readline()
            assert line, f"the child ended early after {said}"
            said.append(line.strip())
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=HANG_GUARD_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    report: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return process.returncode, report, err


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("phase", ["upload", "wait", "download", "poll"])
def test_ctrl_c_stops_the_call_and_leaves_nothing_open(phase: str, tmp_path: Path) -> None:
    # The phase stalls for an hour: the child ends (within interrupt_at's hang guard) only
    # because the interrupt stopped the stalled request.
    returncode, report, stderr = interrupt_at(phase, tmp_path)
    assert returncode == 130 and report["interrupted"] is True
    assert stderr == ""  # no traceback, warning or "Task exception was never retrieved"
    assert report["threads"] == ["MainThread"]  # loop and server threads are gone
    assert report["files"] == []  # no partial download, no temporary file
    if phase == "upload":
        assert report["task_ids"] == [] and report["tasks_at_fake"] == []
    else:  # the created task was handed to on_created before KeyboardInterrupt went on
        assert report["task_ids"] == report["tasks_at_fake"]
        assert len(report["task_ids"]) == 1  # type: ignore[arg-type]
