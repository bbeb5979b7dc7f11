"""The generation pipeline, the same for every model: check every argument locally, upload the
local files concurrently (reused), create the task, hand out its id, wait, return the result.

Resources (``client.motion_control``, ``client.image_to_video``, ...) only name their
arguments and pick a `ModelSpec`; everything that happens between a call
and a finished video happens here, once.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

import anyio

from ._errors import APIResponseValidationError, KieInputError
from ._files import is_url
from ._hooks import ProgressCallback
from ._inputs import PreparedFile, prepare_file
from ._spec import ModelSpec
from .media import ImageInfo, VideoInfo

if TYPE_CHECKING:
    from ._client import KieClient
    from ._polling import OnUpdate
    from .types import VideoResult

__all__ = [
    "CheckReport",
    "OnCreated",
    "Pipeline",
    "RunOptions",
    "UploadProgress",
    "WaitOptions",
    "check",
]

R = TypeVar("R", bound="VideoResult")

#: ``on_upload_progress(sent, total)``, or ``(sent, total, name)`` for a hook taking three
#: arguments (``name`` is the file argument: ``"image"``, ``"video"``).
UploadProgress = Callable[..., "Awaitable[None] | None"]
OnCreated = Callable[[str], "Awaitable[None] | None"]


@dataclass(frozen=True)
class CheckReport:
    """The outcome of the local checks: ``ok`` when ``problems`` is empty.

    ``image``/``video`` hold what the prober measured (None for URLs, uploaded files, or
    inputs that could not be read); ``media`` holds it for every file argument by name.
    """

    problems: list[str] = field(default_factory=list[str])
    image: ImageInfo | None = None
    video: VideoInfo | None = None
    media: Mapping[str, ImageInfo | VideoInfo] = field(
        default_factory=dict[str, "ImageInfo | VideoInfo"]
    )

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class RunOptions:
    """How ``create`` runs, beside the model's own arguments."""

    callback_url: str | None = None
    on_upload_progress: UploadProgress | None = None
    on_created: OnCreated | None = None
    check_media: bool = True


@dataclass(frozen=True)
class WaitOptions:
    """How ``generate`` waits (as ``wait_for_task``)."""

    timeout: float | None
    poll_interval: float
    max_poll_interval: float
    on_update: OnUpdate | None = None


@dataclass
class _Checked:
    report: CheckReport
    files: dict[str, PreparedFile]
    values: dict[str, object]


def _check(
    spec: ModelSpec,
    args: Mapping[str, object],
    *,
    check_media: bool,
    callback_url: str | None,
    not_taken: Callable[[str, object], str],
) -> _Checked:
    """Every problem with a call, in one pass: arguments the model does not take, file inputs
    (in the spec's order), then the callback URL and the other arguments."""
    problems: list[str] = [
        not_taken(name, value)
        for name, value in args.items()
        if value is not None and name not in spec.arguments
    ]
    files: dict[str, PreparedFile] = {}
    for slot in spec.files:
        prepared, file_problems = prepare_file(
            args.get(slot.name), slot, model=spec.model, args=args, check_media=check_media
        )
        files[slot.name] = prepared
        problems += file_problems
    if callback_url is not None and not is_url(callback_url):
        problems.append(f"callback_url: must be an http(s) URL, got {callback_url!r}")
    values: dict[str, object] = {}
    for param in spec.params:
        param_problems, values[param.name] = param.judge(args.get(param.name))
        problems += param_problems
    media = {name: f.info for name, f in files.items() if f.info is not None}
    image, video = media.get("image"), media.get("video")
    report = CheckReport(
        problems=problems,
        image=image if isinstance(image, ImageInfo) else None,
        video=video if isinstance(video, VideoInfo) else None,
        media=media,
    )
    return _Checked(report=report, files=files, values=values)


def _progress_for(hook: UploadProgress | None, name: str) -> ProgressCallback | None:
    """Per-file progress: a hook taking three arguments also receives the file's name."""
    if hook is None:
        return None
    try:
        params = inspect.signature(hook).parameters.values()
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        takes_name = len(positional) >= 3 or any(p.kind is p.VAR_POSITIONAL for p in params)
    except (TypeError, ValueError):
        takes_name = False
    if takes_name:
        return lambda sent, total: hook(sent, total, name)
    return hook


