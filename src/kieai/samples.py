"""The sample inputs the quick start and ``kie demo`` use, shipped inside the package.

``person.png`` (a 480x720 PNG of a person) and ``dance.mp4`` (a 4 s, 720x720 H.264 motion
video) pass every local check of motion control, so the quick start runs as pasted after
``kieai.samples.save_inputs(".")``, or ``kie demo --save-inputs .`` from the command line.

They are tiny test pictures, not material Kie will make a good video of.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from ._assets import asset_path

__all__ = ["DANCE_VIDEO", "PERSON_IMAGE", "path", "save_inputs"]

PERSON_IMAGE = "person.png"
"""File name of the sample person image."""
DANCE_VIDEO = "dance.mp4"
"""File name of the sample motion video."""

_SAMPLES = (PERSON_IMAGE, DANCE_VIDEO)


def path(name: str) -> Path:
    """Where the installed package keeps the sample ``name`` (`PERSON_IMAGE` or `DANCE_VIDEO`);
    read it, never write to it."""
    if name not in _SAMPLES:
        raise ValueError(f"name: must be one of {', '.join(_SAMPLES)}, got {name!r}")
    return asset_path(name)


def save_inputs(directory: str | os.PathLike[str] = ".", *, overwrite: bool = False) -> list[Path]:
    """Copy ``person.png`` and ``dance.mp4`` into ``directory`` (created if missing); returns
    the paths written.

    An existing file with the same content is left as it is; one with other content raises
    `FileExistsError` unless ``overwrite=True``, so a user's own ``person.png`` is never lost.
    """
    target = Path(directory).expanduser()
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in _SAMPLES:
        data = asset_path(name).read_bytes()
        dest = target / name
        if dest.exists() and not overwrite and dest.read_bytes() != data:
            raise FileExistsError(
                errno.EEXIST, "exists with other content; not overwritten", str(dest)
            )
        dest.write_bytes(data)
        written.append(dest)
    return written
