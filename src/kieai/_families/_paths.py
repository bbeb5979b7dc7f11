"""Reading a value out of Kie's nested records by a short path, so a family can say *where*
its status, failure and results are as data instead of as code.

A path is dot-separated keys. ``name[]`` maps the rest of the path over a list, ``@json``
parses a JSON string in place (Market's ``resultJson``, Veo's ``paramJson``). A missing key,
a wrong type or unparsable JSON gives ``None``, never an exception: Kie's records vary.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, cast

__all__ = ["dig", "first", "text", "time_value", "url_list"]

#: A JSON string larger than this is not parsed (a record is bounded by the transport anyway).
_MAX_JSON_CHARS = 4 * 1024 * 1024


def _parse_json(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("utf-8", "replace")
    if not isinstance(value, str):
        return value  # already an object: some pages send it parsed
    if not value.strip() or len(value) > _MAX_JSON_CHARS:
        return None
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        return None


def dig(record: Any, path: str) -> Any:
    """The value at ``path`` in ``record`` (see the module docstring), or None."""
    current: Any = record
    parts = path.split(".")
    for index, part in enumerate(parts):
        if part == "@json":
            current = _parse_json(current)
            continue
        many = part.endswith("[]")
        key = part[:-2] if many else part
        if not isinstance(current, Mapping):
            return None
        current = cast("Mapping[str, Any]", current).get(key)
        if many:
            if not isinstance(current, list):
                return None
            rest = ".".join(parts[index + 1 :])
            items = cast("list[Any]", current)
            return [dig(item, rest) if rest else item for item in items]
    return current


def first(record: Any, paths: Sequence[str]) -> Any:
    """The value at the first path that holds something other than None or ``""``."""
    for path in paths:
        value = dig(record, path)
        if value is not None and value != "":
            return value
    return None


def text(value: Any) -> str | None:
    """A code or message as text; None for None, blanks, ``0`` codes are kept as ``"0"``."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value.strip() or None
    return None


def url_list(value: Any) -> list[str]:
    """URLs from a list, one URL string, a JSON array string or Veo's documented unquoted
    ``"[http://a.mp4, http://b.mp4]"`` string; nested lists (``sunoData[].audioUrl``) are
    flattened; blanks and non-strings are dropped."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            parsed = _parse_json(stripped)
            if isinstance(parsed, list):
                return url_list(parsed)
            inner = stripped.strip("[]")
            return [part.strip().strip("\"'") for part in inner.split(",") if part.strip()]
        return [stripped] if stripped else []
    if isinstance(value, list):
        urls: list[str] = []
        for item in cast("list[Any]", value):
            urls.extend(url_list(item))
        return urls
    return []


_TEXT_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f")


def time_value(value: Any) -> datetime | None:
    """A record's time as an aware datetime: epoch milliseconds or seconds (numbers or digit
    strings), ISO 8601 with an offset, or Kie's ``"2025-06-06 10:30:00"`` text (no zone on
    Kie's pages: read as UTC). Anything else: None."""
    if value is None or isinstance(value, bool) or value in ("", 0):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, (int, float)):
        seconds = float(value) / 1000.0 if abs(value) > 1e11 else float(value)
        try:
            return datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    stamp = value.strip()
    try:
        parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
        for fmt in _TEXT_TIME_FORMATS:
            try:
                parsed = datetime.strptime(stamp, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)
