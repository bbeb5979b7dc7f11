"""The API host's endpoints: createTask, recordInfo, credit and download-url.

Each handler takes the shared state and an authenticated request and returns the answer;
nothing here awaits, so a handler runs atomically with respect to the state lock.
"""

from __future__ import annotations

from typing import Any, cast

from ._http import Request, Response, json_response
from ._media import probe_media, sniff_mime
from ._ratelimit import RateWindow, retry_after_header
from ._state import FakeState, Resolved
from ._tasks import TaskRecord, TaskRequest
from ._validation import (
    MOTION_CONTROL_MODEL,
    check_callback_url,
    check_motion_input,
)

__all__ = ["create_task", "credit", "download_url", "record_info"]

IMAGE_MIME_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
VIDEO_MIME_TYPES = frozenset({"video/mp4", "video/quicktime", "video/x-matroska"})
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_VIDEO_BYTES = 100 * 1024 * 1024
MIN_IMAGE_SIDE_PX = 300
MIN_VIDEO_S = 3.0
MAX_VIDEO_S = 30.0
MAX_VIDEO_S_IMAGE_ORIENTATION = 10.0
#: Containers report the longest track; Kie's limits are read with this much slack.
DURATION_TOLERANCE_S = 0.1


def _error(state: FakeState, code: int, msg: str | None = None, **kwargs: Any) -> Response:
    return state.error(code, msg, **kwargs)


def _rate_limited(state: FakeState, window: RateWindow | None) -> Response | None:
    """Kie's 429 when ``window`` is full. Kie's Getting Started page says excess requests are
    "rejected with HTTP 429", so this one is a real HTTP 429 (with ``Retry-After``) whatever
    ``http_status_errors`` says."""
    if window is None:
        return None
    with state.lock:
        wait_s = window.admit(state.clock.now())
    if wait_s is None:
        return None
    headers = [("retry-after", retry_after_header(wait_s))]
    return _error(state, 429, headers=headers, status=429)


def _expired_problem(field: str, url: str, kind: str) -> str:
    if kind == "result":
        return f"input.{field}: {url} has expired (result files are deleted after result_ttl)"
    return (
        f"input.{field}: {url} has expired (uploaded files are deleted after upload_ttl, "
        "3 days on Kie): upload it again"
    )


def _fetch(state: FakeState, field: str, url: str) -> tuple[Resolved | None, list[str]]:
    resolved = state.resolve(url)
    if resolved is not None and resolved.expired:
        return None, [_expired_problem(field, url, resolved.kind)]
    if resolved is None and not state.settings.allow_external_urls:
        return None, [
            f"input.{field}: cannot fetch {url} (not a file this fake stores: upload it first, "
            "register it with fake.add_remote_file(), or use FakeKie(allow_external_urls=True))"
        ]
    return resolved, []


def _media_problems(
    field: str, resolved: Resolved, orientation: object
) -> tuple[list[str], float | None]:
    """Kie's documented media limits, for a file the fake can read. Also returns the video's
    duration when the prober measured it."""
    is_image = field == "input_urls"
    mime = resolved.mime_type
    if mime == "application/octet-stream":
        mime = sniff_mime(resolved.data) or mime
    allowed = IMAGE_MIME_TYPES if is_image else VIDEO_MIME_TYPES
    if mime not in allowed:
        wanted = "an image (JPEG, PNG or WebP)" if is_image else "a video (MP4, MOV or MKV)"
        return [f"input.{field}: expected {wanted}, the file is {mime}"], None
    size_limit = MAX_IMAGE_BYTES if is_image else MAX_VIDEO_BYTES
    if len(resolved.data) > size_limit:
        return [f"input.{field}: {len(resolved.data)} bytes exceeds {size_limit} bytes"], None
    facts = probe_media(resolved.data)  # headers only: cheap enough to repeat per task
    if facts is None:
        return [], None
    if facts.kind == "invalid" or facts.kind != ("image" if is_image else "video"):
        return [f"input.{field}: unreadable media ({facts.problem or facts.kind})"], None
    problems: list[str] = []
    if is_image:
        width, height = facts.width or 0, facts.height or 0
        if min(width, height) <= MIN_IMAGE_SIDE_PX:
            problems.append(f"input.{field}: {width}x{height} px, sides must exceed 300 px")
        elif not 0.4 <= width / height <= 2.5:
            problems.append(f"input.{field}: aspect ratio {width}x{height} is outside 2:5 to 5:2")
        return problems, None
    duration = facts.duration_s or 0.0
    longest = MAX_VIDEO_S_IMAGE_ORIENTATION if orientation == "image" else MAX_VIDEO_S
    if duration < MIN_VIDEO_S - DURATION_TOLERANCE_S:
        problems.append(f"input.{field}: duration {duration:.1f} s is under {MIN_VIDEO_S:g} s")
    elif duration > longest + DURATION_TOLERANCE_S:
        problems.append(
            f"input.{field}: duration {duration:.1f} s exceeds {longest:g} s "
            f'(character_orientation="{orientation}")'
        )
    return problems, duration


