"""Fan a batch of motion-control videos out over Celery workers, paced as one Kie account.

    pip install 'kieai[redis,celery]'
    # in the directory holding this file (docs/fleet-example.md has it whole):
    # workers: as many as you like, on any machine that reaches Redis and the input files
    celery -A fleet_celery worker --pool prefork --concurrency 4
    # the submitter: one task per image, then waits for them all and prints each outcome
    python fleet_celery.py dance.mp4 people/*.png --out /shared/results

Each worker *process* (after Celery's fork) makes one ``SyncKieClient`` with a
``RedisCoordinator`` and uses it for every task it runs, so the whole fleet shares Kie's
account windows (20 createTask per 10 s, status polls per second: no 429s however many
workers) and uploads the motion video once. Configuration comes from the environment:

- ``CELERY_BROKER_URL`` (default ``redis://127.0.0.1:6379/0``), the broker; also the result
  backend unless ``CELERY_RESULT_BACKEND`` is set;
- ``KIE_REDIS_URL`` (default: the broker URL), the Redis the coordinator shares windows on;
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

from celery import Celery, group  # pyright: ignore[reportMissingTypeStubs]
from celery.signals import (  # pyright: ignore[reportMissingTypeStubs]
    worker_process_init,
    worker_process_shutdown,
)

from kieai import SyncKieClient
from kieai.redis import RedisCoordinator

BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", BROKER_URL)
COORDINATOR_URL = os.environ.get("KIE_REDIS_URL", BROKER_URL)
logger = logging.getLogger("fleet_celery")  # Celery's worker log shows it

app = Celery("fleet_celery", broker=BROKER_URL, backend=RESULT_BACKEND)
app.conf.update(  # pyright: ignore[reportUnknownMemberType]
    # One message per worker process at a time: a process holding ten prefetched tasks while
    # others sit idle would only make the shared window's queue longer, not faster.
    worker_prefetch_multiplier=1,
    # Celery's default, said out loud: a message is acknowledged when its task starts, so a
    # worker that dies mid-task does not hand it to another (which would pay Kie again). The
    # Kie task id is logged the moment it exists; `client.wait_for_task(id)` resumes it.
    task_acks_late=False,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    broker_connection_retry_on_startup=True,
)


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


# -- the task ----------------------------------------------------------------------------------


@app.task(name="fleet.generate")  # pyright: ignore[reportUnknownMemberType, reportUntypedFunctionDecorator]
def generate(
    image: str, video: str, out_dir: str, prompt: str | None = None, poll_interval: float = 15.0
) -> GeneratedVideo:
    """One video: upload (once fleet-wide per distinct file), create, wait, download."""
    result = worker_client().motion_control.generate(
        image=image,
        video=video,
        prompt=prompt,
        poll_interval=poll_interval,
        max_poll_interval=max(poll_interval, 30.0),
        on_created=lambda task_id: logger.info("kie task %s for %s", task_id, image),
    )
    path = result.download(Path(out_dir) / f"{Path(image).stem}-{result.task_id}.mp4")
    return {
        "image": image,
        "task_id": result.task_id,
        "video_url": result.video_url,
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
    """Send one ``generate`` per image to the workers and wait for them all. Paths must be
    readable by the workers (shared storage) under the same names."""
    signature: Any = generate.s  # pyright: ignore[reportFunctionMemberAccess]  # untyped Celery
    signatures = [
        signature(str(image), str(video), str(out_dir), prompt, poll_interval) for image in images
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
