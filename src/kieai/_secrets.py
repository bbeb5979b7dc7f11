"""`Redactor`: one owner's secrets (a client's API key, a webhook's HMAC key) removed from the
server text it shows, in its errors, its logs and the task records it returns.

Each owner holds its own: nothing is registered process-wide, so a closed client leaves
nothing behind and one client's key never touches another's messages. A server may echo a key
back whole, in part, or cut short, so `Redactor.text` removes

- any run of ``LEAK_RUN_CHARS`` (8) or more characters of the key, wherever it stands;
- a shorter prefix of it (from ``MIN_SECRET_CHARS``, 4) where a text was cut (``…``,
  ``...`` or the end): what ``text[:n] + "…"`` leaves of a key echoed at the cut.

Secrets shorter than ``MIN_SECRET_CHARS`` are no secrets (test values): replacing them would
garble ordinary words. Imports only the standard library: the CLI uses it before pydantic.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar, cast

from ._logging import REDACTED, redact, redact_value

__all__ = ["LEAK_RUN_CHARS", "MIN_SECRET_CHARS", "Redactor"]

#: A run of this many characters of a secret is a leak, wherever it appears.
LEAK_RUN_CHARS = 8
#: A secret is recognised from this many characters on; shorter ones are plain text.
MIN_SECRET_CHARS = 4
#: Where a text was cut short: an ellipsis (either spelling) or the end of the text.
_CUT = r"(?=…|\.\.\.|$)"
#: Error attributes that hold text shown to people (an `APIError`'s, a `TaskFailedError`'s).
_TEXT_ATTRIBUTES = ("message", "fail_msg", "fail_code")
#: How deep `Redactor.error` follows ``cause`` / ``__cause__`` chains.
_MAX_CAUSES = 8

E = TypeVar("E", bound=BaseException)
M = TypeVar("M")


class _Secret:
    """One secret, and what finding it takes. Small while unused (a process may hold many
    clients): its runs and the pattern of its prefixes are made on the first text that holds
    a piece of it."""

    __slots__ = ("_cut_prefixes", "_runs", "run", "secret")

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.run = min(LEAK_RUN_CHARS, len(secret))
        self._runs: frozenset[str] | None = None
        self._cut_prefixes: re.Pattern[str] | None = None

    def remove(self, text: str) -> str:
        secret, run = self.secret, self.run
        if any(secret[i : i + run] in text for i in range(len(secret) - run + 1)):
            text = self._without_runs(text)
        if secret[:MIN_SECRET_CHARS] in text:
            if self._cut_prefixes is None:
                prefixes = [
                    re.escape(secret[:n]) for n in range(len(secret), MIN_SECRET_CHARS - 1, -1)
                ]
                self._cut_prefixes = re.compile(f"(?:{'|'.join(prefixes)}){_CUT}")
            text = self._cut_prefixes.sub(REDACTED, text)
        return text

    def _without_runs(self, text: str) -> str:
        """``text`` with every stretch covered by a run of the secret replaced, once."""
        if self._runs is None:
            self._runs = frozenset(
                self.secret[i : i + self.run] for i in range(len(self.secret) - self.run + 1)
            )
        runs, run = self._runs, self.run
        covered = bytearray(len(text))
        for start in range(len(text) - run + 1):
            if text[start : start + run] in runs:
                covered[start : start + run] = b"\x01" * run
        parts: list[str] = []
        start = 0
        while start < len(text):
            end = start
            while end < len(text) and covered[end] == covered[start]:
                end += 1
            parts.append(REDACTED if covered[start] else text[start:end])
            start = end
        return "".join(parts)


class Redactor:
    """Removes ``secrets`` (and Authorization/Bearer values) from text, parsed bodies, task
    records and errors. Cheap when nothing matches: a few substring tests per text."""

    __slots__ = ("_secrets",)

    def __init__(self, *secrets: str) -> None:
        self._secrets = tuple(_Secret(s) for s in secrets if len(s) >= MIN_SECRET_CHARS)

    def text(self, text: str) -> str:
        text = redact(text)
        for secret in self._secrets:
            text = secret.remove(text)
        return text

    def value(self, value: object) -> object:
        """A copy of a parsed body (JSON values) with every string redacted (bounded depth)."""
        return redact_value(value, self.text)

    def model(self, model: M) -> M:
        """A pydantic model (a `Task`) with its text fields redacted: itself when clean."""
        fields: dict[str, object] = dict(cast("Any", model))
        changed = {name: self.value(v) for name, v in fields.items()}
        changed = {name: v for name, v in changed.items() if v != fields[name]}
        if not changed:
            return model
        copied: M = cast("Any", model).model_copy(update=changed)
        return copied

    def error(self, error: E) -> E:
        """``error`` itself, its message, body, task and causes redacted in place."""
        seen: set[int] = set()
        current: BaseException | None = error
        while current is not None and id(current) not in seen and len(seen) < _MAX_CAUSES:
            seen.add(id(current))
            self._error_once(current)
            cause = getattr(current, "cause", None)
            current = cause if isinstance(cause, BaseException) else current.__cause__
        return error

    def _error_once(self, error: BaseException) -> None:
        error.args = tuple(self.text(a) if isinstance(a, str) else a for a in error.args)
        attributes = vars(error)
        for name in _TEXT_ATTRIBUTES:
            if isinstance(attributes.get(name), str):
                attributes[name] = self.text(attributes[name])
        if attributes.get("body") is not None:
            attributes["body"] = self.value(attributes["body"])
        if hasattr(attributes.get("task"), "model_copy"):
            attributes["task"] = self.model(attributes["task"])
