"""``client.veo``: Google Veo 3.1 on Kie's own endpoints (``/api/v1/veo/...``): generate,
extend, and the 1080P and 4K versions of a finished video."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar, Literal

from .._constants import (
    DEFAULT_MAX_POLL_INTERVAL_S,
    DEFAULT_POLL_INTERVAL_S,
    DEFAULT_WAIT_TIMEOUT_S,
)
from .._families import VEO, Family
from .._pipeline import CheckReport, OnCreated, RunOptions, UploadProgress, WaitOptions
from ._family import FamilyResource
from ._upscale import wait_for_upscale

if TYPE_CHECKING:
    from .._inputs import FileInput
    from .._polling import OnUpdate
    from ..types import VideoResult

__all__ = ["Veo", "VeoAspectRatio", "VeoGenerationType", "VeoModel", "VeoResolution"]

VeoModel = Literal["veo3", "veo3_fast", "veo3_lite"]
VeoExtendModel = Literal["fast", "quality", "lite"]
VeoAspectRatio = Literal["16:9", "9:16", "Auto"]
VeoGenerationType = Literal["TEXT_2_VIDEO", "FIRST_AND_LAST_FRAMES_2_VIDEO", "REFERENCE_2_VIDEO"]
VeoResolution = Literal["720p", "1080p", "4k"]
#: Kie's 1080P page: retry every 20-30 s; its 4K page: every 30 s or more.
UPSCALE_1080P_POLL_S = 20.0
UPSCALE_4K_POLL_S = 30.0
#: Kie's pages: 1080P is ready in about 1-3 minutes, 4K in 5-10.
UPSCALE_TIMEOUT_S = 900.0


def _images(image: FileInput | Sequence[FileInput] | None) -> list[object] | None:
    if image is None:
        return None
    if isinstance(image, (list, tuple)):
        return list(image)  # pyright: ignore[reportUnknownArgumentType]
    return [image]


def _generate_fields(
    prompt: str,
    image: FileInput | Sequence[FileInput] | None,
    model: VeoModel,
    aspect_ratio: VeoAspectRatio,
    generation_type: VeoGenerationType | None,
    resolution: VeoResolution | None,
    enable_translation: bool | None,
    watermark: str | None,
    seeds: int | None,
) -> dict[str, object]:
    return {
        "prompt": prompt,
        "imageUrls": _images(image),
        "model": model,
        "generationType": generation_type,
        "aspect_ratio": aspect_ratio,
        "resolution": resolution,
        "enableTranslation": enable_translation,
        "watermark": watermark,
        "seeds": seeds,
    }


class Veo(FamilyResource):
    """``client.veo``: Veo 3.1 text/image-to-video, extension, 1080P and 4K.

    Its tasks are read from ``/api/v1/veo/record-info`` (``successFlag`` 0/1/2/3 become
    `TaskState` values)."""

    family: ClassVar[Family] = VEO

    async def check(
        self,
        *,
        prompt: str,
        image: FileInput | Sequence[FileInput] | None = None,
        model: VeoModel = "veo3_fast",
        aspect_ratio: VeoAspectRatio = "16:9",
        generation_type: VeoGenerationType | None = None,
        resolution: VeoResolution | None = None,
        enable_translation: bool | None = None,
        watermark: str | None = None,
        seeds: int | None = None,
        callback_url: str | None = None,
    ) -> CheckReport:
        """Every local check of a `generate` call (no network), all problems at once."""
        fields = _generate_fields(
            prompt,
            image,
            model,
            aspect_ratio,
            generation_type,
            resolution,
            enable_translation,
            watermark,
            seeds,
        )
        return await self._check("generate", fields, callback_url)

    async def create(
        self,
        *,
        prompt: str,
        image: FileInput | Sequence[FileInput] | None = None,
        model: VeoModel = "veo3_fast",
        aspect_ratio: VeoAspectRatio = "16:9",
        generation_type: VeoGenerationType | None = None,
        resolution: VeoResolution | None = None,
        enable_translation: bool | None = None,
        watermark: str | None = None,
        seeds: int | None = None,
        callback_url: str | None = None,
        on_upload_progress: UploadProgress | None = None,
        on_created: OnCreated | None = None,
        check_media: bool = True,
        idempotency_key: str | None = None,
    ) -> str:
        """Check, upload the images (1 or 2 frames; up to 3 references) and create the task
        (``POST /api/v1/veo/generate``); returns its id."""
        fields = _generate_fields(
            prompt,
            image,
            model,
            aspect_ratio,
            generation_type,
            resolution,
            enable_translation,
            watermark,
            seeds,
        )
        options = RunOptions(
            callback_url, on_upload_progress, on_created, check_media, idempotency_key
        )
        return await self._create("generate", fields, options)

    async def generate(
        self,
        *,
        prompt: str,
        image: FileInput | Sequence[FileInput] | None = None,
        model: VeoModel = "veo3_fast",
        aspect_ratio: VeoAspectRatio = "16:9",
        generation_type: VeoGenerationType | None = None,
        resolution: VeoResolution | None = None,
        enable_translation: bool | None = None,
        watermark: str | None = None,
        seeds: int | None = None,
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
        """`create`, then wait: the finished video(s). An interrupted wait resumes with
        ``client.veo.wait_for_task(task_id)``."""
        from ..types import VideoResult

        fields = _generate_fields(
            prompt,
            image,
            model,
            aspect_ratio,
            generation_type,
            resolution,
            enable_translation,
            watermark,
            seeds,
        )
        return await self._generate(
            "generate",
            fields,
            RunOptions(callback_url, on_upload_progress, on_created, check_media, idempotency_key),
            WaitOptions(timeout, poll_interval, max_poll_interval, on_update),
            VideoResult,
        )

    async def create_extend(
        self,
        task_id: str,
        *,
        prompt: str,
        model: VeoExtendModel = "fast",
        seeds: int | None = None,
        watermark: str | None = None,
        callback_url: str | None = None,
        on_created: OnCreated | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Extend a finished Veo video (``POST /api/v1/veo/extend``); returns the new id."""
        fields = {
            "taskId": task_id,
            "prompt": prompt,
            "model": model,
            "seeds": seeds,
            "watermark": watermark,
        }
        options = RunOptions(callback_url, None, on_created, True, idempotency_key)
        return await self._create("extend", fields, options)

    async def extend(
        self,
        task_id: str,
        *,
        prompt: str,
        model: VeoExtendModel = "fast",
        seeds: int | None = None,
        watermark: str | None = None,
        callback_url: str | None = None,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT_S,
        poll_interval: float = DEFAULT_POLL_INTERVAL_S,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL_S,
        on_update: OnUpdate | None = None,
        on_created: OnCreated | None = None,
        idempotency_key: str | None = None,
    ) -> VideoResult:
        """`create_extend`, then wait: the extended video (``fullResultUrls`` when Kie gives
        only those)."""
        from ..types import VideoResult

        fields = {
            "taskId": task_id,
            "prompt": prompt,
            "model": model,
            "seeds": seeds,
            "watermark": watermark,
        }
        return await self._generate(
            "extend",
            fields,
            RunOptions(callback_url, None, on_created, True, idempotency_key),
            WaitOptions(timeout, poll_interval, max_poll_interval, on_update),
            VideoResult,
        )

    async def get_1080p(
        self,
        task_id: str,
        *,
        index: int = 0,
        timeout: float | None = UPSCALE_TIMEOUT_S,
        poll_interval: float = UPSCALE_1080P_POLL_S,
    ) -> str:
        """The 1080P version of video ``index`` of a finished task (``GET
        /api/v1/veo/get-1080p-video``), asked again every ``poll_interval`` seconds while Kie
        answers that it is processing; `TaskTimeoutError` at the deadline."""
        return await wait_for_upscale(
            "1080P",
            task_id,
            lambda: self._engine.call(
                "GET",
                VEO.operation("get-1080p").path,
                query={"taskId": task_id, "index": str(index)},
            ),
            timeout=timeout,
            poll_interval=poll_interval,
        )

    async def get_4k(
        self,
        task_id: str,
        *,
        index: int = 0,
        callback_url: str | None = None,
        timeout: float | None = UPSCALE_TIMEOUT_S,
        poll_interval: float = UPSCALE_4K_POLL_S,
    ) -> str:
        """The 4K version of video ``index`` (``POST /api/v1/veo/get-4k-video``; extra credits,
        charged once by Kie), asked again every ``poll_interval`` seconds until Kie hands out
        its URL; ``callback_url`` gets Kie's 4K callback too."""
        body: dict[str, object] = {"taskId": task_id, "index": index}
        if callback_url is not None:
            body["callBackUrl"] = callback_url
        return await wait_for_upscale(
            "4K",
            task_id,
            lambda: self._engine.call("POST", VEO.operation("get-4k").path, body=body),
            timeout=timeout,
            poll_interval=poll_interval,
        )
