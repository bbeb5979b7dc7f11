"""Pydantic models of what Kie returns: tasks, uploaded files and results (video, image, audio).

Kie's payloads are quirky (``param`` and ``resultJson`` are JSON *strings*, times are epoch
milliseconds, empty fail fields come as ``""`` or ``null``, envelopes vary between ``msg`` and
``message``). The models absorb that once, here, so the rest of the code and the user see clean
Python values. All models are frozen and keep unknown fields (``model_extra``), so a field Kie
adds tomorrow is visible today and never breaks parsing.
"""

from __future__ import annotations

import enum
import json
import os
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Protocol, TypeVar
from urllib.parse import unquote, urlsplit

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    WrapValidator,
    computed_field,
    model_validator,
)
from pydantic_core import PydanticUseDefault

from ._errors import KieError

__all__ = [
    "UPLOAD_RETENTION",
    "AudioResult",
    "ImageResult",
    "MotionControlResult",
    "Task",
    "TaskState",
    "TextResult",
    "UploadedFile",
    "VideoResult",
]

#: How long Kie keeps uploaded files when its answer does not say (every upload page: 3 days).
UPLOAD_RETENTION = timedelta(days=3)


class TaskState(str, enum.Enum):
    """The five task states Kie documents. An unknown state is kept as a plain ``str``."""

    WAITING = "waiting"
    QUEUING = "queuing"
    GENERATING = "generating"
    SUCCESS = "success"
    FAIL = "fail"

    def __str__(self) -> str:
        return self.value


def _state(value: Any) -> TaskState | str:
    if isinstance(value, TaskState):
        return value
    if not isinstance(value, str):
        raise ValueError(f"state must be a string, got {type(value).__name__}")
    try:
        return TaskState(value)
    except ValueError:
        return value


def _json_text(value: Any) -> Any:
    """Kie sends ``param``/``resultJson`` as JSON strings; tolerate objects, ``""`` and junk."""
    if isinstance(value, (str, bytes)):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return None
    return value


def _param(value: Any) -> dict[str, Any] | None:
    parsed = _json_text(value)
    return parsed if isinstance(parsed, dict) else None  # pyright: ignore[reportUnknownVariableType]


def _result_urls(value: Any) -> list[str]:
    parsed = _json_text(value)
    urls: Any = parsed
    if isinstance(parsed, dict):
        urls = parsed.get("resultUrls")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    if isinstance(urls, str):
        return [urls]
    if isinstance(urls, list):
        return [u for u in urls if isinstance(u, str) and u]  # pyright: ignore[reportUnknownVariableType]
    return []


def _result_object(value: Any) -> dict[str, Any] | None:
    parsed = _json_text(value)
    if isinstance(parsed, dict) and "resultObject" in parsed:
        found: Any = parsed["resultObject"]  # pyright: ignore[reportUnknownVariableType]
        return found if isinstance(found, dict) else {"value": found}  # pyright: ignore[reportUnknownVariableType]
    return parsed if isinstance(parsed, dict) and "resultUrls" not in parsed and parsed else None  # pyright: ignore[reportUnknownVariableType]


def _blank_to_none(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return str(value) if isinstance(value, (int, float)) else value


def _epoch_ms(value: Any) -> Any:
    """Epoch milliseconds (int, float or digit string) -> aware UTC datetime; 0/""/None -> None."""
    if value is None or value == "" or value == 0:
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value) / 1000.0 if abs(value) > 1e11 else float(value)
        try:
            return datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            # Out of datetime's range: pydantic only turns ValueError into a validation error.
            raise ValueError(f"timestamp out of range: {value!r}") from None
    return value


def _default_on_none(value: Any, handler: Any) -> Any:
    if value is None:
        raise PydanticUseDefault
    return handler(value)


StateField = Annotated[
    TaskState | str,
    BeforeValidator(_state),
    PlainSerializer(lambda s: str(s), return_type=str),
]
Timestamp = Annotated[datetime | None, BeforeValidator(_epoch_ms)]
OptionalText = Annotated[str | None, BeforeValidator(_blank_to_none)]


