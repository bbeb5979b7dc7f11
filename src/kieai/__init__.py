"""kieai: the typed async client for Kie AI's video models (Kling 2.6 Motion Control).

>>> async with KieClient() as client:                        # doctest: +SKIP
...     result = await client.motion_control.generate(image="person.png", video="dance.mp4")
...     await result.download("out.mp4")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _logging
from ._client import KieClient
from ._errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InsufficientCreditsError,
    InternalServerError,
    KieError,
    KieInputError,
    MalformedCallbackError,
    NotFoundError,
    RateLimitError,
    ServiceUnavailableError,
    TaskCreationUncertainError,
    TaskFailedError,
    TaskTimeoutError,
    UnprocessableEntityError,
    WebhookVerificationError,
)
from ._version import __version__
from .media import ImageInfo, VideoInfo, probe
from .motion_control import CheckReport, MotionControl, MotionControlInput
from .types import MotionControlResult, Task, TaskState, UploadedFile
from .webhooks import parse_callback, sign_callback, verify_callback

if TYPE_CHECKING:
    from ._sync import SyncKieClient, SyncMotionControl, SyncMotionControlResult

_logging.setup_from_env()

#: Imported on first use, so ``import kieai`` does not pay for the sync client (PEP 562).
_SYNC_NAMES = frozenset({"SyncKieClient", "SyncMotionControl", "SyncMotionControlResult"})


def __getattr__(name: str) -> Any:
    if name in _SYNC_NAMES:
        from . import _sync

        return getattr(_sync, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "CheckReport",
    "ImageInfo",
    "InsufficientCreditsError",
    "InternalServerError",
    "KieClient",
    "KieError",
    "KieInputError",
    "MalformedCallbackError",
    "MotionControl",
    "MotionControlInput",
    "MotionControlResult",
    "NotFoundError",
    "RateLimitError",
    "ServiceUnavailableError",
    "SyncKieClient",
    "SyncMotionControl",
    "SyncMotionControlResult",
    "Task",
    "TaskCreationUncertainError",
    "TaskFailedError",
    "TaskState",
    "TaskTimeoutError",
    "UnprocessableEntityError",
    "UploadedFile",
    "VideoInfo",
    "WebhookVerificationError",
    "__version__",
    "parse_callback",
    "probe",
    "sign_callback",
    "verify_callback",
]
