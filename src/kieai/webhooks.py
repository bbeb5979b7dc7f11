"""Kie's task callbacks (webhooks): turn the POST body into a ``Task``; check Kie's signature.

When a task created with ``callback_url`` finishes, Kie POSTs the same envelope ``recordInfo``
returns (``{"code": 200|501, "msg": ..., "data": {...task...}}``) to that URL. If a
``webhookHmacKey`` is enabled at kie.ai/settings, the request also carries

* ``X-Webhook-Timestamp``: Unix seconds when Kie sent it, and
* ``X-Webhook-Signature``: ``base64(HMAC-SHA256(key, f"{task_id}.{timestamp}"))``.

The signature covers the task id and the timestamp, **not the body**: a verified callback
proves that Kie announced "task X changed" recently, but the state and result URLs in the body
are unauthenticated. Confirm with ``await client.get_task(task.task_id)`` before acting on them.

Everything here is a pure function of the raw body and headers, so it fits any web framework.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import os
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NoReturn, TypeAlias, cast

from pydantic import ValidationError

from ._constants import WEBHOOK_HMAC_KEY_ENV
from ._errors import (
    KieError,
    KieInputError,
    MalformedCallbackError,
    WebhookVerificationError,
)
from ._logging import logger, redact
from ._secrets import Redactor
from .types import Task, TaskState

__all__ = [
    "DEFAULT_TOLERANCE_S",
    "MAX_CALLBACK_BYTES",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "CallbackBody",
    "HeadersInput",
    "MalformedCallbackError",
    "parse_callback",
    "sign_callback",
    "verify_callback",
]

TIMESTAMP_HEADER = "X-Webhook-Timestamp"
SIGNATURE_HEADER = "X-Webhook-Signature"
#: Kie documents replay protection but no window; 5 minutes each way, as openai/Stripe do.
DEFAULT_TOLERANCE_S = 300
#: A real callback is a few KiB. Anyone can POST to a receiver, so a larger body is refused
#: before it is read as JSON (reading costs time and memory linear in the size, up to this).
MAX_CALLBACK_BYTES: int = 1024 * 1024

#: The raw request body (preferred), its text, or a body some framework already parsed.
CallbackBody: TypeAlias = bytes | bytearray | memoryview | str | Mapping[str, Any]
#: A mapping (dict, ``httpx.Headers``, Starlette/Django headers) or ``(name, value)`` pairs
#: (a list of tuples, Flask/werkzeug headers, an ASGI scope's raw ``headers``).
HeadersInput: TypeAlias = (
    Mapping[str, str] | Iterable[tuple[str, str]] | Iterable[tuple[bytes, bytes]]
)

_SHA256_BYTES = 32
# 13 digits would be milliseconds; more than 15 is not a time at all (and int() of a huge
# attacker-supplied string is slow).
_TIMESTAMP = re.compile(r"[0-9]{1,15}")
_LOOKS_LIKE_MS = 10**11
# A JSON string (kept as is) or a comma followed only by whitespace and a closing bracket.
# The closing quote is optional: an unterminated string then runs to the end of the text in
# one match, instead of failing and being tried again from every later quote (which made a
# body of ``"\\"\\"\\...`` cost time quadratic in its length).
_TRAILING_COMMA = re.compile(r'("[^"\\]*(?:\\.[^"\\]*)*"?)|,(\s*[}\]])', re.DOTALL)
_COMMA_BEFORE_CLOSE = re.compile(r",\s*[}\]]")
_EXCERPT_CHARS = 60
#: How much of a long text `_excerpt` redacts before cutting it to ``_EXCERPT_CHARS``: not the
#: whole body (a secret cut at this point is caught by redaction's cut-prefix rule).
_EXCERPT_REDACT_CHARS = 1000
_REDACTED = "[REDACTED]"


def parse_callback(body: CallbackBody) -> Task:
    """Parse a callback body into a ``Task``, without checking any signature.

    Accepts the raw body (``bytes``/``str``) or an already-parsed mapping. The task is read from
    ``data``; its id from ``data.task_id``, ``data.taskId`` or the top-level ``taskId`` (they
    must agree when several are present). Kie's own doc examples have trailing commas, which
    are tolerated. The envelope ``code`` (200/501) is ignored: ``data.state`` says how the task
    ended. Raises ``MalformedCallbackError`` for anything else.
    """
    envelope, data, task_id = _load(body)
    return _build_task(envelope, data, task_id)


def verify_callback(
    body: CallbackBody,
    headers: HeadersInput,
    hmac_key: str | bytes | None = None,
    tolerance: float | None = DEFAULT_TOLERANCE_S,
    *,
    now: float | None = None,
) -> Task:
    """Check Kie's signature on a callback and return the parsed task.

    ``hmac_key`` is Kie's ``webhookHmacKey`` (default: env ``KIE_WEBHOOK_HMAC_KEY``).
    ``tolerance`` is how many seconds the ``X-Webhook-Timestamp`` may differ from ``now``
    (default: the current time) in either direction; ``None`` turns the replay window off.

    Raises ``WebhookVerificationError`` when the key is missing, a header is missing or
    malformed, the timestamp is outside the window or the signature does not match;
    ``MalformedCallbackError`` when the body cannot be read (see ``parse_callback``). No error
    message contains the key.

    The signature does not cover the body: confirm the state with ``client.get_task``.
    """
    if tolerance is not None and not (math.isfinite(tolerance) and tolerance >= 0):
        raise KieInputError(f"tolerance: must be >= 0 seconds or None, got {tolerance!r}")
    key = _resolve_key(hmac_key)
    try:
        return _verify(body, headers, key, tolerance, now)
    except KieError as exc:
        error = _redacted(exc, key)
    # Raised outside the except block so that no chained exception can carry request data.
    raise error


def sign_callback(
    task_id: str, hmac_key: str | bytes, timestamp: int | None = None
) -> dict[str, str]:
    """The two headers Kie would send with a callback for ``task_id``.

    For tests of your own receiver (and for the fake server): pass the result as the request
    headers and ``verify_callback`` accepts it. ``timestamp`` defaults to now.
    """
    if not isinstance(task_id, str) or not task_id.strip():  # pyright: ignore[reportUnnecessaryIsInstance]  (untyped callers)
        raise KieInputError(f"task_id: must be a non-empty string, got {_excerpt(task_id)}")
    if not hmac_key:
        raise KieInputError("hmac_key: must not be empty")
    ts = int(time.time()) if timestamp is None else timestamp
    if isinstance(ts, bool) or not isinstance(ts, int) or ts < 0:  # pyright: ignore[reportUnnecessaryIsInstance]  (untyped callers)
        raise KieInputError(f"timestamp: must be whole Unix seconds >= 0, got {ts!r}")
    digest = _digest(_key_bytes(hmac_key), task_id, str(ts))
    return {
        TIMESTAMP_HEADER: str(ts),
        SIGNATURE_HEADER: base64.b64encode(digest).decode("ascii"),
    }


# --- verification ---------------------------------------------------------------------------


def _verify(
    body: CallbackBody,
    headers: HeadersInput,
    key: str | bytes,
    tolerance: float | None,
    now: float | None,
) -> Task:
    # Everything the headers can tell is checked before the body is read, and the body's
    # size before its JSON: an unsigned request costs next to nothing.
    timestamp_text, signature_text = _signature_headers(headers)
    timestamp = _parse_timestamp(timestamp_text)
    if tolerance is not None:
        _check_window(timestamp, tolerance, time.time() if now is None else now)
    received = _decode_signature(signature_text)
    # The task id is part of the signed message, so the body has to be read before the check.
    envelope, data, task_id = _load(body)
    expected = _digest(_key_bytes(key), task_id, timestamp_text)
    if not hmac.compare_digest(expected, received):
        raise _rejected(
            f"{SIGNATURE_HEADER} does not match task {_excerpt(task_id)} at {TIMESTAMP_HEADER} "
            f"{timestamp_text}: the HMAC key is not the webhookHmacKey Kie signs with, or the "
            "request was altered"
        )
    return _build_task(envelope, data, task_id)


def _resolve_key(hmac_key: str | bytes | None) -> str | bytes:
    if hmac_key is None:
        # Stripped like KIE_API_KEY: a newline pasted into an env file is never part of a key.
        key = os.environ.get(WEBHOOK_HMAC_KEY_ENV, "").strip()
        if not key:
            raise _rejected(
                f"no HMAC key: pass hmac_key= or set {WEBHOOK_HMAC_KEY_ENV} to the "
                "webhookHmacKey from kie.ai/settings"
            )
        return key
    if not hmac_key:
        raise _rejected(
            f"hmac_key is empty: pass the webhookHmacKey from kie.ai/settings "
            f"(or leave it None to read {WEBHOOK_HMAC_KEY_ENV})"
        )
    return hmac_key


def _signature_headers(headers: HeadersInput) -> tuple[str, str]:
    """Find both headers, whatever the container and the case of the names."""
    wanted = {name.lower(): name for name in (TIMESTAMP_HEADER, SIGNATURE_HEADER)}
    found: dict[str, set[str]] = {name: set() for name in wanted.values()}
    for raw_name, raw_value in _header_pairs(headers):
        name = _header_text(raw_name).strip().lower()
        if name in wanted:
            found[wanted[name]].add(_header_text(raw_value).strip())
    values: list[str] = []
    for name, seen in found.items():
        if not seen or seen == {""}:
            raise _rejected(
                f"missing {name} header: is the webhookHmacKey enabled at kie.ai/settings, "
                "and are the request's headers passed through?"
            )
        if len(seen) > 1:
            raise _rejected(f"{name} header appears more than once with different values")
        values.append(next(iter(seen)))
    return values[0], values[1]


def _header_pairs(headers: object) -> list[tuple[object, object]]:
    kind = type(headers).__name__
    items: object = headers
    if isinstance(headers, Mapping):
        items = cast("Mapping[object, object]", headers).items()
    if isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
        raise _rejected(f"headers must be a mapping or (name, value) pairs, got {kind}")
    pairs: list[tuple[object, object]] = []
    for pair in cast("Iterable[object]", items):
        pair_kind = type(pair).__name__
        if not isinstance(pair, (tuple, list)) or len(cast("Sequence[object]", pair)) != 2:
            raise _rejected(f"headers must be (name, value) pairs, got {pair_kind}")
        name, value = cast("Sequence[object]", pair)
        pairs.append((name, value))
    return pairs


def _header_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")  # HTTP header bytes, as ASGI servers pass them
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise _rejected(f"header names and values must be str or bytes, got {type(value).__name__}")


def _parse_timestamp(text: str) -> int:
    if not _TIMESTAMP.fullmatch(text):
        raise _rejected(f"{TIMESTAMP_HEADER} must be whole Unix seconds, got {_excerpt(text)}")
    return int(text)


def _check_window(timestamp: int, tolerance: float, now: float) -> None:
    skew = now - timestamp
    if abs(skew) <= tolerance:
        return
    when = f"{skew:.0f} s old" if skew > 0 else f"{-skew:.0f} s in the future"
    hint = " (it looks like milliseconds, not seconds)" if timestamp > _LOOKS_LIKE_MS else ""
    raise _rejected(
        f"{TIMESTAMP_HEADER} {timestamp} is {when}, outside the tolerance of {tolerance:g} s"
        f"{hint}: a replayed callback, or a clock that is off"
    )


def _decode_signature(text: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raw = None
    if raw is None:
        raise _rejected(f"{SIGNATURE_HEADER} is not valid standard base64")
    if len(raw) != _SHA256_BYTES:
        raise _rejected(
            f"{SIGNATURE_HEADER} decodes to {len(raw)} bytes; an HMAC-SHA256 signature has "
            f"{_SHA256_BYTES}"
        )
    return raw


def _key_bytes(key: str | bytes) -> bytes:
    return key.encode("utf-8", "surrogatepass") if isinstance(key, str) else bytes(key)


def _digest(key: bytes, task_id: str, timestamp_text: str) -> bytes:
    message = f"{task_id}.{timestamp_text}".encode("utf-8", "surrogatepass")
    return hmac.new(key, message, hashlib.sha256).digest()


def _rejected(message: str) -> WebhookVerificationError:
    return WebhookVerificationError(message)


def _redacted(error: KieError, key: str | bytes) -> KieError:
    """``error``, or a copy without the key (nor a prefix of it left where a text was cut)
    where the request happened to contain it."""
    redactor = Redactor(*(k for k in _key_texts(key) if k))
    message = str(error)
    body = error.body if isinstance(error, MalformedCallbackError) else None
    clean_message = redactor.text(message)
    body_text = repr(body)
    leaks_body = body is not None and redactor.text(body_text) != body_text
    if not leaks_body and clean_message == message:
        return error
    if isinstance(error, MalformedCallbackError):
        return MalformedCallbackError(clean_message, body=None if leaks_body else body)
    return type(error)(clean_message)


def _key_texts(key: str | bytes) -> list[str]:
    if isinstance(key, str):
        return [key]
    return [key.decode("utf-8", "replace"), key.decode("latin-1")]


# --- parsing --------------------------------------------------------------------------------


def _load(body: CallbackBody) -> tuple[dict[str, Any], dict[str, Any], str]:
    """The envelope, its ``data`` object and the task id: what both public functions need."""
    value = _as_json(body)
    if not isinstance(value, Mapping):
        raise _malformed(f"callback body is a JSON {_json_kind(value)}, expected an object", value)
    envelope: dict[str, Any] = dict(cast("Mapping[str, Any]", value))
    data_value = envelope.get("data")
    if data_value is None:
        if "state" in envelope and ("taskId" in envelope or "task_id" in envelope):
            raise _malformed(
                "callback body has no 'data' object but looks like the task itself: pass the "
                "whole callback body, not its 'data'",
                envelope,
            )
        raise _malformed(
            f"callback body has no 'data' object{_envelope_summary(envelope)}", envelope
        )
    if not isinstance(data_value, Mapping):
        raise _malformed(
            f"callback 'data' is a JSON {_json_kind(data_value)}, expected an object", envelope
        )
    data: dict[str, Any] = dict(cast("Mapping[str, Any]", data_value))
    return envelope, data, _task_id(envelope, data)


def _as_json(body: object) -> object:
    if isinstance(body, (str, bytes, bytearray, memoryview)):
        _check_size(cast("str | bytes", body))
        return _decode_json(cast("str | bytes", body))
    if not _is_json_value(body):
        raise _malformed(
            "body must be the raw request body (bytes or str) or an already-parsed mapping, "
            f"got {type(body).__name__}; in Starlette/FastAPI use `await request.body()`"
        )
    # A framework's ``await request.json()`` may hold any JSON value; non-objects fail later.
    return body


def _check_size(body: str | bytes) -> None:
    # A str is measured as the UTF-8 bytes it came from (at most 4 per character): the len()
    # test decides most bodies without encoding anything.
    size = len(body)
    if isinstance(body, str) and size <= MAX_CALLBACK_BYTES < 4 * size:
        size = len(body.encode("utf-8", "surrogatepass"))
    if size > MAX_CALLBACK_BYTES:
        raise _malformed(
            f"callback body is larger than {MAX_CALLBACK_BYTES:,} bytes (a Kie callback is a "
            "few KiB); refused unread"
        )


def _is_json_value(value: object) -> bool:
    return value is None or isinstance(value, (Mapping, list, int, float))


def _decode_json(body: str | bytes) -> object:
    if not isinstance(body, str):
        try:
            text = bytes(body).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            problem = f"callback body is not UTF-8 text (bad byte at offset {exc.start})"
        else:
            return _decode_json(text)
        raise _malformed(problem)
    text = body.removeprefix("\ufeff")
    if not text.strip():
        raise _malformed("callback body is empty")
    value, problem = _json_loads(text)
    if problem is None:
        return value
    # Kie's documentation examples carry trailing commas; a copy of one should still parse.
    # (An unmatched group is replaced by nothing: one C-level pass, no Python call per match.)
    relaxed = _TRAILING_COMMA.sub(r"\1\2", text) if _COMMA_BEFORE_CLOSE.search(text) else text
    if relaxed != text:
        value, relaxed_problem = _json_loads(relaxed)
        if relaxed_problem is None:
            return value
    raise _malformed(f"callback body is not JSON ({problem}): starts with {_excerpt(text)}")


def _json_loads(text: str) -> tuple[object, str | None]:
    """Parse ``text``; on failure return the reason instead of raising, so the caller's error
    does not chain a ``JSONDecodeError`` (whose ``doc`` holds the whole request body)."""
    try:
        return json.loads(text, parse_constant=_reject_constant), None
    except RecursionError:
        return None, "nested too deeply"
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError):
            return None, f"{exc.msg} at line {exc.lineno} column {exc.colno}"
        return None, str(exc)


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON value")


def _task_id(envelope: dict[str, Any], data: dict[str, Any]) -> str:
    # Kie's verification page reads data.task_id, its sample request also has a top-level
    # taskId, and Market callbacks carry data.taskId. All present ones must name one task: the
    # id that was signed is the id this module returns.
    candidates = [
        ("data.task_id", data.get("task_id")),
        ("data.taskId", data.get("taskId")),
        ("taskId", envelope.get("taskId")),
    ]
    present = [(where, value) for where, value in candidates if value is not None]
    if not present:
        raise _malformed(
            "callback data has no task id (data.taskId, data.task_id or taskId)", envelope
        )
    for where, value in present:
        if not isinstance(value, str) or not value.strip():
            raise _malformed(
                f"callback {where} must be a non-empty string, got {_excerpt(value)}", envelope
            )
    first_where, first = present[0]
    for where, value in present[1:]:
        if value != first:
            raise _malformed(
                f"callback {first_where} {_excerpt(first)} and {where} {_excerpt(value)} "
                "name different tasks",
                envelope,
            )
    return cast("str", first)


def _build_task(envelope: dict[str, Any], data: dict[str, Any], task_id: str) -> Task:
    if data.get("state") is None:
        raise _malformed(f"callback data for task {_excerpt(task_id)} has no 'state'", envelope)
    fields = {k: v for k, v in data.items() if k not in ("task_id", "taskId")}
    fields["taskId"] = task_id
    try:
        task = Task.model_validate(fields)
    except ValidationError as exc:
        problem = "; ".join(
            f"data.{'.'.join(str(part) for part in err['loc'])}: {err['msg']}"
            for err in exc.errors(include_url=False, include_context=False, include_input=False)
        )
    else:
        _note_disagreement(envelope, task)
        return task
    raise _malformed(f"callback data for task {_excerpt(task_id)} is invalid: {problem}", envelope)


def _note_disagreement(envelope: dict[str, Any], task: Task) -> None:
    """The envelope's 200/501 is a summary; ``data.state`` is the task's own word and wins."""
    code = envelope.get("code")
    if (code == 200 and task.state == TaskState.FAIL) or (
        code == 501 and task.state == TaskState.SUCCESS
    ):
        logger.debug(
            "callback for task %s: envelope code %s disagrees with state %s; using the state",
            task.task_id,
            code,
            task.state,
        )


def _malformed(message: str, body: object = None) -> MalformedCallbackError:
    return MalformedCallbackError(message, body=body)


def _envelope_summary(envelope: Mapping[str, Any]) -> str:
    code = envelope.get("code")
    msg = envelope.get("msg", envelope.get("message"))
    parts = [f"code {code!r}" if code is not None else "", f"msg {_excerpt(msg)}" if msg else ""]
    joined = ", ".join(p for p in parts if p)
    return f" ({joined})" if joined else ""


def _json_kind(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "null" if value is None else type(value).__name__


def _excerpt(value: object) -> str:
    """A short ``repr`` for messages: request data is echoed, but never at length."""
    # Redacted before it is cut: a cut secret would no longer match in full.
    text = value if isinstance(value, str) else repr(value)
    text = redact(text[:_EXCERPT_REDACT_CHARS])
    if len(text) > _EXCERPT_CHARS:
        text = text[:_EXCERPT_CHARS] + "…"
    return repr(text) if isinstance(value, str) else text
