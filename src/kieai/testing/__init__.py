"""``kieai.testing``: a faithful, in-memory Kie AI for testing code that uses Kie.

``FakeKie`` emulates the API host and the upload host (auth, validation, uploads, task
progress, credits, rate limits, file lifetimes, callbacks) and can inject faults. Use it in-process through
``fake.http_client()`` or over a loopback socket with ``async with fake.serve()``.
See ``docs/testing.md``.
"""

from __future__ import annotations

from ._callbacks import CallbackClient
from ._clock import Clock, ManualClock, SystemClock
from ._envelopes import MessageKey
from ._fake import (
    DEFAULT_CREDITS,
    DEFAULT_CREDITS_PER_SECOND,
    FAIL_MARKER,
    RESULT_TTL_S,
    UPLOAD_TTL_S,
    FakeKie,
)
from ._family_controls import FamilyControls
from ._family_tasks import FamilyTask
from ._faults import Fault
from ._records import CallbackDelivery, RecordedRequest, StoredFile
from ._state import FAKE_BASE_URL, OutcomeHook
from ._tasks import CallbackTaskId, Outcome, Schedule, TaskRecord, TaskRequest
from ._validation import DEFAULT_MODELS

__all__ = [
    "DEFAULT_CREDITS",
    "DEFAULT_CREDITS_PER_SECOND",
    "DEFAULT_MODELS",
    "FAIL_MARKER",
    "FAKE_BASE_URL",
    "RESULT_TTL_S",
    "UPLOAD_TTL_S",
    "CallbackClient",
    "CallbackDelivery",
    "CallbackTaskId",
    "Clock",
    "FakeKie",
    "FamilyControls",
    "FamilyTask",
    "Fault",
    "ManualClock",
    "MessageKey",
    "Outcome",
    "OutcomeHook",
    "RecordedRequest",
    "Schedule",
    "StoredFile",
    "SystemClock",
    "TaskRecord",
    "TaskRequest",
]
