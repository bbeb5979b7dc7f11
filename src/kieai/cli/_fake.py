"""``kie demo`` and ``kie fake-server``: the built-in fake of Kie, in-process or on loopback.

The demo needs no key and no network: `kieai.testing.FakeKie` answers in-process, the
inputs are the sample files shipped in the wheel, and the result is the fake's real MP4.
"""

from __future__ import annotations

import itertools
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

import anyio

from .._client import KieClient
from .._constants import API_KEY_ENV, BASE_URL_ENV, UPLOAD_BASE_URL_ENV, WEBHOOK_HMAC_KEY_ENV
from ._messages import cli_wording
from ._output import Output
from ._runtime import UsageProblem, fail, interruptions

if TYPE_CHECKING:
    from ..testing import CallbackTaskId, FakeKie, MessageKey, OutcomeHook, TaskRequest
    from ..testing._tasks import FailedTaskCode
    from ..types import MotionControlResult
    from ._progress import FlowProgress

__all__ = [
    "DEMO_API_KEY",
    "FAKE_SERVER_HISTORY",
    "HARSH_OPTIONS",
    "FakeServerSettings",
    "FaultSpec",
    "fake_server_fake",
    "parse_fault",
    "run_demo",
    "serve_fake",
    "server_settings",
]

#: FakeKie's file lifetimes (Kie: uploads 3 days, results 24 hours); ``kieai.testing`` is not
#: imported until the server starts, so they are restated here and pinned by a test.
UPLOAD_TTL_S = 3 * 24 * 3600.0
RESULT_TTL_S = 24 * 3600.0

DEMO_API_KEY = "demo-key"
DEMO_PROMPT = "The character dances."
#: The fake finishes a task in about 0.3 s; poll often so the demo ends right after.
DEMO_POLL_INTERVAL_S = 0.05
DEMO_MAX_POLL_INTERVAL_S = 0.2
DEMO_TIMEOUT_S = 60.0
#: ``kie fake-server`` remembers this many requests, metadata only: a long development
#: session against it must not grow without limit (uploads stay until ``upload_ttl``).
FAKE_SERVER_HISTORY = 1000


async def run_demo(
    ui: FlowProgress, *, image: Path, video: Path, output: Path
) -> tuple[MotionControlResult, Path]:
    """generate + download against a fresh in-process fake."""
    from ..testing import FakeKie

    fake = FakeKie(api_key=DEMO_API_KEY)
    async with (
        fake.http_client() as http_client,
        KieClient(
            api_key=DEMO_API_KEY,
            base_url=fake.base_url,
            upload_base_url=fake.base_url,
            http_client=http_client,
            journal=False,  # the demo's tasks are the in-process fake's: never journaled
        ) as client,
    ):
        try:
            result = await client.motion_control.generate(
                image=image,
                video=video,
                prompt=DEMO_PROMPT,
                timeout=DEMO_TIMEOUT_S,
                poll_interval=DEMO_POLL_INTERVAL_S,
                max_poll_interval=DEMO_MAX_POLL_INTERVAL_S,
                on_upload_progress=ui.upload,
                on_created=ui.created,
                on_update=ui.update,
            )
            saved = await client.download(result.video_url, output, on_progress=ui.download)
            ui.downloaded(saved)
        finally:
            ui.close()
    return result, saved


#: ``--harsh``: every awkward behaviour of Kie the fake can show, at once, at rates that keep an
#: app that handles them working (a request in a few is refused, slowed or cut, every fifth
#: task fails). Flags given with ``--harsh`` win over these. A dropped createTask is left out:
#: no client can tell whether that task exists (add ``--fault createTask:drop,every=N``).
HARSH_OPTIONS: dict[str, str | tuple[str, ...]] = {
    "errors": "http",
    "message_key": "message",
    "callback_task_id": "data.task_id",
    "failed_task_code": "501",
    "record_null_polls": "2",
    "unknown_fields": "refuse",
    "fail_every": "5",
    "faults": (
        "createTask:retry-after=1,every=5",
        "recordInfo:status=503,every=7",
        "upload:html,every=6",
        "recordInfo:drop,every=11",
        "*:delay=0.25,every=4",
    ),
}
#: Kie's limits (Getting Started; the task-detail page), which FakeKie enforces by default.
KIE_CREATE_RATE_LIMIT = (20, 10.0)
KIE_RECORD_RATE_LIMIT = (10, 1.0)
_FAULT_NUMBERS = {"status": int, "code": int, "times": int, "every": int}
_FAULT_SECONDS = ("retry-after", "delay")


