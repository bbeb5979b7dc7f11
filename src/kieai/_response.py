"""Turning one HTTP response from Kie into either its JSON envelope or a typed error.

Kie reports errors two ways: a real HTTP status, or a JSON ``code`` inside an HTTP 200. The
JSON code wins when both are present. ``msg`` and ``message`` are both read. A body that is not
JSON (an nginx 502 page, a captive portal) becomes a status error by its HTTP status, never a
JSON decode error; a 2xx that is not the documented shape is an
`APIResponseValidationError` that says what was wrong.
"""

from __future__ import annotations

import contextlib
import json
import zlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import httpx
import pydantic

from ._errors import (
    APIResponseValidationError,
    APIStatusError,
    describe_request,
    make_status_error,
    status_hint,
)
from ._logging import redact
from ._retry import parse_retry_after
from .types import Task, TaskState

__all__ = [
    "ACCEPT_ENCODING",
    "MAX_RESPONSE_BYTES",
    "MAX_RESPONSE_VALUES",
    "anext_or_none",
    "body_text",
    "error_for_status",
    "parse_envelope",
    "read_bounded",
    "snippet",
    "stop_reading",
    "task_ended",
]

_SNIPPET_CHARS = 200
#: An API answer (a task record, an upload receipt) is a few KiB; anything past this after
#: decompression is refused instead of being held in memory.
MAX_RESPONSE_BYTES = 16 * 1024 * 1024
#: An API answer holds a few dozen JSON values. Parsing costs memory per value (a small dict
#: entry costs about 10 times the bytes it took in the body: a 16 MiB answer of tiny values was
#: 150 MiB of objects), so an answer with more than this many is refused before it is parsed.
#: Counted from its commas and opening brackets (also those inside strings: an overcount).
MAX_RESPONSE_VALUES = 100_000
#: The encodings `read_bounded` decodes itself, with a bound, as advertised to Kie.
ACCEPT_ENCODING = "gzip, deflate"
#: After giving up on a body, how long finishing httpx's stream iterators may take.
_STOP_READING_S = 1.0


