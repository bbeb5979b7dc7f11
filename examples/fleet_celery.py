"""Fan a batch of motion-control videos out over Celery workers, paced as one Kie account,
without holding a worker process for any task's wait.

    pip install 'kieai[redis,celery]'
    # in the directory holding this file (docs/fleet-example.md has it whole):
    # workers: as many as you like, on any machine that reaches Redis and the input files
    celery -A fleet_celery worker --pool prefork --concurrency 4
    # the submitter: one job per image, then waits for them all and prints each outcome
    python fleet_celery.py dance.mp4 people/*.png --out /shared/results

Each job is two Celery tasks. ``fleet.create`` checks and uploads the inputs and creates the
Kie task with an idempotency key in a Redis journal (a redelivered message, or the same
batch submitted again, finds the task already created instead of paying twice) and hands
the task id on. ``fleet.check`` asks Kie once for the task's state: while it runs, the
check schedules itself again with a growing delay (Celery's ``retry(countdown=...)``: the
message waits in the broker, no process does), and when it ended it downloads the video.
So a fleet of N worker processes keeps far more than N videos rendering at once: Kie's
pacing, not the pool size, is the limit.

Each worker *process* (after Celery's fork) makes one ``SyncKieClient`` with a
``RedisCoordinator`` and a ``RedisJournal`` and uses it for every task it runs, so the whole
fleet shares Kie's account windows (20 createTask per 10 s, status polls per second: no 429s
however many workers), uploads the motion video once and keeps one journal. Configuration
comes from the environment:

- ``CELERY_BROKER_URL`` (default ``redis://127.0.0.1:6379/0``), the broker; also the result
  backend unless ``CELERY_RESULT_BACKEND`` is set;
- ``KIE_REDIS_URL`` (default: the broker URL), the Redis the coordinator and the journal use;
- ``KIE_API_KEY`` (and ``KIE_BASE_URL`` / ``KIE_UPLOAD_BASE_URL``), read by the client itself;
- ``FLEET_CREATE_TASK_RATE`` / ``FLEET_GET_TASK_RATE`` as ``COUNT/SECONDS`` (default Kie's
  ``20/10`` and ``10/1``; the test scales the window down).

Celery ships no type stubs; the few places that touch its untyped API say so.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypedDict, cast

from celery import Celery, chain, group  # pyright: ignore[reportMissingTypeStubs]
from celery.signals import (  # pyright: ignore[reportMissingTypeStubs]
    worker_process_init,
    worker_process_shutdown,
)

from kieai import SyncKieClient
from kieai.redis import RedisCoordinator, RedisJournal

BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", BROKER_URL)
COORDINATOR_URL = os.environ.get("KIE_REDIS_URL", BROKER_URL)
logger = logging.getLogger("fleet_celery")  # Celery's worker log shows it

app = Celery("fleet_celery", broker=BROKER_URL, backend=RESULT_BACKEND)
app.conf.update(  # pyright: ignore[reportUnknownMemberType]
    # One message per worker process at a time: a process holding ten prefetched tasks while
    # others sit idle would only make the shared window's queue longer, not faster.
    worker_prefetch_multiplier=1,
    # A message is acknowledged when its task ends: a worker that dies mid-task hands it to
    # another. Safe here: a create runs again under its idempotency key (the journal answers
    # with the task already made, or calls it uncertain; it never pays twice), a check only reads.
    task_acks_late=True,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    broker_connection_retry_on_startup=True,
)


#: The model every job runs, and the longest pause between two checks of one task.
MODEL = "kling-2.6/motion-control"
MAX_CHECK_DELAY_S = 60.0


class CreatedVideo(TypedDict):
    """What ``fleet.create`` hands to ``fleet.check``: plain JSON, as every message."""

    image: str
    task_id: str
    out_dir: str
    poll_interval: float


class GeneratedVideo(TypedDict):
    """What a task returns: plain JSON, so any result backend stores it."""

    image: str
    task_id: str
    video_url: str
    path: str


def _rate(name: str, default: str) -> tuple[int, float]:
    count, _, seconds = os.environ.get(name, default).partition("/")
    return int(count), float(seconds)


# -- one client per worker process, made after the fork --------------------------------------

_client: SyncKieClient | None = None


def worker_client() -> SyncKieClient:
    """This process's client (made on first use if the pool sent no ``worker_process_init``,
    as ``--pool solo`` does not)."""
    global _client
    if _client is None:
        _client = SyncKieClient(
            coordinator=RedisCoordinator(COORDINATOR_URL),
            journal=RedisJournal(COORDINATOR_URL),
            create_task_rate=_rate("FLEET_CREATE_TASK_RATE", "20/10"),
            get_task_rate=_rate("FLEET_GET_TASK_RATE", "10/1"),
        )
    return _client


@worker_process_init.connect  # pyright: ignore[reportUnknownMemberType]
def _open_client(**_: Any) -> None:
    global _client
    _client = None  # never a client inherited through fork(): it cannot work in the child
    worker_client()


@worker_process_shutdown.connect  # pyright: ignore[reportUnknownMemberType]
def _close_client(**_: Any) -> None:
    global _client
    if _client is not None:
        _client.close()  # closes the coordinator's Redis connections too
        _client = None
        logger.info("closed the Kie client of worker process %d", os.getpid())


# -- the tasks ---------------------------------------------------------------------------------


def job_key(image: str, video: str, prompt: str | None) -> str:
    """The job's idempotency key: the same job submitted again is the same Kie task."""
    return f"{MODEL}:{image}:{video}:{prompt or ''}"


