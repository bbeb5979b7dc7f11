"""Kling 2.6 Motion Control (``kling-2.6/motion-control``): one image of a person + one motion
video -> a video of that person performing the motion.

Everything that can be known locally is checked before a byte is uploaded or a credit spent:
Kie's documented limits (prompt length, enums, file types from their bytes, sizes, image
dimensions and aspect ratio, video duration and resolution). All violations are reported
together in one :class:`KieInputError`. Then local files are uploaded concurrently (reused
within the client when the same content was uploaded before), and the task is created.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal

import anyio
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ._constants import (
    DEFAULT_MAX_POLL_INTERVAL_S,
    DEFAULT_POLL_INTERVAL_S,
    DEFAULT_WAIT_TIMEOUT_S,
)
from ._errors import APIResponseValidationError, KieInputError
from ._files import FileInput, LocalFile, is_url, open_local
from ._polling import OnUpdate, validate_wait_args
from .media import ImageInfo, VideoInfo, probe
from .types import MotionControlResult, UploadedFile

if TYPE_CHECKING:
    from ._client import KieClient

__all__ = [
    "MODEL",
    "CheckReport",
    "MediaInput",
    "MotionControl",
    "MotionControlInput",
]

MODEL = "kling-2.6/motion-control"

MAX_PROMPT_CHARS = 2500
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_VIDEO_BYTES = 100 * 1024 * 1024
MIN_IMAGE_SIDE_EXCLUSIVE_PX = 300
MIN_IMAGE_ASPECT = 2 / 5
MAX_IMAGE_ASPECT = 5 / 2
MIN_VIDEO_SIDE_PX = 720
MIN_VIDEO_DURATION_S = 3.0
MAX_VIDEO_DURATION_S = {"image": 10.0, "video": 30.0}
#: Containers report the longest track (audio often runs a few ms past the video).
DURATION_TOLERANCE_S = 0.1

Orientation = Literal["image", "video"]
Mode = Literal["720p", "1080p"]
#: What callers may pass as ``mode``: the resolutions, or Kie's older names for them.
ModeInput = Literal["720p", "1080p", "std", "pro"]
MODE_ALIASES = {"std": "720p", "pro": "1080p"}
IMAGE_FORMATS = ("jpeg", "png", "webp")
EXPECTED = {"image": "a JPEG, PNG or WebP image", "video": "an MP4, MOV or MKV video"}
VIDEO_CONTAINERS = ("mp4", "mov", "mkv")

#: What ``image=``/``video=`` accept: a local file (path, bytes, binary file), an http(s) URL
#: string, or an :class:`UploadedFile` from an earlier upload.
MediaInput = FileInput | UploadedFile

UploadProgress = Callable[..., "Awaitable[None] | None"]
OnCreated = Callable[[str], "Awaitable[None] | None"]


def _mode_alias(value: Any) -> Any:
    return MODE_ALIASES.get(value, value) if isinstance(value, str) else value


class MotionControlInput(BaseModel):
    """The ``input`` object of a ``kling-2.6/motion-control`` createTask request.

    ``model_dump(exclude_none=True)`` is exactly the JSON Kie expects.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    prompt: str | None = Field(default=None, max_length=MAX_PROMPT_CHARS)
    input_urls: list[str] = Field(min_length=1, max_length=1)
    video_urls: list[str] = Field(min_length=1, max_length=1)
    character_orientation: Orientation = "video"
    mode: Annotated[Mode, BeforeValidator(_mode_alias)] = "720p"


@dataclass(frozen=True)
class CheckReport:
    """The outcome of the local checks: ``ok`` when ``problems`` is empty.

    ``image``/``video`` hold what the prober measured (None for URLs, uploaded files, or
    inputs that could not be read).
    """

    problems: list[str] = field(default_factory=list[str])
    image: ImageInfo | None = None
    video: VideoInfo | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


# -- the rules -----------------------------------------------------------------------------


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB ({size:,} bytes)"


