"""``client.image_to_video``: Kling 2.6 image-to-video (animate one image, guided by a prompt).

Its arguments are declared once (``_models.kling_video.IMAGE_TO_VIDEO``); ``check``, ``create``
and ``generate`` are generated from that declaration (``_generated/resources.py``).
"""

from __future__ import annotations

from typing import ClassVar

from .._generated.resources import ImageToVideoCalls, ImageToVideoModel
from .._models.kling_video import IMAGE_TO_VIDEO
from .._spec import ModelSpec

__all__ = ["ImageToVideo", "ImageToVideoModel"]


class ImageToVideo(ImageToVideoCalls):
    """``client.image_to_video``: check, create and generate videos from one image."""

    specs: ClassVar[tuple[ModelSpec, ...]] = IMAGE_TO_VIDEO.specs
