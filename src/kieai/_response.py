"""Turning one HTTP response from Kie into either its JSON envelope or a typed error.

Kie reports errors two ways: a real HTTP status, or a JSON ``code`` inside an HTTP 200. The
JSON code wins when both are present. ``msg`` and ``message`` are both read. A body that is not
JSON (an nginx 502 page, a captive portal) becomes a status error by its HTTP status, never a
JSON decode error; a 2xx that is not the documented shape is an
`APIResponseValidationError` that says what was wrong.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from ._errors import (
    APIResponseValidationError,
    APIStatusError,
    describe_request,
    make_status_error,
)
from ._retry import parse_retry_after

__all__ = ["error_for_status", "parse_envelope", "snippet"]

_SNIPPET_CHARS = 200


def snippet(text: str, limit: int = _SNIPPET_CHARS) -> str:
    """A one-line excerpt of a body for error messages."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _json_code(envelope: dict[str, Any]) -> int | None:
    code = envelope.get("code")
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        return code
    if isinstance(code, str) and code.strip().isdigit():
        try:
            return int(code.strip())
        except ValueError:  # "²" passes isdigit(); over 4300 digits trips int()'s limit
            return None
    return None


def _json_message(envelope: dict[str, Any]) -> str | None:
    for key in ("msg", "message", "error"):
        value = envelope.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _decode(response: httpx.Response) -> tuple[Any, bool]:
    """(body, is_json). A non-JSON body comes back as text."""
    content = response.content
    if not content.strip():
        return None, False
    try:
        return json.loads(content), True
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: [[[[...]]]]
        return response.text, False


def error_for_status(
    response: httpx.Response, body: Any, *, code: int | None, message: str | None
) -> APIStatusError:
    effective = code if code is not None else response.status_code
    detail = message or (snippet(body) if isinstance(body, str) and body else None)
    http = f"HTTP {response.status_code}"
    text = f"Error code: {effective}"
    if detail:
        text += f" - {detail}"
    text += f" ({http}, {describe_request(response.request)})"
    return make_status_error(
        text,
        response=response,
        body=body,
        code=code,
        retry_after=parse_retry_after(response.headers),
    )


def parse_envelope(response: httpx.Response) -> dict[str, Any]:
    """The JSON envelope of a successful answer; raises the typed error for anything else."""
    body, is_json = _decode(response)
    if is_json and isinstance(body, dict):
        envelope: dict[str, Any] = body  # pyright: ignore[reportUnknownVariableType]
        code = _json_code(envelope)
        message = _json_message(envelope)
        if code is not None and code != 200:
            raise error_for_status(response, envelope, code=code, message=message)
        if envelope.get("success") is False:
            # Upload host: {"success": false} with no usable code; fall back to the HTTP status.
            status = response.status_code if response.status_code >= 400 else 400
            raise error_for_status(
                response, envelope, code=code if code != 200 else status, message=message
            )
        if response.status_code >= 400:
            raise error_for_status(response, envelope, code=None, message=message)
        if not 200 <= response.status_code < 300:
            raise error_for_status(response, envelope, code=None, message=message)
        return envelope
    if not 200 <= response.status_code < 300:
        raise error_for_status(response, body, code=None, message=None)
    if is_json:
        what = f"a JSON {type(body).__name__}"
    else:
        kind = response.headers.get("content-type", "no content type")
        what = f"non-JSON content ({kind})" + (f": {snippet(body)}" if body else " (empty body)")
    raise APIResponseValidationError(
        f"expected a JSON object from {describe_request(response.request)}, got {what}",
        response=response,
        body=body,
    )


def require_field(envelope: dict[str, Any], response: httpx.Response, what: str) -> Any:
    """``envelope["data"]``, or an `APIResponseValidationError` naming the missing piece."""
    if "data" not in envelope or envelope["data"] is None:
        raise APIResponseValidationError(
            f"{describe_request(response.request)}: the answer has no 'data' ({what} expected): "
            f"{snippet(json.dumps(envelope, default=str))}",
            response=response,
            body=envelope,
        )
    return envelope["data"]
