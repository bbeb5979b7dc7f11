"""What a probe reports: plain frozen dataclasses, so ``kieai.media`` needs nothing but the
standard library (the pydantic models live in ``kieai.types``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["ImageContainer", "ImageInfo", "VideoContainer", "VideoInfo"]

ImageContainer = Literal["jpeg", "png", "webp"]
VideoContainer = Literal["mp4", "mov", "mkv", "webm"]


@dataclass(frozen=True)
class ImageInfo:
    """A JPEG, PNG or WebP image: its stored pixel size.

    EXIF orientation is not applied: a phone photo stored 4032x3024 and tagged "rotate 90"
    reports 4032x3024. Header-only, like Pillow's lazy open: it does not notice a file whose
    pixel data is cut short.
    """

    format: ImageContainer
    width: int
    height: int


@dataclass(frozen=True)
class VideoInfo:
    """A video: container, duration and the picture size as displayed.

    ``width``/``height`` have the rotation applied (a phone clip stored 1920x1080 with a 90
    degree display matrix reports 1080x1920). ``rotation`` is the clockwise turn, in degrees
    (0, 90, 180 or 270), that a player applies to the stored picture. ``duration`` is the
    container's duration in seconds: the longest track, as ffprobe's format duration.
    """

    container: VideoContainer
    duration: float
    width: int
    height: int
    rotation: int = 0

    @property
    def coded_width(self) -> int:
        """Width before rotation, as the track header gives it (the stored pixel width, unless
        the pixels are not square: then the width they display at)."""
        return self.height if self.rotation % 180 == 90 else self.width

    @property
    def coded_height(self) -> int:
        """Height before rotation."""
        return self.width if self.rotation % 180 == 90 else self.height
