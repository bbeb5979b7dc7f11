"""Run by ``test_sync_interrupt.py`` in a subprocess: one ``generate`` and its download with
``SyncKieClient``, against a FakeKie that stalls at ``PHASE`` (upload, wait or download), or a
``create`` and a ``get_task`` that stalls (poll). It
prints a marker when that phase is under way, is sent SIGINT there, and reports as JSON what
the interrupt left behind."""

from __future__ import annotations

import json
import math
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from kieai import SyncKieClient, Task
from kieai._assets import asset_path
from kieai.testing import FakeKie, Fault, Outcome, Schedule

STALL_S = 3600.0  # for ever, as far as the test goes: only the interrupt can end the phase


def main(phase: str, out_dir: Path) -> int:
    fake = FakeKie(api_key="test-key")
    created: list[str] = []
    said: set[str] = set()
    said_lock = threading.Lock()
    stop_watching = threading.Event()
    watchers: list[threading.Thread] = []

    def say(marker: str) -> None:
        with said_lock:
            if marker in said:
                return
            said.add(marker)
        print(marker, flush=True)

    def say_stalled_when_hit(fault: Fault) -> None:
        """Print "stalled" once the stalled request has reached the fake: the parent
        interrupts then, not after a guess of how long the request takes to get there."""

        def watch() -> None:
            while fault.hits == 0 and not stop_watching.wait(0.005):
                pass
            if fault.hits:
                say("stalled")

        watcher = threading.Thread(target=watch, name="stall-watcher")
        watchers.append(watcher)
        watcher.start()

    if phase == "upload":
        say_stalled_when_hit(fake.inject("stream-upload", delay=STALL_S, times=None))
    elif phase == "poll":
        pass  # the stall is injected once the task exists
    elif phase == "wait":
        fake.queue_outcomes(Outcome.success(schedule=Schedule(generating=math.inf)))
    else:
        say_stalled_when_hit(fake.inject("results", delay=STALL_S))

    def on_upload_progress(_sent: int, _total: int | None) -> None:
        say("uploading")

    def on_created(task_id: str) -> None:
        created.append(task_id)

    def on_update(_task: Task) -> None:
        say("waiting")

    report: dict[str, Any] = {"interrupted": False}
    try:
        with (
            fake.serve_in_thread() as url,
            SyncKieClient(api_key="test-key", base_url=url, upload_base_url=url) as client,
        ):
            if phase == "poll":
                created.append(
                    client.motion_control.create(
                        image=asset_path("person.png"), video=asset_path("dance.mp4")
                    )
                )
                say_stalled_when_hit(fake.inject("recordInfo", delay=STALL_S))
                say("polling")
                client.get_task(created[0])
                return 0
            result = client.motion_control.generate(
                image=asset_path("person.png"),
                video=asset_path("dance.mp4"),
                on_upload_progress=on_upload_progress,
                on_created=on_created,
                on_update=on_update,
                poll_interval=0.05,
            )
            say("downloading")
            result.download(out_dir / "out.mp4")
    except KeyboardInterrupt:
        report["interrupted"] = True
    stop_watching.set()
    for watcher in watchers:
        watcher.join()
    report["task_ids"] = created
    report["tasks_at_fake"] = sorted(fake.tasks)
    report["threads"] = sorted(t.name for t in threading.enumerate())
    report["files"] = sorted(p.name for p in out_dir.iterdir())
    print(json.dumps(report), flush=True)
    return 130 if report["interrupted"] else 0


if __name__ == "__main__":
    # As in a terminal: a test runner started in the background may pass SIGINT on ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.exit(main(sys.argv[1], Path(sys.argv[2])))
