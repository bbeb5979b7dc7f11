"""Progress on stderr: one bar per upload, a spinner with the task's state and elapsed time
while waiting, and a bar for the download.

The library reports progress through hooks (``on_upload_progress``, ``on_created``,
``on_update``, download ``on_progress``); :class:`FlowProgress` is one object whose methods
are those hooks. It moves through the phases on its own: the first upload hook opens the
upload bars, ``created`` closes them, the first state update opens the spinner, the first
download hook closes it and opens the download bar.

On a terminal it draws rich live bars. Anywhere else (a pipe, a CI log) it prints one plain
line per event instead of redrawing. With ``enabled=False`` (``--json``) it draws nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from rich.console import Console
from rich.filesize import decimal
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.text import Text

from ..types import Task

__all__ = ["FlowProgress"]

Phase = Literal["upload", "wait", "download"]


def _transfer_columns() -> list[ProgressColumn]:
    return [
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    ]


class FlowProgress:
    """Hooks that draw the progress of uploads, the wait and the download on ``console``.

    ``names`` maps the upload labels the library passes (``"image"``, ``"video"``, or
    ``"file"`` for ``kie upload``) to what the user should read (usually the file name).
    """

    def __init__(
        self,
        console: Console,
        *,
        enabled: bool = True,
        live: bool | None = None,
        names: dict[str, str] | None = None,
    ) -> None:
        self._console = console
        self._enabled = enabled
        self._live = (
            live if live is not None else console.is_terminal and not console.is_dumb_terminal
        )
        self._names = dict(names or {})
        self._progress: Progress | None = None
        self._phase: Phase | None = None
        self._rows: dict[str, TaskID] = {}
        self._finished: set[str] = set()
        self._last_state: str | None = None
        self.task_id: str | None = None
        """The created task's id, once known (for the resume hint after Ctrl-C)."""

    # -- phases ------------------------------------------------------------------------------

    def _enter(self, phase: Phase) -> Progress | None:
        """Switch to ``phase``; the live display of that phase, or None when not drawing."""
        if not self._enabled or not self._live:
            self._phase = phase
            return None
        if self._phase == phase and self._progress is not None:
            return self._progress
        self.close()
        self._phase = phase
        if phase == "wait":
            columns: list[ProgressColumn] = [
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
            ]
        else:
            columns = _transfer_columns()
        self._progress = Progress(
            *columns, console=self._console, redirect_stdout=False, redirect_stderr=False
        )
        self._progress.start()
        return self._progress

    def close(self) -> None:
        """Stop the live display, leaving its last frame on screen. Safe to call twice."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        self._rows.clear()

    def _plain(self, message: str) -> None:
        if self._enabled and not self._live:
            self._console.print(Text(message))

    # -- hooks -------------------------------------------------------------------------------

    def upload(self, sent: int, total: int | None, label: str = "file") -> None:
        """``on_upload_progress`` / ``upload(on_progress=...)``: per-file progress."""
        name = self._names.get(label, label)
        progress = self._enter("upload")
        if progress is not None:
            row = self._rows.get(label)
            if row is None:
                row = self._rows[label] = progress.add_task(f"upload {name}", total=total)
            progress.update(row, completed=sent, total=total)
        elif total is not None and sent >= total and label not in self._finished:
            self._finished.add(label)
            self._plain(f"uploaded {name} ({decimal(total)})")

    def created(self, task_id: str) -> None:
        """``on_created``: remember the id and show it right away, even in ``--json`` mode."""
        self.task_id = task_id
        self.close()
        self._console.print(
            Text.assemble(
                "task ", (task_id, "bold"), " created (resume with: ", f"kie wait {task_id}", ")"
            )
        )

    def update(self, task: Task) -> None:
        """``on_update``: the task's state changed."""
        self.task_id = self.task_id or task.task_id
        state = str(task.state)
        progress = self._enter("wait")
        description = f"task {task.task_id}: {state}"
        if progress is not None:
            row = self._rows.get("wait")
            if row is None:
                self._rows["wait"] = progress.add_task(description, total=None)
            else:
                progress.update(row, description=description)
        elif state != self._last_state:
            self._plain(description)
        self._last_state = state

    def download(self, sent: int, total: int | None) -> None:
        """Download ``on_progress``."""
        progress = self._enter("download")
        if progress is not None:
            row = self._rows.get("download")
            if row is None:
                row = self._rows["download"] = progress.add_task("download", total=total)
            progress.update(row, completed=sent, total=total)

    def downloaded(self, path: Path) -> None:
        """The download finished (plain mode says so; the live bar already shows it)."""
        self.close()
        try:
            size = decimal(path.stat().st_size)
        except OSError:
            size = "?"
        self._plain(f"downloaded {path} ({size})")
