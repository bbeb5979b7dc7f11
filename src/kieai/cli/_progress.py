"""Progress on stderr: one bar per upload, a spinner with the task's state and elapsed time
while waiting, and a bar for the download.

The library reports progress through hooks (``on_upload_progress``, ``on_created``,
``on_update``, download ``on_progress``); `FlowProgress` is one object whose methods
are those hooks. It moves through the phases on its own: the first upload hook opens the
upload bars, ``created`` closes them, the first state update opens the spinner, the first
download hook closes it and opens the download bar.

Truthful wording: a file whose last byte went out is "sent, waiting for Kie" until Kie's answer
is in; only then is it "uploaded" (`FlowProgress.accepted`, called by ``created`` — Kie
creates the task only after every upload was answered — or by ``kie upload`` once
``client.upload`` returned). The wait's elapsed time counts from the task's creation at Kie
when the task reports it (``kie wait`` on an older task), else from the first poll.

On a terminal it draws rich live bars. Anywhere else (a pipe, a CI log) it prints one plain
line per event instead of redrawing. With ``enabled=False`` (``--json``) it draws nothing.
"""

from __future__ import annotations

import time
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
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.progress import Task as BarTask
from rich.text import Text

from ..types import Task

__all__ = ["BatchProgress", "FlowProgress"]

Phase = Literal["upload", "wait", "download"]


def _elapsed(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


class _SinceCreationColumn(ProgressColumn):
    """Elapsed time since the task's ``create_time`` (a row field ``since``, epoch seconds),
    falling back to the row's own elapsed time."""

    def render(self, task: BarTask) -> Text:
        since = task.fields.get("since")
        seconds = time.time() - since if isinstance(since, float) else task.elapsed or 0.0
        return Text(_elapsed(seconds), style="progress.elapsed")


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
    ``resumable=False`` (``kie demo``: the task lives only in this process) leaves out the
    ``kie wait`` hint when the task is created.
    """

    def __init__(
        self,
        console: Console,
        *,
        enabled: bool = True,
        live: bool | None = None,
        names: dict[str, str] | None = None,
        resumable: bool = True,
    ) -> None:
        self._console = console
        self._resumable = resumable
        self._enabled = enabled
        self._live = (
            live if live is not None else console.is_terminal and not console.is_dumb_terminal
        )
        self._names = dict(names or {})
        self._progress: Progress | None = None
        self._phase: Phase | None = None
        self._rows: dict[str, TaskID] = {}
        self._sent: dict[str, int | None] = {}  # label -> size, for files fully sent
        self._accepted: set[str] = set()
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
                _SinceCreationColumn(),
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
        done = total is not None and sent >= total
        if done and label not in self._sent:
            self._sent[label] = total
            self._plain(f"sent {name} ({decimal(total or 0)}), waiting for Kie")
        progress = self._enter("upload")
        if progress is not None:
            row = self._rows.get(label)
            if row is None:
                row = self._rows[label] = progress.add_task(f"upload {name}", total=total)
            description = f"{name}: sent, waiting for Kie" if done else f"upload {name}"
            progress.update(row, completed=sent, total=total, description=description)

    def accepted(self) -> None:
        """Kie answered every upload sent so far: now they are "uploaded"."""
        for label, size in self._sent.items():
            if label in self._accepted:
                continue
            self._accepted.add(label)
            name = self._names.get(label, label)
            shown = f" ({decimal(size)})" if size is not None else ""
            row = self._rows.get(label)
            if self._progress is not None and row is not None:
                self._progress.update(row, description=f"uploaded {name}")
            self._plain(f"uploaded {name}{shown}")

    def created(self, task_id: str) -> None:
        """``on_created``: remember the id and show it right away, even in ``--json`` mode.

        Kie creates a task only after it answered every upload, so they are "uploaded" now.
        """
        self.task_id = task_id
        self.accepted()
        self.close()
        if self._resumable:
            line = Text.assemble(
                "task ", (task_id, "bold"), " created (resume with: ", f"kie wait {task_id}", ")"
            )
        else:
            line = Text.assemble("task ", (task_id, "bold"), " created")
        self._console.print(line)

    def update(self, task: Task) -> None:
        """``on_update``: the task's state changed."""
        self.task_id = self.task_id or task.task_id
        state = str(task.state)
        progress = self._enter("wait")
        description = f"task {task.task_id}: {state}"
        since = task.create_time.timestamp() if task.create_time is not None else None
        if progress is not None:
            row = self._rows.get("wait")
            if row is None:
                self._rows["wait"] = progress.add_task(description, total=None, since=since)
            else:
                progress.update(row, description=description)
        elif state != self._last_state:
            age = f" ({_elapsed(time.time() - since)} since created)" if since is not None else ""
            self._plain(description + age)
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


class BatchProgress:
    """One bar for a whole batch, with the count of jobs in each state (``kie batch``).

    On a terminal a live bar; elsewhere one plain line per finished job; nothing when
    ``enabled`` is False. A context manager: the bar is closed on the way out, also on Ctrl-C.
    """

    def __init__(self, console: Console, *, total: int, enabled: bool = True) -> None:
        self._console = console
        self._enabled = enabled
        self._live = console.is_terminal and not console.is_dumb_terminal
        self._total = total
        self._counts: dict[str, int] = {"done": 0, "failed": 0, "uncertain": 0}
        self._progress: Progress | None = None
        self._row: TaskID | None = None

    def _description(self) -> str:
        running = self._total - sum(self._counts.values())
        counts = ", ".join(f"{n} {state}" for state, n in self._counts.items())
        return f"{counts}, {running} to go"

    def __enter__(self) -> BatchProgress:
        if self._enabled and self._live:
            self._progress = Progress(
                TextColumn("jobs"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TextColumn("{task.description}"),
                console=self._console,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._row = self._progress.add_task(self._description(), total=self._total)
            self._progress.start()
        return self

    def finished(self, state: str) -> None:
        """One more job ended in ``state`` (done, failed, uncertain)."""
        self._counts[state] = self._counts.get(state, 0) + 1
        if not self._enabled:
            return
        if self._progress is not None and self._row is not None:
            self._progress.update(self._row, advance=1, description=self._description())
        else:
            ended = sum(self._counts.values())
            self._console.print(f"jobs {ended}/{self._total}: {self._description()}")

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
