"""What the ``kie`` command prints: results on stdout, everything else on stderr.

Two modes. Human: aligned ``key: value`` lines on stdout, notes and errors on stderr (colour only
when stderr is a terminal). ``--json``: exactly one JSON document on stdout, success or error,
and plain uncoloured notes on stderr, so ``kie ... --json | jq`` always gets something to parse.
Its keys are snake_case throughout: camelCase keys that come from Kie (extra fields kept on a
model, a task's ``param``) are converted where the document is written, so every command,
present and future, gets this for free.

``--debug`` adds the raw facts under an error line (HTTP status, Kie's code, the request).

Rich styles a line only on a terminal; anywhere else (a pipe, a file, a CI log) it writes
printable text unchanged. There `Output` writes the line itself, so a command that prints only
such lines never imports rich (``rich.console`` alone costs about a third of ``import typer``):
the bytes are the same either way (tests/cli/test_cli_output.py compares them with rich's).

Every message passes through `Output.scrub`, which removes the API key (and any
``Authorization``/``Bearer`` value), so no message can echo a credential. (The one exception is
``kie fake-server`` announcing the fake's own test key.)
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TextIO, cast

from .._secrets import Redactor

if TYPE_CHECKING:
    from rich.console import Console as Console

# rich is imported when a command first prints styled text, not when `kie --help` imports
# this module.

__all__ = ["Output", "snake_case"]

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_CAMEL_KEY = re.compile(r"[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+")


def snake_case(key: str) -> str:
    """``downloadUrl`` -> ``download_url``; anything not camelCase (``KIE_BASE_URL``,
    ``task_id``, ``720p``) is left alone."""
    if not _CAMEL_KEY.fullmatch(key):
        return key
    return _CAMEL_BOUNDARY.sub("_", key).lower()


def _may_be_styled(stream: TextIO) -> bool:
    """Whether rich could style what goes to ``stream``: it is a terminal, or one of rich's
    documented switches (``FORCE_COLOR``, ``TTY_COMPATIBLE=1``) makes rich treat it as one, or
    this is a Jupyter kernel (where rich displays rather than writes)."""
    if os.environ.get("FORCE_COLOR") or os.environ.get("TTY_COMPATIBLE") == "1":
        return True
    if "ipykernel" in sys.modules:
        return True
    try:
        return stream.isatty()
    except ValueError:  # a closed stream: no terminal, for rich too
        return False


class Output:
    """The command's voice. One instance per command invocation."""

    def __init__(self, *, json_mode: bool, debug: bool = False) -> None:
        self.json_mode = json_mode
        self.debug = debug
        self._secrets: list[str] = []
        self._redactor = Redactor()

    # Consoles resolve sys.stdout / sys.stderr at write time (test runners swap them).

    @functools.cached_property
    def stdout(self) -> Console:
        from rich.console import Console

        return Console(highlight=False, soft_wrap=True, emoji=False, markup=False)

    @functools.cached_property
    def stderr(self) -> Console:
        from rich.console import Console

        return Console(
            stderr=True,
            highlight=False,
            soft_wrap=True,
            emoji=False,
            markup=False,
            no_color=self.json_mode,
        )

    def add_secret(self, secret: str | None) -> None:
        """Never print ``secret`` (the API key), nor a run of 8 of its characters, whatever
        message carries it (a key of 1-3 characters is no secret: see `Redactor`)."""
        if secret and secret.strip():
            self._secrets.append(secret.strip())
            self._redactor = Redactor(*self._secrets)

    def scrub(self, text: str) -> str:
        return self._redactor.text(text)

    # -- stderr ------------------------------------------------------------------------------

    def note(self, message: str, *, style: str | None = None) -> None:
        """An informational line on stderr (kept in ``--json`` mode: stdout stays pure JSON)."""
        self._line("stderr", (self.scrub(message), style or ""))

    def error(
        self,
        message: str,
        *,
        details: Iterable[str] = (),
        hint: str | None = None,
        debug: Iterable[str] = (),
    ) -> None:
        """``error: <message>`` on stderr, then one indented line per detail, then a hint; with
        ``--debug``, the raw ``debug`` lines last."""
        self._line("stderr", ("error: ", "bold red"), (self.scrub(message), ""))
        for detail in details:
            self._line("stderr", (f"  - {self.scrub(detail)}", ""))
        if hint:
            self._line("stderr", (self.scrub(hint), "dim"))
        if self.debug:
            for line in debug:
                self._line("stderr", (f"debug: {self.scrub(line)}", "dim"))

    def _line(self, to: Literal["stdout", "stderr"], *parts: tuple[str, str]) -> None:
        """One line made of ``(text, rich style)`` parts. Where rich would write it unchanged
        (printable text, so nothing to strip or expand, to a stream it cannot style), it is
        written here as it is; anywhere else rich prints it, styles and all."""
        stream = sys.stdout if to == "stdout" else sys.stderr
        text = "".join(text for text, _ in parts)
        if text.isprintable() and not _may_be_styled(stream):
            stream.write(text + "\n")
            stream.flush()
            return
        from rich.text import Text

        (self.stdout if to == "stdout" else self.stderr).print(Text.assemble(*parts))

    # -- stdout ------------------------------------------------------------------------------

    def emit_json(self, data: Mapping[str, Any], *, scrub: bool = True) -> None:
        # Scrub the values, not the serialised text: a short key replaced inside the JSON
        # syntax itself ("exit_code") would print an invalid document.
        clean = self._scrub_value(dict(data)) if scrub else self._snake_only(data)
        text = json.dumps(clean, indent=2, ensure_ascii=False, default=str)
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    def _scrub_value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, Mapping):
            items = [(str(k), v) for k, v in cast("Mapping[object, object]", value).items()]
            # Keys already snake_case first: a converted Kie key ("fileName") never replaces
            # the model's own field of the same name ("file_name").
            clean: dict[str, Any] = {
                k: self._scrub_value(v) for k, v in items if k == snake_case(k)
            }
            for key, item in items:
                clean.setdefault(snake_case(key), self._scrub_value(item))
            return clean
        if isinstance(value, (list, tuple)):
            return [self._scrub_value(v) for v in cast("Sequence[object]", value)]
        return value

    @staticmethod
    def _snake_only(value: Any) -> Any:
        if isinstance(value, Mapping):
            items = cast("Mapping[object, object]", value).items()
            return {snake_case(str(k)): Output._snake_only(v) for k, v in items}
        return value

    def fields(self, rows: Sequence[tuple[str, object]]) -> None:
        """Aligned ``key: value`` lines on stdout (rows whose value is None are skipped)."""
        shown = [(key, value) for key, value in rows if value is not None]
        width = max((len(key) for key, _ in shown), default=0) + 1
        for key, value in shown:
            self._line(
                "stdout", (f"{key + ':':<{width}}", "bold"), (" ", ""), (self.scrub(str(value)), "")
            )

    def result(self, data: Mapping[str, Any], rows: Sequence[tuple[str, object]]) -> None:
        """A command's outcome: ``data`` as JSON in ``--json`` mode, else ``rows`` as lines."""
        if self.json_mode:
            self.emit_json(data)
        else:
            self.fields(rows)