@dataclass(frozen=True)
class FaultSpec:
    """One ``--fault ROUTE:OPTION,...``: ``kwargs`` for `FakeKie.inject`."""

    text: str
    route: str
    kwargs: Mapping[str, object]


@dataclass(frozen=True)
class FakeServerSettings:
    """What ``kie fake-server`` lets the user set, resolved (``--harsh`` applied): the key, the
    settings the fake's messages point to, and every awkward behaviour of Kie it can show."""

    api_key: str = "test-key"
    hmac_key: str | None = None
    allow_external_urls: bool = False
    schedule: tuple[float, float, float] | None = None  # waiting, queuing, generating (s)
    harsh: bool = False
    http_status_errors: bool = False
    message_key: MessageKey = "msg"
    callback_task_id: CallbackTaskId = "data.taskId"
    failed_task_code: FailedTaskCode = 200
    record_null_polls: int = 0
    strict_input: bool = False
    rate_limits: bool = True
    fail_every: int = 0
    faults: tuple[FaultSpec, ...] = ()
    credits: float | None = None
    upload_ttl: float | None = UPLOAD_TTL_S
    result_ttl: float | None = RESULT_TTL_S
    models: tuple[str, ...] = ()

    def behaviours(self) -> dict[str, object]:
        """The awkward behaviours switched on, as flag name -> value (for the announcement)."""
        found: dict[str, object] = {}
        if self.http_status_errors:
            found["errors"] = "http"
        if self.message_key != "msg":
            found["message-key"] = self.message_key
        if self.callback_task_id != "data.taskId":
            found["callback-task-id"] = self.callback_task_id
        if self.failed_task_code != 200:
            found["failed-task-code"] = self.failed_task_code
        if self.record_null_polls:
            found["record-null-polls"] = self.record_null_polls
        if self.strict_input:
            found["unknown-fields"] = "refuse"
        found["rate-limits"] = "kie" if self.rate_limits else "off"
        if self.fail_every:
            found["fail-every"] = self.fail_every
        if self.faults:
            found["fault"] = [fault.text for fault in self.faults]
        return found


