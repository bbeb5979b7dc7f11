"""The API host's endpoints: createTask, recordInfo, credit and download-url.

Each handler takes the shared state and an authenticated request and returns the answer;
nothing here awaits, so a handler runs atomically with respect to the state lock.
"""

from __future__ import annotations

from typing import Any, cast

from ..catalog._types import Field, ModelInfo
from ._declared import field_problems, file_problem, file_urls, normalize_mime
from ._http import Request, Response, json_response
from ._media import probe_media, sniff_mime
from ._pricing import declared_price
from ._ratelimit import RateWindow, retry_after_header
from ._state import FakeState, Resolved
from ._tasks import TaskRecord, TaskRequest
from ._validation import (
    DURATION_TOLERANCE_S,
    EXTRA_MEDIA_RULES,
    FALLBACK_PRICES,
    UrlField,
    check_callback_url,
    media_problems,
    with_extra_limits,
)

__all__ = ["create_task", "credit", "download_url", "record_info"]


def _error(state: FakeState, code: int, msg: str | None = None, **kwargs: Any) -> Response:
    return state.error(code, msg, **kwargs)


def _charge(state: FakeState, cost: float, model: str, now: float) -> str | Response:
    """Take ``cost`` credits and number the new task (one step, under the lock), or Kie's 402
    when the balance is short: every create endpoint, Market's and the families', pays here."""
    with state.lock:
        if cost > state.credits:
            return _error(
                state,
                402,
                f"Credits insufficient: this task costs {cost:g} credits, the balance is "
                f"{state.credits:g}",
            )
        state.credits -= cost
        return state.new_task_id(model, now)


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


def _expired_problem(state: FakeState, field: str, url: str, kind: str) -> str:
    hints = state.hints
    if kind == "result":
        return (
            f"input.{field}: {url} has expired (result files are deleted after {hints.result_ttl})"
        )
    return (
        f"input.{field}: {url} has expired (uploaded files are deleted after "
        f"{hints.upload_ttl}, 3 days on Kie): upload it again"
    )


def _fetch(state: FakeState, field: str, url: str) -> tuple[Resolved | None, list[str]]:
    resolved = state.resolve(url)
    if resolved is not None and resolved.expired:
        return None, [_expired_problem(state, field, url, resolved.kind)]
    if resolved is None and not state.settings.allow_external_urls:
        return None, [f"input.{field}: cannot fetch {url} ({state.hints.unknown_url})"]
    return resolved, []


def _content_type(resolved: Resolved) -> str:
    """What the stored bytes are (Kie reads the file, not its name), else the stored type."""
    return normalize_mime(sniff_mime(resolved.data) or resolved.mime_type)


class _Media:
    """What the file checks of one createTask found: problems, and the reference video's
    length when it was measured (tasks billed per second of it use it)."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.video_seconds: float | None = None

    def judge_extra(
        self, rule: UrlField, resolved: Resolved, mime: str, orientation: object
    ) -> None:
        """The fake's own media rules of a Kling model (sides, aspect, durations)."""
        size = len(resolved.data)
        # Probed only once the type and size pass: headers only, cheap enough per task.
        facts = (
            probe_media(resolved.data)
            if mime in rule.mime_types and size <= rule.max_bytes
            else None
        )
        problems, duration = media_problems(rule, mime, size, facts, orientation)
        self.problems += problems
        if duration is not None:
            self.video_seconds = duration

    def judge_length(self, field: Field, resolved: Resolved, mime: str) -> None:
        """A video's length against the declared range (audio is not measured), and the
        first video's length for per-second prices."""
        if not mime.startswith("video/"):
            return
        facts = probe_media(resolved.data)
        if facts is None or facts.kind != "video" or facts.duration_s is None:
            return
        seconds = facts.duration_s
        if self.video_seconds is None:
            self.video_seconds = seconds
        spec = field.file
        assert spec is not None
        name = f"input.{field.name}"
        shortest, longest = spec.min_duration_s, spec.max_duration_s
        if shortest is not None and seconds < shortest - DURATION_TOLERANCE_S:
            self.problems.append(f"{name}: duration {seconds:.1f} s is under {shortest:g} s")
        elif longest is not None and seconds > longest + DURATION_TOLERANCE_S:
            self.problems.append(f"{name}: duration {seconds:.1f} s exceeds {longest:g} s")