class _Model(BaseModel):
    # ClassVar: pyright's --verifytypes needs the declared type; defer_build: the schema is
    # built on first validation, not at import (a program that never parses a Task pays nothing).
    model_config: ClassVar[ConfigDict] = ConfigDict(
        frozen=True, extra="allow", populate_by_name=True, defer_build=True
    )


class Task(_Model):
    """A snapshot of one Kie task, as returned by ``recordInfo`` or delivered in a callback."""

    task_id: str = Field(validation_alias=AliasChoices("taskId", "task_id"))
    model: str | None = None
    state: StateField
    param: Annotated[dict[str, Any] | None, BeforeValidator(_param)] = None
    """The full original createTask request (``model``, ``callBackUrl``, ``input``), parsed."""
    result_urls: Annotated[list[str], BeforeValidator(_result_urls)] = Field(
        default_factory=list[str], validation_alias=AliasChoices("resultJson", "result_urls")
    )
    result_object: Annotated[dict[str, Any] | None, BeforeValidator(_result_object)] = Field(
        default=None, validation_alias=AliasChoices("resultJson", "result_object")
    )
    """What a model whose output is text or data returns instead of files: the
    ``resultObject`` of ``resultJson`` (None when there is none)."""
    fail_code: OptionalText = Field(
        default=None, validation_alias=AliasChoices("failCode", "fail_code")
    )
    fail_msg: OptionalText = Field(
        default=None, validation_alias=AliasChoices("failMsg", "fail_msg")
    )
    cost_time: Annotated[float | None, WrapValidator(_default_on_none)] = Field(
        default=None, validation_alias=AliasChoices("costTime", "cost_time")
    )
    """As Kie reports it: milliseconds per the task-detail docs, seconds in callback examples."""
    progress: int | None = None
    create_time: Timestamp = Field(
        default=None, validation_alias=AliasChoices("createTime", "create_time")
    )
    update_time: Timestamp = Field(
        default=None, validation_alias=AliasChoices("updateTime", "update_time")
    )
    complete_time: Timestamp = Field(
        default=None, validation_alias=AliasChoices("completeTime", "complete_time")
    )

    @property
    def is_finished(self) -> bool:
        """True once the task reached ``success`` or ``fail``."""
        return self.state in (TaskState.SUCCESS, TaskState.FAIL)

    @property
    def is_success(self) -> bool:
        return self.state == TaskState.SUCCESS


class UploadedFile(_Model):
    """A file stored on Kie's temporary file host (kept 3 days)."""

    url: str
    """The URL to pass to a model (Kie's ``downloadUrl``, else ``fileUrl`` or ``url``)."""
    file_name: str | None = Field(
        default=None, validation_alias=AliasChoices("fileName", "file_name")
    )
    file_path: str | None = Field(
        default=None, validation_alias=AliasChoices("filePath", "file_path")
    )
    size: int | None = Field(default=None, validation_alias=AliasChoices("fileSize", "size"))
    mime_type: str | None = Field(
        default=None, validation_alias=AliasChoices("mimeType", "mime_type")
    )
    uploaded_at: datetime = Field(
        default_factory=lambda: datetime.now(timezone.utc),
        validation_alias=AliasChoices("uploadedAt", "uploadTime", "uploaded_at"),
    )
    expires_at: datetime = Field(
        default=None,  # pyright: ignore[reportAssignmentType]  (filled by the validator below)
        validation_alias=AliasChoices("expiresAt", "expires_at"),
    )

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out: dict[str, Any] = dict(data)  # pyright: ignore[reportUnknownArgumentType]
        # Kie's downloadUrl is the URL models accept; fileUrl/url are older spellings.
        for key in ("downloadUrl", "fileUrl", "url"):
            if out.get(key):
                out["url"] = out[key]
                break
        for key in ("uploadedAt", "uploadTime", "uploaded_at", "expiresAt", "expires_at"):
            if out.get(key) in ("", 0):
                out.pop(key)
            elif isinstance(out.get(key), (int, float)):
                out[key] = _epoch_ms(out[key])
        return out

    @model_validator(mode="after")
    def _fill_expiry(self) -> UploadedFile:
        uploaded = self.uploaded_at
        if uploaded.tzinfo is None:
            object.__setattr__(self, "uploaded_at", uploaded.replace(tzinfo=timezone.utc))
        if self.expires_at is None:  # pyright: ignore[reportUnnecessaryComparison]
            object.__setattr__(self, "expires_at", self.uploaded_at + UPLOAD_RETENTION)
        elif self.expires_at.tzinfo is None:
            object.__setattr__(self, "expires_at", self.expires_at.replace(tzinfo=timezone.utc))
        return self

    def valid_for(self, now: datetime | None = None) -> timedelta:
        """How long the URL stays valid from ``now`` (negative once expired)."""
        return self.expires_at - (now or datetime.now(timezone.utc))


