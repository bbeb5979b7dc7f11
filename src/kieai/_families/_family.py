"""What a family of Kie endpoints is, as data, and the two pure readers every family shares:
a status record (``recordInfo``, ``record-info``, ``record-detail``) or a callback body in,
normalised `Task` fields out.

Nothing here knows a family by name: the differences (which field holds the status, what its
words mean, where the results and the failure are) live in the `Family` values of
``_declared.py``. No pydantic, no httpx: ``kie check`` and the local checks import this.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypedDict, cast

from ._paths import dig, first, text, time_value, url_list

__all__ = [
    "CallbackShape",
    "Family",
    "FamilyName",
    "NormalisedTask",
    "Operation",
    "StateWord",
    "task_from_callback",
    "task_from_record",
]

FamilyName = Literal["market", "veo", "suno", "runway", "aleph"]
#: A `kieai.TaskState` value, spelled as text so this module needs no pydantic.
StateWord = Literal["waiting", "queuing", "generating", "success", "fail"]

_FINAL: frozenset[str] = frozenset({"success", "fail"})


@dataclass(frozen=True)
class Operation:
    """One create endpoint of a family: ``POST path`` with the inputs of ``model_id``
    (a declaration in ``_inputs.py``). ``market`` bodies wrap the input as
    ``{"model", "input", "callBackUrl"}``; every other family sends the fields at the top."""

    name: str
    path: str
    model_id: str
    method: Literal["GET", "POST"] = "POST"


@dataclass(frozen=True)
class CallbackShape:
    """Where a family's callback body keeps things.

    ``record_path``: the callback carries a whole status record there (Market), read like
    one. Otherwise the envelope ``code`` says success (200) or failure, ``stage_path`` (Suno's
    ``data.callbackType``) names a stage mapped by ``stages``, and ``result_paths`` hold the
    URLs.
    """

    task_id_paths: tuple[str, ...]
    result_paths: tuple[str, ...] = ()
    record_path: str | None = None
    stage_path: str | None = None
    stages: Mapping[str, tuple[StateWord, str | None]] = field(default_factory=dict[str, Any])


@dataclass(frozen=True)
class Family:
    """One family of Kie endpoints: how to create, where to poll and how to read the answer.

    ``states`` maps the status value as text (Veo's ``successFlag`` 1 is ``"1"``) to a
    `TaskState` word and a stage (Suno's partial results) or None. A value not in it is kept
    as text. ``error_means_fail``: a record with an error code or message is a failure
    whatever its status says (Aleph's ``successFlag`` 0 means "running or failed").
    """

    name: FamilyName
    title: str
    operations: Mapping[str, Operation]
    record_path: str
    status_path: str
    states: Mapping[str, tuple[StateWord, str | None]]
    fail_code_path: str
    fail_msg_path: str
    result_paths: tuple[str, ...]
    callback: CallbackShape
    output: Literal["video", "image", "audio"]
    record_query: str = "taskId"
    task_id_path: str = "taskId"
    param_path: str | None = None
    model_paths: tuple[str, ...] = ()
    create_time_paths: tuple[str, ...] = ()
    update_time_paths: tuple[str, ...] = ()
    complete_time_paths: tuple[str, ...] = ()
    error_means_fail: bool = False
    callback_required: bool = False
    docs: str = ""

    def operation(self, name: str) -> Operation:
        try:
            return self.operations[name]
        except KeyError:
            known = ", ".join(sorted(self.operations))
            raise KeyError(
                f"the {self.name} family has no operation {name!r}; it has {known}"
            ) from None


class NormalisedTask(TypedDict):
    """`kieai.Task`'s fields, read from any family's record or callback."""

    task_id: str
    family: FamilyName
    model: str | None
    state: str
    stage: str | None
    param: dict[str, Any] | None
    result_urls: list[str]
    fail_code: str | None
    fail_msg: str | None
    create_time: datetime | None
    update_time: datetime | None
    complete_time: datetime | None
    raw: dict[str, Any]


def _status_text(value: Any) -> str | None:
    """A status as the key of ``Family.states``: ints and int-valued floats as digits."""
    if isinstance(value, bool):
        return str(int(value))
    return text(value)


def _state(family: Family, status: str | None) -> tuple[str, str | None]:
    if status is None:
        return "", None
    if status in family.states:
        return family.states[status]
    return status, None  # unknown: kept as text, never a crash


def _times(family: Family, record: Mapping[str, Any]) -> dict[str, datetime | None]:
    return {
        "create_time": time_value(first(record, family.create_time_paths)),
        "update_time": time_value(first(record, family.update_time_paths)),
        "complete_time": time_value(first(record, family.complete_time_paths)),
    }


def _param(family: Family, record: Mapping[str, Any]) -> dict[str, Any] | None:
    if family.param_path is None:
        return None
    value = dig(record, family.param_path)
    return cast("dict[str, Any]", value) if isinstance(value, dict) else None


def _model(family: Family, record: Mapping[str, Any]) -> str | None:
    return text(first(record, family.model_paths))


def _urls(record: Mapping[str, Any], paths: tuple[str, ...]) -> list[str]:
    """The URLs at the first of ``paths`` that holds any (Veo: ``resultUrls``, else
    ``fullResultUrls``)."""
    for path in paths:
        urls = url_list(dig(record, path))
        if urls:
            return urls
    return []


def task_from_record(family: Family, record: Mapping[str, Any]) -> NormalisedTask:
    """Normalised `Task` fields from one status record (the answer's ``data`` object)."""
    status = _status_text(dig(record, family.status_path))
    state, stage = _state(family, status)
    fail_code = text(dig(record, family.fail_code_path))
    fail_msg = text(dig(record, family.fail_msg_path))
    has_error = (fail_code is not None and fail_code != "0") or fail_msg is not None
    if family.error_means_fail and status is not None and state not in _FINAL and has_error:
        state = "fail"
    return NormalisedTask(
        task_id=text(dig(record, family.task_id_path)) or "",
        family=family.name,
        model=_model(family, record),
        state=state,
        stage=stage,
        param=_param(family, record),
        result_urls=_urls(record, family.result_paths),
        fail_code=fail_code if state == "fail" else None,
        fail_msg=fail_msg if state == "fail" else None,
        raw=dict(record),
        **_times(family, record),
    )


def task_from_callback(family: Family, body: Mapping[str, Any]) -> NormalisedTask:
    """Normalised `Task` fields from one callback body (the whole envelope)."""
    shape = family.callback
    if shape.record_path is not None:
        record = dig(body, shape.record_path)
        if isinstance(record, Mapping):
            task = task_from_record(family, cast("Mapping[str, Any]", record))
            task["raw"] = dict(body)
            return task
    code = text(body.get("code"))
    message = text(body.get("msg")) or text(body.get("message"))
    state: str = "success" if code == "200" else "fail"
    stage: str | None = None
    if shape.stage_path is not None:
        word = text(dig(body, shape.stage_path))
        if word is not None:
            state, stage = shape.stages.get(word, (word, None))
            if code is not None and code != "200":
                state = "fail"
    task_id = text(first(body, shape.task_id_paths)) or ""
    failed = state == "fail"
    return NormalisedTask(
        task_id=task_id,
        family=family.name,
        model=None,
        state=state,
        stage=stage,
        param=None,
        result_urls=_urls(body, shape.result_paths),
        fail_code=code if failed else None,
        fail_msg=message if failed else None,
        create_time=None,
        update_time=None,
        complete_time=None,
        raw=dict(body),
    )