def check(
    spec: ModelSpec, args: Mapping[str, object], *, not_taken: Callable[[str, object], str]
) -> CheckReport:
    """Every local check (no network, no client), all problems reported, in the calling thread.

    Probing reads the disk, so a resource's async ``check`` runs this in a worker thread;
    ``kie check`` calls it directly and so never starts an event loop.
    """
    return _check(spec, args, check_media=True, callback_url=None, not_taken=not_taken).report


async def _checked(
    spec: ModelSpec,
    args: Mapping[str, object],
    *,
    check_media: bool,
    not_taken: Callable[[str, object], str],
    callback_url: str | None = None,
) -> _Checked:
    """`_check` in a worker thread: probing reads the disk."""

    def run() -> _Checked:
        return _check(
            spec, args, check_media=check_media, callback_url=callback_url, not_taken=not_taken
        )

    return await anyio.to_thread.run_sync(run)


class Pipeline:
    """Runs model specs for one client. ``not_taken(spec, name, value)`` words the problem of
    an argument the chosen model does not take (the resource knows which sibling model would)."""

    def __init__(
        self, client: KieClient, not_taken: Callable[[ModelSpec, str, object], str]
    ) -> None:
        self._client = client
        self._not_taken = not_taken

    async def create(self, spec: ModelSpec, args: Mapping[str, object], options: RunOptions) -> str:
        """Check, upload local inputs concurrently, create the task; returns its id."""
        checked = await _checked(
            spec,
            args,
            check_media=options.check_media,
            not_taken=functools.partial(self._not_taken, spec),
            callback_url=options.callback_url,
        )
        if not checked.report.ok:
            raise KieInputError(checked.report.problems)
        urls = await self._resolve_urls(checked.files, options.on_upload_progress)
        payload = spec.build_input(urls, checked.values)
        return await self._client._create_task(  # pyright: ignore[reportPrivateUsage]
            spec.model,
            payload.model_dump(mode="json", exclude_none=True),
            callback_url=options.callback_url,
            on_created=options.on_created,
        )

    async def generate(
        self,
        spec: ModelSpec,
        args: Mapping[str, object],
        result_type: type[R],
        options: RunOptions,
        wait: WaitOptions,
    ) -> R:
        """``create`` then ``wait_for_task``: the finished video's URL(s).

        If the wait is interrupted (timeout, cancellation, crash), the task keeps running at
        Kie: resume with ``client.wait_for_task(task_id)`` using the id given to ``on_created``.
        """
        # Here, not at the top: _polling imports the retry table and with it httpx, which the
        # local checks (`check`, ``kie check``) never need.
        from ._display import notebook_progress
        from ._polling import validate_wait_args

        validate_wait_args(wait.timeout, wait.poll_interval, wait.max_poll_interval)
        task_id = await self.create(spec, args, options)
        task = await self._client.wait_for_task(
            task_id,
            timeout=wait.timeout,
            poll_interval=wait.poll_interval,
            max_poll_interval=wait.max_poll_interval,
            # In a notebook, a wait without an on_update of the caller's shows the states.
            on_update=wait.on_update if wait.on_update is not None else notebook_progress(),
        )
        if not task.result_urls:
            raise APIResponseValidationError(
                f"task {task_id} succeeded but its resultJson holds no result URL",
                body=task.model_dump(),
            )
        result = result_type(task_id=task_id, task=task, video_urls=task.result_urls)
        result._downloader = self._client.download  # pyright: ignore[reportPrivateUsage]
        return result

    async def _resolve_urls(
        self, files: Mapping[str, PreparedFile], on_upload_progress: UploadProgress | None
    ) -> dict[str, str]:
        """Every file argument's URL, uploading local files concurrently. The first upload to
        fail cancels the others and is raised as itself (not wrapped in an ExceptionGroup)."""
        urls: dict[str, str] = {}
        failures: list[Exception] = []

        async def resolve(name: str, prepared: PreparedFile, scope: anyio.CancelScope) -> None:
            if prepared.url is not None:
                urls[name] = prepared.url
                return
            assert prepared.local is not None
            try:
                uploaded = await self._client._upload_reused(  # pyright: ignore[reportPrivateUsage]
                    prepared.local, on_progress=_progress_for(on_upload_progress, name)
                )
            except Exception as exc:
                failures.append(exc)
                scope.cancel()
                return
            urls[name] = uploaded.url

        async with anyio.create_task_group() as group:
            for name, prepared in files.items():
                group.start_soon(resolve, name, prepared, group.cancel_scope)
        if failures:
            raise failures[0]
        return urls
