"""A small ``multipart/form-data`` parser for the fake's stream-upload endpoint.

The body is already buffered, so parsing is a forward scan with ``bytes.find``: each byte is
looked at a bounded number of times and each part is copied once, which keeps a 150 MB upload
linear. Only what browsers and httpx send is supported (no nested multipart, no
``Content-Transfer-Encoding``), plus RFC 5987 ``filename*=`` names.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

__all__ = ["MultipartError", "Part", "boundary_of", "parse_multipart"]

_CRLF = b"\r\n"
_MAX_HEADER_BYTES = 16 * 1024


class MultipartError(ValueError):
    """The body is not well-formed ``multipart/form-data``."""


@dataclass(frozen=True)
class Part:
    name: str
    filename: str | None
    content_type: str | None
    data: bytes


def _split_params(value: str) -> tuple[str, dict[str, str]]:
    """``form-data; name="a;b"; filename*=UTF-8''x%20y`` -> ("form-data", {...})."""
    items: list[str] = []
    current: list[str] = []
    quoted = False
    escaped = False
    for char in value:
        if escaped:
            current.append(char)
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    main = items[0].strip().lower()
    params: dict[str, str] = {}
    for item in items[1:]:
        key, sep, raw = item.partition("=")
        if sep:
            params[key.strip().lower()] = raw.strip()
    return main, params


def boundary_of(content_type: str) -> bytes:
    """The boundary of a ``multipart/form-data`` Content-Type header value."""
    main, params = _split_params(content_type)
    if main != "multipart/form-data":
        raise MultipartError(f"expected multipart/form-data, got {main or 'no content type'!r}")
    boundary = params.get("boundary", "")
    if not boundary or len(boundary) > 200:
        raise MultipartError("multipart/form-data without a usable boundary")
    return boundary.encode("latin-1")


def _filename(params: dict[str, str]) -> str | None:
    extended = params.get("filename*")
    if extended:
        charset, _, rest = extended.partition("'")
        _, _, encoded = rest.partition("'")
        try:
            return unquote(encoded, encoding=charset or "utf-8", errors="strict")
        except (LookupError, UnicodeDecodeError):
            pass
    return params.get("filename")


def _parse_headers(block: bytes) -> Part:
    name: str | None = None
    filename: str | None = None
    content_type: str | None = None
    for line in block.split(_CRLF):
        if not line:
            continue
        key, sep, raw = line.partition(b":")
        if not sep:
            raise MultipartError(f"malformed part header line {line[:60]!r}")
        value = raw.strip().decode("utf-8", errors="replace")
        lowered = key.strip().lower()
        if lowered == b"content-disposition":
            kind, params = _split_params(value)
            if kind != "form-data":
                raise MultipartError(f"part disposition is {kind!r}, not form-data")
            name = params.get("name")
            filename = _filename(params)
        elif lowered == b"content-type":
            content_type = value
    if name is None:
        raise MultipartError("a part has no Content-Disposition name")
    return Part(name=name, filename=filename, content_type=content_type, data=b"")


def parse_multipart(body: bytes, boundary: bytes) -> list[Part]:
    """All parts of ``body``, in order."""
    delimiter = b"--" + boundary
    if body.startswith(delimiter):
        pos = 0
    else:
        found = body.find(_CRLF + delimiter)
        if found < 0:
            raise MultipartError("the boundary never occurs in the body")
        pos = found + 2
    parts: list[Part] = []
    while True:
        after = pos + len(delimiter)
        if body[after : after + 2] == b"--":
            return parts
        line_end = body.find(_CRLF, after)
        if line_end < 0 or body[after:line_end].strip(b" \t"):
            raise MultipartError("garbage after a boundary")
        headers_start = line_end + 2
        if body[headers_start : headers_start + 2] == _CRLF:
            headers_end = headers_start
        else:
            found = body.find(_CRLF + _CRLF, headers_start, headers_start + _MAX_HEADER_BYTES)
            if found < 0:
                raise MultipartError("a part's headers never end")
            headers_end = found + 2
        header = _parse_headers(body[headers_start:headers_end])
        data_start = headers_end + 2
        next_delimiter = body.find(_CRLF + delimiter, data_start)
        if next_delimiter < 0:
            raise MultipartError("the closing boundary is missing")
        parts.append(
            Part(
                name=header.name,
                filename=header.filename,
                content_type=header.content_type,
                data=body[data_start:next_delimiter],
            )
        )
        pos = next_delimiter + 2
