"""``client.motion_control``: Kling Motion Control (an image of a person + a motion video).

Its arguments are declared once (``_models.motion_control.MOTION_CONTROL``); ``check``,
``create`` and ``generate`` are generated from that declaration (``_generated/resources.py``).
"""

from __future__ import annotations

from typing import ClassVar

from .._generated.resources import MotionControlCalls, MotionControlModel
from .._generated.resources import motion_control_arguments as arguments
from .._models.motion_control import MOTION_CONTROL
from .._spec import ModelSpec

__all__ = ["MotionControl", "MotionControlModel", "arguments"]


class MotionControl(MotionControlCalls):
    """``client.motion_control``: check, create and generate motion-control videos.

    Local files are checked before anything is uploaded (all problems reported together in
    one `KieInputError`), then uploaded concurrently and reused within the client.
    """

    specs: ClassVar[tuple[ModelSpec, ...]] = MOTION_CONTROL.specs
