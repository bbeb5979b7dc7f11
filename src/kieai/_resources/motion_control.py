"""``client.motion_control``: Kling Motion Control (an image of a person + a motion video)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from .._constants import (
    DEFAULT_MAX_POLL_INTERVAL_S,
    DEFAULT_POLL_INTERVAL_S,
    DEFAULT_WAIT_TIMEOUT_S,
)
from .._models.motion_control import (
    KLING_2_6_MOTION_CONTROL,
    KLING_3_0_MOTION_CONTROL,
    BackgroundSource,
    ModeInput,
    Orientation,
)
from .._pipeline import CheckReport, OnCreated, RunOptions, UploadProgress, WaitOptions
from .._spec import ModelSpec
from ._base import Resource

if TYPE_CHECKING:
    from .._inputs import MediaInput
    from .._polling import OnUpdate
    from ..types import MotionControlResult

__all__ = ["MotionControl", "MotionControlModel", "arguments"]

MotionControlModel = Literal["kling-2.6/motion-control", "kling-3.0/motion-control"]


def arguments(
    image: MediaInput,
    video: MediaInput,
    prompt: str | None,
    character_orientation: Orientation,
    mode: ModeInput,
    background_source: BackgroundSource | None,
) -> dict[str, object]:
    """The argument dict ``check``/``create``/``generate`` hand the pipeline (``kie check``
    builds it here too, so its report is ``client.motion_control.check``'s)."""
    return {
        "image": image,
        "video": video,
        "prompt": prompt,
        "character_orientation": character_orientation,
        "mode": mode,
        "background_source": background_source,
    }


class MotionControl(Resource):
    """``client.motion_control``: check, create and generate motion-control videos.

    Local files are checked before anything is uploaded (all problems reported together in
    one `KieInputError`), then uploaded concurrently and reused within the client.
    """

    specs: ClassVar[tuple[ModelSpec, ...]] = (KLING_2_6_MOTION_CONTROL, KLING_3_0_MOTION_CONTROL)

    async def check(
        self,
        *,
        image: MediaInput,
        video: MediaInput,
        character_orientation: Orientation = "video",
        prompt: str | None = None,
        mode: ModeInput = "720p",
        model: MotionControlModel = "kling-2.6/motion-control",
        background_source: BackgroundSource | None = None,
    ) -> CheckReport:
        """Run every local check (no network) and report all problems found."""
        return await self._check(
            model,
            arguments(image, video, prompt, character_orientation, mode, background_source),
        )

    async def create(
        self,
        *,
        image: MediaInput,
        video: MediaInput,
        prompt: str | None = None,
        character_orientation: Orientation = "video",
        mode: ModeInput = "720p",
        model: MotionControlModel = "kling-2.6/motion-control",
        background_source: BackgroundSource | None = None,
        callback_url: str | None = None,
        on_upload_progress: UploadProgress | None = None,
        on_created: OnCreated | None = None,
        check_media: bool = True,
        idempotency_key: str | None = None,
    ) -> str:
        """Check, upload local inputs concurrently, create the task; returns its id.

        `on_created(task_id)` runs as soon as Kie returns the id, so an app can persist it
        before anything else can fail.
        """
        return await self._create(
            model,
            arguments(image, video, prompt, character_orientation, mode, background_source),
            RunOptions(callback_url, on_upload_progress, on_created, check_media, idempotency_key),
        )

    async def generate(
        self,
        *,
        image: MediaInput,
        video: MediaInput,
        prompt: str | None = None,
        character_orientation: Orientation = "video",
        mode: ModeInput = "720p",
        model: MotionControlModel = "kling-2.6/motion-control",
        background_source: BackgroundSource | None = None,
        callback_url: str | None = None,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT_S,
        poll_interval: float = DEFAULT_POLL_INTERVAL_S,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL_S,
        on_update: OnUpdate | None = None,
        on_upload_progress: UploadProgress | None = None,
        on_created: OnCreated | None = None,
        check_media: bool = True,
        idempotency_key: str | None = None,
    ) -> MotionControlResult:
        """`create` then `wait_for_task`: the finished video's URL(s).

        If the wait is interrupted (timeout, cancellation, crash), the task keeps running at
        Kie: resume with `client.wait_for_task(task_id)` using the id given to `on_created`.
        """
        from ..types import MotionControlResult  # pydantic: not imported by the local checks

        return await self._generate(
            model,
            arguments(image, video, prompt, character_orientation, mode, background_source),
            RunOptions(callback_url, on_upload_progress, on_created, check_media, idempotency_key),
            WaitOptions(timeout, poll_interval, max_poll_interval, on_update),
            MotionControlResult,
        )
