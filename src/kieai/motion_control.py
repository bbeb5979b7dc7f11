"""Kling Motion Control (``kling-2.6/motion-control``, ``kling-3.0/motion-control``): one image
of a person + one motion video -> a video of that person performing the motion.

The resource lives in ``kieai._resources.motion_control``, its arguments' spec in
``kieai._models.motion_control``, the media limits in ``kieai.catalog._rules``, and the check ->
upload -> create -> wait flow in ``kieai._pipeline``; this module keeps the names 0.1.0
published here.
"""

from __future__ import annotations

from ._inputs import MediaInput
from ._media_rules import judge
from ._models.motion_control import (
    KLING_2_6_MOTION_CONTROL,
    MODE_ALIASES,
    BackgroundSource,
    Mode,
    ModeInput,
    MotionControlInput,
    Orientation,
)
from ._pipeline import CheckReport, declared_file_rule
from ._resources.motion_control import MotionControl, MotionControlModel
from .media import ImageInfo, VideoInfo

__all__ = [
    "MODEL",
    "MODE_ALIASES",
    "BackgroundSource",
    "CheckReport",
    "MediaInput",
    "Mode",
    "ModeInput",
    "MotionControl",
    "MotionControlInput",
    "MotionControlModel",
    "Orientation",
    "judge_image",
    "judge_video",
]

#: The default motion-control model.
MODEL = KLING_2_6_MOTION_CONTROL.model


def judge_image(info: ImageInfo | VideoInfo) -> list[str]:
    """Problems of a probed ``image`` against Kling 2.6 Motion Control's limits."""
    rule = declared_file_rule(MODEL, "input_urls")
    return judge("image", info, rule, model=MODEL, args={})


def judge_video(info: ImageInfo | VideoInfo, character_orientation: str) -> list[str]:
    """Problems of a probed ``video`` against Kling 2.6 Motion Control's limits."""
    args = {"character_orientation": character_orientation}
    rule = declared_file_rule(MODEL, "video_urls")
    return judge("video", info, rule, model=MODEL, args=args)
