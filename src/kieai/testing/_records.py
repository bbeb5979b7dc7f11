"""What the fake lets a test inspect: recorded requests, stored files, callback deliveries.

Plain frozen dataclasses so a test can compare, print and keep them after ``fake.reset()``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["CallbackDelivery", "RecordedRequest", "StoredFile"]


@dataclass(frozen=True)
class RecordedRequest:
    """One request that reached the fake, with the answer it got.

    ``headers`` are exactly what was sent (``Authorization`` included, so a test can check
    the key); ``route`` is the fault-injection name (``"createTask"``, ``"stream-upload"``,
    ``"files"``, ... or None for an unknown path); ``status`` is the HTTP status answered, None
    when the connection was dropped on purpose; ``fault`` tells whether an injected fault
    shaped the answer.

    With ``FakeKie(keep_request_bodies=False)`` only the metadata is kept: ``body`` and
    ``response_body`` are ``b""``.
    """

    method: str
    path: str
    host: str
    query: dict[str, str]
    headers: httpx.Headers
    body: bytes = field(repr=False)
    route: str | None
    status: int | None
    response_body: bytes = field(repr=False)
    fault: bool = False

    def json(self) -> Any:
        """The request body parsed as JSON."""
        return json.loads(self.body)

    def response_json(self) -> Any:
        """The answer's body parsed as JSON."""
        return json.loads(self.response_body)


@dataclass(frozen=True)
class StoredFile:
    """A file on the fake's file host: uploaded, or added with ``fake.add_file``."""

    path: str
    """``<uploadPath>/<fileName>``: Kie's ``filePath``."""
    name: str
    data: bytes = field(repr=False)
    mime_type: str
    uploaded_at: float
    """Epoch seconds on the fake's clock."""
    url: str
    """The ``downloadUrl`` handed out when it was stored."""
    expires_at: float | None = None
    """Epoch seconds on the fake's clock when it is deleted (``upload_ttl``); None: never."""

    @property
    def size(self) -> int:
        return len(self.data)

    def expired(self, now: float) -> bool:
        """Whether the file is gone at clock time ``now``."""
        return self.expires_at is not None and now >= self.expires_at


@dataclass(frozen=True)
class CallbackDelivery:
    """One callback POST the fake made (or tried to make) when a task finished.

    ``status_code`` is the receiver's HTTP status; ``error`` says why there was none (a
    connection error, the callback timeout, an exception from the receiving app, a host the
    default client refuses to reach, or an attempt interrupted because the request delivering
    it was cancelled: that callback is queued again and its next attempt is recorded too).
    """

    task_id: str
    url: str
    headers: dict[str, str]
    body: bytes = field(repr=False)
    status_code: int | None
    error: str | None

    def json(self) -> Any:
        """The callback body parsed as JSON."""
        return json.loads(self.body)
