"""Where a command writes a file: ``-o`` as a file, or as a directory to write into.

One rule for every command (``kie generate``, ``kie wait``, ``kie demo``, and what comes next):
``-o`` ending in a path separator (``out/``), or naming a directory that exists, means "write
into this directory" under the command's default file name; anything else is the file itself.
The directory (and a file's parent directories) are created when the file is written.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["destination"]


def _names_a_directory(output: str) -> bool:
    separators = tuple(sep for sep in (os.sep, os.altsep, "/") if sep)
    return output.endswith(separators) or Path(output).expanduser().is_dir()


def destination(output: str | None, default_name: str) -> Path:
    """The file to write: ``default_name`` in the current directory when ``output`` is None,
    ``output/default_name`` when ``output`` names a directory, else ``output``."""
    if output is None:
        return Path(default_name)
    path = Path(output).expanduser()
    return path / default_name if _names_a_directory(output) else path