def snippet(text: str, limit: int = _SNIPPET_CHARS) -> str:
    """A one-line excerpt of a body for error messages: redacted first, then shortened, so a
    secret the server echoed cannot leave a prefix behind."""
    flat = " ".join(redact(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class _TooManyValues(Exception):
    """The body may hold more than `MAX_RESPONSE_VALUES` JSON values: it is not parsed."""


class _Unreadable(Exception):
    """The body cannot be read within the bounds (too large, garbled compression)."""


class _Inflate:
    """zlib decoding with a cap on the output: never more than ``room + 1`` bytes per call, so
    a compression bomb costs at most the cap in memory and the time to inflate the cap."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        self._gzip = encoding in ("gzip", "x-gzip")
        self._z = zlib.decompressobj(zlib.MAX_WBITS | 16 if self._gzip else zlib.MAX_WBITS)
        self._first = True

    def feed(self, data: bytes, room: int) -> bytes:
        out: list[bytes] = []
        produced = 0
        while data:
            try:
                piece = self._z.decompress(data, room - produced + 1)
            except zlib.error as exc:
                if self._first and not self._gzip:
                    # "deflate" is sent both zlib-wrapped (RFC 9110) and raw (old IIS); as httpx.
                    self._first = False
                    self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise _Unreadable(f"its {self._encoding} compression is garbled ({exc})") from None
            self._first = False
            produced += len(piece)
            if produced > room:
                raise _Unreadable(_too_large())
            out.append(piece)
            data = self._z.unconsumed_tail
            if self._z.eof:
                break
        return b"".join(out)

    def finish(self) -> None:
        if not self._z.eof and not self._first:
            raise _Unreadable(f"its {self._encoding} compression ends early (truncated)")


def _too_large() -> str:
    return f"it is larger than {MAX_RESPONSE_BYTES:,} bytes after decompression"


def _decoders(response: httpx.Response) -> list[_Inflate]:
    """One decoder per ``Content-Encoding`` layer, outermost first. Encodings not decoded here
    (``br`` is not advertised) pass through as is, like httpx does: the JSON check then fails."""
    header = response.headers.get("content-encoding", "")
    names = [part.strip().lower() for part in header.split(",") if part.strip()]
    return [_Inflate(name) for name in reversed(names) if name in ("gzip", "x-gzip", "deflate")]


async def stop_reading(
    response: httpx.Response, chunks: AsyncIterator[bytes], *, blocking: bool = False
) -> None:
    """Give up on a body that is only partly read, without leaving httpx's stream iterators
    (async generators) suspended: trio reports each one that is garbage collected so with a
    ResourceWarning. The response is closed first, so the last pull ends the iterators by an
    error (or the end) raised inside them, which unwinds them all. ``blocking``: the body is
    read in a calling thread with no event loop (`SyncKieClient`'s quick calls), where no cancel
    scope exists and a closed stream ends at once."""
    if blocking:
        await response.aclose()
        with contextlib.suppress(Exception):
            async for _ in chunks:
                pass
        return
    with anyio.CancelScope(shield=True):
        await response.aclose()
    with anyio.move_on_after(_STOP_READING_S):
        try:
            async for _ in chunks:
                pass
        except Exception:
            pass


async def read_bounded(response: httpx.Response, *, blocking: bool = False) -> bytes:
    """Read the whole body of an API answer with bounds on memory and time, and keep it as the
    response's content (``response.content``/``.text`` work as after ``aread()``).

    Raises `APIResponseValidationError` when the body is larger than
    `MAX_RESPONSE_BYTES` after decompression or its compression is garbled. Transport
    errors (a dropped connection) propagate as httpx raises them. ``blocking``: see
    `stop_reading`.
    """
    try:
        content = await _read(response, blocking)
    except _Unreadable as exc:
        raise APIResponseValidationError(
            f"{describe_request(response.request)}: the answer (HTTP {response.status_code}) "
            f"cannot be read: {exc}",
            response=response,
        ) from None
    # What aread() does; httpx has no public way to hand it a body read with a bound.
    response._content = content  # pyright: ignore[reportPrivateUsage]
    return content


async def _read(response: httpx.Response, blocking: bool) -> bytes:
    decoders = _decoders(response)
    length = response.headers.get("content-length", "")
    if not decoders and length.isdigit() and int(length) > MAX_RESPONSE_BYTES:
        raise _Unreadable(_too_large())  # fails fast: not one byte of it is read
    try:
        chunks = response.aiter_raw()
        first = await chunks.__anext__()
    except StopAsyncIteration:
        return b""
    except httpx.StreamConsumed:  # an answer built in memory (a mock) is read already
        if len(response.content) > MAX_RESPONSE_BYTES:
            raise _Unreadable(_too_large()) from None
        return response.content
    parts: list[bytes] = []
    total = 0
    decode = _pipeline(decoders)
    try:
        piece: bytes | None = first
        while piece is not None:
            out = decode(piece, MAX_RESPONSE_BYTES - total)
            total += len(out)
            if total > MAX_RESPONSE_BYTES:
                raise _Unreadable(_too_large())
            parts.append(out)
            piece = await anext_or_none(chunks)
        for decoder in decoders:
            decoder.finish()
    except _Unreadable:
        await stop_reading(response, chunks, blocking=blocking)
        raise
    return b"".join(parts)


async def anext_or_none(chunks: AsyncIterator[bytes]) -> bytes | None:
    """The next chunk, or None at the end: a read loop with no ``async for``, whose body could
    leave the iterator suspended when it raises."""
    try:
        return await chunks.__anext__()
    except StopAsyncIteration:
        return None


def _pipeline(decoders: list[_Inflate]) -> Callable[[bytes, int], bytes]:
    def decode(data: bytes, room: int) -> bytes:
        for decoder in decoders:
            data = decoder.feed(data, room)
        if len(data) > room:
            raise _Unreadable(_too_large())
        return data

    return decode


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


def _most_json_values(content: bytes) -> int:
    """At least as many as the JSON values in ``content`` (each value after a container's
    first follows a comma), counted in C at memory speed, without parsing."""
    return content.count(b",") + content.count(b"[") + content.count(b"{") + 1


def _decode(response: httpx.Response) -> tuple[Any, bool]:
    """(body, is_json). A non-JSON body comes back as text."""
    content = response.content
    if not content.strip():
        return None, False
    if _most_json_values(content) > MAX_RESPONSE_VALUES:
        raise _TooManyValues
    try:
        return json.loads(content), True
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: [[[[...]]]]
        return body_text(response), False


def body_text(response: httpx.Response) -> str:
    """The body as text, whatever its charset claims (an unknown or wrong one: UTF-8 with
    replacement characters), never a ``LookupError``/``UnicodeError``."""
    try:
        return response.text
    except (LookupError, ValueError):  # a charset Python does not know
        return response.content.decode("utf-8", "replace")


#: Kie's own messages are short; a longer one (a stack trace, an echoed request) is cut here.
_MESSAGE_CHARS = 1000


def error_for_status(
    response: httpx.Response,
    body: Any,
    *,
    code: int | None,
    message: str | None,
    creating: bool = False,
) -> APIStatusError:
    """The typed error for an answer: by Kie's JSON ``code`` when present, else the HTTP status.
    ``creating``: the answer is to createTask (the message then says whether a task may exist)."""
    effective = code if code is not None else response.status_code
    if message:
        detail: str | None = snippet(message, _MESSAGE_CHARS)
    else:
        detail = snippet(body) if isinstance(body, str) and body else None
    http = f"HTTP {response.status_code}"
    text = f"Error code: {effective}"
    if detail:
        text += f" - {detail}"
    text += f" ({http}, {describe_request(response.request)})"
    hint = status_hint(effective, creating=creating)
    if hint:
        text += f": {hint}"
    return make_status_error(
        text,
        response=response,
        body=body,
        code=code,
        retry_after=parse_retry_after(response.headers),
    )


def parse_envelope(response: httpx.Response, *, creating: bool = False) -> dict[str, Any]:
    """The JSON envelope of a successful answer; raises the typed error for anything else.

    Kie's JSON ``code`` wins over the HTTP status in both directions: ``{"code": 200, ...}`` in
    an HTTP 502 is a success (the task it names exists), ``{"code": 422, ...}`` in an HTTP 200
    is an error. ``creating`` marks a createTask answer (see `error_for_status`).
    """
    try:
        body, is_json = _decode(response)
    except _TooManyValues:
        if not 200 <= response.status_code < 300:
            raise error_for_status(
                response, None, code=None, message=None, creating=creating
            ) from None
        raise APIResponseValidationError(
            f"{describe_request(response.request)}: the answer (HTTP {response.status_code}, "
            f"{len(response.content):,} bytes) holds more than {MAX_RESPONSE_VALUES:,} JSON "
            "values (a Kie answer holds a few dozen); refused unparsed, as parsing it would cost "
            "memory without bound",
            response=response,
        ) from None
    if is_json and isinstance(body, dict):
        envelope: dict[str, Any] = body  # pyright: ignore[reportUnknownVariableType]
        code = _json_code(envelope)
        message = _json_message(envelope)
        if code is not None and code != 200:
            raise error_for_status(
                response, envelope, code=code, message=message, creating=creating
            )
        if envelope.get("success") is False:
            # Upload host: {"success": false} with no usable code; fall back to the HTTP status.
            status = response.status_code if response.status_code >= 400 else 400
            raise error_for_status(
                response,
                envelope,
                code=code if code != 200 else status,
                message=message,
                creating=creating,
            )
        if code == 200:
            return envelope
        if not 200 <= response.status_code < 300:
            raise error_for_status(
                response, envelope, code=None, message=message, creating=creating
            )
        return envelope
    if not 200 <= response.status_code < 300:
        raise error_for_status(response, body, code=None, message=None, creating=creating)
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


#: recordInfo envelope codes that end a task (Kie's Get Task Details): 501 generation failed,
#: 408 no result from the upstream for over 10 minutes.
TASK_ENDED_CODES = frozenset({408, 501})


def task_ended(error: APIStatusError, task_id: str) -> Task | None:
    """The failed `Task` a recordInfo error answer stands for, or None.

    Only Kie's JSON code counts (a proxy's HTTP 408 says nothing about the task). The record in
    ``data`` is used when there is one, as in Kie's failure callback
    (``{"code": 501, "data": {"state": "fail", "failCode": ...}}``); else a task with
    ``fail_code`` the envelope code and ``fail_msg`` its message.
    """
    if error.code not in TASK_ENDED_CODES:
        return None
    body = error.body
    envelope: dict[str, Any] = body if isinstance(body, dict) else {}  # pyright: ignore[reportUnknownVariableType]
    message = _json_message(envelope) or f"Kie answered code {error.code} (task ended)"
    bare: dict[str, Any] = {
        "taskId": task_id,
        "state": TaskState.FAIL.value,
        "failCode": str(error.code),
        "failMsg": message,
    }
    data = envelope.get("data")
    if isinstance(data, dict) and data:
        record: dict[str, Any] = {"taskId": task_id, **data}  # pyright: ignore[reportUnknownArgumentType]
        # The envelope's code is final, whatever the record's state says (the JSON code wins).
        record["state"] = TaskState.FAIL.value
        for key, fallback in (("failCode", bare["failCode"]), ("failMsg", message)):
            if not record.get(key) and not record.get(_SNAKE[key]):
                record[key] = fallback
        try:
            return Task.model_validate(record)
        except pydantic.ValidationError:
            pass  # a record that does not parse: the envelope still says how the task ended
    return Task.model_validate(bare)


_SNAKE = {"failCode": "fail_code", "failMsg": "fail_msg"}


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
