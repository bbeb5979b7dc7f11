"""``client.runway``: Runway video on Kie's own endpoints (``/api/v1/runway/...``), its
extension, and Runway Aleph's video-to-video (``/api/v1/aleph/...``, a family of its own).

``check``, ``create``, ``generate`` and ``extend`` are generated from their declaration
(``_models.runway.RUNWAY``: each argument written once) into ``_generated/resources.py``;
Aleph's calls, sent to another family's endpoint, are here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from .._constants import (
    DEFAULT_MAX_POLL_INTERVAL_S,
    DEFAULT_POLL_INTERVAL_S,
    DEFAULT_WAIT_TIMEOUT_S,
)
from .._families import ALEPH, RUNWAY, Family
from .._generated.resources import RunwayCalls
from .._models.runway import AlephAspectRatio, RunwayAspectRatio, RunwayDuration, RunwayQuality
from .._pipeline import (
    CheckReport,
    OnCreated,
    RunOptions,
    UploadProgress,
    WaitOptions,
    create,
    generate,
)
from ._family import prepare_family

if TYPE_CHECKING:
    from .._inputs import FileInput
    from .._pipeline import Prepared
    from .._polling import OnUpdate
    from ..types import VideoResult

__all__ = ["Runway", "RunwayAspectRatio", "RunwayDuration", "RunwayQuality"]


class Runway(RunwayCalls):
    """``client.runway``: Runway text/image-to-video, extension, and Aleph (``aleph``).

    Its tasks are read from ``/api/v1/runway/record-detail`` (``wait``/``queueing`` become
    ``waiting``/``queuing``); Aleph's from ``/api/v1/aleph/record-info``."""

    family: ClassVar[Family] = RUNWAY

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

        fields = _aleph_fields(
            prompt, video, aspect_ratio, seed, reference_image, watermark, upload_cn
        )
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
        fields = _aleph_fields(
            prompt, video, aspect_ratio, seed, reference_image, watermark, upload_cn
        )
        options = RunOptions(
            callback_url, on_upload_progress, on_created, check_media, idempotency_key
        )
        return await create(self._engine, await self._aleph(fields, options), options)


def _aleph_fields(
    prompt: str,
    video: FileInput,
    aspect_ratio: AlephAspectRatio | None,
    seed: int | None,
    reference_image: FileInput | None,
    watermark: str | None,
    upload_cn: bool | None,
) -> dict[str, object]:
    """`aleph`'s and `create_aleph`'s arguments under Kie's field names (one mapping for both)."""
    return {
        "prompt": prompt,
        "videoUrl": video,
        "aspectRatio": aspect_ratio,
        "seed": seed,
        "referenceImage": reference_image,
        "waterMark": watermark,
        "uploadCn": upload_cn,
    }