def _declared_media(state: FakeState, info: ModelInfo, input_: dict[str, Any]) -> _Media:
    """Fetch every file URL of the input and judge what it holds: the declared types and
    sizes, plus the fake's extra rules for the models that have them."""
    found = _Media()
    extras = {rule.name: rule for rule in EXTRA_MEDIA_RULES.get(info.id, ())}
    for field, url in file_urls(info, input_):
        resolved, problems = _fetch(state, field.name, url)
        found.problems += problems
        if resolved is None or not state.settings.check_media:
            continue
        mime = _content_type(resolved)
        rule = extras.get(field.name)
        if rule is not None:
            found.judge_extra(rule, resolved, mime, input_.get("character_orientation"))
            continue
        problem = file_problem(field, url, mime, len(resolved.data))
        if problem is not None:
            found.problems.append(problem)
        else:
            found.judge_length(field, resolved, mime)
    return found


def _price(
    state: FakeState, info: ModelInfo, input_: dict[str, Any], video_seconds: float | None
) -> float:
    """The catalog's price for the model; else the fake's own figures for the Kling models it
    has them for; else free. ``credits_per_second=`` given to the fake wins for Kling 2.6
    motion control, as before the catalog."""
    settings = state.settings
    seconds = video_seconds if video_seconds is not None else settings.default_video_seconds
    fallback = FALLBACK_PRICES.get(info.id)
    if fallback is not None and settings.custom_credits_per_second:
        return fallback(input_, seconds, settings.credits_per_second)
    declared = declared_price(info, input_, video_seconds=seconds)
    if declared is not None:
        return declared
    if fallback is not None:
        return fallback(input_, seconds, settings.credits_per_second)
    return 0.0


def _validate(state: FakeState, body: dict[str, Any]) -> tuple[list[str], float, str]:
    """All problems with a createTask body, the credits it costs and the model's output kind.
    A model accepted through ``FakeKie(models=...)`` without a declaration is taken as it
    comes, for free."""
    model = body.get("model")
    if not model:
        return ["model: is required"], 0.0, "video"
    accepted = state.settings.models.accept(model) if isinstance(model, str) else None
    if accepted is None:
        return [f"model: {model!r} is not a supported model{state.hints.unknown_model}"], 0.0, ""
    raw_input = body.get("input")
    if not isinstance(raw_input, dict):
        return ["input: is required and must be an object"], 0.0, ""
    input_ = cast("dict[str, Any]", raw_input)
    problems = check_callback_url(body)
    if accepted.info is None:
        return problems, 0.0, "video"
    info = with_extra_limits(accepted.info)
    input_problems = field_problems(info, input_, strict=state.settings.strict_input)
    if input_problems:
        return problems + input_problems, 0.0, info.output
    found = _declared_media(state, info, input_)
    cost = _price(state, info, input_, found.video_seconds)
    return problems + found.problems, round(cost, 2), info.output


def create_task(state: FakeState, request: Request) -> Response:
    """``POST /api/v1/jobs/createTask``: rate limit, validate, charge, plan the task."""
    now = state.clock.now()
    refused = _rate_limited(state, state.create_window)
    if refused is not None:
        return refused
    body = request.json_object()
    if body is None:
        return _error(state, 400, "Request body must be a JSON object")
    problems, cost, output = _validate(state, body)
    if problems:
        return _error(state, 422, "; ".join(problems))
    model = str(body["model"])
    callback_url = body.get("callBackUrl") or None
    task_id = _charge(state, cost, model, now)
    if isinstance(task_id, Response):
        return task_id
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
            output=output,
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
        hidden = task is not None and task.polls < state.settings.record_null_polls
        if task is not None:
            task.polls += 1
    visible_after = state.settings.record_visible_after
    if task is None or hidden or state.clock.now() - task.created_at < visible_after:
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
