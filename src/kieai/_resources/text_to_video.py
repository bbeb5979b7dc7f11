"""``client.text_to_video``: Kling 2.6 text-to-video (a prompt alone; no files to upload)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from .._constants import (
    DEFAULT_MAX_POLL_INTERVAL_S,
    DEFAULT_POLL_INTERVAL_S,
    DEFAULT_WAIT_TIMEOUT_S,
)
from .._models.kling_video import KLING_2_6_TEXT_TO_VIDEO, AspectRatio, Duration
from .._pipeline import CheckReport, OnCreated, RunOptions, UploadProgress, WaitOptions
from .._spec import ModelSpec
from ._base import Resource

if TYPE_CHECKING:
    from .._polling import OnUpdate
    from ..types import VideoResult

__all__ = ["TextToVideo", "TextToVideoModel"]

TextToVideoModel = Literal["kling-2.6/text-to-video"]


def _arguments(
    prompt: str, aspect_ratio: AspectRatio, duration: Duration, sound: bool
) -> dict[str, object]:
    return {"prompt": prompt, "aspect_ratio": aspect_ratio, "duration": duration, "sound": sound}


class TextToVideo(Resource):
    """``client.text_to_video``: check, create and generate videos from a prompt."""

    specs: ClassVar[tuple[ModelSpec, ...]] = (KLING_2_6_TEXT_TO_VIDEO,)

    async def check(
        self,
        *,
        prompt: str,
        aspect_ratio: AspectRatio = "1:1",
        duration: Duration = 5,
        sound: bool = False,
        model: TextToVideoModel = "kling-2.6/text-to-video",
    ) -> CheckReport:
        """Run every local check (no network) and report all problems found."""
        return await self._check(model, _arguments(prompt, aspect_ratio, duration, sound))

    async def create(
        self,
        *,
        prompt: str,
        aspect_ratio: AspectRatio = "1:1",
        duration: Duration = 5,
        sound: bool = False,
        model: TextToVideoModel = "kling-2.6/text-to-video",
        callback_url: str | None = None,
        on_upload_progress: UploadProgress | None = None,
        on_created: OnCreated | None = None,
        check_media: bool = True,
        idempotency_key: str | None = None,
    ) -> str:
        """Check the arguments and create the task; returns its id (also handed to
        `on_created` as soon as Kie returns it). `on_upload_progress` and `check_media` are
        accepted for the shape every resource shares; there is nothing to upload."""
        return await self._create(
            model,
            _arguments(prompt, aspect_ratio, duration, sound),
            RunOptions(callback_url, on_upload_progress, on_created, check_media, idempotency_key),
        )

    async def generate(
        self,
        *,
        prompt: str,
        aspect_ratio: AspectRatio = "1:1",
        duration: Duration = 5,
        sound: bool = False,
        model: TextToVideoModel = "kling-2.6/text-to-video",
        callback_url: str | None = None,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT_S,
        poll_interval: float = DEFAULT_POLL_INTERVAL_S,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL_S,
        on_update: OnUpdate | None = None,
        on_upload_progress: UploadProgress | None = None,
        on_created: OnCreated | None = None,
        check_media: bool = True,
        idempotency_key: str | None = None,
    ) -> VideoResult:
        """`create` then `wait_for_task`: the finished video's URL(s). An interrupted wait
        resumes with `client.wait_for_task(task_id)`."""
        from ..types import VideoResult  # pydantic: not imported by the local checks

        return await self._generate(
            model,
            _arguments(prompt, aspect_ratio, duration, sound),
            RunOptions(callback_url, on_upload_progress, on_created, check_media, idempotency_key),
            WaitOptions(timeout, poll_interval, max_poll_interval, on_update),
            VideoResult,
        )