def _choice(flag: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise UsageProblem(f"{flag}: expected {' or '.join(allowed)}, got {value!r}")
    return value


def _count(flag: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise UsageProblem(f"{flag}: expected a whole number >= 0, got {value!r}")
    return number


def _seconds(flag: str, value: str | None, default: float | None) -> float | None:
    """A lifetime in seconds; ``0`` or ``forever``: never expires."""
    if value is None:
        return default
    if value.strip().lower() in ("0", "forever"):
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise UsageProblem(f"{flag}: expected seconds > 0 (or 0/forever), got {value!r}")
    return seconds


def parse_fault(text: str) -> FaultSpec:
    """``ROUTE:OPTION[,OPTION...]``, options ``status=N``, ``code=N``, ``msg=TEXT``, ``html``,
    ``retry-after=S``, ``delay=S``, ``drop``, ``processed=yes|no``, ``times=N`` (default:
    every time, until the server stops) and ``every=N`` (only every Nth request)."""
    from ..testing import Fault

    route, colon, rest = text.partition(":")
    if not colon or not rest:
        raise UsageProblem(f"--fault {text!r}: expected ROUTE:OPTION[,OPTION...]")
    kwargs: dict[str, object] = {"times": None}
    for option in rest.split(","):
        key, equals, value = (part.strip() for part in option.partition("="))
        try:
            if key in ("html", "drop") and not equals:
                kwargs[key] = True
            elif key == "msg" and equals:
                kwargs["msg"] = value
            elif key == "processed" and value in ("yes", "no"):
                kwargs["processed"] = value == "yes"
            elif key in _FAULT_NUMBERS and equals:
                kwargs[key] = int(value)
            elif key in _FAULT_SECONDS and equals:
                kwargs[key.replace("-", "_")] = float(value)
            else:
                raise ValueError(f"unknown option {option!r}")
        except ValueError as exc:
            raise UsageProblem(f"--fault {text!r}: {exc}") from None
    try:  # the fake's own checks: unknown route, a fault with nothing to do, ...
        Fault(route=route, **{k if k != "times" else "remaining": v for k, v in kwargs.items()})  # pyright: ignore[reportArgumentType]
    except (TypeError, ValueError) as exc:
        raise UsageProblem(f"--fault {text!r}: {exc}") from None
    return FaultSpec(text, route, kwargs)


def server_settings(
    *,
    api_key: str,
    hmac_key: str | None,
    allow_external_urls: bool,
    schedule: tuple[float, float, float] | None,
    harsh: bool,
    errors: str | None,
    message_key: str | None,
    callback_task_id: str | None,
    failed_task_code: str | None,
    record_null_polls: str | None,
    unknown_fields: str | None,
    rate_limits: str,
    fail_every: str | None,
    faults: list[str],
    credits: str | None,
    upload_ttl: str | None,
    result_ttl: str | None,
    models: list[str],
) -> FakeServerSettings:
    """The settings of ``kie fake-server`` from its options: a flag given wins, then
    ``--harsh``'s choice, then Kie's (FakeKie's) default. Bad values raise `UsageProblem`."""
    preset: dict[str, str | tuple[str, ...]] = HARSH_OPTIONS if harsh else {}

    def pick(name: str, given: str | None, default: str) -> str:
        value = given if given is not None else preset.get(name, default)
        assert isinstance(value, str)
        return value

    fault_texts = [*(preset.get("faults", ())), *faults]
    balance: float | None = None
    if credits is not None:
        try:
            balance = float(credits)
        except ValueError:
            balance = -1.0
        if not 0 <= balance < float("inf"):
            raise UsageProblem(f"--credits: expected a number >= 0, got {credits!r}")
    return FakeServerSettings(
        api_key=api_key,
        hmac_key=hmac_key,
        allow_external_urls=allow_external_urls,
        schedule=schedule,
        harsh=harsh,
        http_status_errors=_choice("--errors", pick("errors", errors, "json"), ("json", "http"))
        == "http",
        message_key=cast(
            "MessageKey",
            _choice("--message-key", pick("message_key", message_key, "msg"), ("msg", "message")),
        ),
        callback_task_id=cast(
            "CallbackTaskId",
            _choice(
                "--callback-task-id",
                pick("callback_task_id", callback_task_id, "data.taskId"),
                ("data.taskId", "data.task_id"),
            ),
        ),
        failed_task_code=cast(
            "FailedTaskCode",
            int(
                _choice(
                    "--failed-task-code",
                    pick("failed_task_code", failed_task_code, "200"),
                    ("200", "501", "408"),
                )
            ),
        ),
        record_null_polls=_count(
            "--record-null-polls", pick("record_null_polls", record_null_polls, "0")
        ),
        strict_input=_choice(
            "--unknown-fields",
            pick("unknown_fields", unknown_fields, "accept"),
            ("accept", "refuse"),
        )
        == "refuse",
        rate_limits=_choice("--rate-limits", rate_limits, ("kie", "off")) == "kie",
        fail_every=_count("--fail-every", pick("fail_every", fail_every, "0")),
        faults=tuple(parse_fault(text) for text in fault_texts),
        credits=balance,
        upload_ttl=_seconds("--upload-ttl", upload_ttl, UPLOAD_TTL_S),
        result_ttl=_seconds("--result-ttl", result_ttl, RESULT_TTL_S),
        models=tuple(models),
    )


def _fail_every(n: int) -> OutcomeHook:
    """An outcome hook failing every ``n``-th task created (``failCode "500"``)."""
    from ..testing import Outcome

    created = itertools.count(1)

    def hook(request: TaskRequest) -> Outcome | None:
        del request
        return Outcome.failure() if next(created) % n == 0 else None

    return hook


def fake_server_fake(settings: FakeServerSettings) -> FakeKie:
    """The fake ``kie fake-server`` runs: Kie's defaults changed by ``settings``, hints worded
    for server users, with a bounded request history that keeps no bodies."""
    from ..testing import DEFAULT_CREDITS, FakeKie, Schedule
    from ..testing._catalog import catalog_ids

    schedule = Schedule(*settings.schedule) if settings.schedule is not None else None
    models = [*catalog_ids(), *settings.models] if settings.models else None
    fake = FakeKie(
        api_key=settings.api_key,
        hmac_key=settings.hmac_key,
        allow_external_urls=settings.allow_external_urls,
        schedule=schedule,
        models=models,
        credits=settings.credits if settings.credits is not None else DEFAULT_CREDITS,
        http_status_errors=settings.http_status_errors,
        strict_input=settings.strict_input,
        record_null_polls=settings.record_null_polls,
        create_rate_limit=KIE_CREATE_RATE_LIMIT if settings.rate_limits else None,
        record_rate_limit=KIE_RECORD_RATE_LIMIT if settings.rate_limits else None,
        callback_task_id=settings.callback_task_id,
        message_key=settings.message_key,
        outcome=_fail_every(settings.fail_every) if settings.fail_every else None,
        upload_ttl=settings.upload_ttl,
        result_ttl=settings.result_ttl,
        keep_request_bodies=False,
        max_recorded_requests=FAKE_SERVER_HISTORY,
        failed_task_code=settings.failed_task_code,
        wording="server",
    )
    for fault in settings.faults:
        fake.inject(fault.route, **fault.kwargs)  # pyright: ignore[reportArgumentType]
    return fake


def serve_fake(out: Output, *, port: int, settings: FakeServerSettings) -> None:
    """Run ``FakeKie.serve()`` on 127.0.0.1:``port`` until Ctrl-C (which is a normal stop)."""
    fake = fake_server_fake(settings)

    async def work() -> None:
        try:
            async with fake.serve(host="127.0.0.1", port=port) as base_url:
                _announce(out, base_url, settings)
                await anyio.sleep_forever()
        except RuntimeError as exc:  # uvicorn missing, or the port is taken
            raise UsageProblem(cli_wording(str(exc))) from None

    try:
        anyio.run(work)
    except interruptions():
        out.note("fake Kie stopped")
    except UsageProblem as exc:
        fail(out, exc)


def _announce(out: Output, base_url: str, settings: FakeServerSettings) -> None:
    # Not scrubbed: the fake's key is a test value the user needs to read.
    api_key = settings.api_key
    env = {BASE_URL_ENV: base_url, UPLOAD_BASE_URL_ENV: base_url, API_KEY_ENV: api_key}
    if settings.hmac_key is not None:
        env[WEBHOOK_HMAC_KEY_ENV] = settings.hmac_key
    behaviours = settings.behaviours()
    if out.json_mode:
        document = {"base_url": base_url, "api_key": api_key, "env": env}
        out.emit_json({**document, "behaviours": behaviours}, scrub=False)
    else:
        lines = [
            f"fake Kie listening on {base_url} (API key: {api_key})",
            "point a client at it:",
            *[f"  export {name}={value}" for name, value in env.items()],
            f'  or: KieClient(api_key="{api_key}", base_url="{base_url}", '
            f'upload_base_url="{base_url}")',
        ]
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
        flags = [
            f"--{name} {shlex.quote(str(v))}"
            for name, value in behaviours.items()
            for v in (cast("list[object]", value) if isinstance(value, list) else [value])
        ]
        out.note(f"{'--harsh: ' if settings.harsh else ''}{' '.join(flags)}")
    out.note("serving until Ctrl-C")
