"""``FakeKie``: the public face of the fake — configuration, inspection and control.

The object is itself the ASGI app; everything it remembers lives in `_state.FakeState`
so that the in-process transport, the ``serve()`` thread and the test all see one truth.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from contextlib import AbstractAsyncContextManager, AbstractContextManager

import httpx

from .._constants import DEFAULT_TIMEOUT
from ..catalog._types import ModelInfo
from ._app import handle
from ._callbacks import CALLBACK_TIMEOUT_S, CallbackClient, deliver_due
from ._catalog import ModelSet
from ._clock import Clock, SystemClock
from ._envelopes import MessageKey
from ._faults import Fault
from ._hints import Wording
from ._http import Receive, Scope, Send
from ._media import guess_mime
from ._records import CallbackDelivery, RecordedRequest, StoredFile
from ._serve import serve, serve_in_thread
from ._state import FAKE_BASE_URL, FakeState, OutcomeHook, Settings
from ._tasks import FAILED_TASK_CODES, CallbackTaskId, FailedTaskCode, Outcome, Schedule, TaskRecord
from ._transport import FakeTransport

__all__ = [
    "DEFAULT_CREDITS",
    "DEFAULT_CREDITS_PER_SECOND",
    "FAIL_MARKER",
    "RESULT_TTL_S",
    "UPLOAD_TTL_S",
    "FakeKie",
]

#: Unverified third-party figures (Kie's pricing page was not available): credits per second
#: of reference video.
DEFAULT_CREDITS_PER_SECOND: Mapping[str, float] = {"720p": 11.0, "1080p": 18.0}
#: A prompt containing this makes the task fail (``failCode "500"``).
FAIL_MARKER = "[kie-fake:fail]"
#: The starting balance: enough for about 1,800 default 5 s tasks at 720p.
DEFAULT_CREDITS = 100_000.0
#: Kie's upload pages: uploaded files are deleted after 3 days.
UPLOAD_TTL_S = 3 * 24 * 3600.0
#: Kie's task-detail page: generated URLs "typically expire after 24 hours" (the shortest of
#: the lifetimes Kie documents; Getting Started says 14 days).
RESULT_TTL_S = 24 * 3600.0


class FakeKie:
    """An in-memory Kie AI (API host and upload host in one ASGI app) for tests.

    Use ``fake.http_client()`` for an in-process ``httpx.AsyncClient`` or ``fake.serve()`` for a
    real loopback URL. The guide "Testing with FakeKie" shows every knob with examples.

    Args:
        api_key: The only key accepted in ``Authorization: Bearer``.
        clock: ``SystemClock()`` (default) or ``ManualClock()``; task progress, rate windows
            and link expiry read it.
        schedule: Seconds a task spends in waiting, queuing and generating (default 0.3 s).
        models: The models createTask accepts: model ids and `kieai.catalog.ModelInfo`
            declarations. Default (None): every model of `kieai.catalog`, each input judged
            by its catalog entry. A listed id the catalog knows keeps its entry; a
            ``ModelInfo`` is judged by that declaration; any other listed id is accepted with
            any ``input`` object, free of charge (a model newer than the catalog, or a spec of
            your own). Any id not accepted is refused with ``422``.
        credits: The starting balance (100,000).
        credits_per_second: Price per second of reference video by ``mode`` for
            ``kling-2.6/motion-control`` (given, it wins over the catalog's price). Every
            other model costs its catalog price (`kieai.catalog.ModelInfo.prices`), else
            the fake's own figures for the Kling models, else nothing.
        default_video_seconds: Billed duration when the video cannot be probed.
        refund_failed: Give a failed task's credits back when it fails.
        http_status_errors: Send errors with the matching HTTP status instead of HTTP 200
            (rate-limit refusals are HTTP 429 either way, as Kie documents).
        strict_input: Refuse unknown ``input`` keys.
        allow_external_urls: Accept media URLs the fake cannot fetch.
        check_media: Check media kinds, sizes and (with ``kieai.media``) Kie's limits.
        record_visible_after: Seconds a new task answers ``recordInfo is null``, as Kie does
            briefly after creation. Off (0) by default so a test may ``get_task`` at once; set
            e.g. 0.1 to test code that polls a task it just created.
        record_null_polls: The first this many ``recordInfo`` calls for each task answer
            ``recordInfo is null`` (whatever the clock says): the same awkwardness counted in
            polls, for tests on a real clock.
        create_rate_limit: ``(count, seconds)`` for createTask; None turns it off.
        record_rate_limit: ``(count, seconds)`` for recordInfo (Kie: 10 per second); None
            turns it off.
        hmac_key: Sign callbacks with Kie's webhook HMAC scheme.
        callback_http_client: An ``httpx.AsyncClient`` (in-process only) or a zero-argument
            factory of them (required for ``serve()``) for callbacks; without one only loopback
            URLs are called.
        callback_timeout: Seconds a callback receiver has to answer (Kie: 15).
        callback_task_id: Where callbacks carry the task id: ``"data.taskId"`` (Kie's Market
            callback examples) or ``"data.task_id"`` plus a top-level ``taskId`` (Kie's
            webhook-verification page).
        message_key: The envelope's message key on every JSON answer: ``"msg"`` or
            ``"message"`` (Kie's pages use both).
        outcome: A hook deciding how each new task ends.
        fail_marker: A prompt containing it fails the task; None turns it off.
        upload_ttl: Seconds an uploaded file lives (Kie: 3 days); None: forever.
        result_ttl: Seconds a result video lives after its task ended (Kie: 24 hours);
            None: forever.
        keep_request_bodies: Keep request and answer bodies in ``fake.requests``; False keeps
            the metadata only (bodies ``b""``).
        max_recorded_requests: Keep only this many of the newest requests; None: all.
        failed_task_code: How ``recordInfo`` answers a task that failed: ``200`` (default: a
            record with ``state: "fail"``, the shape of Kie's Get Task Details example, which
            existing code and tests read) or ``501``/``408``, the envelope codes Kie's reference
            documents for a task that ended, with the record in ``data`` (as in Kie's failure
            callback). Clients should handle both; kieai does.
        wording: How answers word their hints: ``"python"`` names FakeKie's own calls
            (``fake.add_remote_file()``), ``"server"`` the flags of ``kie fake-server``
            (which runs with it).
    """

    def __init__(
        self,
        api_key: str = "test-key",
        *,
        clock: Clock | None = None,
        schedule: Schedule | None = None,
        models: Iterable[str | ModelInfo] | None = None,
        credits: float = DEFAULT_CREDITS,
        credits_per_second: Mapping[str, float] | None = None,
        default_video_seconds: float = 5.0,
        refund_failed: bool = True,
        http_status_errors: bool = False,
        strict_input: bool = False,
        allow_external_urls: bool = False,
        check_media: bool = True,
        record_visible_after: float = 0.0,
        record_null_polls: int = 0,
        create_rate_limit: tuple[int, float] | None = (20, 10.0),
        record_rate_limit: tuple[int, float] | None = (10, 1.0),
        hmac_key: str | None = None,
        callback_http_client: CallbackClient | None = None,
        callback_timeout: float = CALLBACK_TIMEOUT_S,
        callback_task_id: CallbackTaskId = "data.taskId",
        message_key: MessageKey = "msg",
        outcome: OutcomeHook | None = None,
        fail_marker: str | None = FAIL_MARKER,
        upload_ttl: float | None = UPLOAD_TTL_S,
        result_ttl: float | None = RESULT_TTL_S,
        keep_request_bodies: bool = True,
        max_recorded_requests: int | None = None,
        failed_task_code: FailedTaskCode = 200,
        wording: Wording = "python",
    ) -> None:
        if not api_key:
            raise ValueError("api_key must not be empty")
        _check_choice("message_key", message_key, ("msg", "message"))
        _check_choice("callback_task_id", callback_task_id, ("data.taskId", "data.task_id"))
        _check_choice("failed_task_code", failed_task_code, FAILED_TASK_CODES)
        _check_choice("wording", wording, ("python", "server"))
        if record_null_polls < 0:
            raise ValueError(f"record_null_polls must be >= 0, got {record_null_polls!r}")
        if not callback_timeout > 0:
            raise ValueError(f"callback_timeout must be > 0 seconds, got {callback_timeout!r}")
        for name, ttl in (("upload_ttl", upload_ttl), ("result_ttl", result_ttl)):
            if ttl is not None and not ttl > 0:
                raise ValueError(f"{name} must be > 0 seconds or None, got {ttl!r}")
        if max_recorded_requests is not None and max_recorded_requests < 1:
            raise ValueError(
                f"max_recorded_requests must be >= 1 or None, got {max_recorded_requests!r}"
            )
        settings = Settings(
            api_key=api_key,
            models=ModelSet.of(models),
            http_status_errors=http_status_errors,
            strict_input=strict_input,
            allow_external_urls=allow_external_urls,
            check_media=check_media,
            record_visible_after=record_visible_after,
            schedule=schedule or Schedule(),
            credits_per_second=dict(
                DEFAULT_CREDITS_PER_SECOND if credits_per_second is None else credits_per_second
            ),
            default_video_seconds=default_video_seconds,
            refund_failed=refund_failed,
            hmac_key=hmac_key,
            fail_marker=fail_marker,
            create_rate_limit=create_rate_limit,
            record_rate_limit=record_rate_limit,
            message_key=message_key,
            callback_task_id=callback_task_id,
            callback_timeout=callback_timeout,
            keep_request_bodies=keep_request_bodies,
            max_recorded_requests=max_recorded_requests,
            upload_ttl=upload_ttl,
            result_ttl=result_ttl,
            failed_task_code=failed_task_code,
            custom_credits_per_second=credits_per_second is not None,
            record_null_polls=record_null_polls,
            wording=wording,
        )
        self._clock = clock or SystemClock()
        self._state = FakeState(settings, self._clock, credits)
        self._state.outcome_hook = outcome
        self._callback_client = callback_http_client

    # -- ASGI and clients -----------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI app. ``http_client()`` and ``serve()`` are the supported ways to reach it:
        under a bare ``httpx.ASGITransport(app=fake)`` a ``drop=True`` fault raises
        ``httpx.RemoteProtocolError`` (not bound to a request) and delays never time out."""
        await handle(self._state, self._callback_client, scope, receive, send)

    def http_client(self, *, timeout: httpx.Timeout | float = DEFAULT_TIMEOUT) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` wired to this fake in-process, for any host. Close it
        (``async with`` or ``aclose()``) when done; the fake itself holds nothing open.

        Its transport turns ``drop=True`` faults into ``httpx.RemoteProtocolError`` and delays
        longer than the request's read timeout into ``httpx.ReadTimeout``, as a socket would."""
        return httpx.AsyncClient(
            transport=FakeTransport(app=self), base_url="https://api.kie.ai", timeout=timeout
        )

    def serve(self, *, host: str = "127.0.0.1", port: int = 0) -> AbstractAsyncContextManager[str]:
        """Serve the fake on a real loopback socket; yields its base URL, e.g.
        ``http://127.0.0.1:54321`` (pass it as both ``base_url`` and ``upload_base_url``).
        Works under asyncio and trio; needs ``pip install 'kieai[testing]'``.

        Raises ``TypeError`` at once when ``callback_http_client`` is an ``httpx.AsyncClient``
        instance: the server delivers callbacks on its own thread and loop, so it needs a
        zero-argument factory."""
        return serve(self._state, self._callback_client, host=host, port=port)

    def serve_in_thread(
        self, *, host: str = "127.0.0.1", port: int = 0
    ) -> AbstractContextManager[str]:
        """`serve` for synchronous tests: ``with fake.serve_in_thread() as base_url:``
        (a plain context manager; no event loop needed). Made for ``SyncKieClient``::

            with fake.serve_in_thread() as url, SyncKieClient(base_url=url, upload_base_url=url) as client:
                client.get_credits()
        """
        return serve_in_thread(self._state, self._callback_client, host=host, port=port)

    # -- inspection -----------------------------------------------------------------------

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def base_url(self) -> str:
        """Host of the file and result URLs handed out in-process."""
        return FAKE_BASE_URL

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request that reached the fake, oldest first (a copy); only the newest
        ``max_recorded_requests`` when that is set."""
        with self._state.lock:
            return list(self._state.requests)

    @property
    def tasks(self) -> dict[str, TaskRecord]:
        """Created tasks by id (a copy of the mapping; the records are live)."""
        with self._state.lock:
            return dict(self._state.tasks)

    def task(self, task_id: str) -> TaskRecord:
        """One task; ``KeyError`` if the fake never created it."""
        with self._state.lock:
            return self._state.tasks[task_id]

    @property
    def uploads(self) -> dict[str, StoredFile]:
        """Stored files by ``filePath`` (``<uploadPath>/<fileName>``); files past
        ``upload_ttl`` are deleted, as on Kie."""
        with self._state.lock:
            self._state.purge_expired_files()
            return dict(self._state.files)

    @property
    def callbacks(self) -> list[CallbackDelivery]:
        """Every callback delivery attempt, oldest first."""
        with self._state.lock:
            return list(self._state.callbacks)

    @property
    def credits(self) -> float:
        """The balance, after refunds of tasks that failed by now. Settable."""
        self._state.settle()
        with self._state.lock:
            return self._state.credits

    @credits.setter
    def credits(self, value: float) -> None:
        with self._state.lock:
            self._state.credits = float(value)

    @property
    def faults(self) -> list[Fault]:
        """Injected faults that still have answers to shape."""
        return self._state.faults.pending()

    # -- control --------------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Move the fake's clock forward (``fake.clock.advance``)."""
        self._clock.advance(seconds)

    def inject(
        self,
        route: str = "*",
        *,
        status: int | None = None,
        code: int | None = None,
        msg: str | None = None,
        html: bool = False,
        retry_after: float | None = None,
        delay: float = 0.0,
        drop: bool = False,
        processed: bool | None = None,
        body: bytes | str | dict[str, object] | list[object] | None = None,
        content_type: str | None = None,
        times: int | None = 1,
        every: int = 1,
    ) -> Fault:
        """Make the next ``times`` answers of ``route`` misbehave (None: until cleared);
        ``every=N`` picks only every Nth request of the route (the Nth, 2Nth, ...).

        Routes: createTask, recordInfo, credit, download-url, stream-upload, base64-upload,
        url-upload, files, results, remote (``add_remote_file`` URLs); ``upload`` for the three
        uploads, ``*`` for all.
        ``status`` sets the HTTP status, ``code`` the JSON code (HTTP 200 unless ``status``),
        ``html`` an nginx error page (502 unless ``status``), ``retry_after`` a Retry-After
        header (alone: an HTTP 429 answer), ``body`` a raw body (dict/list as JSON), ``delay``
        seconds before answering, ``drop`` a broken connection. ``processed`` says whether the
        request still takes effect; default: yes for ``drop``/``delay`` alone, no otherwise.

        A request takes at most one delay-only fault and one other fault, the oldest of each
        that matches; both apply (delays add up).
        """
        fault = Fault(
            route=route,
            status=status,
            code=code,
            msg=msg,
            html=html,
            retry_after=retry_after,
            delay=delay,
            drop=drop,
            processed=processed,
            body=body,
            content_type=content_type,
            remaining=times,
            every=every,
        )
        return self._state.faults.add(fault)

    def clear_faults(self) -> None:
        self._state.faults.clear()

    @property
    def outcome_hook(self) -> OutcomeHook | None:
        """Called with each new task's `TaskRequest`; return an `Outcome` to
        decide how it ends, or None for the default. Settable."""
        return self._state.outcome_hook

    @outcome_hook.setter
    def outcome_hook(self, hook: OutcomeHook | None) -> None:
        self._state.outcome_hook = hook

    def queue_outcomes(self, *outcomes: Outcome) -> None:
        """The next tasks created end like these, in order (before the hook is asked)."""
        with self._state.lock:
            self._state.queued_outcomes.extend(outcomes)

    def fail_next_task(
        self, fail_code: str = "500", fail_msg: str = "Internal server error", *, times: int = 1
    ) -> None:
        """The next ``times`` tasks created end in ``fail`` with this code and message."""
        self.queue_outcomes(*[Outcome.failure(fail_code, fail_msg)] * times)

    def finish_task(self, task_id: str, outcome: Outcome | None = None) -> TaskRecord:
        """End a running task now, with its planned outcome or ``outcome``."""
        with self._state.lock:
            task = self._state.tasks[task_id]
            task.finish(outcome, self._clock.now())
        return task

    def add_file(
        self, path: str, data: bytes, *, mime_type: str | None = None, base_url: str | None = None
    ) -> StoredFile:
        """Store a file as if uploaded to ``path`` (``"<uploadPath>/<fileName>"``) and return it;
        ``.url`` is its download URL (on ``base_url``, default the in-process host)."""
        directory, name = posixpath.split(path.lstrip("/"))
        if not name:
            raise ValueError(f"add_file needs a path ending in a file name, got {path!r}")
        return self._state.store_file(
            directory,
            name,
            data,
            mime_type or guess_mime(name, None, data),
            base_url or FAKE_BASE_URL,
        )

    def add_remote_file(self, url: str, data: bytes, *, mime_type: str | None = None) -> None:
        """Pretend ``url`` is on the internet: URL uploads can fetch it, tasks may use it, and
        ``fake.http_client()`` serves it (``GET``/``HEAD`` by its full URL, no key)."""
        try:
            name = posixpath.basename(httpx.URL(url).path)
        except httpx.InvalidURL as exc:
            raise ValueError(f"add_remote_file needs an http(s) URL, got {url!r}: {exc}") from None
        self._state.add_remote_file(url, data, mime_type or guess_mime(name, None, data))

    async def deliver_callbacks(self) -> list[CallbackDelivery]:
        """Deliver the callbacks of tasks finished by now and return these deliveries.

        In-process, callbacks also go out whenever a request reaches the fake; under
        ``serve()`` the server thread sends them within a few milliseconds on its own.
        Cancelled midway, the undelivered callbacks are recorded as interrupted and queued
        again.
        """
        return await deliver_due(self._state, self._callback_client)

    def reset(self) -> None:
        """Forget tasks, files, requests, callbacks, faults, queued outcomes and rate windows;
        restore the initial credits. Settings and the clock stay."""
        self._state.clear()

    def __repr__(self) -> str:
        with self._state.lock:
            counts = (len(self._state.tasks), len(self._state.files), len(self._state.requests))
        return f"<FakeKie tasks={counts[0]} files={counts[1]} requests={counts[2]}>"


def _check_choice(name: str, value: object, allowed: tuple[object, ...]) -> None:
    if value not in allowed:
        options = " or ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be {options}, got {value!r}")
