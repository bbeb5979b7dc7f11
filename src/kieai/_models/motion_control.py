"""Kling Motion Control: one image of a person + one motion video -> a video of that person
performing the motion. ``kling-2.6/motion-control`` (the default) and
``kling-3.0/motion-control``. Their pydantic ``input`` model is in ``motion_control_input``.

The media limits (sides, aspect ratio, durations) are in ``kieai.catalog._rules``, with their
sources.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from .._spec import Choice, FileSlot, ModelSpec, Text

if TYPE_CHECKING:
    from pydantic import BaseModel


__all__ = [
    "KLING_2_6_MOTION_CONTROL",
    "KLING_3_0_MOTION_CONTROL",
    "MODE_ALIASES",
    "BackgroundSource",
    "Mode",
    "ModeInput",
    "Orientation",
]

MAX_PROMPT_CHARS = 2500

Orientation = Literal["image", "video"]
Mode = Literal["720p", "1080p"]
#: What callers may pass as ``mode``: the resolutions, or Kie's older names for them.
ModeInput = Literal["720p", "1080p", "std", "pro"]
MODE_ALIASES: dict[object, object] = {"std": "720p", "pro": "1080p"}
#: Kling 3.0 only: which input supplies the background of the generated video.
BackgroundSource = Literal["input_video", "input_image"]


def _input_model() -> type[BaseModel]:
    # The pydantic model is imported on first use: the local checks (`kie check`) need none.
    from .motion_control_input import MotionControlInput

    return MotionControlInput


_PROMPT = Text("prompt", MAX_PROMPT_CHARS)
_ORIENTATION = Choice("character_orientation", ("image", "video"), default="video")
_MODE = Choice("mode", ("720p", "1080p"), default="720p", aliases=MODE_ALIASES)


#: ``image`` -> ``input_urls`` and ``video`` -> ``video_urls``, each judged by its field's rule
#: in the model's declaration (the catalog, with ``catalog._rules`` over it).
_SLOTS = (FileSlot("image", "input_urls"), FileSlot("video", "video_urls"))


KLING_2_6_MOTION_CONTROL = ModelSpec(
    model="kling-2.6/motion-control",
    input_model=_input_model,
    files=_SLOTS,
    params=(_PROMPT, _ORIENTATION, _MODE),
)

KLING_3_0_MOTION_CONTROL = ModelSpec(
    model="kling-3.0/motion-control",
    input_model=_input_model,
    files=_SLOTS,
    # mode: the 3.0 schema has no enum and its description says std/pro, while its example
    # and the live page send 720p/1080p: 720p/1080p are sent, std/pro accepted as aliases.
    params=(
        _PROMPT,
        _ORIENTATION,
        _MODE,
        Choice("background_source", ("input_video", "input_image")),
    ),
)
