"""``client.runway``'s calls as declarations: each argument once, with the Kie field it is
sent in. The fields' rules are the family's declaration (``_families._inputs``); ``generate``,
``create``, ``check`` and ``extend`` are generated from these (``_generated/resources.py``);
Aleph's calls stay hand-written in ``_resources/runway.py`` (another family's endpoint)."""

from __future__ import annotations

from typing import Literal

from .._spec import FamilyArgument, FamilyCall, FamilyDeclaration, FamilyMethod

__all__ = ["RUNWAY", "AlephAspectRatio", "RunwayAspectRatio", "RunwayDuration", "RunwayQuality"]

RunwayQuality = Literal["720p", "1080p"]
RunwayDuration = Literal[5, 10]
RunwayAspectRatio = Literal["16:9", "4:3", "1:1", "3:4", "9:16"]
AlephAspectRatio = Literal["16:9", "9:16", "4:3", "3:4", "1:1", "21:9"]

_PROMPT = FamilyArgument("prompt", "str", "prompt", "What happens in the video.", required=True)
_QUALITY = FamilyArgument(
    "quality", "RunwayQuality", "quality", "The video's resolution.", default="720p"
)
_WATERMARK = FamilyArgument("watermark", "str | None", "waterMark", "Text to mark the video with.")

RUNWAY = FamilyDeclaration(
    name="Runway",
    calls=(
        FamilyCall(
            operation="generate",
            arguments=(
                _PROMPT,
                FamilyArgument(
                    "image",
                    "FileInput | None",
                    "imageUrl",
                    "An image to start from: a URL, a path, bytes or an open file.",
                ),
                FamilyArgument(
                    "duration", "RunwayDuration", "duration", "Seconds of video.", default=5
                ),
                _QUALITY,
                FamilyArgument(
                    "aspect_ratio",
                    "RunwayAspectRatio | None",
                    "aspectRatio",
                    "The video's width:height.",
                ),
                _WATERMARK,
            ),
            methods=(
                FamilyMethod(
                    "check",
                    "check",
                    "Every local check of a `generate` call (no network), all problems at once.",
                ),
                FamilyMethod(
                    "create",
                    "create",
                    "Check, upload the image and create the task (``POST /api/v1/runway/generate``).",
                ),
                FamilyMethod("generate", "generate", "`create`, then wait: the finished video."),
            ),
            result="VideoResult",
        ),
        FamilyCall(
            operation="extend",
            arguments=(
                FamilyArgument(
                    "task_id",
                    "str",
                    "taskId",
                    "The finished Runway task to extend.",
                    required=True,
                    positional=True,
                ),
                _PROMPT,
                _QUALITY,
                _WATERMARK,
            ),
            methods=(
                FamilyMethod(
                    "extend",
                    "generate",
                    "Extend a finished Runway video (``POST /api/v1/runway/extend``) and wait.",
                ),
            ),
            result="VideoResult",
            uploads=False,
        ),
    ),
)