class Downloader(Protocol):
    def __call__(
        self,
        url: str,
        dest: str | os.PathLike[str],
        *,
        on_progress: Callable[[int, int | None], Awaitable[None] | None] | None = None,
    ) -> Awaitable[Path]: ...


#: What a model makes, as the catalog says (``ModelInfo.output``).
OutputKind = Literal["video", "image", "audio", "text"]
_IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".avif", ".heic"})
_AUDIO_SUFFIXES = frozenset({".mp3", ".wav", ".m4a", ".aac", ".flac", ".ogg", ".opus"})


class _Result(_Model):
    """What every result shares: the task's id and last snapshot, its output URLs, and
    downloads through the client that made it."""

    task_id: str
    task: Task
    kind: ClassVar[OutputKind]
    _downloader: Downloader | None = PrivateAttr(default=None)
    #: How an unbound result's message names its first URL.
    _url_name: ClassVar[str] = "url"

    def _output_urls(self) -> list[str]:
        raise NotImplementedError

    def _bound_downloader(self) -> Downloader:
        if self._downloader is None:
            raise KieError(
                f"this {type(self).__name__} is not bound to a client (it was built or loaded "
                f"outside generate()); use client.download(result.{self._url_name}, dest)"
            )
        return self._downloader

    def __repr_args__(self) -> Any:
        """A short ``repr()``: the id, model, state and first URL (``.task`` has the rest)."""
        from ._display import short_url

        yield "task_id", self.task_id
        yield "model", self.task.model
        yield "state", str(self.task.state)
        urls = self._output_urls()
        if urls:
            yield self._url_name, short_url(urls[0])

    def _repr_html_(self) -> str:
        """Jupyter: a player for the first output and the task's facts."""
        from ._display import result_html

        return result_html(self.task, self._output_urls(), self.kind)

    def _repr_markdown_(self) -> str:
        """Jupyter (Markdown front ends): a player for the first output and the task's facts."""
        from ._display import result_markdown

        return result_markdown(self.task, self._output_urls(), self.kind)

    @property
    def url(self) -> str:
        """The first output URL (for most models, the only one)."""
        urls = self._output_urls()
        if not urls:
            raise KieError(f"task {self.task_id} returned no output URL")
        return urls[0]

    async def download(
        self,
        dest: str | os.PathLike[str] = ".",
        *,
        on_progress: Callable[[int, int | None], Awaitable[None] | None] | None = None,
    ) -> Path:
        """Download the first output to ``dest`` (a file path, or a directory to keep the
        URL's file name); the same as ``client.download(result.url, dest, ...)``."""
        return await self._bound_downloader()(self.url, dest, on_progress=on_progress)

    async def download_all(
        self,
        dest: str | os.PathLike[str] = ".",
        *,
        on_progress: Callable[[int, int | None], Awaitable[None] | None] | None = None,
    ) -> list[Path]:
        """Download every output into the directory ``dest`` (made if missing), each under its
        URL's file name (``-2``, ``-3``, ... added where two share one); returns the paths in
        the order of the URLs."""
        import anyio  # here: the models themselves need no event loop

        downloader = self._bound_downloader()
        directory = Path(dest)
        await anyio.Path(directory).mkdir(parents=True, exist_ok=True)
        urls = self._output_urls()
        return [
            await downloader(url, directory / name, on_progress=on_progress)
            for url, name in zip(urls, _file_names(urls), strict=True)
        ]


