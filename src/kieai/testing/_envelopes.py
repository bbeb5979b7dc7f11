"""Kie's answer bodies: ``{"code", "msg", "data"}`` for the API host, plus ``"success"`` on the
upload host, and the HTTP status each travels with.

Kie mostly puts the real outcome in the JSON ``code`` of an HTTP 200; some deployments (and
proxies) answer with the matching HTTP status. ``http_status_errors`` picks between the two.
Kie's pages spell the message key both ``msg`` and ``message``; ``message_key`` picks one.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, Literal

from ._http import Response, json_response

__all__ = [
    "MessageKey",
    "default_message",
    "error_envelope",
    "html_page",
    "kie_error",
    "kie_ok",
    "upload_ok",
]

#: The envelope's message key: ``msg`` (Kie's OpenAPI schemas, the live API as integrators
#: report it) or ``message`` (the prose examples on several of Kie's pages).
MessageKey = Literal["msg", "message"]

_MESSAGES = {
    400: "Bad Request",
    401: "You do not have access permissions",
    402: "Credits insufficient. Please top up your account.",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Upstream timeout: no result for over 10 minutes",
    422: "Validation error",
    429: "Rate limit exceeded. Please try again later.",
    433: "Sub-key usage exceeds the limit",
    455: "Service unavailable: the system is under maintenance",
    500: "Internal server error",
    501: "Generation failed",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    505: "This feature is disabled",
}


def default_message(code: int) -> str:
    if code in _MESSAGES:
        return _MESSAGES[code]
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Error"


def error_envelope(
    code: int, msg: str, *, upload: bool, message_key: MessageKey = "msg"
) -> dict[str, Any]:
    """Kie's error body; the upload host adds ``"success": false``."""
    if upload:
        return {"success": False, "code": code, message_key: msg}
    return {"code": code, message_key: msg}


def kie_error(
    code: int,
    msg: str | None = None,
    *,
    http_status_errors: bool,
    message_key: MessageKey = "msg",
    upload: bool = False,
    data: bool = False,
    headers: list[tuple[str, str]] | None = None,
    status: int | None = None,
) -> Response:
    """An error answer: JSON ``code`` in an HTTP 200, or also as the HTTP status.

    ``data=True`` adds ``"data": null``, as in Kie's ``recordInfo is null`` answer; ``status``
    forces the HTTP status whatever ``http_status_errors`` says.
    """
    payload = error_envelope(
        code, msg or default_message(code), upload=upload, message_key=message_key
    )
    if data:
        payload["data"] = None
    if status is None:
        status = code if http_status_errors and 400 <= code <= 599 else 200
    return json_response(payload, status=status, headers=headers)


def kie_ok(data: Any, *, message_key: MessageKey = "msg") -> Response:
    return json_response({"code": 200, message_key: "success", "data": data})


def upload_ok(data: Any, *, message_key: MessageKey = "msg") -> Response:
    return json_response(
        {"success": True, "code": 200, message_key: "File uploaded successfully", "data": data}
    )


def html_page(status: int) -> bytes:
    """An nginx-style error page, what a gateway in front of Kie serves on a 502/504."""
    title = f"{status} {default_message(status)}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    ).encode()
