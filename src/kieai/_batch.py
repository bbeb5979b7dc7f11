"""Many generations at once: `Job`, `BatchOutcome`, and the loop behind ``client.batch``.

A fixed number of workers (``concurrency``) take jobs one at a time from the list and run each
through the client's own ``generate`` with the job's key as its idempotency key, so pacing,
upload reuse, budgets and the journal hold across the whole batch exactly as for single calls.
A job's failure becomes its outcome; only a bug in the caller's iteration stops the batch.
Running the same jobs again resumes: the journal returns finished keys at once, waits for
created ones and never creates a key twice.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Generic, Literal, TypeVar
from urllib.parse import urlsplit

import anyio

from ._errors import KieInputError, TaskCreationUncertainError

if TYPE_CHECKING:
    from ._client import KieClient
    from .types import AnyResult

__all__ = ["BatchOutcome", "BatchState", "Job", "run_batch"]

#: The longest file-name stem made from a key (longer keys are cut and hashed).
_MAX_STEM_CHARS = 80

BatchState = Literal["done", "failed", "uncertain"]
R = TypeVar("R")


@dataclass(frozen=True)
class Job:
    """One generation of a batch: ``model`` (any Market model id), its ``input`` (Kie's own
    field names; local paths in file fields are uploaded) and ``key``, the job's name in the
    outcomes and its idempotency key (unique within the batch)."""

    model: str
    input: Mapping[str, object]
    key: str = field(kw_only=True)


@dataclass(frozen=True)
class BatchOutcome(Generic[R]):
    """What became of one job: ``state`` ``"done"`` (with ``result`` and, when the batch
    downloads, ``paths``), ``"failed"`` (``error`` says why) or ``"uncertain"`` (the create may
    have reached Kie and was not sent again: ``error`` is a `TaskCreationUncertainError`)."""

    key: str
    job: Job
    state: BatchState
    result: R | None = None
    error: Exception | None = None
    paths: tuple[Path, ...] = ()

    @property
    def ok(self) -> bool:
        """The job succeeded (and its outputs were written, when the batch downloads)."""
        return self.state == "done"


def check_jobs(jobs: Iterable[Job], concurrency: int) -> list[Job]:
    """The jobs as a list, or `KieInputError` with every problem (nothing is sent)."""
    problems: list[str] = []
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:  # pyright: ignore[reportUnnecessaryIsInstance]  # untyped callers
        problems.append(f"concurrency: must be an integer of at least 1, got {concurrency!r}")
    listed = list(jobs)
    seen: set[str] = set()
    for position, job in enumerate(listed):
        if not isinstance(job, Job):  # pyright: ignore[reportUnnecessaryIsInstance]  # untyped callers
            problems.append(f"jobs[{position}]: must be a kieai.Job, got {type(job).__name__}")
            continue
        if not isinstance(job.key, str) or not job.key:  # pyright: ignore[reportUnnecessaryIsInstance]
            problems.append(f"jobs[{position}].key: must be a non-empty string, got {job.key!r}")
        elif job.key in seen:
            problems.append(f"jobs[{position}].key: {job.key!r} is used by an earlier job")
        seen.add(job.key)
    if problems:
        raise KieInputError(problems)
    return listed


def output_stem(key: str) -> str:
    """A file-name stem for a job's outputs: the key when it is a plain name, else its safe
    characters plus a short hash of the key (two keys never share a stem)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip("._")[:_MAX_STEM_CHARS]
    if safe == key:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:10]
    return f"{safe}-{digest}" if safe else digest


def output_paths(key: str, urls: list[str], directory: Path) -> list[Path]:
    """Where each output of a job goes: ``<stem><suffix>``, or ``<stem>-<n><suffix>`` when
    the job has several; the suffix is the URL's."""
    stem = output_stem(key)
    paths: list[Path] = []
    for number, url in enumerate(urls, start=1):
        suffix = PurePosixPath(urlsplit(url).path).suffix
        name = f"{stem}{suffix}" if len(urls) == 1 else f"{stem}-{number}{suffix}"
        paths.append(directory / name)
    return paths


@dataclass(frozen=True)
class BatchWait:
    """How each job waits (``generate``'s wait arguments)."""

    timeout: float | None
    poll_interval: float
    max_poll_interval: float


async def run_batch(
    client: KieClient,
    jobs: list[Job],
    *,
    concurrency: int,
    download_to: Path | None,
    wait: BatchWait,
) -> AsyncIterator[BatchOutcome[AnyResult]]:
    """Every job's outcome, in completion order (see `KieClient.batch`)."""
    pending = iter(jobs)
    send, receive = anyio.create_memory_object_stream[BatchOutcome["AnyResult"]](concurrency)

    async def worker(outcomes: anyio.abc.ObjectSendStream[BatchOutcome[AnyResult]]) -> None:
        async with outcomes:
            for job in pending:  # each worker takes the next job when it is free
                await outcomes.send(await _run_job(client, job, download_to, wait))

    async with anyio.create_task_group() as group:
        async with send:
            for _ in range(min(concurrency, len(jobs))):
                group.start_soon(worker, send.clone())
        async with receive:
            try:
                async for outcome in receive:
                    yield outcome
            except GeneratorExit:  # closed early (break, Ctrl-C): stop the jobs in flight
                group.cancel_scope.cancel()  # ending here, not raising, leaves the group clean


async def _run_job(
    client: KieClient, job: Job, download_to: Path | None, wait: BatchWait
) -> BatchOutcome[AnyResult]:
    # Without a journal the key cannot be kept across runs: it only names the outcome.
    key = job.key if client.journal is not None else None
    try:
        result = await client._generate_model(  # pyright: ignore[reportPrivateUsage]  # generate's untyped body
            job.model,
            job.input,
            timeout=wait.timeout,
            poll_interval=wait.poll_interval,
            max_poll_interval=wait.max_poll_interval,
            idempotency_key=key,
        )
        paths: tuple[Path, ...] = ()
        if download_to is not None:
            paths = await _save(client, job.key, result.urls, download_to)
    except TaskCreationUncertainError as exc:
        return BatchOutcome(job.key, job, "uncertain", error=exc)
    except Exception as exc:  # one job's failure is its outcome, never the batch's end
        return BatchOutcome(job.key, job, "failed", error=exc)
    return BatchOutcome(job.key, job, "done", result=result, paths=paths)


async def _save(client: KieClient, key: str, urls: list[str], directory: Path) -> tuple[Path, ...]:
    """Each output under its key's name; one already written (a resumed batch) is kept."""
    written: list[Path] = []
    for url, path in zip(urls, output_paths(key, urls, directory), strict=True):
        if not await anyio.Path(path).exists():  # downloads land whole or not at all
            await client.download(url, path)
        written.append(path)
    return tuple(written)
