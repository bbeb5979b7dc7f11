"""``client.text_to_video``: Kling 2.6 text-to-video (a prompt alone; no files to upload).

Its arguments are declared once (``_models.kling_video.TEXT_TO_VIDEO``); ``check``, ``create``
and ``generate`` are generated from that declaration (``_generated/resources.py``).
"""

from __future__ import annotations

from typing import ClassVar

from .._generated.resources import TextToVideoCalls, TextToVideoModel
from .._models.kling_video import TEXT_TO_VIDEO
from .._spec import ModelSpec

__all__ = ["TextToVideo", "TextToVideoModel"]


class TextToVideo(TextToVideoCalls):
    """``client.text_to_video``: check, create and generate videos from a prompt."""

    specs: ClassVar[tuple[ModelSpec, ...]] = TEXT_TO_VIDEO.specs
