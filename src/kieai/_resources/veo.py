"""``client.veo``: Google Veo 3.1 on Kie's own endpoints (``/api/v1/veo/...``): generate,
extend, and the 1080P and 4K versions of a finished video.

``check``, ``create``, ``generate``, ``create_extend`` and ``extend`` are generated from their
declaration (``_models.veo.VEO``: each argument written once) into ``_generated/resources.py``;
the 1080P and 4K calls, which ask again until Kie hands out the URL, are here.
"""

from __future__ import annotations

from typing import ClassVar

from .._families import VEO, Family
from .._generated.resources import VeoCalls
from .._models.veo import (
    VeoAspectRatio,
    VeoExtendModel,
    VeoGenerationType,
    VeoModel,
    VeoResolution,
)
from ._upscale import wait_for_upscale

__all__ = [
    "Veo",
    "VeoAspectRatio",
    "VeoExtendModel",
    "VeoGenerationType",
    "VeoModel",
    "VeoResolution",
]

#: Kie's 1080P page: retry every 20-30 s; its 4K page: every 30 s or more.
UPSCALE_1080P_POLL_S = 20.0
UPSCALE_4K_POLL_S = 30.0
#: Kie's pages: 1080P is ready in about 1-3 minutes, 4K in 5-10.
UPSCALE_TIMEOUT_S = 900.0


class Veo(VeoCalls):
    """``client.veo``: Veo 3.1 text/image-to-video, extension, 1080P and 4K.

    Its tasks are read from ``/api/v1/veo/record-info`` (``successFlag`` 0/1/2/3 become
    `TaskState` values)."""

    family: ClassVar[Family] = VEO

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
