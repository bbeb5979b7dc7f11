"""How results look in a notebook, and the progress a notebook shows while ``generate`` waits.

Jupyter asks an object for ``_repr_html_`` / ``_repr_markdown_``; the result classes in
``types`` answer with the functions here: a player for the first output (``<video>``,
``<img>`` or ``<audio>``) and the task's facts (id, model, state, cost time, output URLs).

`notebook_progress` is the default ``on_update`` of ``generate`` when the code runs in an
IPython kernel (Jupyter, VS Code, Colab) and the caller gave none: one line per state change,
so a cell that waits minutes is not silent. Outside a kernel it is None and nothing changes.
IPython is never imported here: it is used only when the kernel has already imported it.
"""

from __future__ import annotations

import html
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .types import Task

__all__ = ["OutputKind", "notebook_progress", "result_html", "result_markdown", "short_url"]

OutputKind = Literal["video", "image", "audio", "text"]

#: URLs longer than this are shortened in ``repr()`` (the full URL stays in the attribute).
SHORT_URL_CHARS = 60


def short_url(url: str) -> str:
    """``url``, or its start and end around an ellipsis when it is long."""
    if len(url) <= SHORT_URL_CHARS:
        return url
    keep = (SHORT_URL_CHARS - 3) // 2
    return f"{url[:keep]}...{url[-keep:]}"


def _facts(task: Task) -> list[tuple[str, str]]:
    facts = [("task_id", task.task_id), ("model", task.model or ""), ("state", str(task.state))]
    if task.cost_time is not None:
        facts.append(("cost_time", f"{task.cost_time:g}"))
    if task.create_time is not None:
        facts.append(("created", task.create_time.isoformat(sep=" ", timespec="seconds")))
    return facts


def _player_html(kind: OutputKind, url: str) -> str:
    src = html.escape(url, quote=True)
    if kind == "text":
        return ""  # a text model's answer is its result object, shown in the task's facts
    if kind == "image":
        return f'<img src="{src}" style="max-width: 480px" alt="result">'
    if kind == "audio":
        return f'<audio src="{src}" controls></audio>'
    return f'<video src="{src}" controls style="max-width: 480px"></video>'


def result_html(task: Task, urls: Sequence[str], kind: OutputKind) -> str:
    """A player for the first URL, then a table of the task's facts and every URL."""
    rows = [
        f"<tr><th style='text-align: left'>{html.escape(name)}</th>"
        f"<td style='text-align: left'><code>{html.escape(value)}</code></td></tr>"
        for name, value in _facts(task)
    ]
    rows += [
        f"<tr><th style='text-align: left'>url</th><td style='text-align: left'>"
        f'<a href="{html.escape(url, quote=True)}" target="_blank">{html.escape(url)}</a>'
        "</td></tr>"
        for url in urls
    ]
    player = _player_html(kind, urls[0]) if urls else ""
    return f"<div>{player}<table>{''.join(rows)}</table></div>"


def result_markdown(task: Task, urls: Sequence[str], kind: OutputKind) -> str:
    """The same as `result_html` in Markdown (the player stays HTML: Markdown has no video)."""
    lines = [_player_html(kind, urls[0]), ""] if urls else []
    lines += ["| | |", "|---|---|"]
    lines += [f"| {name} | `{value}` |" for name, value in _facts(task)]
    lines += [f"| url | <{url}> |" for url in urls]
    return "\n".join(lines) + "\n"


def _kernel_display() -> Callable[..., Any] | None:
    """IPython's ``display`` when this runs in a kernel with a front end (not a terminal)."""
    ipython = sys.modules.get("IPython")
    get_ipython: Callable[[], object] | None = getattr(ipython, "get_ipython", None)
    shell = get_ipython() if get_ipython is not None else None
    if shell is None or getattr(shell, "kernel", None) is None:
        return None
    display_module = sys.modules.get("IPython.display")
    return getattr(display_module, "display", None)


def notebook_progress() -> Callable[[Task], None] | None:
    """An ``on_update`` printing one line per state change in a notebook; None elsewhere."""
    display = _kernel_display()
    if display is None:
        return None
    started = time.monotonic()

    def on_update(task: Task) -> None:
        elapsed = time.monotonic() - started
        line = f"kieai: task {task.task_id} ({task.model}) is {task.state} after {elapsed:.0f} s"
        display({"text/plain": line}, raw=True)

    return on_update
