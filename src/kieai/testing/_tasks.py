"""Tasks of the fake: when they change state, how they end, and what ``recordInfo`` says.

A task's whole life is planned when it is created (a list of state transitions on the fake's
clock), so its state is a pure function of the clock: nothing needs to run in the background
for a task to progress, and a manual clock makes every test deterministic.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from ._clock import Clock
from ._outputs import RESULT_FILES, result_object

__all__ = [
    "FAILED_TASK_CODES",
    "CallbackTaskId",
    "FailedTaskCode",
    "Outcome",
    "Schedule",
    "TaskRecord",
    "TaskRequest",
]

#: Where a callback carries the task id: ``data.taskId`` (Kie's Market callback examples) or
#: ``data.task_id`` plus a top-level ``taskId`` (Kie's webhook-verification page).
CallbackTaskId = Literal["data.taskId", "data.task_id"]

WAITING = "waiting"
QUEUING = "queuing"
GENERATING = "generating"
SUCCESS = "success"
FAIL = "fail"

CALLBACK_SUCCESS_MSG = "Playground task completed successfully."
CALLBACK_FAIL_MSG = "Playground task failed."
CALLBACK_FAIL_CODE = 501

#: The envelope code ``recordInfo`` answers a failed task with: ``200`` (Kie's Get Task Details
#: example: a record with ``state: "fail"``), ``501`` (generation failed) or ``408`` (no result
#: from the upstream for over 10 minutes), Kie's documented codes for a task that ended, then
#: with the record in ``data`` as in Kie's failure callback.
FailedTaskCode = Literal[200, 501, 408]
FAILED_TASK_CODES: tuple[FailedTaskCode, ...] = (200, 501, 408)
#: Kie's Get Task Details page, for the two failure codes.
_FAILED_TASK_MESSAGES = {
    501: "Generation failed",
    408: "Upstream timeout: no result for over 10 minutes",
}


@dataclass(frozen=True)
class Schedule:
    """How long a task spends in each state before it finishes, in seconds of the fake's clock.

    The default (0.3 s in all) keeps a test against the real clock quick; use
    ``math.inf`` for ``generating`` to hold tasks until `FakeKie.finish_task`.
    """

    waiting: float = 0.05
    queuing: float = 0.1
    generating: float = 0.15

    def __post_init__(self) -> None:
        for name in ("waiting", "queuing", "generating"):
            value: float = getattr(self, name)
            if not value >= 0:
                raise ValueError(f"Schedule.{name} must be >= 0 seconds, got {value!r}")

    @property
    def total(self) -> float:
        """Seconds from creation to ``success``/``fail``."""
        return self.waiting + self.queuing + self.generating


@dataclass(frozen=True)
class Outcome:
    """How a task ends. Build one with `success` or `failure`.

    ``result_urls`` replaces the fake's own result file URL on success; ``result_object``
    replaces a text model's ``resultObject``; ``schedule`` replaces the fake's schedule for
    this one task.
    """

    state: Literal["success", "fail"] = "success"
    fail_code: str = ""
    fail_msg: str = ""
    result_urls: tuple[str, ...] | None = None
    schedule: Schedule | None = None
    result_object: Mapping[str, Any] | None = None

    @classmethod
    def success(
        cls,
        *,
        result_urls: tuple[str, ...] | list[str] | None = None,
        schedule: Schedule | None = None,
        result_object: Mapping[str, Any] | None = None,
    ) -> Outcome:
        urls = tuple(result_urls) if result_urls is not None else None
        return cls(
            state="success", result_urls=urls, schedule=schedule, result_object=result_object
        )

    @classmethod
    def failure(
        cls,
        fail_code: str = "500",
        fail_msg: str = "Internal server error",
        *,
        schedule: Schedule | None = None,
    ) -> Outcome:
        return cls(state="fail", fail_code=fail_code, fail_msg=fail_msg, schedule=schedule)


@dataclass(frozen=True)
class TaskRequest:
    """What an outcome hook sees: the accepted createTask request of a new task."""

    task_id: str
    model: str
    input: Mapping[str, Any]
    callback_url: str | None
    body: Mapping[str, Any]
    """The whole createTask JSON body, as sent."""


def _epoch_ms(seconds: float) -> int:
    return round(seconds * 1000)


@dataclass(eq=False)
class TaskRecord:
    """One task the fake created. ``state`` and `record_info` read the fake's clock.

    ``cost`` is the credits charged at creation; ``refunded`` turns true when a failed task's
    credits went back to the balance. ``output`` is what the model makes (``"video"``,
    ``"image"``, ``"audio"`` or ``"text"``): the kind of file its result URL serves, or for
    ``"text"`` a ``resultObject`` instead of URLs.
    """

    task_id: str
    model: str
    body: dict[str, Any]
    callback_url: str | None
    created_at: float
    outcome: Outcome
    cost: float
    base_url: str
    schedule: Schedule = field(repr=False)
    _clock: Clock = field(repr=False)
    refunded: bool = False
    output: str = "video"
    #: recordInfo calls answered so far (``record_null_polls`` hides the first ones).
    polls: int = field(default=0, repr=False)
    _transitions: tuple[tuple[float, str], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._transitions = self._plan(self.created_at, self.outcome, self.schedule)

    @staticmethod
    def _plan(start: float, outcome: Outcome, schedule: Schedule) -> tuple[tuple[float, str], ...]:
        queuing_at = start + schedule.waiting
        generating_at = queuing_at + schedule.queuing
        return (
            (start, WAITING),
            (queuing_at, QUEUING),
            (generating_at, GENERATING),
            (generating_at + schedule.generating, outcome.state),
        )

    @property
    def input(self) -> dict[str, Any]:
        """The request's ``input`` object."""
        value = self.body.get("input")
        return cast("dict[str, Any]", value) if isinstance(value, dict) else {}

    def _current(self, now: float) -> tuple[float, str]:
        current = self._transitions[0]
        for transition in self._transitions:
            if transition[0] <= now:
                current = transition
        return current

    @property
    def state(self) -> str:
        """``waiting``, ``queuing``, ``generating``, ``success`` or ``fail`` right now."""
        return self._current(self._clock.now())[1]

    @property
    def finishes_at(self) -> float:
        """Clock time of ``success``/``fail`` (``math.inf`` for a task held forever)."""
        return self._transitions[-1][0]

    @property
    def is_finished(self) -> bool:
        return self.finishes_at <= self._clock.now()

    @property
    def result_urls(self) -> list[str]:
        """The result URLs once the task succeeded (empty before, on failure, and for a text
        model, whose result is an object)."""
        if self.state != SUCCESS:
            return []
        if self.outcome.result_urls is not None:
            return list(self.outcome.result_urls)
        if self.output not in RESULT_FILES:
            return []
        return [f"{self.base_url}/results/{self.task_id}.{RESULT_FILES[self.output].extension}"]

    def _result_json(self) -> str:
        if self.output == "text" and self.outcome.result_urls is None:
            found = self.outcome.result_object
            obj = dict(found) if found is not None else result_object(self.model, self.input)
            return json.dumps({"resultObject": obj}, separators=(",", ":"), ensure_ascii=False)
        return json.dumps({"resultUrls": self.result_urls}, separators=(",", ":"))

    def finish(self, outcome: Outcome | None, now: float) -> None:
        """End the task at ``now`` (if it has not ended yet), optionally with another outcome."""
        if self.finishes_at <= now:
            return
        if outcome is not None:
            self.outcome = outcome
        kept = tuple(t for t in self._transitions[:-1] if t[0] <= now)
        self._transitions = (*kept, (now, self.outcome.state))

    def record_info(self) -> dict[str, Any]:
        """The ``data`` object ``recordInfo`` returns for this task right now."""
        now = self._clock.now()
        updated_at, state = self._current(now)
        finished = state in (SUCCESS, FAIL)
        result_json = self._result_json() if state == SUCCESS else ""
        return {
            "taskId": self.task_id,
            "model": self.model,
            "state": state,
            "param": json.dumps(self.body, separators=(",", ":"), ensure_ascii=False),
            "resultJson": result_json,
            "failCode": self.outcome.fail_code if state == FAIL else "",
            "failMsg": self.outcome.fail_msg if state == FAIL else "",
            "costTime": _epoch_ms(updated_at - self.created_at) if finished else 0,
            "createTime": _epoch_ms(self.created_at),
            "updateTime": _epoch_ms(updated_at),
            "completeTime": _epoch_ms(updated_at) if finished else None,
        }

    def record_info_envelope(self, failed_code: FailedTaskCode, message_key: str) -> dict[str, Any]:
        """The whole ``recordInfo`` answer body: ``code`` 200 with the record, or for a failed
        task ``failed_code`` (501/408) with the record in ``data``, as Kie documents it."""
        data = self.record_info()
        if data["state"] != FAIL or failed_code == 200:
            return {"code": 200, message_key: "success", "data": data}
        return {"code": failed_code, message_key: _FAILED_TASK_MESSAGES[failed_code], "data": data}

    def callback_body(self, *, task_id_at: CallbackTaskId = "data.taskId") -> dict[str, Any]:
        """What Kie POSTs to ``callBackUrl`` once the task finished.

        ``data`` is `record_info` in the shape of Kie's motion-control callback examples:
        ``failCode``/``failMsg`` are ``null`` on success and ``resultJson`` is ``null`` on
        failure (``recordInfo`` sends ``""`` there). ``task_id_at="data.task_id"`` moves the
        id to ``data.task_id`` and adds a top-level ``taskId``, as on Kie's webhook-verification
        page.
        """
        data = self.record_info()
        if data["state"] == SUCCESS:
            data["failCode"] = None
            data["failMsg"] = None
            envelope: dict[str, Any] = {"code": 200, "msg": CALLBACK_SUCCESS_MSG}
        else:
            data["resultJson"] = None
            envelope = {"code": CALLBACK_FAIL_CODE, "msg": CALLBACK_FAIL_MSG}
        if task_id_at == "data.task_id":
            data = {"task_id": data.pop("taskId"), **data}
            return {"taskId": self.task_id, **envelope, "data": data}
        return {**envelope, "data": data}
