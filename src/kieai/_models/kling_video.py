"""Kling 2.6 video generation: ``kling-2.6/image-to-video`` (animate one image, guided by a
prompt) and ``kling-2.6/text-to-video`` (a prompt alone).

Sources: Kie's 2026-08 docs schemas and the checked pages of ``shared/research/kie-models.md``
([REG], [GW]). Kie wants ``duration`` as a string (``"5"``/``"10"``); callers pass seconds as a
number and the input models (in ``kling_video_input``) convert.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from .._spec import Choice, FileSlot, Flag, ModelSpec, Text

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = [
    "KLING_2_6_IMAGE_TO_VIDEO",
    "KLING_2_6_TEXT_TO_VIDEO",
    "AspectRatio",
    "Duration",
]

MAX_PROMPT_CHARS = 1000

#: Seconds of video: Kie offers 5 and 10.
Duration = Literal[5, 10]
AspectRatio = Literal["1:1", "16:9", "9:16"]
_DURATION_ALIASES: dict[object, object] = {"5": 5, "10": 10}


def _image_to_video_input() -> type[BaseModel]:
    # The pydantic models are imported on first use: the local checks need none.
    from .kling_video_input import ImageToVideoInput

    return ImageToVideoInput


def _text_to_video_input() -> type[BaseModel]:
    from .kling_video_input import TextToVideoInput

    return TextToVideoInput


_PROMPT = Text("prompt", MAX_PROMPT_CHARS, required=True)
_DURATION = Choice("duration", (5, 10), default=5, aliases=_DURATION_ALIASES, unit="seconds")
_SOUND = Flag("sound", default=False)

KLING_2_6_IMAGE_TO_VIDEO = ModelSpec(
    model="kling-2.6/image-to-video",
    input_model=_image_to_video_input,
    files=(FileSlot("image", "image_urls"),),
    params=(_PROMPT, _DURATION, _SOUND),
)

KLING_2_6_TEXT_TO_VIDEO = ModelSpec(
    model="kling-2.6/text-to-video",
    input_model=_text_to_video_input,
    params=(
        _PROMPT,
        Choice("aspect_ratio", ("1:1", "16:9", "9:16"), default="1:1"),
        _DURATION,
        _SOUND,
    ),
)
