"""``client.veo``'s calls as declarations: each argument once, with the Kie field it is sent
in. The fields' rules are the family's declaration (``_families._inputs``); ``generate``,
``create``, ``check``, ``create_extend`` and ``extend`` are generated from these
(``_generated/resources.py``)."""

from __future__ import annotations

from typing import Literal

from .._spec import FamilyArgument, FamilyCall, FamilyDeclaration, FamilyMethod

__all__ = [
    "VEO",
    "VeoAspectRatio",
    "VeoExtendModel",
    "VeoGenerationType",
    "VeoModel",
    "VeoResolution",
    "as_image_list",
]

VeoModel = Literal["veo3", "veo3_fast", "veo3_lite"]
VeoExtendModel = Literal["fast", "quality", "lite"]
VeoAspectRatio = Literal["16:9", "9:16", "Auto"]
VeoGenerationType = Literal["TEXT_2_VIDEO", "FIRST_AND_LAST_FRAMES_2_VIDEO", "REFERENCE_2_VIDEO"]
VeoResolution = Literal["720p", "1080p", "4k"]


def as_image_list(image: object) -> list[object] | None:
    """``imageUrls`` is a list: one image becomes a list of one."""
    if image is None:
        return None
    if isinstance(image, (list, tuple)):
        return list(image)  # pyright: ignore[reportUnknownArgumentType]
    return [image]


_PROMPT = FamilyArgument("prompt", "str", "prompt", "What happens in the video.", required=True)
_WATERMARK = FamilyArgument("watermark", "str | None", "watermark", "Text to mark the video with.")
_SEEDS = FamilyArgument("seeds", "int | None", "seeds", "A seed, for repeatable results.")

VEO = FamilyDeclaration(
    name="Veo",
    calls=(
        FamilyCall(
            operation="generate",
            arguments=(
                _PROMPT,
                FamilyArgument(
                    "image",
                    "FileInput | Sequence[FileInput] | None",
                    "imageUrls",
                    "1 or 2 frames, or up to 3 references: URLs, paths, bytes or open files.",
                    convert="as_image_list",
                ),
                FamilyArgument("model", "VeoModel", "model", "Which Veo 3.1.", default="veo3_fast"),
                FamilyArgument(
                    "aspect_ratio",
                    "VeoAspectRatio",
                    "aspect_ratio",
                    "The video's width:height.",
                    default="16:9",
                ),
                FamilyArgument(
                    "generation_type",
                    "VeoGenerationType | None",
                    "generationType",
                    "What the images are: frames or references (Kie infers it when left out).",
                ),
                FamilyArgument(
                    "resolution", "VeoResolution | None", "resolution", "The video's resolution."
                ),
                FamilyArgument(
                    "enable_translation",
                    "bool | None",
                    "enableTranslation",
                    "Translate the prompt to English first.",
                ),
                _WATERMARK,
                _SEEDS,
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
                    "Check, upload the images (1 or 2 frames; up to 3 references) and create the "
                    "task (``POST /api/v1/veo/generate``); returns its id.",
                ),
                FamilyMethod(
                    "generate",
                    "generate",
                    "`create`, then wait: the finished video(s). An interrupted wait resumes with "
                    "``client.veo.wait_for_task(task_id)``.",
                ),
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
                    "The finished Veo task to extend.",
                    required=True,
                    positional=True,
                ),
                _PROMPT,
                FamilyArgument(
                    "model", "VeoExtendModel", "model", "How to extend it.", default="fast"
                ),
                _SEEDS,
                _WATERMARK,
            ),
            methods=(
                FamilyMethod(
                    "create_extend",
                    "create",
                    "Extend a finished Veo video (``POST /api/v1/veo/extend``); returns the new id.",
                ),
                FamilyMethod(
                    "extend",
                    "generate",
                    "`create_extend`, then wait: the extended video (``fullResultUrls`` when Kie "
                    "gives only those).",
                ),
            ),
            result="VideoResult",
            uploads=False,
        ),
    ),
)
