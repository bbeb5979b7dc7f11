"""kieai: the typed async client for Kie AI's video models (Kling motion control,
image-to-video and text-to-video).

>>> async with KieClient() as client:                        # doctest: +SKIP
...     result = await client.motion_control.generate(image="person.png", video="dance.mp4")
...     await result.download("out.mp4")
"""

from __future__ import annotations

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
    CoordinatorUnavailableError,
    InsufficientCreditsError,
    InternalServerError,
    KeyLimitExceededError,
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
from ._models.kling_video import ImageToVideoInput, TextToVideoInput
from ._pipeline import CheckReport
from ._resources.image_to_video import ImageToVideo
from ._resources.motion_control import MotionControl
from ._resources.text_to_video import TextToVideo
from ._version import __version__
from .media import ImageInfo, VideoInfo, probe
from .motion_control import MotionControlInput
from .types import MotionControlResult, Task, TaskState, UploadedFile, VideoResult
from .webhooks import parse_callback, sign_callback, verify_callback

_logging.setup_from_env()

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "CheckReport",
    "CoordinatorUnavailableError",
    "ImageInfo",
    "ImageToVideo",
    "ImageToVideoInput",
    "InsufficientCreditsError",
    "InternalServerError",
    "KeyLimitExceededError",
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
    "Task",
    "TaskCreationUncertainError",
    "TaskFailedError",
    "TaskState",
    "TaskTimeoutError",
    "TextToVideo",
    "TextToVideoInput",
    "UnprocessableEntityError",
    "UploadedFile",
    "VideoInfo",
    "VideoResult",
    "WebhookVerificationError",
    "__version__",
    "parse_callback",
    "probe",
    "sign_callback",
    "verify_callback",
]