def _motion_media(state: FakeState, input_: dict[str, Any]) -> tuple[list[str], float]:
    """Reachability and media checks of both URLs; returns problems and the billed seconds."""
    problems: list[str] = []
    seconds = state.settings.default_video_seconds
    for field in ("input_urls", "video_urls"):
        resolved, fetch_problems = _fetch(state, field, input_[field][0])
        problems += fetch_problems
        if resolved is None or not state.settings.check_media:
            continue
        media_problems, duration = _media_problems(
            field, resolved, input_.get("character_orientation")
        )
        problems += media_problems
        if duration is not None:
            seconds = duration
    return problems, seconds


def _validate(state: FakeState, body: dict[str, Any]) -> tuple[list[str], float]:
    """All problems with a createTask body, and the credits it costs."""
    model = body.get("model")
    if not model:
        return ["model: is required"], 0.0
    if not isinstance(model, str) or model not in state.settings.models:
        return [f"model: {model!r} is not a supported model"], 0.0
    raw_input = body.get("input")
    if not isinstance(raw_input, dict):
        return ["input: is required and must be an object"], 0.0
    input_ = cast("dict[str, Any]", raw_input)
    problems = check_callback_url(body)
    if model != MOTION_CONTROL_MODEL:
        return problems, 0.0
    input_problems = check_motion_input(input_, strict=state.settings.strict_input)
    problems += input_problems
    if input_problems:
        return problems, 0.0
    media_problems, seconds = _motion_media(state, input_)
    problems += media_problems
    rate = state.settings.credits_per_second.get(str(input_["mode"]), 0.0)
    return problems, round(rate * seconds, 2)


def create_task(state: FakeState, request: Request) -> Response:
    """``POST /api/v1/jobs/createTask``: rate limit, validate, charge, plan the task."""
    now = state.clock.now()
    refused = _rate_limited(state, state.create_window)
    if refused is not None:
        return refused
    body = request.json_object()
    if body is None:
        return _error(state, 400, "Request body must be a JSON object")
    problems, cost = _validate(state, body)
    if problems:
        return _error(state, 422, "; ".join(problems))
    model = str(body["model"])
    callback_url = body.get("callBackUrl") or None
    with state.lock:
        if cost > state.credits:
            return _error(
                state,
                402,
                f"Credits insufficient: this task costs {cost:g} credits, the balance is "
                f"{state.credits:g}",
            )
        state.credits -= cost
        task_id = state.new_task_id(model, now)
    outcome = state.choose_outcome(
        TaskRequest(
            task_id=task_id, model=model, input=body["input"], callback_url=callback_url, body=body
        )
    )
    state.add_task(
        TaskRecord(
            task_id=task_id,
            model=model,
            body=body,
            callback_url=callback_url,
            created_at=now,
            outcome=outcome,
            cost=cost,
            base_url=request.base_url,
            schedule=outcome.schedule or state.settings.schedule,
            _clock=state.clock,
        )
    )
    return state.ok({"taskId": task_id})


def record_info(state: FakeState, request: Request) -> Response:
    """``GET /api/v1/jobs/recordInfo?taskId=``."""
    refused = _rate_limited(state, state.record_window)
    if refused is not None:
        return refused
    task_id = request.query.get("taskId", "")
    if not task_id:
        return _error(state, 400, "taskId parameter is required")
    with state.lock:
        task = state.tasks.get(task_id)
    visible_after = state.settings.record_visible_after
    if task is None or state.clock.now() - task.created_at < visible_after:
        return _error(state, 422, "recordInfo is null", data=True)
    settings = state.settings
    body = task.record_info_envelope(settings.failed_task_code, settings.message_key)
    code = body["code"]
    # Like every error code of the fake: the HTTP status too with http_status_errors=True.
    status = code if code != 200 and settings.http_status_errors else 200
    return json_response(body, status=status)


def credit(state: FakeState, request: Request) -> Response:  # noqa: ARG001  (uniform handler shape)
    """``GET /api/v1/chat/credit``: the balance, after refunds of tasks that failed by now."""
    state.settle()
    with state.lock:
        balance = state.credits
    return state.ok(int(balance) if balance == int(balance) else balance)


def download_url(state: FakeState, request: Request) -> Response:
    """``POST /api/v1/common/download-url``: a 20-minute link, for URLs Kie generated: the
    fake's uploads and results, and custom result URLs of tasks (``Outcome.success``)."""
    body = request.json_object()
    url = body.get("url") if body is not None else None
    if not isinstance(url, str) or not url:
        return _error(state, 422, "url: is required")
    resolved = state.resolve(url)
    if resolved is not None and resolved.expired:
        return _error(state, 422, f"url: {url} has expired")
    generated = (resolved is not None and resolved.kind != "remote") or state.is_result_url(url)
    if not generated:
        return _error(state, 422, f"url: {url} is not a file generated by Kie")
    return state.ok(state.issue_link(url))
