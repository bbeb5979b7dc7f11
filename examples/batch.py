"""Apply one motion video to many images, concurrently, under the client's pacing.

    python examples/batch.py dance.mp4 people/*.png --out results/

Everything runs in one anyio task group on one shared ``KieClient``, so:

- the motion video is uploaded once and reused by every task (upload reuse);
- ``createTask`` calls are paced at Kie's 20 per 10 s and polls at 10 per second (no 429s);
- each task id is appended to ``<out>/tasks.jsonl`` the moment it exists, so a crash or Ctrl-C
  never loses a paid task: rerun with ``--resume`` to wait for the recorded ones instead.

``run_batch`` is importable (the tests drive it against ``kieai.testing.FakeKie``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import anyio

from kieai import KieClient, KieError, KieInputError, Task


@dataclass
class BatchOutcome:
    """What happened to each image: the video written, or the error that stopped it."""

    written: dict[str, Path] = field(default_factory=dict[str, Path])
    failed: dict[str, str] = field(default_factory=dict[str, str])


async def run_batch(
    client: KieClient,
    video: str | Path,
    images: Sequence[str | Path],
    out_dir: str | Path,
    *,
    prompt: str | None = None,
    poll_interval: float = 2.0,
    max_concurrency: int = 50,
) -> BatchOutcome:
    """Generate one video per image; never raises for a single failed image."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    journal = out / "tasks.jsonl"
    outcome = BatchOutcome()
    limit = anyio.Semaphore(max_concurrency)
    journal_lock = anyio.Lock()

    async def record(image: str, task_id: str) -> None:
        async with journal_lock:
            with journal.open("a", encoding="utf-8") as f:
                f.write(json.dumps({"image": image, "task_id": task_id}) + "\n")

    async def one(image: str | Path) -> None:
        name = str(image)
        async with limit:
            try:
                result = await client.motion_control.generate(
                    image=image,
                    video=video,
                    prompt=prompt,
                    poll_interval=poll_interval,
                    on_created=lambda task_id: record(name, task_id),
                )
                outcome.written[name] = await result.download(out / f"{Path(name).stem}.mp4")
            except KieError as exc:
                outcome.failed[name] = str(exc)

    async with anyio.create_task_group() as group:
        for image in images:
            group.start_soon(one, image)
    return outcome


async def resume_batch(client: KieClient, out_dir: str | Path) -> BatchOutcome:
    """Wait for every task recorded in ``tasks.jsonl`` and download what succeeded."""
    out = Path(out_dir)
    outcome = BatchOutcome()
    entries = [json.loads(line) for line in (out / "tasks.jsonl").read_text().splitlines() if line]

    async def one(image: str, task_id: str) -> None:
        try:
            task: Task = await client.wait_for_task(task_id)
            outcome.written[image] = await client.download(
                task.result_urls[0], out / f"{Path(image).stem}.mp4"
            )
        except KieError as exc:
            outcome.failed[image] = str(exc)

    async with anyio.create_task_group() as group:
        for entry in entries:
            group.start_soon(one, entry["image"], entry["task_id"])
    return outcome


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("video", help="the motion video (MP4, MOV or MKV)")
    parser.add_argument("images", nargs="*", help="reference images (JPEG, PNG or WebP)")
    parser.add_argument("--out", default="results", help="output folder (default: results)")
    parser.add_argument("--prompt", default=None)
    parser.add_argument("--resume", action="store_true", help="wait for the tasks in tasks.jsonl")
    args = parser.parse_args(argv)

    async def run() -> BatchOutcome:
        async with KieClient() as client:
            if args.resume:
                return await resume_batch(client, args.out)
            return await run_batch(client, args.video, args.images, args.out, prompt=args.prompt)

    try:
        outcome = anyio.run(run)
    except KieInputError as exc:
        print(exc, file=sys.stderr)
        return 2
    for image, path in sorted(outcome.written.items()):
        print(f"ok    {image} -> {path}")
    for image, error in sorted(outcome.failed.items()):
        print(f"fail  {image}: {error}")
    return 0 if not outcome.failed else 1


if __name__ == "__main__":
    raise SystemExit(main())
