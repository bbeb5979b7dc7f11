"""The public surface, pinned: a name added to or dropped from ``__all__`` fails here first.

Every name in ``__all__`` must also be importable (``from kieai import X``), including the ones
``kieai/__init__.py`` loads lazily on first access.
"""

from __future__ import annotations

import importlib

import pytest

import kieai
import kieai.redis
import kieai.testing

KIEAI_ALL = {
    "Veo",
    "Suno",
    "Runway",
    "SyncVeo",
    "SyncSuno",
    "SyncRunway",
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
    "ServiceUnavailableError",
    "SyncAudioResult",
    "SyncImageResult",
    "SyncImageToVideo",
    "SyncKieClient",
    "SyncMotionControl",
    "SyncMotionControlResult",
    "SyncTasks",
    "SyncTextResult",
    "SyncTextToVideo",
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
    "VideoInfo",
    "VideoResult",
    "WebhookVerificationError",
    "__version__",
    "catalog",
    "parse_callback",
    "probe",
    "sign_callback",
    "verify_callback",
}

TESTING_ALL = {
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
}

REDIS_ALL = {"RedisCoordinator", "RedisJournal"}


@pytest.mark.parametrize(
    ("module", "expected"),
    [(kieai, KIEAI_ALL), (kieai.testing, TESTING_ALL), (kieai.redis, REDIS_ALL)],
    ids=["kieai", "testing", "redis"],
)
def test_all_is_pinned(module: object, expected: set[str]) -> None:
    exported = getattr(module, "__all__")  # noqa: B009  (the attribute under test)

    assert sorted(exported) == sorted(expected)
    assert len(exported) == len(set(exported))  # no name listed twice


@pytest.mark.parametrize("name", sorted(KIEAI_ALL))
def test_every_kieai_name_is_importable(name: str) -> None:
    module = importlib.import_module("kieai")

    value = getattr(module, name)

    assert value is not None
    assert name in dir(module)
    if isinstance(value, type) or callable(value):
        assert value.__module__.startswith("kieai")  # defined by kieai, not re-exported


@pytest.mark.parametrize("name", sorted(TESTING_ALL))
def test_every_testing_name_is_importable(name: str) -> None:
    assert getattr(kieai.testing, name) is not None


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="module 'kieai' has no attribute 'NoSuchThing'"):
        kieai.NoSuchThing  # pyright: ignore[reportAttributeAccessIssue]  # noqa: B018
