"""The ``kieai`` logger: opt-in stderr output via ``KIE_LOG`` and redaction of credentials.

The library never logs headers, but a redaction filter on the logger is the second line of
defence: any ``Authorization``/``Bearer`` value is replaced by ``[REDACTED]`` in every record
that passes through the ``kieai`` logger. A client's own key is removed by the client, from
what it raises and logs (`_secrets.Redactor`): there is no process-wide table of keys.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable, Mapping
from typing import Any, cast

from ._constants import LOG_ENV

__all__ = ["REDACTED", "logger", "redact", "redact_value", "setup_from_env"]

logger = logging.getLogger("kieai")
# A library stays silent unless the application (or KIE_LOG) configures logging.
logger.addHandler(logging.NullHandler())

REDACTED = "[REDACTED]"
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s'\",}]+")
_AUTH_HEADER = re.compile(r"(?i)(['\"]?authorization['\"]?\s*[:=]\s*['\"]?)[^'\",}\n]+")
#: Containers nested deeper than this in an error body are not walked (bounded work).
_MAX_BODY_DEPTH = 64


def redact(text: str) -> str:
    """``text`` without Authorization/Bearer values."""
    text = _AUTH_HEADER.sub(lambda m: m.group(1) + REDACTED, text)
    return _BEARER.sub(lambda m: m.group(1) + REDACTED, text)


def redact_value(value: object, text: Callable[[str], str] = redact) -> object:
    """A copy of a parsed body (JSON values) with every string passed through ``text``.
    Containers nested deeper than ``_MAX_BODY_DEPTH`` levels are replaced by a marker, not
    walked."""

    def walk(item: object, depth: int) -> object:
        if isinstance(item, str):
            return text(item)
        if not isinstance(item, (dict, list, tuple)):
            return item
        if depth >= _MAX_BODY_DEPTH:
            return f"{REDACTED} (nested deeper than {_MAX_BODY_DEPTH} levels)"
        if isinstance(item, dict):
            pairs = cast("dict[object, object]", item).items()
            return {walk(k, depth + 1): walk(v, depth + 1) for k, v in pairs}
        return [walk(v, depth + 1) for v in cast("list[object]", item)]

    return walk(value, 0)


def _redact_arg(arg: Any) -> Any:
    if isinstance(arg, str):
        return redact(arg)
    if isinstance(arg, Mapping):
        items = cast("Mapping[object, object]", arg).items()
        return {
            k: (
                REDACTED
                if str(k).lower() in ("authorization", "proxy-authorization")
                else _redact_arg(v)
            )
            for k, v in items
        }
    if isinstance(arg, (int, float, bool)) or arg is None:
        return arg
    return redact(str(arg))


class RedactingFilter(logging.Filter):
    """Scrubs credentials from the message and its arguments before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(a) for a in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {k: _redact_arg(v) for k, v in record.args.items()}
        return True


logger.addFilter(RedactingFilter())


def setup_from_env() -> None:
    """``KIE_LOG=debug|info`` adds one stderr handler to the ``kieai`` logger (read at import)."""
    level_name = os.environ.get(LOG_ENV, "").strip().lower()
    level = {"debug": logging.DEBUG, "info": logging.INFO}.get(level_name)
    if level is None:
        return
    if not any(getattr(h, "_kieai_env_handler", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
        handler.addFilter(RedactingFilter())
        handler._kieai_env_handler = True  # type: ignore[attr-defined]  # marker to stay idempotent
        logger.addHandler(handler)
    logger.setLevel(level)
