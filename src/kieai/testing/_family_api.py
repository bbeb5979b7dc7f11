"""The dedicated families' endpoints in the fake: Veo 3.1 (generate, extend, record-info,
1080P, 4K), Suno (generate, extend, record-info), Runway (generate, extend, record-detail)
and Aleph (generate, record-info), plus the files their results point at.

Requests are judged by the same declarations the client checks with
(`kieai._families._inputs`), the way Kie's pages state them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .._families._inputs import FAMILY_INPUTS, cross_field_problems
from ..catalog._types import ModelInfo
from ._api import _charge, _error, _fetch, _rate_limited  # pyright: ignore[reportPrivateUsage]
from ._declared import field_problems, file_urls
from ._family_controls import controls_for
from ._family_tasks import FamilyName, FamilyTask
from ._http import Request, Response, json_response
from ._outputs import RESULT_FILES, result_file
from ._state import FakeState
from ._tasks import SUCCESS, TaskRequest
from ._validation import check_callback_url

__all__ = ["FAMILY_RESULTS_PREFIX", "FAMILY_ROUTES", "FamilyRoute", "serve_family_result"]

#: Credits charged per task. Not in the 2026-04 snapshot of Kie's pages: approximate figures
#: from Kie's public pricing as clients report it, so a budget test sees a real cost.
PRICES: Mapping[str, float] = {
    "veo3": 250.0,
    "veo3_fast": 60.0,
    "veo3_lite": 30.0,
    "veo-extend": 60.0,
    "veo-4k": 120.0,
    "suno": 12.0,
    "runway-720p": 12.0,
    "runway-1080p": 30.0,
    "aleph": 110.0,
}


def judge(state: FakeState, info: ModelInfo, body: Mapping[str, Any]) -> list[str]:
    """Every problem with a family request body, as Kie's page states the fields: the fake's
    own reading of the declaration (`_declared.field_problems`, the fields at the top level
    here, not under ``input``), fetchable file URLs, and the rules between fields."""
    fields = {key: value for key, value in body.items() if key != "callBackUrl"}
    problems = check_callback_url(body)
    problems += [
        p.removeprefix("input.")
        for p in field_problems(info, fields, strict=state.settings.strict_input)
    ]
    if not problems:
        for field, url in file_urls(info, fields):
            problems += _fetch(state, field.name, url)[1]
    return problems + cross_field_problems(info.id, fields)


def _price(family: FamilyName, operation: str, body: Mapping[str, Any]) -> float:
    if family == "veo":
        return (
            PRICES["veo-extend"]
            if operation == "extend"
            else PRICES[str(body.get("model") or "veo3_fast")]
        )
    if family == "runway":
        return PRICES["runway-1080p" if body.get("quality") == "1080p" else "runway-720p"]
    return PRICES[family]


def _model_name(family: FamilyName, body: Mapping[str, Any]) -> str:
    if family == "runway":
        return "runway"
    if family == "aleph":
        return "aleph"
    default = "veo3_fast" if family == "veo" else "V5"
    return str(body.get("model") or default)


def _parent(state: FakeState, body: Mapping[str, Any], family: FamilyName) -> FamilyTask | None:
    with state.lock:
        task = state.tasks.get(str(body.get("taskId") or body.get("audioId") or ""))
    return task if isinstance(task, FamilyTask) and task.family == family else None


def _create(family: FamilyName, operation: str, model_id: str, *, required_callback: bool) -> Any:
    info = FAMILY_INPUTS[model_id]

    def create(state: FakeState, request: Request) -> Response:
        now = state.clock.now()
        refused = _rate_limited(state, state.create_window)
        if refused is not None:
            return refused
        body = request.json_object()
        if body is None:
            return _error(state, 400, "Request body must be a JSON object")
        problems = judge(state, info, body)
        if required_callback and not body.get("callBackUrl"):
            problems.insert(0, "callBackUrl: is required")
        parent = None
        if operation == "extend" and family in ("veo", "runway"):
            parent = _parent(state, body, family)
            if parent is None or parent.state != SUCCESS:
                problems.append(f"taskId: {body.get('taskId')!r} is no successful {family} task")
        if problems:
            return _error(state, 422, "; ".join(problems))
        cost = _price(family, operation, body)
        model = _model_name(family, body)
        task_id = _charge(state, cost, family, now)
        if isinstance(task_id, Response):
            return task_id
        callback_url = str(body.get("callBackUrl") or "") or None
        outcome = state.choose_outcome(
            TaskRequest(
                task_id=task_id, model=model, input=body, callback_url=callback_url, body=body
            )
        )
        state.add_task(
            FamilyTask(
                task_id=task_id,
                model=model,
                body=body,
                callback_url=None,
                created_at=now,
                outcome=outcome,
                cost=cost,
                base_url=request.base_url,
                schedule=outcome.schedule or state.settings.schedule,
                _clock=state.clock,
                family=family,
                operation=operation,
                output="audio" if family == "suno" else "video",
                family_callback_url=callback_url,
                parent_task_id=parent.task_id if parent is not None else "",
            )
        )
        return state.ok({"taskId": task_id})

    return create


def _record(family: FamilyName) -> Any:
    def record(state: FakeState, request: Request) -> Response:
        refused = _rate_limited(state, state.record_window)
        if refused is not None:
            return refused
        task_id = request.query.get("taskId", "")
        if not task_id:
            return _error(state, 400, "taskId parameter is required")
        with state.lock:
            task = state.tasks.get(task_id)
        visible_after = state.settings.record_visible_after
        if (
            not isinstance(task, FamilyTask)
            or task.family != family
            or state.clock.now() - task.created_at < visible_after
        ):
            return _error(state, 422, "record is null", data=True)
        return json_response(task.record_info_envelope(200, state.settings.message_key))

    return record


def _veo_task(state: FakeState, task_id: str) -> FamilyTask | None:
    with state.lock:
        task = state.tasks.get(task_id)
    return task if isinstance(task, FamilyTask) and task.family == "veo" else None


def _index(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def veo_1080p(state: FakeState, request: Request) -> Response:
    """``GET /api/v1/veo/get-1080p-video?taskId=&index=``: a non-200 code until ready."""
    task = _veo_task(state, request.query.get("taskId", ""))
    index = _index(request.query.get("index", "0"))
    if task is None or index is None:
        return _error(state, 422, "record is null")
    if task.state != SUCCESS:
        return _error(state, 422, "record status is not success")
    ready_at = task.finishes_at + controls_for(state).upscale_1080p_s
    if state.clock.now() < ready_at:
        return _error(
            state,
            400,
            "1080P is processing. It should be ready in 1-2 minutes. Please check back shortly.",
        )
    return state.ok({"resultUrl": task.upscaled_url("1080p", index)})


def veo_4k(state: FakeState, request: Request) -> Response:
    """``POST /api/v1/veo/get-4k-video``: the first call starts (and charges) the 4K version;
    asking again answers 422 "processing" or 422 "generated" with the URLs, as Kie's page
    shows."""
    body = request.json_object() or {}
    task = _veo_task(state, str(body.get("taskId") or ""))
    index = _index(body.get("index", 0))
    problems = check_callback_url(body)
    if task is None or index is None:
        problems.append(f"taskId: {body.get('taskId')!r} is no Veo task")
    if problems:
        return _error(state, 422, "; ".join(problems))
    assert task is not None and index is not None
    if task.state != SUCCESS:
        return _error(state, 422, "record status is not success")
    now = state.clock.now()
    key = state.settings.message_key
    with state.lock:
        asked_at = task.four_k_asked_at
        if asked_at is None:
            cost = PRICES["veo-4k"]
            if cost > state.credits:
                return _error(state, 402, f"Credits insufficient: 4K costs {cost:g} credits")
            state.credits -= cost
            task.four_k_asked_at = now
            task.four_k_callback_url = str(body.get("callBackUrl") or "") or None
    if asked_at is None:
        return state.ok({"taskId": task.task_id, "resultUrls": None, "imageUrls": None})
    if now < asked_at + controls_for(state).upscale_4k_s:
        data = {"taskId": task.task_id, "resultUrls": None, "imageUrls": None}
        msg = "4k is processing. It should be ready in 5-10 minutes. Please check back shortly."
        return json_response({"code": 422, key: msg, "data": data})
    data = {"taskId": task.task_id, "resultUrls": [task.upscaled_url("4k", index)], "imageUrls": []}
    return json_response(
        {"code": 422, key: "The video has been generated successfully", "data": data}
    )


def serve_family_result(state: FakeState, request: Request) -> Response:
    """``GET /family-results/<taskId>-<n>.wav`` (Suno tracks) and
    ``/family-results/<taskId>-<1080p|4k>-<n>.mp4`` (Veo's upscaled versions)."""
    name = request.path[len(FAMILY_RESULTS_PREFIX) :]
    stem, _, suffix = name.rpartition(".")
    task_id = stem
    for marker in ("-1080p-", "-4k-", "-"):
        if marker in stem:
            task_id = stem.rsplit(marker, 1)[0]
            break
    with state.lock:
        task = state.tasks.get(task_id)
    if not isinstance(task, FamilyTask) or task.state != SUCCESS:
        return json_response({"code": 404, "msg": "Not Found"}, status=404)
    for kind in ("audio", "video"):
        if suffix == RESULT_FILES[kind].extension:
            return Response(
                200, result_file(kind), [("content-type", RESULT_FILES[kind].mime_type)]
            )
    return json_response({"code": 404, "msg": "Not Found"}, status=404)


@dataclass(frozen=True)
class FamilyRoute:
    name: str
    methods: frozenset[str]
    handler: Callable[[FakeState, Request], Response]


_POST = frozenset({"POST"})
_GET = frozenset({"GET"})

FAMILY_ROUTES: dict[str, FamilyRoute] = {
    "/api/v1/veo/generate": FamilyRoute(
        "veo-generate", _POST, _create("veo", "generate", "veo/generate", required_callback=False)
    ),
    "/api/v1/veo/extend": FamilyRoute(
        "veo-extend", _POST, _create("veo", "extend", "veo/extend", required_callback=False)
    ),
    "/api/v1/veo/record-info": FamilyRoute("veo-record-info", _GET, _record("veo")),
    "/api/v1/veo/get-1080p-video": FamilyRoute("veo-1080p", _GET, veo_1080p),
    "/api/v1/veo/get-4k-video": FamilyRoute("veo-4k", _POST, veo_4k),
    "/api/v1/generate": FamilyRoute(
        "suno-generate", _POST, _create("suno", "generate", "suno/generate", required_callback=True)
    ),
    "/api/v1/generate/extend": FamilyRoute(
        "suno-extend", _POST, _create("suno", "extend", "suno/extend", required_callback=True)
    ),
    "/api/v1/generate/record-info": FamilyRoute("suno-record-info", _GET, _record("suno")),
    "/api/v1/runway/generate": FamilyRoute(
        "runway-generate",
        _POST,
        _create("runway", "generate", "runway/generate", required_callback=False),
    ),
    "/api/v1/runway/extend": FamilyRoute(
        "runway-extend",
        _POST,
        _create("runway", "extend", "runway/extend", required_callback=False),
    ),
    "/api/v1/runway/record-detail": FamilyRoute("runway-record-detail", _GET, _record("runway")),
    "/api/v1/aleph/generate": FamilyRoute(
        "aleph-generate",
        _POST,
        _create("aleph", "generate", "aleph/generate", required_callback=False),
    ),
    "/api/v1/aleph/record-info": FamilyRoute("aleph-record-info", _GET, _record("aleph")),
}
#: Where the Suno tracks and Veo's 1080P/4K versions are served, without a key.
FAMILY_RESULTS_PREFIX = "/family-results/"
