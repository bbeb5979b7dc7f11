"""The Celery fleet example: a real prefork worker, a real Redis, one FakeKie on loopback.

The code run is the one docs/fleet-example.md shows (the page's block is the example file,
checked first), saved as ``fleet_celery.py`` in a directory of its own, as a user of the
installed package would: no repository on the path. ``celery -A fleet_celery worker --pool
prefork --concurrency 4`` runs there as a subprocess (its own process group) against the
test's ``redis-server`` (broker and result backend on db 0, the coordinator on db 1) and a
``FakeKie`` served on a loopback port with Kie's account limits on. The submitter runs as
``python fleet_celery.py`` (its ``__main__``), so Celery's client side stays out of this
process too.

Scaling, documented: Kie's window is 20 createTask per 10 s; the fake and every worker's
client use 5 per **1 s** (the count per window, which the coordinator must get right, is
Kie's): 12 jobs need two windows after the first, so the window binds across the two
processes. Each Kie task runs 3 s on the fake: with two worker processes, a worker that
waited for its task would keep at most two tasks in flight; the create/check split must show
more (proved from the fake's own record of when each task was created and ended).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kieai._assets import asset_path
from kieai.testing import FakeKie, Schedule

from .docs.test_docs_code_blocks import python_blocks
from .motion._media import png_bytes
from .redis._support import max_in_any_window
from .redis.conftest import RedisServer

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "fleet_celery.py"
PAGE = ROOT / "docs" / "fleet-example.md"
KEY = "celery-fleet-key"
CREATE_RATE = (5, 1.0)
RECORD_RATE = (100, 1.0)
CONCURRENCY = 2
TASKS = 12
SCHEDULE = Schedule(waiting=0.2, queuing=0.3, generating=2.5)
#: How long the worker may take to start (four forked children importing kieai, busy cores).
READY_TIMEOUT_S = 40.0
#: How long SIGTERM (Celery's warm shutdown) may take before SIGKILL.
STOP_TIMEOUT_S = 15.0
DONE_LINE = re.compile(r"^ok {4}(?P<image>\S+) -> (?P<path>\S+) \(task (?P<task>\S+)\)$")


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(directory)
    server.start()
    try:
        yield server
    finally:
        server.kill()


def _process_group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def page_code() -> str:
    """The program docs/fleet-example.md shows (its ``fleet_celery.py`` block)."""
    blocks = [block for block in python_blocks(PAGE) if block.file == "fleet_celery.py"]
    assert len(blocks) == 1, "docs/fleet-example.md must hold fleet_celery.py once"
    return blocks[0].code


def test_the_docs_page_holds_the_whole_example() -> None:
    assert page_code() == EXAMPLE.read_text(encoding="utf-8")


@contextmanager
def celery_worker(
    env: dict[str, str], log: Path, app_dir: Path
) -> Generator[subprocess.Popen[bytes], None, None]:
    """A prefork worker in its own process group; stopped in ``finally``: SIGTERM (warm
    shutdown: children finish, ``worker_process_shutdown`` closes their clients), SIGKILL to
    the whole group after `STOP_TIMEOUT_S`, and no process of the group left behind."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "fleet_celery",
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        str(CONCURRENCY),
        "--loglevel",
        "INFO",
        "--hostname",
        f"fleet-test-{os.getpid()}@localhost",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    with log.open("wb") as out:
        worker = subprocess.Popen(
            command,
            cwd=app_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: its children are stopped with it
        )
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while " ready." not in log.read_text(errors="replace"):
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Celery worker did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.05)
        yield worker
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while _process_group_alive(worker.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _process_group_alive(worker.pid):
            os.killpg(worker.pid, signal.SIGKILL)
            pytest.fail("the Celery worker left processes behind after it exited")


def _most_in_flight(spans: list[tuple[float, float]]) -> int:
    """The most tasks created and not yet ended at any one moment."""
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    most = current = 0
    for _, step in events:  # an end sorts before a start at the same moment
        current += step
        most = max(most, current)
    return most


def test_two_prefork_workers_keep_more_tasks_in_flight_than_processes(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    fake = FakeKie(
        api_key=KEY,
        create_rate_limit=CREATE_RATE,
        record_rate_limit=RECORD_RATE,
        schedule=SCHEDULE,
        keep_request_bodies=False,
    )
    shared = tmp_path / "shared"  # the storage every worker reads and writes
    shared.mkdir()
    images: list[Path] = []
    inputs: dict[bytes, str] = {}
    for k in range(TASKS):
        data = png_bytes(400 + k, 600)
        images.append(shared / f"person-{k}.png")
        images[-1].write_bytes(data)
        inputs[data] = f"image {k}"
    video = shared / "dance.mp4"
    shutil.copyfile(asset_path("dance.mp4"), video)
    inputs[video.read_bytes()] = "video"
    out = shared / "results"
    broken = shared / "broken.png"  # fails the worker's local check: nothing sent, reported
    broken.write_bytes(b"not an image")
    batch = [str(image) for image in images] + [str(broken)]
    options = ["--out", str(out), "--poll-interval", "0.2"]

    app_dir = tmp_path / "app"  # the page's program alone, as a user saves it
    app_dir.mkdir()
    (app_dir / "fleet_celery.py").write_text(page_code(), encoding="utf-8")
    with fake.serve_in_thread() as base_url:
        env = {
            **{k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
            "CELERY_BROKER_URL": redis_server.url,  # db 0: broker and result backend
            "KIE_REDIS_URL": redis_server.url.rsplit("/", 1)[0] + "/1",  # coordinator, journal
            "KIE_API_KEY": KEY,
            "KIE_BASE_URL": base_url,
            "KIE_UPLOAD_BASE_URL": base_url,
            "FLEET_CREATE_TASK_RATE": "{}/{}".format(*CREATE_RATE),
            "FLEET_GET_TASK_RATE": "{}/{}".format(*RECORD_RATE),
        }
        log = tmp_path / "worker.log"
        with celery_worker(env, log, app_dir) as worker:
            submitter = subprocess.run(
                [sys.executable, "fleet_celery.py", str(video), *batch, *options],
                cwd=app_dir,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        worker_log = log.read_text(errors="replace")

    # One image failed (and said why); it did not stop or repeat any other.
    assert submitter.returncode == 1, (submitter.stdout[-2000:], submitter.stderr[-3000:])
    lines = submitter.stdout.splitlines()
    assert [line for line in lines if line.startswith("fail")] == [
        f"fail  {broken}: KieInputError: image: broken.png: text file, not an image or video"
    ]
    done = [m for line in lines if (m := DONE_LINE.match(line))]
    # Every job done exactly once: 12 answers, 12 distinct Kie tasks, 12 videos on disk.
    assert sorted(m["image"] for m in done) == sorted(batch[:-1])
    assert {m["task"] for m in done} == set(fake.tasks)
    assert len(fake.tasks) == TASKS
    assert all(Path(m["path"]).is_file() for m in done)
    # No worker held a task's wait: at some moment more tasks were created and unfinished
    # than there are worker processes (the fake's record: creation time plus its schedule).
    spans = [(t.created_at, t.created_at + SCHEDULE.total) for t in fake.tasks.values()]
    assert _most_in_flight(spans) > CONCURRENCY
    # The checks re-scheduled themselves (Celery retries), each job's check succeeded once.
    assert re.findall(r"Task fleet\.check\[\S+\] retry", worker_log)
    assert len(re.findall(r"Task fleet\.check\[\S+\] succeeded", worker_log)) == TASKS
    # No 429 reached anyone, no window over the limit: pacing stayed account-wide.
    assert [(r.route, r.status) for r in fake.requests if r.status == 429] == [], worker_log[-6000:]
    created = [t.created_at for t in fake.tasks.values()]
    assert max_in_any_window(created, CREATE_RATE[1]) <= CREATE_RATE[0]
    # Each distinct input (12 images, 1 video) uploaded once across the processes.
    uploaded = sorted(inputs[stored.data] for stored in fake.uploads.values())
    assert uploaded == sorted(inputs.values())
    assert "unavailable" not in worker_log, worker_log[-3000:]
    assert re.findall(r"Task fleet\.create\[\S+\] raised unexpected: (\w+)", worker_log) == [
        "KieInputError"
    ]
    assert len(re.findall(r"closed the Kie client of worker process", worker_log)) == CONCURRENCY
    assert worker.returncode == 0, worker_log[-3000:]
    print(
        f"celery fleet: {TASKS} jobs on {CONCURRENCY} prefork processes, at most "
        f"{_most_in_flight(spans)} Kie tasks in flight at once"
    )
