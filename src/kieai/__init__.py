"""kieai: the typed async client for Kie AI: every Market model through one
``client.generate(model, input)``, and friendlier resources for Kling motion control,
image-to-video and text-to-video.

>>> async with KieClient() as client:                        # doctest: +SKIP
...     result = await client.motion_control.generate(image="person.png", video="dance.mp4")
...     await result.download("out.mp4")

Start-up cost: ``import kieai`` loads only the error tree and the logging set-up (which reads
``KIE_LOG`` at import, as documented). Every other public name is imported from its module on
first access (PEP 562 module ``__getattr__``), so a program that never probes media or verifies
a webhook never pays for those modules. ``from kieai import KieClient`` works as usual; type
checkers see the plain imports under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import _logging
from ._errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BudgetExceededError,
    CoordinatorConfigurationError,
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
from ._version import __version__

if TYPE_CHECKING:
    from . import catalog
    from ._batch import BatchOutcome, Job
    from ._checks import CheckReport
    from ._client import KieClient
    from ._estimate import Budget, Estimate
    from ._journal import JournalEntry
    from ._models.kling_video import ImageToVideoInput, TextToVideoInput
    from ._models.motion_control import MotionControlInput
    from ._resources.image_to_video import ImageToVideo
    from ._resources.motion_control import MotionControl
    from ._resources.runway import Runway
    from ._resources.suno import Suno
    from ._resources.text_to_video import TextToVideo
    from ._resources.veo import Veo
    from ._sync import (
        SyncAudioResult,
        SyncImageResult,
        SyncImageToVideo,
        SyncKieClient,
        SyncMotionControl,
        SyncMotionControlResult,
        SyncRunway,
        SyncSuno,
        SyncTasks,
        SyncTextResult,
        SyncTextToVideo,
        SyncVeo,
        SyncVideoResult,
    )
    from ._tasks import Tasks
    from .catalog import ModelInfo
    from .media import ImageInfo, VideoInfo, probe
    from .types import (
        AudioResult,
        ImageResult,
        MotionControlResult,
        Task,
        TaskState,
        TextResult,
        UploadedFile,
        VideoResult,
    )
    from .webhooks import parse_callback, sign_callback, verify_callback

_logging.setup_from_env()

#: Public name -> the module that defines it, imported on first access.
_LAZY: dict[str, str] = {
    "KieClient": "._client",
    "ImageInfo": ".media",
    "VideoInfo": ".media",
    "probe": ".media",
    "CheckReport": "._checks",
    "MotionControl": "._resources.motion_control",
    "ImageToVideo": "._resources.image_to_video",
    "TextToVideo": "._resources.text_to_video",
    "Veo": "._resources.veo",
    "Suno": "._resources.suno",
    "Runway": "._resources.runway",
    "MotionControlInput": "._models.motion_control",
    "ImageToVideoInput": "._models.kling_video",
    "TextToVideoInput": "._models.kling_video",
    "MotionControlResult": ".types",
    "VideoResult": ".types",
    "ImageResult": ".types",
    "AudioResult": ".types",
    "TextResult": ".types",
    "Task": ".types",
    "TaskState": ".types",
    "UploadedFile": ".types",
    "parse_callback": ".webhooks",
    "sign_callback": ".webhooks",
    "verify_callback": ".webhooks",
    "SyncKieClient": "._sync",
    "SyncMotionControl": "._sync",
    "SyncImageToVideo": "._sync",
    "SyncTextToVideo": "._sync",
    "SyncVeo": "._sync",
    "SyncSuno": "._sync",
    "SyncRunway": "._sync",
    "SyncTasks": "._sync",
    "Tasks": "._tasks",
    "SyncMotionControlResult": "._sync",
    "SyncVideoResult": "._sync",
    "SyncImageResult": "._sync",
    "SyncAudioResult": "._sync",
    "SyncTextResult": "._sync",
    "ModelInfo": ".catalog._types",
    "Budget": "._estimate",
    "BatchOutcome": "._batch",
    "Job": "._batch",
    "Estimate": "._estimate",
    "JournalEntry": "._journal",
}

#: Public submodules, imported on first access (``kieai.catalog`` reads nothing until asked).
_LAZY_MODULES: dict[str, str] = {"catalog": ".catalog"}


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        value = importlib.import_module(_LAZY_MODULES[name], __name__)
        globals()[name] = value
        return value
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_LAZY_MODULES))


__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AudioResult",
    "AuthenticationError",
    "BadRequestError",
    "BatchOutcome",
    "Budget",
    "BudgetExceededError",
    "CheckReport",
    "CoordinatorConfigurationError",
    "CoordinatorUnavailableError",
    "Estimate",
    "ImageInfo",
    "ImageResult",
    "ImageToVideo",
    "ImageToVideoInput",
    "InsufficientCreditsError",
    "InternalServerError",
    "Job",
    "JournalEntry",
    "KeyLimitExceededError",
    "KieClient",
    "KieError",
    "KieInputError",
    "MalformedCallbackError",
    "ModelInfo",
    "MotionControl",
    "MotionControlInput",
    "MotionControlResult",
    "NotFoundError",
    "RateLimitError",
    "Runway",
    "ServiceUnavailableError",
    "Suno",
    "SyncAudioResult",
    "SyncImageResult",
    "SyncImageToVideo",
    "SyncKieClient",
    "SyncMotionControl",
    "SyncMotionControlResult",
    "SyncRunway",
    "SyncSuno",
    "SyncTasks",
    "SyncTextResult",
    "SyncTextToVideo",
    "SyncVeo",
    "SyncVideoResult",
    "Task",
    "TaskCreationUncertainError",
    "TaskFailedError",
    "TaskState",
    "TaskTimeoutError",
    "Tasks",
    "TextResult",
    "TextToVideo",
    "TextToVideoInput",
    "UnprocessableEntityError",
    "UploadedFile",
    "Veo",
    "VideoInfo",
    "VideoResult",
    "WebhookVerificationError",
    "__version__",
    "catalog",
    "parse_callback",
    "probe",
    "sign_callback",
    "verify_callback",
]
