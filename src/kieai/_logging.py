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

__all__ = ["logger", "register_secret", "setup_from_env"]

logger = logging.getLogger("kieai")
# A library stays silent unless the application (or KIE_LOG) configures logging.
logger.addHandler(logging.NullHandler())

_REDACTED = "[REDACTED]"
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s'\",}]+")
_AUTH_HEADER = re.compile(r"(?i)(['\"]?authorization['\"]?\s*[:=]\s*['\"]?)[^'\",}\n]+")
_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(secret: str) -> None:
    """Make the filter replace ``secret`` wherever it appears in a log record."""
    if len(secret) >= 4:
        with _secrets_lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    text = _AUTH_HEADER.sub(lambda m: m.group(1) + _REDACTED, text)
    text = _BEARER.sub(lambda m: m.group(1) + _REDACTED, text)
    with _secrets_lock:
        secrets = list(_secrets)
    for secret in secrets:
        text = text.replace(secret, _REDACTED)
    return text


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
