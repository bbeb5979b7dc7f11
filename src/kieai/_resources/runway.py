"""``client.runway``: Runway video on Kie's own endpoints (``/api/v1/runway/...``), its
extension, and Runway Aleph's video-to-video (``/api/v1/aleph/...``, a family of its own)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar, Literal

from .._constants import (
    DEFAULT_MAX_POLL_INTERVAL_S,
    DEFAULT_POLL_INTERVAL_S,
    DEFAULT_WAIT_TIMEOUT_S,
)
from .._families import ALEPH, RUNWAY, Family
from .._pipeline import (
    CheckReport,
    OnCreated,
    RunOptions,
    UploadProgress,
    WaitOptions,
    create,
    generate,
)
from ._family import FamilyResource, prepare_family

if TYPE_CHECKING:
    from .._inputs import FileInput
    from .._pipeline import Prepared
    from .._polling import OnUpdate
    from ..types import VideoResult

__all__ = ["Runway", "RunwayAspectRatio", "RunwayQuality"]

RunwayQuality = Literal["720p", "1080p"]
RunwayDuration = Literal[5, 10]
RunwayAspectRatio = Literal["16:9", "4:3", "1:1", "3:4", "9:16"]
AlephAspectRatio = Literal["16:9", "9:16", "4:3", "3:4", "1:1", "21:9"]


def _generate_fields(
    prompt: str,
    image: FileInput | None,
    duration: RunwayDuration,
    quality: RunwayQuality,
    aspect_ratio: RunwayAspectRatio | None,
    watermark: str | None,
) -> dict[str, object]:
    return {
        "prompt": prompt,
        "imageUrl": image,
        "duration": duration,
        "quality": quality,
        "aspectRatio": aspect_ratio,
        "waterMark": watermark,
    }


class Runway(FamilyResource):
    """``client.runway``: Runway text/image-to-video, extension, and Aleph (``aleph``).

    Its tasks are read from ``/api/v1/runway/record-detail`` (``wait``/``queueing`` become
    ``waiting``/``queuing``); Aleph's from ``/api/v1/aleph/record-info``."""

    family: ClassVar[Family] = RUNWAY

    async def check(
        self,
        *,
        prompt: str,
        image: FileInput | None = None,
        duration: RunwayDuration = 5,
        quality: RunwayQuality = "720p",
        aspect_ratio: RunwayAspectRatio | None = None,
        watermark: str | None = None,
        callback_url: str | None = None,
    ) -> CheckReport:
        """Every local check of a `generate` call (no network), all problems at once."""
        fields = _generate_fields(prompt, image, duration, quality, aspect_ratio, watermark)
        return await self._check("generate", fields, callback_url)

    async def create(
        self,
        *,
        prompt: str,
        image: FileInput | None = None,
        duration: RunwayDuration = 5,
        quality: RunwayQuality = "720p",
        aspect_ratio: RunwayAspectRatio | None = None,
        watermark: str | None = None,
        callback_url: str | None = None,
        on_upload_progress: UploadProgress | None = None,
        on_created: OnCreated | None = None,
        check_media: bool = True,
        idempotency_key: str | None = None,
    ) -> str:
        """Check, upload the image and create the task (``POST /api/v1/runway/generate``)."""
        fields = _generate_fields(prompt, image, duration, quality, aspect_ratio, watermark)
        options = RunOptions(
            callback_url, on_upload_progress, on_created, check_media, idempotency_key
        )
        return await self._create("generate", fields, options)

    async def generate(
        self,
        *,
        prompt: str,
        image: FileInput | None = None,
        duration: RunwayDuration = 5,
        quality: RunwayQuality = "720p",
        aspect_ratio: RunwayAspectRatio | None = None,
        watermark: str | None = None,
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
        """`create`, then wait: the finished video."""
        from ..types import VideoResult

        fields = _generate_fields(prompt, image, duration, quality, aspect_ratio, watermark)
        return await self._generate(
            "generate",
            fields,
            RunOptions(callback_url, on_upload_progress, on_created, check_media, idempotency_key),
            WaitOptions(timeout, poll_interval, max_poll_interval, on_update),
            VideoResult,
        )

    async def extend(
        self,
        task_id: str,
        *,
        prompt: str,
        quality: RunwayQuality = "720p",
        watermark: str | None = None,
        callback_url: str | None = None,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT_S,
        poll_interval: float = DEFAULT_POLL_INTERVAL_S,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL_S,
        on_update: OnUpdate | None = None,
        on_created: OnCreated | None = None,
        idempotency_key: str | None = None,
    ) -> VideoResult:
        """Extend a finished Runway video (``POST /api/v1/runway/extend``) and wait."""
        from ..types import VideoResult

        fields = {"taskId": task_id, "prompt": prompt, "quality": quality, "waterMark": watermark}
        return await self._generate(
            "extend",
            fields,
            RunOptions(callback_url, None, on_created, True, idempotency_key),
            WaitOptions(timeout, poll_interval, max_poll_interval, on_update),
            VideoResult,
        )

    async def _aleph(self, fields: Mapping[str, object], options: RunOptions) -> Prepared:
        from .._pipeline import in_thread

        def run() -> tuple[Prepared, CheckReport]:
            return prepare_family(
                ALEPH,
                "generate",
                fields,
                callback_url=options.callback_url,
                check_media=options.check_media,
            )

        return await in_thread(run)

    async def aleph(
        self,
        *,
        prompt: str,
        video: FileInput,
        aspect_ratio: AlephAspectRatio | None = None,
        seed: int | None = None,
        reference_image: FileInput | None = None,
        watermark: str | None = None,
        upload_cn: bool | None = None,
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
        """Runway Aleph: transform ``video`` by the prompt (``POST /api/v1/aleph/generate``)
        and wait; its tasks are the ``aleph`` family (``wait_for_task(id, family="aleph")``)."""
        from ..types import VideoResult

        fields = {
            "prompt": prompt,
            "videoUrl": video,
            "aspectRatio": aspect_ratio,
            "seed": seed,
            "referenceImage": reference_image,
            "waterMark": watermark,
            "uploadCn": upload_cn,
        }
        options = RunOptions(
            callback_url, on_upload_progress, on_created, check_media, idempotency_key
        )
        prepared = await self._aleph(fields, options)
        result = await generate(
            self._engine,
            prepared,
            options,
            WaitOptions(timeout, poll_interval, max_poll_interval, on_update),
            VideoResult,
        )
        assert isinstance(result, VideoResult)
        return result

    async def create_aleph(
        self,
        *,
        prompt: str,
        video: FileInput,
        aspect_ratio: AlephAspectRatio | None = None,
        seed: int | None = None,
        reference_image: FileInput | None = None,
        watermark: str | None = None,
        upload_cn: bool | None = None,
        callback_url: str | None = None,
        on_upload_progress: UploadProgress | None = None,
        on_created: OnCreated | None = None,
        check_media: bool = True,
        idempotency_key: str | None = None,
    ) -> str:
        """`aleph` without waiting: returns the task id (an ``aleph``-family task)."""
        fields = {
            "prompt": prompt,
            "videoUrl": video,
            "aspectRatio": aspect_ratio,
            "seed": seed,
            "referenceImage": reference_image,
            "waterMark": watermark,
            "uploadCn": upload_cn,
        }
        options = RunOptions(
            callback_url, on_upload_progress, on_created, check_media, idempotency_key
        )
        return await create(self._engine, await self._aleph(fields, options), options)
