"""Kling Motion Control: one image of a person + one motion video -> a video of that person
performing the motion. ``kling-2.6/motion-control`` (the default) and
``kling-3.0/motion-control``, and their pydantic ``input`` model, `MotionControlInput`.

Sources: Kie's Kling 2.6 Motion Control page this project started from
(``shared/research/kie-motion-control-page.txt``), Kie's 2026-08 docs schemas, and Kie's Kling
3.0 Motion Control docs page and live page (``shared/research/kie-models.md``). Where they
disagree the stricter limit is kept, so an input that passes here passes every page;
``check_media=False`` skips the media limits for users who know better.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from .._media_rules import ASPECT_2_5_TO_5_2, ImageRule, VideoRule
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
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_VIDEO_BYTES = 100 * 1024 * 1024
MIN_VIDEO_DURATION_S = 3.0
MAX_VIDEO_DURATION_S = 30.0
#: With ``character_orientation="image"`` the reference video may be at most 10 s.
MAX_VIDEO_DURATION_IMAGE_ORIENTATION_S = 10.0

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


_VIDEO_DURATION_BY_ORIENTATION = (
    "character_orientation",
    {"image": MAX_VIDEO_DURATION_IMAGE_ORIENTATION_S, "video": MAX_VIDEO_DURATION_S},
)
_PROMPT = Text("prompt", MAX_PROMPT_CHARS)
_ORIENTATION = Choice("character_orientation", ("image", "video"), default="video")
_MODE = Choice("mode", ("720p", "1080p"), default="720p", aliases=MODE_ALIASES)

KLING_2_6_MOTION_CONTROL = ModelSpec(
    model="kling-2.6/motion-control",
    input_model=MotionControlInput,
    files=(
        FileSlot(
            "image",
            "input_urls",
            ImageRule(
                formats=("jpeg", "png", "webp"),
                max_bytes=MAX_IMAGE_BYTES,
                min_side_above_px=300,
                aspect=ASPECT_2_5_TO_5_2,
            ),
        ),
        FileSlot(
            "video",
            "video_urls",
            VideoRule(
                # MKV: listed on the page this project started from; the 2026-08 schema lists
                # only mp4/quicktime. The contract (API.md section 2) keeps accepting it.
                containers=("mp4", "mov", "mkv"),
                max_bytes=MAX_VIDEO_BYTES,
                min_duration_s=MIN_VIDEO_DURATION_S,
                max_duration_s=MAX_VIDEO_DURATION_S,
                max_duration_when=_VIDEO_DURATION_BY_ORIENTATION,
                # 720 px: the page this project started from; newer pages are silent.
                min_side_px=720,
            ),
        ),
    ),
    params=(_PROMPT, _ORIENTATION, _MODE),
)

#: Kling 3.0: the docs say sides above 340 px, the live page above 300 px: 340 is kept.
_MIN_SIDE_3_0_PX = 340

KLING_3_0_MOTION_CONTROL = ModelSpec(
    model="kling-3.0/motion-control",
    input_model=MotionControlInput,
    files=(
        FileSlot(
            "image",
            "input_urls",
            ImageRule(
                # The 3.0 docs list jpeg/png/jpg only (no WebP).
                formats=("jpeg", "png"),
                max_bytes=MAX_IMAGE_BYTES,
                min_side_above_px=_MIN_SIDE_3_0_PX,
                aspect=ASPECT_2_5_TO_5_2,
            ),
        ),
        FileSlot(
            "video",
            "video_urls",
            VideoRule(
                containers=("mp4", "mov"),
                max_bytes=MAX_VIDEO_BYTES,
                min_duration_s=MIN_VIDEO_DURATION_S,
                max_duration_s=MAX_VIDEO_DURATION_S,
                max_duration_when=_VIDEO_DURATION_BY_ORIENTATION,
                min_side_px=_MIN_SIDE_3_0_PX,
                min_side_inclusive=False,
                aspect=ASPECT_2_5_TO_5_2,
            ),
        ),
    ),
    # mode: the 3.0 schema has no enum and its description says std/pro, while its example
    # and the live page send 720p/1080p: 720p/1080p are sent, std/pro accepted as aliases.
    params=(
        _PROMPT,
        _ORIENTATION,
        _MODE,
        Choice("background_source", ("input_video", "input_image")),
    ),
)