def check_params(
    prompt: str | None, character_orientation: str, mode: str, callback_url: str | None = None
) -> tuple[list[str], str]:
    """Problems with the non-file parameters, and the canonical mode."""
    problems: list[str] = []
    if callback_url is not None and not is_url(callback_url):
        problems.append(f"callback_url: must be an http(s) URL, got {callback_url!r}")
    if prompt is not None:
        if not isinstance(prompt, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            problems.append(f"prompt: must be a string, got {type(prompt).__name__}")
        elif len(prompt) > MAX_PROMPT_CHARS:
            problems.append(
                f"prompt: {len(prompt)} characters exceeds the {MAX_PROMPT_CHARS}-character limit"
            )
    if character_orientation not in ("image", "video"):
        problems.append(
            f'character_orientation: must be "image" or "video", got {character_orientation!r}'
        )
    canonical = MODE_ALIASES.get(mode, mode) if isinstance(mode, str) else mode  # pyright: ignore[reportUnnecessaryIsInstance]
    if canonical not in ("720p", "1080p"):
        problems.append(f'mode: must be "720p" or "1080p" ("std"/"pro" accepted), got {mode!r}')
    return problems, str(canonical)


_FORMAT_NAMES = {
    "jpeg": "JPEG",
    "png": "PNG",
    "webp": "WebP",
    "mp4": "MP4",
    "mov": "MOV",
    "mkv": "MKV",
    "webm": "WebM",
}
#: Letters whose spoken name starts with a vowel sound: "an MP4", "an MKV", but "a PNG".
_VOWEL_SOUND_LETTERS = frozenset("AEFHILMNORSX")


def _with_article(name: str) -> str:
    return f"{'an' if name[:1] in _VOWEL_SOUND_LETTERS else 'a'} {name}"


def _describe(info: ImageInfo | VideoInfo) -> str:
    if isinstance(info, ImageInfo):
        return _with_article(_FORMAT_NAMES.get(info.format, info.format.upper())) + " image"
    return _with_article(_FORMAT_NAMES.get(info.container, info.container.upper())) + " video"


def _measured(
    value: float, bound: float, *, above: bool, digits: tuple[int, ...] = (1, 2, 3)
) -> str:
    """``value`` with the fewest decimals that still show it is past ``bound`` (30.14 s is
    "30.14", not "30.1", against a 30 s limit with 0.1 s of tolerance)."""
    for places in digits:
        shown = round(value, places)
        if (shown > bound) if above else (shown < bound):
            return f"{value:.{places}f}"
    return f"{value:.{digits[-1]}f}"


def judge_image(info: ImageInfo | VideoInfo) -> list[str]:
    if not isinstance(info, ImageInfo):
        return [f"image: is {_describe(info)}; expected {EXPECTED['image']}"]
    problems: list[str] = []
    w, h = info.width, info.height
    if min(w, h) <= MIN_IMAGE_SIDE_EXCLUSIVE_PX:
        problems.append(
            f"image: {w}x{h} px is too small: width and height must be above "
            f"{MIN_IMAGE_SIDE_EXCLUSIVE_PX} px"
        )
    aspect = w / h
    if not MIN_IMAGE_ASPECT <= aspect <= MAX_IMAGE_ASPECT:
        low = aspect < MIN_IMAGE_ASPECT
        bound = MIN_IMAGE_ASPECT if low else MAX_IMAGE_ASPECT
        shown = _measured(aspect, bound, above=not low, digits=(2, 3, 4))
        problems.append(
            f"image: aspect ratio {shown} ({w}x{h}) is outside 2:5 to 5:2 (0.40 to 2.50)"
        )
    return problems


def judge_video(info: ImageInfo | VideoInfo, character_orientation: str) -> list[str]:
    if not isinstance(info, VideoInfo):
        return [f"video: is {_describe(info)}; expected {EXPECTED['video']}"]
    if info.container == "webm":
        return ["video: WebM is not accepted by Kie; use MP4, MOV (QuickTime) or MKV (Matroska)"]
    problems: list[str] = []
    duration = info.duration
    limit = MAX_VIDEO_DURATION_S.get(character_orientation, MAX_VIDEO_DURATION_S["video"])
    if duration < MIN_VIDEO_DURATION_S - DURATION_TOLERANCE_S:
        shown = _measured(duration, MIN_VIDEO_DURATION_S - DURATION_TOLERANCE_S, above=False)
        problems.append(
            f"video: duration {shown} s is below the {MIN_VIDEO_DURATION_S:g} s minimum"
        )
    elif duration > limit + DURATION_TOLERANCE_S:
        shown = _measured(duration, limit + DURATION_TOLERANCE_S, above=True)
        problems.append(
            f"video: duration {shown} s exceeds {limit:g} s "
            f'(character_orientation="{character_orientation}")'
        )
    if min(info.width, info.height) < MIN_VIDEO_SIDE_PX:
        problems.append(
            f"video: {info.width}x{info.height} px is too small: width and height must be at "
            f"least {MIN_VIDEO_SIDE_PX} px (check_media=False skips this)"
        )
    return problems


@dataclass
class _Prepared:
    """One media input after checking: a pass-through URL, or a local file to upload."""

    url: str | None = None
    local: LocalFile | None = None
    info: ImageInfo | VideoInfo | None = None


def _prepare_one(
    value: object, label: Literal["image", "video"], orientation: str, check_media: bool
) -> tuple[_Prepared, list[str]]:
    if isinstance(value, UploadedFile):
        if value.valid_for().total_seconds() <= 0:
            return _Prepared(), [
                f"{label}: the uploaded file expired at {value.expires_at:%Y-%m-%d %H:%M} UTC"
            ]
        return _Prepared(url=value.url), []
    if isinstance(value, str) and is_url(value):
        return _Prepared(url=value), []
    if (
        not isinstance(value, (str, bytes, bytearray, memoryview))
        and not hasattr(value, "read")
        and not hasattr(value, "__fspath__")
    ):
        return _Prepared(), [
            f"{label}: expected a path, bytes, binary file, http(s) URL or UploadedFile, "
            f"got {type(value).__name__}"
        ]
    try:
        local = open_local(value, label=label)  # type: ignore[arg-type]  # narrowed above
    except KieInputError as exc:
        return _Prepared(), exc.problems
    limit = MAX_IMAGE_BYTES if label == "image" else MAX_VIDEO_BYTES
    problems: list[str] = []
    if local.size is not None and local.size > limit:
        problems.append(f"{label}: file size {_mib(local.size)} exceeds {_mib(limit)}")
    prepared = _Prepared(local=local)
    if not check_media:
        return prepared, problems
    if not local.replayable:
        problems.append(
            f"{label}: a non-seekable stream cannot be checked; pass a path or bytes "
            "(or check_media=False)"
        )
        return prepared, problems
    source: Any = (
        local.path
        if local.path is not None
        else local.data
        if local.data is not None
        else local.stream
    )
    try:
        info = probe(source)
    except KieInputError as exc:
        expected = EXPECTED[label]
        problems.extend(
            f"{label}: {p}; expected {expected}" if "not a supported" in p else f"{label}: {p}"
            for p in exc.problems
        )
        return prepared, problems
    prepared.info = info
    problems.extend(judge_image(info) if label == "image" else judge_video(info, orientation))
    return prepared, problems


def _check_all(
    image: object,
    video: object,
    prompt: str | None,
    orientation: str,
    mode: str,
    check_media: bool,
    callback_url: str | None = None,
) -> tuple[CheckReport, _Prepared, _Prepared, str]:
    problems, canonical_mode = check_params(prompt, orientation, mode, callback_url)
    image_prep, image_problems = _prepare_one(image, "image", orientation, check_media)
    video_prep, video_problems = _prepare_one(video, "video", orientation, check_media)
    problems = image_problems + video_problems + problems
    image_info = image_prep.info
    video_info = video_prep.info
    report = CheckReport(
        problems=problems,
        image=image_info if isinstance(image_info, ImageInfo) else None,
        video=video_info if isinstance(video_info, VideoInfo) else None,
    )
    return report, image_prep, video_prep, canonical_mode


def _progress_for(
    hook: UploadProgress | None, label: str
) -> Callable[[int, int | None], Any] | None:
    """Per-file progress: a hook taking three arguments also receives "image"/"video"."""
    if hook is None:
        return None
    try:
        params = inspect.signature(hook).parameters.values()
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        takes_label = len(positional) >= 3 or any(p.kind is p.VAR_POSITIONAL for p in params)
    except (TypeError, ValueError):
        takes_label = False
    if takes_label:
        return lambda sent, total: hook(sent, total, label)
    return hook


class MotionControl:
    """``client.motion_control``: check, create and generate motion-control videos."""

    def __init__(self, client: KieClient) -> None:
        self._client = client

    async def check(
        self,
        *,
        image: MediaInput,
        video: MediaInput,
        character_orientation: Orientation = "video",
        prompt: str | None = None,
        mode: ModeInput = "720p",
    ) -> CheckReport:
        """Run every local check (no network) and report all problems found."""
        report, *_ = await anyio.to_thread.run_sync(
            _check_all, image, video, prompt, character_orientation, mode, True
        )
        return report

    async def create(
        self,
        *,
        image: MediaInput,
        video: MediaInput,
        prompt: str | None = None,
        character_orientation: Orientation = "video",
        mode: ModeInput = "720p",
        callback_url: str | None = None,
        on_upload_progress: UploadProgress | None = None,
        on_created: OnCreated | None = None,
        check_media: bool = True,
    ) -> str:
        """Check, upload local inputs concurrently, create the task; returns its id.

        ``on_created(task_id)`` runs as soon as Kie returns the id, so an app can persist it
        before anything else can fail.
        """
        report, image_prep, video_prep, canonical_mode = await anyio.to_thread.run_sync(
            _check_all,
            image,
            video,
            prompt,
            character_orientation,
            mode,
            check_media,
            callback_url,
        )
        if not report.ok:
            raise KieInputError(report.problems)
        urls = await self._resolve_urls(image_prep, video_prep, on_upload_progress)
        payload = MotionControlInput(
            prompt=prompt,
            input_urls=[urls["image"]],
            video_urls=[urls["video"]],
            character_orientation=character_orientation,
            mode=canonical_mode,  # type: ignore[arg-type]  # checked above: "720p" or "1080p"
        )
        return await self._client._create_task(  # pyright: ignore[reportPrivateUsage]
            MODEL,
            payload.model_dump(exclude_none=True),
            callback_url=callback_url,
            on_created=on_created,
        )

    async def generate(
        self,
        *,
        image: MediaInput,
        video: MediaInput,
        prompt: str | None = None,
        character_orientation: Orientation = "video",
        mode: ModeInput = "720p",
        callback_url: str | None = None,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT_S,
        poll_interval: float = DEFAULT_POLL_INTERVAL_S,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL_S,
        on_update: OnUpdate | None = None,
        on_upload_progress: UploadProgress | None = None,
        on_created: OnCreated | None = None,
        check_media: bool = True,
    ) -> MotionControlResult:
        """``create`` then ``wait_for_task``: the finished video's URL(s).

        If the wait is interrupted (timeout, cancellation, crash), the task keeps running at
        Kie: resume with ``client.wait_for_task(task_id)`` using the id given to ``on_created``.
        """
        validate_wait_args(timeout, poll_interval, max_poll_interval)
        task_id = await self.create(
            image=image,
            video=video,
            prompt=prompt,
            character_orientation=character_orientation,
            mode=mode,
            callback_url=callback_url,
            on_upload_progress=on_upload_progress,
            on_created=on_created,
            check_media=check_media,
        )
        task = await self._client.wait_for_task(
            task_id,
            timeout=timeout,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            on_update=on_update,
        )
        if not task.result_urls:
            raise APIResponseValidationError(
                f"task {task_id} succeeded but its resultJson holds no result URL",
                body=task.model_dump(),
            )
        result = MotionControlResult(task_id=task_id, task=task, video_urls=task.result_urls)
        result._downloader = self._client.download  # pyright: ignore[reportPrivateUsage]
        return result

    async def _resolve_urls(
        self, image: _Prepared, video: _Prepared, on_upload_progress: UploadProgress | None
    ) -> dict[str, str]:
        """Both inputs' URLs, uploading local files concurrently. The first upload to fail
        cancels the other and is raised as itself (not wrapped in an ExceptionGroup)."""
        urls: dict[str, str] = {}
        failures: list[Exception] = []

        async def resolve(label: str, prepared: _Prepared, scope: anyio.CancelScope) -> None:
            if prepared.url is not None:
                urls[label] = prepared.url
                return
            assert prepared.local is not None
            try:
                uploaded = await self._client._upload_reused(  # pyright: ignore[reportPrivateUsage]
                    prepared.local, on_progress=_progress_for(on_upload_progress, label)
                )
            except Exception as exc:
                failures.append(exc)
                scope.cancel()
                return
            urls[label] = uploaded.url

        async with anyio.create_task_group() as group:
            group.start_soon(resolve, "image", image, group.cancel_scope)
            group.start_soon(resolve, "video", video, group.cancel_scope)
        if failures:
            raise failures[0]
        return urls
