"""Where a command writes a file: ``-o`` as a file, or as a directory to write into.

One rule for every command (``kie generate``, ``kie wait``, ``kie demo``, and what comes next):
``-o`` ending in a path separator (``out/``), or naming a directory that exists, means "write
into this directory" under the command's default file name; anything else is the file itself.
The directory (and a file's parent directories) are created when the file is written.

`check_destination` runs before a command uploads or creates anything: a destination that can
never be written (a parent that is a file, a directory nobody may write in) is refused at once,
not after the task has been paid for.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ._messages import UsageProblem

__all__ = ["check_destination", "destination"]


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


def _writable_directory(directory: Path) -> str | None:
    """Why no file can be created in ``directory`` (None: one can). Tried for real, with a
    temporary file removed at once: permission bits do not tell (root, read-only mounts,
    /proc)."""
    try:
        with tempfile.TemporaryFile(dir=directory, prefix=".kie-write-check-"):
            pass
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def check_destination(output: str | None, default_name: str, *, flag: str = "-o") -> Path:
    """`destination`, refused with a `UsageProblem` (exit 2) when the file could never be
    written there: a parent that exists but is not a directory, a destination that is a
    directory, or a nearest existing directory in which no file can be created.

    Creates nothing that stays: missing directories are left for the download to create.
    ``default_name`` may be a stand-in (``TASK_ID.mp4``) when the real name is not known yet.
    """
    dest = destination(output, default_name)
    shown = output if output is not None else str(dest)
    if dest.is_dir():
        raise UsageProblem(f"{flag} {shown}: {dest} is a directory; name a file inside it")
    parent = dest.parent
    while not parent.exists():
        if parent.is_symlink():  # a dangling link: nothing can be created through it
            raise UsageProblem(f"{flag} {shown}: {parent} is a broken symbolic link")
        if parent.parent == parent:
            break
        parent = parent.parent
    if not parent.is_dir():
        raise UsageProblem(
            f"{flag} {shown}: {parent} is a file, not a directory; choose another path"
        )
    reason = _writable_directory(parent)
    if reason is not None:
        raise UsageProblem(f"{flag} {shown}: cannot write in {parent} ({reason})")
    return dest
