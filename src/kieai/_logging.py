"""The ``kieai`` logger: opt-in stderr output via ``KIE_LOG`` and redaction of credentials.

The library never logs headers, but a redaction filter on the logger is the second line of
defence: any ``Authorization``/``Bearer`` value, and any API key registered by a client, is
replaced by ``[REDACTED]`` in every record that passes through the ``kieai`` logger.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from collections.abc import Mapping
from typing import Any, cast

from ._constants import LOG_ENV

__all__ = ["logger", "redact", "redact_value", "register_secret", "setup_from_env"]

logger = logging.getLogger("kieai")
# A library stays silent unless the application (or KIE_LOG) configures logging.
logger.addHandler(logging.NullHandler())

_REDACTED = "[REDACTED]"
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s'\",}]+")
_AUTH_HEADER = re.compile(r"(?i)(['\"]?authorization['\"]?\s*[:=]\s*['\"]?)[^'\",}\n]+")
_secrets: dict[str, re.Pattern[str]] = {}
_secrets_lock = threading.Lock()
#: A secret is recognised from this many characters on; shorter prefixes are plain text.
_MIN_SECRET_PREFIX_CHARS = 4
#: Where a text was cut short: an ellipsis (either spelling) or the end of the text.
_CUT = r"(?=…|\.\.\.|$)"
#: Containers nested deeper than this in an error body are not walked (bounded work).
_MAX_BODY_DEPTH = 64


def _cut_prefixes(secret: str) -> re.Pattern[str]:
    """Matches a prefix of ``secret`` (4 characters or more) where a text was cut short: what
    ``text[:n] + "…"`` leaves of a secret that was not redacted before the cut."""
    prefixes = [
        re.escape(secret[:n]) for n in range(len(secret) - 1, _MIN_SECRET_PREFIX_CHARS - 1, -1)
    ]
    return re.compile(f"(?:{'|'.join(prefixes)}){_CUT}") if prefixes else re.compile(r"(?!x)x")


def register_secret(secret: str) -> None:
    """Make `redact` (and so every log record and error message) replace ``secret``."""
    if len(secret) >= _MIN_SECRET_PREFIX_CHARS:
        with _secrets_lock:
            if secret not in _secrets:
                _secrets[secret] = _cut_prefixes(secret)


def redact_secrets(text: str, secrets: dict[str, re.Pattern[str]]) -> str:
    """``text`` without any of ``secrets``, nor a prefix of one left where a text was cut."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, _REDACTED)
    for secret in secrets:
        if secret[:_MIN_SECRET_PREFIX_CHARS] in text:
            text = secrets[secret].sub(_REDACTED, text)
    return text


def secret_patterns(*secrets: str) -> dict[str, re.Pattern[str]]:
    """What `redact_secrets` needs for secrets that are not registered (bytes keys)."""
    return {s: _cut_prefixes(s) for s in secrets if len(s) >= _MIN_SECRET_PREFIX_CHARS}


def redact(text: str) -> str:
    """``text`` without credentials: Authorization/Bearer values and every registered secret.
    Redact before shortening a text; a prefix left at a cut (``sk-SECR…``) is removed too."""
    return _redact_with(text, _snapshot())


def _snapshot() -> dict[str, re.Pattern[str]]:
    with _secrets_lock:
        return dict(_secrets)


def _redact_with(text: str, secrets: dict[str, re.Pattern[str]]) -> str:
    text = _AUTH_HEADER.sub(lambda m: m.group(1) + _REDACTED, text)
    text = _BEARER.sub(lambda m: m.group(1) + _REDACTED, text)
    return redact_secrets(text, secrets)


def redact_value(value: object) -> object:
    """A copy of a parsed body (JSON values) with every string redacted. Containers nested
    deeper than ``_MAX_BODY_DEPTH`` levels are replaced by a marker, not walked."""
    secrets = _snapshot()

    def walk(item: object, depth: int) -> object:
        if isinstance(item, str):
            return _redact_with(item, secrets)
        if not isinstance(item, (dict, list, tuple)):
            return item
        if depth >= _MAX_BODY_DEPTH:
            return f"{_REDACTED} (nested deeper than {_MAX_BODY_DEPTH} levels)"
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
                _REDACTED
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