@app.task(name="fleet.create")  # pyright: ignore[reportUnknownMemberType, reportUntypedFunctionDecorator]
def create_video(
    image: str, video: str, out_dir: str, prompt: str | None = None, poll_interval: float = 15.0
) -> CreatedVideo:
    """Check, upload (once fleet-wide per distinct file) and create; no waiting here."""
    task_id = worker_client().motion_control.create(
        model=MODEL,
        image=image,
        video=video,
        prompt=prompt,
        idempotency_key=job_key(image, video, prompt),
    )
    logger.info("kie task %s for %s", task_id, image)
    return {"image": image, "task_id": task_id, "out_dir": out_dir, "poll_interval": poll_interval}


# bind: the task itself is the first argument (for retry); max_retries=None: no limit.
@app.task(  # pyright: ignore[reportUnknownMemberType, reportUntypedFunctionDecorator]
    name="fleet.check", bind=True, max_retries=None
)
def check_video(self: Any, created: CreatedVideo, delay: float | None = None) -> GeneratedVideo:
    """One look at the task: still running, check again later (the delay grows x1.5 up to
    `MAX_CHECK_DELAY_S`); ended, download the video (a failed task raises its error)."""
    client = worker_client()
    task_id = created["task_id"]
    state = client.get_task(task_id).state
    if state not in ("success", "fail"):
        wait = created["poll_interval"] if delay is None else delay
        next_delay = min(wait * 1.5, MAX_CHECK_DELAY_S)
        raise self.retry(args=(created,), kwargs={"delay": next_delay}, countdown=wait)
    result = client.tasks.resume(task_id)  # the end, recorded in the journal; raises on fail
    path = result.download(
        Path(created["out_dir"]) / f"{Path(created['image']).stem}-{task_id}.mp4"
    )
    return {
        "image": created["image"],
        "task_id": task_id,
        "video_url": result.url,
        "path": str(path),
    }


# -- the submitter -----------------------------------------------------------------------------


@dataclass
class FleetOutcome:
    """Every image's video, or the error that stopped it (one failure never stops the rest)."""

    done: list[GeneratedVideo] = field(default_factory=list[GeneratedVideo])
    failed: dict[str, str] = field(default_factory=dict[str, str])


class _Batch(Protocol):
    """The part of Celery's (untyped) ``GroupResult`` the submitter uses."""

    def join(
        self, *, timeout: float, propagate: bool
    ) -> list[GeneratedVideo | BaseException]: ...  # propagate=False: errors in place

    def forget(self) -> None: ...


def submit_batch(
    video: str | Path,
    images: Sequence[str | Path],
    out_dir: str | Path,
    *,
    prompt: str | None = None,
    poll_interval: float = 15.0,
    timeout: float = 3600.0,
) -> FleetOutcome:
    """Send one job (create, then check) per image to the workers and wait for them all.
    Paths must be readable by the workers (shared storage) under the same names."""
    create: Any = create_video.s  # pyright: ignore[reportFunctionMemberAccess]  # untyped Celery
    check: Any = check_video.s  # pyright: ignore[reportFunctionMemberAccess]
    signatures: list[Any] = [
        chain(create(str(image), str(video), str(out_dir), prompt, poll_interval), check())
        for image in images
    ]
    batch = cast(_Batch, group(signatures).apply_async())  # pyright: ignore[reportUnknownMemberType]
    answers = batch.join(timeout=timeout, propagate=False)
    outcome = FleetOutcome()
    for image, answer in zip(images, answers, strict=True):
        if isinstance(answer, BaseException):
            outcome.failed[str(image)] = f"{type(answer).__name__}: {answer}"
        else:
            outcome.done.append(answer)
    batch.forget()  # the result backend keeps nothing once collected
    return outcome


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("video", help="the motion video, at a path every worker can read")
    parser.add_argument("images", nargs="+", help="reference images, at shared paths")
    parser.add_argument("--out", default="results", help="output folder, shared (default: results)")
    parser.add_argument("--prompt", default=None)
    parser.add_argument("--poll-interval", type=float, default=15.0, help="seconds (default 15)")
    args = parser.parse_args(argv)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    outcome = submit_batch(
        args.video, args.images, args.out, prompt=args.prompt, poll_interval=args.poll_interval
    )
    for done in outcome.done:
        print(f"ok    {done['image']} -> {done['path']} (task {done['task_id']})")
    for image, error in sorted(outcome.failed.items()):
        print(f"fail  {image}: {error}")
    return 0 if not outcome.failed else 1


if __name__ == "__main__":
    raise SystemExit(main())
