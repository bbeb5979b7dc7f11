"""Injected faults: the next answers of a route become errors, HTML pages, slow answers or
dropped connections, the way a gateway in front of Kie misbehaves.

Faults act before authentication and validation, like a proxy would. Whether the request
still reaches Kie's logic (``processed``) is per fault: by default a dropped or delayed request
*is* processed (a task gets created although the client never hears about it), while an
error answer means it was not.

A request takes at most one fault of each kind, the oldest matching one that is due: a
*delay-only* fault (``delay`` and nothing else) and a *shaping* fault (an answer, a drop, or
both with a delay of its own). A fault with ``every=N`` is due on the Nth, 2Nth, ... request
of its routes (it counts each one it matches, whether or not it shapes it). Both apply together, delays adding up, so an open-ended
``inject("*", delay=0.01, times=None)`` slows everything without hiding a 503 added later.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from ._envelopes import MessageKey, default_message, error_envelope, html_page
from ._http import Response

__all__ = ["ROUTES", "ROUTE_GROUPS", "UPLOAD_ROUTES", "Fault", "FaultBook"]

#: Route names, one per endpoint (``upload`` and ``*`` are groups).
ROUTES = (
    "createTask",
    "recordInfo",
    "credit",
    "download-url",
    "stream-upload",
    "base64-upload",
    "url-upload",
    "files",
    "results",
    "remote",
)
UPLOAD_ROUTES = frozenset({"stream-upload", "base64-upload", "url-upload"})
ROUTE_GROUPS: dict[str, frozenset[str]] = {"upload": UPLOAD_ROUTES, "*": frozenset(ROUTES)}


@dataclass(eq=False)
class Fault:
    """One injected fault (returned by ``fake.inject``). ``hits`` counts the answers it shaped;
    ``remaining`` is how many are left (None: until ``fake.clear_faults()``); ``every`` makes
    it shape only every Nth matching request (``seen`` counts them)."""

    route: str
    status: int | None = None
    code: int | None = None
    msg: str | None = None
    html: bool = False
    retry_after: float | None = None
    delay: float = 0.0
    drop: bool = False
    processed: bool | None = None
    body: bytes | str | dict[str, Any] | list[Any] | None = None
    content_type: str | None = None
    remaining: int | None = 1
    every: int = 1
    hits: int = 0
    seen: int = 0
    _routes: frozenset[str] = field(default=frozenset(), repr=False)

    def __post_init__(self) -> None:
        if self.route in ROUTE_GROUPS:
            self._routes = ROUTE_GROUPS[self.route]
        elif self.route in ROUTES:
            self._routes = frozenset({self.route})
        else:
            names = ", ".join((*ROUTES, *ROUTE_GROUPS))
            raise ValueError(f"unknown route {self.route!r}; use one of: {names}")
        if self.remaining is not None and self.remaining < 1:
            raise ValueError(f"times must be >= 1 or None, got {self.remaining}")
        if self.every < 1:
            raise ValueError(f"every must be >= 1, got {self.every}")
        if self.delay < 0:
            raise ValueError(f"delay must be >= 0 seconds, got {self.delay}")
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError(f"status must be an HTTP status (100-599), got {self.status}")
        if not (self.has_answer or self.drop or self.delay):
            raise ValueError(
                "a fault needs one of status, code, html, retry_after, body, delay or drop"
            )
        if self.processed is False and not (self.has_answer or self.drop):
            raise ValueError(
                "a delay-only fault with processed=False has no answer to send; "
                "add status/code/html/body or drop=True"
            )

    @property
    def has_answer(self) -> bool:
        """True when the fault replaces the answer (as opposed to only delaying or dropping it)."""
        return bool(
            self.status is not None
            or self.code is not None
            or self.html
            or self.retry_after is not None
            or self.body is not None
        )

    @property
    def runs_handler(self) -> bool:
        """Whether the request still reaches the fake's logic (creating a task, storing a file)."""
        if self.processed is not None:
            return self.processed
        return not self.has_answer

    @property
    def delay_only(self) -> bool:
        """True for a fault that only slows the answer down (it combines with a shaping one)."""
        return not (self.has_answer or self.drop)

    def matches(self, route: str | None) -> bool:
        return route is not None and route in self._routes

    def answer(self, route: str, *, message_key: MessageKey = "msg") -> Response:
        """The replacement answer (only for faults that `has_answer`)."""
        headers: list[tuple[str, str]] = []
        if self.retry_after is not None:
            headers.append(("retry-after", f"{self.retry_after:g}"))
        if self.html:
            status = self.status or 502
            return Response(status, html_page(status), [("content-type", "text/html"), *headers])
        if self.body is not None:
            return self._raw_answer(headers)
        if self.status is None and self.code is None:  # retry_after alone: Kie's HTTP 429
            status = code = 429
        else:
            status = self.status if self.status is not None else 200
            code = self.code if self.code is not None else status
        payload = error_envelope(
            code,
            self.msg or default_message(code),
            upload=route in UPLOAD_ROUTES,
            message_key=message_key,
        )
        body = json.dumps(payload, separators=(",", ":")).encode()
        return Response(
            status, body, [("content-type", "application/json; charset=utf-8"), *headers]
        )

    def _raw_answer(self, headers: list[tuple[str, str]]) -> Response:
        status = self.status or 200
        if isinstance(self.body, (dict, list)):
            body = json.dumps(self.body).encode()
            content_type = self.content_type or "application/json"
        else:
            body = self.body.encode() if isinstance(self.body, str) else (self.body or b"")
            content_type = self.content_type or "text/plain; charset=utf-8"
        return Response(status, body, [("content-type", content_type), *headers])


class FaultBook:
    """The injected faults, oldest first. Each request consumes at most one delay-only fault
    and one shaping fault (see the module's docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, route: str | None) -> list[Fault]:
        """The oldest due delay-only fault and the oldest due shaping fault for ``route``
        (either may be missing), counted as used."""
        taken: list[Fault] = []
        with self._lock:
            matching = [fault for fault in self._faults if fault.matches(route)]
            for fault in matching:
                fault.seen += 1
            due = [fault for fault in matching if fault.seen % fault.every == 0]
            for kind in (False, True):
                for fault in due:
                    if fault.delay_only == kind:
                        taken.append(fault)
                        break
            for fault in taken:
                fault.hits += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
        return taken

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
