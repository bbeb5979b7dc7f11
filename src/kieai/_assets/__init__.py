"""Small sample media shipped in the wheel: the demo's inputs and the fake's result video.

``person.png`` (480x720 PNG), ``dance.mp4`` (720x720, 4 s H.264) and ``result.mp4``
(720x720, 4 s H.264), all made with ffmpeg/Pillow and well inside Kie's limits.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["asset_bytes", "asset_path"]


def asset_path(name: str) -> Path:
    """Filesystem path of a shipped asset (the package is installed unzipped by pip)."""
    return Path(str(resources.files(__name__).joinpath(name)))


def asset_bytes(name: str) -> bytes:
    return resources.files(__name__).joinpath(name).read_bytes()
