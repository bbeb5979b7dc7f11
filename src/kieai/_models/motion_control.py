"""Kling Motion Control: one image of a person + one motion video -> a video of that person
performing the motion. ``kling-2.6/motion-control`` (the default) and
``kling-3.0/motion-control``, and their pydantic ``input`` model, `MotionControlInput`.

The media limits (sides, aspect ratio, durations) are in ``kieai.catalog._rules``, with their
sources.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from .._spec import Choice, FileSlot, ModelSpec, Text

__all__ = [
    "KLING_2_6_MOTION_CONTROL",
    "KLING_3_0_MOTION_CONTROL",
    "MODE_ALIASES",
    "BackgroundSource",
    "Mode",
    "ModeInput",
    "MotionControlInput",
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


def _mode_alias(value: Any) -> Any:
    return MODE_ALIASES.get(value, value) if isinstance(value, str) else value


class MotionControlInput(BaseModel):
    """The ``input`` object of a ``kling-2.6/motion-control`` or ``kling-3.0/motion-control``
    createTask request.

    ``model_dump(exclude_none=True)`` is exactly the JSON Kie expects.
    """

    # defer_build: the validator is built on first use (``create``), not at import, which
    # the local checks (``kie check``) never need.
    model_config: ClassVar[ConfigDict] = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    prompt: str | None = Field(default=None, max_length=MAX_PROMPT_CHARS)
    input_urls: list[str] = Field(min_length=1, max_length=1)
    video_urls: list[str] = Field(min_length=1, max_length=1)
    character_orientation: Orientation = "video"
    mode: Annotated[Mode, BeforeValidator(_mode_alias)] = "720p"
    background_source: BackgroundSource | None = None
    """Kling 3.0 only (Kie's 3.0 docs; the live page does not show it): ``input_video`` is
    Kie's default."""


_PROMPT = Text("prompt", MAX_PROMPT_CHARS)
_ORIENTATION = Choice("character_orientation", ("image", "video"), default="video")
_MODE = Choice("mode", ("720p", "1080p"), default="720p", aliases=MODE_ALIASES)

#: ``image`` -> ``input_urls`` and ``video`` -> ``video_urls``, each judged by its field's rule
#: in the model's declaration (the catalog, with ``catalog._rules`` over it).
_SLOTS = (FileSlot("image", "input_urls"), FileSlot("video", "video_urls"))


KLING_2_6_MOTION_CONTROL = ModelSpec(
    model="kling-2.6/motion-control",
    input_model=MotionControlInput,
    files=_SLOTS,
    params=(_PROMPT, _ORIENTATION, _MODE),
)

KLING_3_0_MOTION_CONTROL = ModelSpec(
    model="kling-3.0/motion-control",
    input_model=MotionControlInput,
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
