"""Where the ``kie`` command keeps its journal of paid work: the user's data directory.

``KIE_JOURNAL`` (a path) wins; else ``$XDG_DATA_HOME/kieai`` (``~/.local/share/kieai``) on
Linux and other Unix, ``~/Library/Application Support/kieai`` on macOS, ``%LOCALAPPDATA%\\kieai``
on Windows. Only paths are worked out here: nothing is created until a task is journaled.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["JOURNAL_FILE_NAME", "user_data_dir", "user_journal_path"]

JOURNAL_FILE_NAME = "journal.sqlite3"


def user_data_dir() -> Path:
    """kieai's directory in the user's data directory (per platform conventions)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "kieai"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "kieai"
    base = os.environ.get("XDG_DATA_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".local" / "share") / "kieai"


def user_journal_path() -> Path:
    """The CLI's journal: ``KIE_JOURNAL`` if set, else the data directory's journal file."""
    explicit = os.environ.get("KIE_JOURNAL", "").strip()
    return Path(explicit).expanduser() if explicit else user_data_dir() / JOURNAL_FILE_NAME