def _file_names(urls: list[str]) -> list[str]:
    """One distinct file name per URL, from the URL's path (``output`` when it has none)."""
    names: list[str] = []
    for url in urls:
        name = Path(unquote(urlsplit(url).path)).name or "output"
        stem, suffix = Path(name).stem, Path(name).suffix
        count = 1
        while name in names:
            count += 1
            name = f"{stem}-{count}{suffix}"
        names.append(name)
    return names


class VideoResult(_Result):
    """The outcome of a successful video task (any model): its id, last snapshot and video
    URLs (``urls``; ``video_urls`` is the same list, ``video_url`` its first)."""

    kind: ClassVar[OutputKind] = "video"
    _url_name: ClassVar[str] = "video_url"
    video_urls: list[str]

    @model_validator(mode="before")
    @classmethod
    def _drop_computed(cls, data: Any) -> Any:
        """``model_dump()`` includes ``video_url``; validating that dump again must not keep it
        as an extra field."""
        if isinstance(data, dict) and "video_url" in data:
            return {k: v for k, v in data.items() if k != "video_url"}  # pyright: ignore[reportUnknownVariableType]
        return data  # pyright: ignore[reportUnknownVariableType]

    def _output_urls(self) -> list[str]:
        return self.video_urls

    @property
    def urls(self) -> list[str]:
        """Every result video URL (the same list as ``video_urls``)."""
        return self.video_urls

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented pattern
    @property
    def video_url(self) -> str:
        """The first (for Kling models: the only) result video URL."""
        return self.video_urls[0]


class MotionControlResult(VideoResult):
    """The outcome of a successful motion-control task (a `VideoResult`)."""


class ImageResult(_Result):
    """The outcome of a successful image task: its id, last snapshot and image URLs."""

    kind: ClassVar[OutputKind] = "image"
    urls: list[str]

    def _output_urls(self) -> list[str]:
        return self.urls


class AudioResult(_Result):
    """The outcome of a successful audio task: its id, last snapshot and audio URLs."""

    kind: ClassVar[OutputKind] = "audio"
    urls: list[str]

    def _output_urls(self) -> list[str]:
        return self.urls


class TextResult(_Result):
    """The outcome of a successful task whose output is text or data rather than files:
    ``result`` is Kie's ``resultObject``; ``urls`` holds output URLs if the task had any."""

    kind: ClassVar[OutputKind] = "text"
    urls: list[str] = Field(default_factory=list[str])
    result: dict[str, Any] | None = None

    def _output_urls(self) -> list[str]:
        return self.urls


AnyResult = VideoResult | ImageResult | AudioResult | TextResult


def result_class(kind: str | None, urls: list[str]) -> type[AnyResult]:
    """The result class for a model's output ``kind``; for a model the catalog does not know
    (``None``), chosen from the first URL's file suffix (a `TextResult` without any URL)."""
    if kind == "image":
        return ImageResult
    if kind == "audio":
        return AudioResult
    if kind == "text" or (kind is None and not urls):
        return TextResult
    if kind == "video" or not urls:
        return VideoResult
    suffix = Path(unquote(urlsplit(urls[0]).path)).suffix.lower()
    if suffix in _IMAGE_SUFFIXES:
        return ImageResult
    if suffix in _AUDIO_SUFFIXES:
        return AudioResult
    return VideoResult


def bound_result(
    cls: type[R], *, task_id: str, task: Task, urls: list[str], downloader: Downloader
) -> R:
    """A result whose ``download`` goes through ``downloader`` (the client that made it).
    Internal: the generation pipeline calls it."""
    fields: dict[str, Any] = {"task_id": task_id, "task": task}
    fields["video_urls" if issubclass(cls, VideoResult) else "urls"] = urls
    if issubclass(cls, TextResult):
        fields["result"] = task.result_object
    result = cls.model_validate(fields)
    result._downloader = downloader  # pyright: ignore[reportPrivateUsage]  # this module's own
    return result


R = TypeVar("R", bound=_Result)
