"""``KieClient``: configuration, lifecycle, and one method per Kie endpoint.

Configuration is resolved once, in the constructor (argument, else environment, else default).
Requests go through `Transport`; this module only says which endpoint,
which retry policy, which pacer, and how to read the ``data`` of the answer.
"""

from __future__ import annotations

import functools
import math
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, cast
from urllib.parse import quote_plus

import anyio
import httpx
import pydantic

from ._constants import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    DEFAULT_BATCH_CONCURRENCY,
    DEFAULT_CREATE_TASK_RATE,
    DEFAULT_GET_TASK_RATE,
    DEFAULT_INITIAL_RETRY_DELAY_S,
    DEFAULT_MAX_POLL_INTERVAL_S,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_RETRY_DELAY_S,
    DEFAULT_POLL_INTERVAL_S,
    DEFAULT_TIMEOUT,
    DEFAULT_UPLOAD_BASE_URL,
    DEFAULT_UPLOAD_PATH,
    DEFAULT_UPLOAD_TIMEOUT,
    DEFAULT_WAIT_TIMEOUT_S,
    UPLOAD_BASE_URL_ENV,
)
from ._coordination import (
    ContentHasher,
    Coordination,
    Coordinator,
    LocalCoordinator,
    Pacer,
    PacerKind,
    account_fingerprint,
)
from ._download import download as _download
from ._errors import (
    APIResponseValidationError,
    APIStatusError,
    KieError,
    KieInputError,
    TaskCreationUncertainError,
    describe_request,
)
from ._estimate import Budget
from ._families import MARKET, Family, Operation, get_family
from ._files import (
    FileInput,
    LocalFile,
    is_url,
    name_from_url,
    open_local,
    unique_file_name,
    validate_upload_path,
)
from ._generated.calls import ModelCalls
from ._hooks import Progress, ProgressCallback, call_hook
from ._journal import Journal
from ._ledger import Ledger, resolve_journal
from ._logging import logger
from ._multipart import multipart_body
from ._polling import OnUpdate, wait_for_task
from ._response import body_text, parse_envelope, require_field, snippet, task_ended
from ._retry import RetryPolicy
from ._secrets import Redactor
from ._transport import SendGuard, Transport, continue_cancellation
from .types import AnyResult, Task, UploadedFile

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self

    from ._batch import BatchOutcome, Job
    from ._engine import OnCreated
    from ._estimate import Estimate
    from ._pipeline import CheckReport, Prepared, RunOptions, UploadProgress
    from ._resources.image_to_video import ImageToVideo
    from ._resources.motion_control import MotionControl
    from ._resources.runway import Runway
    from ._resources.suno import Suno
    from ._resources.text_to_video import TextToVideo
    from ._resources.veo import Veo
    from ._tasks import Tasks

__all__ = ["KieClient"]

Rate = tuple[int, float]

#: How long a create waits for another caller's create of the same idempotency key when the
#: client's timeout sets no read limit.
DEFAULT_CREATE_WAIT_S = 60.0


def _resolve_timeout(
    value: float | httpx.Timeout | None, default: httpx.Timeout, name: str
) -> httpx.Timeout:
    if value is None:
        return default
    if isinstance(value, httpx.Timeout):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:  # pyright: ignore[reportUnnecessaryIsInstance]
        return httpx.Timeout(float(value))
    raise KieInputError(
        f"{name}: must be a positive number of seconds or an httpx.Timeout, got {value!r}"
    )


def _check_rate(value: Rate | None, name: str, problems: list[str]) -> tuple[int, float] | None:
    if value is None:
        return None
    try:
        count, period = value
    except (TypeError, ValueError):
        problems.append(f"{name}: must be (count, seconds) or None, got {value!r}")
        return None
    if (
        not isinstance(count, int)  # pyright: ignore[reportUnnecessaryIsInstance]
        or isinstance(count, bool)
        or count < 1
        or not _is_number(period)
        or not period > 0
        or period == float("inf")
    ):
        problems.append(f"{name}: count must be an int >= 1 and seconds > 0, got {value!r}")
        return None
    return count, float(period)


def _is_number(value: object) -> bool:
    """A real number of seconds (``"5"`` or ``True`` would compare or convert surprisingly)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_base_url(value: str, name: str, problems: list[str]) -> str:
    if not isinstance(value, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        problems.append(f"{name}: must be an http(s) URL string, got {value!r}")
        return ""
    url = value.strip().rstrip("/")
    if not url.lower().startswith(("http://", "https://")):
        problems.append(f"{name}: must start with http:// or https://, got {value!r}")
    return url


_NOT_SYNC = (
    "KieClient is an async client: use `async with KieClient() as client:` inside async code; "
    "from synchronous code (scripts, threads, notebooks) use `with SyncKieClient() as client:`"
)


def _running_loop() -> object | None:
    """The running asyncio loop, or the running trio run's token; None outside async code.

    Cheap (a dict lookup and a C call) and imports nothing: a library that is not imported
    cannot be running."""
    asyncio = sys.modules.get("asyncio")
    if asyncio is not None:
        loop: object | None = asyncio.events._get_running_loop()
        if loop is not None:
            return loop
    trio = sys.modules.get("trio")
    if trio is not None:
        try:
            token: object = trio.lowlevel.current_trio_token()
        except RuntimeError:  # trio imported but not running in this thread
            return None
        return token
    return None


class _LoopBoundTransport(Transport):
    """A `Transport` that remembers the event loop of its first request.

    Connections, pacing and upload reuse belong to that loop; a request from another loop (a
    second ``asyncio.run()``, another thread's loop) fails here with a clear `KieError`
    instead of deep inside httpx with "Event loop is closed"."""

    _loop: object | None = None

    def _check_loop(self) -> None:
        loop = _running_loop()
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:
            raise KieError(
                "this KieClient is used from a different event loop than the one it first sent "
                "a request from (one client per event loop: its connections and pacing belong "
                "to that loop). Create the KieClient inside the loop that uses it, e.g. inside "
                "the coroutine given to asyncio.run(), or use SyncKieClient from synchronous code"
            )


class KieClient(ModelCalls):
    """Async client for Kie AI. Use it as ``async with KieClient() as client: ...``.

    One instance is meant to be shared by every coroutine of an application: its pacing of
    ``createTask`` and ``recordInfo`` is per instance, and so is its cache of reusable uploads
    -- unless a ``coordinator`` shares them wider (``kieai.redis.RedisCoordinator``: every
    process and machine of a fleet on one account's windows and uploads).
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        upload_base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        initial_retry_delay: float = DEFAULT_INITIAL_RETRY_DELAY_S,
        max_retry_delay: float = DEFAULT_MAX_RETRY_DELAY_S,
        http_client: httpx.AsyncClient | None = None,
        create_task_rate: Rate | None = DEFAULT_CREATE_TASK_RATE,
        get_task_rate: Rate | None = DEFAULT_GET_TASK_RATE,
        reuse_uploads: bool = True,
        upload_timeout: float | httpx.Timeout | None = None,
        coordinator: Coordinator | None = None,
        journal: str | os.PathLike[str] | Journal | bool | None = None,
        budget: Budget | None = None,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
        if key is None or not key.strip():
            raise KieError(
                f"No API key: pass api_key=... or set the {API_KEY_ENV} environment variable "
                "(keys are at https://kie.ai/api-key)"
            )
        key = key.strip()
        _check_key_characters(key)
        #: This client's key, removed from what it raises, logs and returns (server echoes).
        self._redactor = Redactor(key)
        problems: list[str] = []
        self.base_url: str = _check_base_url(
            base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL, "base_url", problems
        )
        self.upload_base_url: str = _check_base_url(
            upload_base_url or os.environ.get(UPLOAD_BASE_URL_ENV) or DEFAULT_UPLOAD_BASE_URL,
            "upload_base_url",
            problems,
        )
        if not isinstance(max_retries, int) or isinstance(max_retries, bool) or max_retries < 0:  # pyright: ignore[reportUnnecessaryIsInstance]
            problems.append(f"max_retries: must be an int >= 0, got {max_retries!r}")
        if not _is_number(initial_retry_delay) or not initial_retry_delay >= 0:
            problems.append(
                f"initial_retry_delay: must be >= 0 seconds, got {initial_retry_delay!r}"
            )
        if not _is_number(max_retry_delay) or not max_retry_delay >= (
            initial_retry_delay if _is_number(initial_retry_delay) else 0
        ):
            problems.append(
                f"max_retry_delay: must be >= initial_retry_delay ({initial_retry_delay!r}), "
                f"got {max_retry_delay!r}"
            )
        create_rate = _check_rate(create_task_rate, "create_task_rate", problems)
        get_rate = _check_rate(get_task_rate, "get_task_rate", problems)
        if coordinator is not None and not isinstance(coordinator, Coordinator):  # pyright: ignore[reportUnnecessaryIsInstance]
            problems.append(
                "coordinator: must be a coordinator such as kieai.redis.RedisCoordinator, "
                f"got {type(coordinator).__name__}"
            )
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):  # pyright: ignore[reportUnnecessaryIsInstance]
            problems.append(
                f"http_client: must be an httpx.AsyncClient, got {type(http_client).__name__}"
            )
        if budget is not None and not isinstance(budget, Budget):  # pyright: ignore[reportUnnecessaryIsInstance]
            problems.append(f"budget: must be a kieai.Budget, got {type(budget).__name__}")
        if problems:
            raise KieInputError(problems)
        resolved_journal = resolve_journal(journal)
        if budget is not None and budget.needs_journal and resolved_journal is None:
            raise KieError(
                "budget: per_day and total count past spending, which needs a journal: pass "
                "journal='tasks.sqlite3' (or a RedisJournal for a fleet), or set KIE_JOURNAL"
            )
        resolved_timeout = _resolve_timeout(timeout, DEFAULT_TIMEOUT, "timeout")
        self._upload_timeout = _resolve_timeout(
            upload_timeout, DEFAULT_UPLOAD_TIMEOUT, "upload_timeout"
        )
        self._owns_http_client = http_client is None
        if http_client is None:
            http_client = httpx.AsyncClient(timeout=resolved_timeout)
        self.reuse_uploads = reuse_uploads
        # The coordinator sees a fingerprint of the key, never the key.
        self._coordination: Coordination = (coordinator or LocalCoordinator()).bind(
            account_fingerprint(key)
        )
        self._create_pacer = self._pacer("create", create_rate)
        self._get_pacer = self._pacer("get", get_rate)
        self._content_hasher = ContentHasher()
        self._transport = _LoopBoundTransport(
            api_key=key,
            redactor=self._redactor,
            http_client=http_client,
            timeout=resolved_timeout
            if (timeout is not None or _has_default_timeout(http_client))
            else None,
            max_retries=max_retries,
            initial_retry_delay=float(initial_retry_delay),
            max_retry_delay=float(max_retry_delay),
        )
        self._closed = False
        self._ledger = Ledger(
            resolved_journal,
            budget,
            create_wait_s=resolved_timeout.read or DEFAULT_CREATE_WAIT_S,
        )
        self._journal_opened = False
        #: What the pipeline, the resources and the results may do with this client.
        self._engine = _ClientEngine(
            ledger=self._ledger,
            upload=self._upload_reused,
            create=self._create_task,
            wait=self.wait_for_task,
            download=self.download,
            get_task=self.get_task,
            call=self._family_call,
        )

    def __repr__(self) -> str:
        return f"KieClient(base_url={self.base_url!r}, upload_base_url={self.upload_base_url!r})"

    # -- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        try:
            await self._coordination.open()
            journal = self._ledger.journal
            opener = getattr(journal, "__aenter__", None)
            if opener is not None:  # a RedisJournal opens its connection here
                await opener()
                self._journal_opened = True
            await self._ledger.prune()
        except BaseException:
            await self.aclose()
            raise
        return self

    def __enter__(self) -> NoReturn:
        raise TypeError(_NOT_SYNC)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> NoReturn:
        raise TypeError(_NOT_SYNC)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this instance created it (a caller's client stays open).
        Any later call on this client raises `KieError`."""
        if self._closed:
            return
        self._closed = True
        self._transport.closed = True
        try:
            # The reverse of the opening order: a Redis journal and a Redis coordinator each
            # hold a connection pool whose task group must be left last-in, first-out.
            try:
                journal = self._ledger.journal
                if journal is not None and (
                    self._journal_opened or not hasattr(journal, "__aenter__")
                ):
                    await journal.aclose()
            finally:
                await self._coordination.close()
        finally:
            if self._owns_http_client:
                await self._transport.http_client.aclose()

    def _pacer(self, kind: PacerKind, rate: tuple[int, float] | None) -> Pacer | None:
        return None if rate is None else self._coordination.pacer(kind, *rate)

    @property
    def max_retries(self) -> int:
        return self._transport.max_retries

    @functools.cached_property
    def motion_control(self) -> MotionControl:
        """Kling Motion Control (``kling-2.6/motion-control``, ``kling-3.0/motion-control``)."""
        from ._resources.motion_control import MotionControl

        return MotionControl(self._engine)

    @functools.cached_property
    def image_to_video(self) -> ImageToVideo:
        """Kling 2.6 image-to-video (``kling-2.6/image-to-video``)."""
        from ._resources.image_to_video import ImageToVideo

        return ImageToVideo(self._engine)

    @functools.cached_property
    def text_to_video(self) -> TextToVideo:
        """Kling 2.6 text-to-video (``kling-2.6/text-to-video``)."""
        from ._resources.text_to_video import TextToVideo

        return TextToVideo(self._engine)

    @functools.cached_property
    def veo(self) -> Veo:
        """Veo 3.1 on Kie's own endpoints: generate, extend, 1080P and 4K."""
        from ._resources.veo import Veo

        return Veo(self._engine)

    @functools.cached_property
    def suno(self) -> Suno:
        """Suno music on Kie's own endpoints: two tracks per task, ready in stages."""
        from ._resources.suno import Suno

        return Suno(self._engine)

    @functools.cached_property
    def runway(self) -> Runway:
        """Runway video (and Runway Aleph) on Kie's own endpoints."""
        from ._resources.runway import Runway

        return Runway(self._engine)

    @functools.cached_property
    def tasks(self) -> Tasks:
        """The journal's tasks: ``list``, ``get``, ``resume``, ``collect`` (needs a journal)."""
        from ._tasks import Tasks

        return Tasks(self._ledger, self._engine)

    @property
    def journal(self) -> Journal | None:
        """Where this client records its paid work (None: no journal)."""
        return self._ledger.journal

    def estimate(self, model: str, input: Mapping[str, object]) -> Estimate | None:
        """What running ``model`` on ``input`` is expected to cost, offline: `Estimate`
        (credits, usd, basis), or None when the price is not known. Local files are probed
        for their duration; a URL counts at the longest length the model allows."""
        from ._ledger import estimate_prepared
        from ._pipeline import check_model

        prepared, report = check_model(model, input)
        if not report.ok:
            raise KieInputError(report.problems)
        return estimate_prepared(prepared)

    # -- any model ---------------------------------------------------------------------------
    # ``generate``, ``create`` and ``check`` come from `ModelCalls` (_generated/calls.py,
    # typed per catalog model by ``make generate``); their implementations call these.

    def batch(
        self,
        jobs: Iterable[Job],
        *,
        concurrency: int = DEFAULT_BATCH_CONCURRENCY,
        download_to: str | os.PathLike[str] | None = None,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT_S,
        poll_interval: float = DEFAULT_POLL_INTERVAL_S,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL_S,
    ) -> AsyncIterator[BatchOutcome[AnyResult]]:
        r"""Run many `Job`\ s, ``concurrency`` at a time: ``async for outcome in
        client.batch(jobs)`` yields one `BatchOutcome` per job as it finishes (``key``,
        ``state``, ``result``, ``error``, ``paths``). A job's failure is its outcome; the
        others go on. With ``download_to`` each output is written there as its job ends,
        named after the key.

        Each job's key is its idempotency key: with a journal, running the same jobs again
        after a crash or Ctrl-C resumes the batch (finished jobs come back at once, created
        ones are waited for, none is created twice). Without a journal keys only name the
        outcomes. Pacing, upload reuse and budgets are the client's, across the batch.

        Raises `KieInputError` at once (nothing sent) for duplicate or empty keys or a bad
        ``concurrency``. To stop early, close the iterator (``contextlib.aclosing``)."""
        from ._batch import BatchWait, check_jobs, run_batch
        from ._polling import validate_wait_args

        listed = check_jobs(jobs, concurrency)
        validate_wait_args(timeout, poll_interval, max_poll_interval)
        directory = None
        if download_to is not None:
            directory = Path(download_to)
            directory.mkdir(parents=True, exist_ok=True)
        wait = BatchWait(timeout, poll_interval, max_poll_interval)
        return run_batch(self, listed, concurrency=concurrency, download_to=directory, wait=wait)

    async def _generate_model(
        self,
        model: str,
        input: Mapping[str, object],
        *,
        callback_url: str | None = None,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT_S,
        poll_interval: float = DEFAULT_POLL_INTERVAL_S,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL_S,
        on_update: OnUpdate | None = None,
        on_upload_progress: UploadProgress | None = None,
        on_created: OnCreated | None = None,
        check_media: bool = True,
        idempotency_key: str | None = None,
    ) -> AnyResult:
        """`generate`'s work (the typed overloads of `generate` call this)."""
        from ._pipeline import RunOptions, WaitOptions, generate

        options = RunOptions(
            callback_url, on_upload_progress, on_created, check_media, idempotency_key
        )
        prepared = await self._checked_model(model, input, options)
        wait = WaitOptions(timeout, poll_interval, max_poll_interval, on_update)
        return await generate(self._engine, prepared, options, wait)

    async def _create_model(
        self,
        model: str,
        input: Mapping[str, object],
        *,
        callback_url: str | None = None,
        on_upload_progress: UploadProgress | None = None,
        on_created: OnCreated | None = None,
        check_media: bool = True,
        idempotency_key: str | None = None,
    ) -> str:
        """`create`'s work (the typed overloads of `create` call this)."""
        from ._pipeline import RunOptions, create

        options = RunOptions(
            callback_url, on_upload_progress, on_created, check_media, idempotency_key
        )
        prepared = await self._checked_model(model, input, options)
        return await create(self._engine, prepared, options)

    async def _check_model(self, model: str, input: Mapping[str, object]) -> CheckReport:
        """`check`'s work (the typed overloads of `check` call this), in a worker thread."""
        from ._pipeline import check_model

        prepared_and_report = await anyio.to_thread.run_sync(
            functools.partial(check_model, model, input)
        )
        return prepared_and_report[1]

    async def _checked_model(
        self, model: str, input: Mapping[str, object], options: RunOptions
    ) -> Prepared:
        from ._pipeline import check_model, in_thread

        return await in_thread(
            functools.partial(
                check_model,
                model,
                input,
                check_media=options.check_media,
                callback_url=options.callback_url,
            )
        )

    # -- jobs API ----------------------------------------------------------------------------

    async def create_task(
        self,
        model: str,
        input: Mapping[str, Any] | pydantic.BaseModel,
        *,
        callback_url: str | None = None,
    ) -> str:
        """``POST /api/v1/jobs/createTask``; returns the task id.

        Never sent twice unless the first attempt provably created nothing (connection never
        opened; 429; 455). A lost answer raises `TaskCreationUncertainError`.
        """
        return await self._create_task(model, input, callback_url=callback_url)

    async def _create_task(
        self,
        model: str,
        input: Mapping[str, Any] | pydantic.BaseModel,
        *,
        callback_url: str | None = None,
        on_created: Callable[[str], Awaitable[None] | None] | None = None,
        operation: Operation | None = None,
        before_send: Callable[[], Awaitable[None]] | None = None,
    ) -> str:
        """`create_task`, handing the id to ``on_created`` as soon as Kie returned it
        (the generation pipeline's entry point: the hook runs before anything else can fail).

        ``operation``: a dedicated family's create endpoint (``_families``), whose body is the
        input's fields at the top level beside ``callBackUrl``; None: Market's createTask.
        ``before_send`` is awaited once, with the pacing slot taken, right before the send."""
        problems: list[str] = []
        if not isinstance(model, str) or not model.strip():  # pyright: ignore[reportUnnecessaryIsInstance]
            problems.append(f"model: must be a non-empty string, got {model!r}")
        if isinstance(input, pydantic.BaseModel):
            input = input.model_dump(mode="json", exclude_none=True)
        elif not isinstance(input, Mapping):  # pyright: ignore[reportUnnecessaryIsInstance]
            problems.append(
                f"input: must be a mapping or a pydantic model, got {type(input).__name__}"
            )
        if callback_url is not None and not is_url(callback_url):
            problems.append(f"callback_url: must be an http(s) URL, got {callback_url!r}")
        if problems:
            raise KieInputError(problems)
        if operation is None:
            url = f"{self.base_url}/api/v1/jobs/createTask"
            payload: dict[str, Any] = {"model": model}
            if callback_url is not None:
                payload["callBackUrl"] = callback_url
            payload["input"] = dict(input)
        else:
            url = f"{self.base_url}{operation.path}"
            payload = {name: value for name, value in input.items() if value is not None}
            if callback_url is not None:
                payload["callBackUrl"] = callback_url

        async def handle(response: httpx.Response) -> str:
            try:
                envelope = parse_envelope(response, creating=True)
            except APIResponseValidationError as exc:
                # A 2xx that is not JSON (a proxy's page, a cut body): the task may exist.
                raise TaskCreationUncertainError(
                    f"createTask answered HTTP {response.status_code} but not with Kie's JSON "
                    f"({exc.message}); the task may exist. It was not resent.",
                    request=response.request,
                    cause=exc,
                ) from exc
            data = envelope.get("data")
            task_id = data.get("taskId") if isinstance(data, dict) else None  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
            if isinstance(task_id, str) and task_id.strip():
                return task_id.strip()
            # A 2xx without a task id: Kie may well have created (and will bill) the task.
            raise TaskCreationUncertainError(
                f"createTask answered HTTP {response.status_code} without a task id "
                f"({snippet(body_text(response))}); the task may exist. It was not resent.",
                request=response.request,
                cause=APIResponseValidationError(
                    "no data.taskId in the createTask answer", response=response, body=envelope
                ),
            )

        # Once the request is on the wire, a cancellation waits for its answer: the task may
        # exist and be billed, and its id is what lets the caller resume.
        guard = SendGuard(self._transport.shield_budget_s(), before_send)
        created: str | None = None
        no_answer = (
            "createTask was cancelled after it was sent, and no answer came within %g s: "
            "a task may exist. Check kie.ai/logs before creating it again"
        )
        try:
            with guard.scope:
                created = await self._transport.send(
                    "POST",
                    url,
                    json=payload,
                    handle=handle,
                    policy=RetryPolicy.CREATE,
                    pacer=self._create_pacer,
                    guard=guard,
                )
        except TaskCreationUncertainError:
            # The request's own deadline may end the shielded wait a moment before the
            # shield's: a caller cancelled meanwhile still gets its cancellation, not this.
            await continue_cancellation(no_answer, guard.budget_s)
            raise
        if created is None:  # the shield's budget ran out before the answer came
            await continue_cancellation(no_answer, guard.budget_s)
            raise TaskCreationUncertainError(
                f"createTask was sent but no complete answer within {guard.budget_s:g} s; the task "
                "may exist and be billed. It was not resent. Check kie.ai/logs or wait for its "
                "callback before creating it again."
            )
        logger.info("created task %s (%s)", created, model)
        await _hand_over_created(created, on_created, guard.budget_s)
        return created

    async def get_task(self, task_id: str, *, family: str | None = None) -> Task:
        """The task's current snapshot: ``GET /api/v1/jobs/recordInfo``, or for a dedicated
        family (``"veo"``, ``"suno"``, ``"runway"``, ``"aleph"``) its own record endpoint, read
        into the same `Task` (``state`` normalised, ``stage``, ``raw``). Left out, the family
        is the one the journal recorded for the task, else Market."""
        if not isinstance(task_id, str) or not task_id.strip():  # pyright: ignore[reportUnnecessaryIsInstance]
            raise KieInputError(f"task_id: must be a non-empty string, got {task_id!r}")
        if family is None:
            family = await self._ledger.family_of(task_id.strip())
        declared = _family(family or MARKET.name)
        if declared is not MARKET:
            return await self._get_family_task(task_id.strip(), declared)

        async def handle(response: httpx.Response) -> Task:
            try:
                envelope = parse_envelope(response)
            except APIStatusError as exc:
                ended = task_ended(self._redactor.error(exc), task_id.strip())
                if ended is None:
                    raise
                return self._redactor.model(ended)
            # A failMsg may echo the key: the task record is redacted like an error body.
            data = self._redactor.value(require_field(envelope, response, "the task record"))
            try:
                return Task.model_validate(data)
            except pydantic.ValidationError as exc:
                raise APIResponseValidationError(
                    f"{describe_request(response.request)}: the task record does not match "
                    f"Kie's documented shape: {exc.errors(include_url=False)}",
                    response=response,
                    body=data,
                ) from None

        # The query written out (as httpx would encode it): ``params=`` costs a second URL parse.
        query = quote_plus(task_id.strip(), safe="")
        return await self._transport.send(
            "GET",
            f"{self.base_url}/api/v1/jobs/recordInfo?taskId={query}",
            handle=handle,
            pacer=self._get_pacer,
        )

    async def _get_family_task(self, task_id: str, family: Family) -> Task:
        """A dedicated family's record endpoint, read by the family's declaration."""
        from ._family_tasks import record_task

        async def handle(response: httpx.Response) -> Task:
            envelope = parse_envelope(response)
            data: object = self._redactor.value(
                require_field(envelope, response, "the task record")
            )
            if not isinstance(data, dict):
                raise APIResponseValidationError(
                    f"{describe_request(response.request)}: the task record is not an object",
                    response=response,
                    body=envelope,
                )
            record = cast("dict[str, Any]", data)
            try:
                return record_task(family, record)
            except pydantic.ValidationError as exc:
                raise APIResponseValidationError(
                    f"{describe_request(response.request)}: the {family.title} record does not "
                    f"match Kie's documented shape: {exc.errors(include_url=False)}",
                    response=response,
                    body=record,
                ) from None

        query = quote_plus(task_id, safe="")
        return await self._transport.send(
            "GET",
            f"{self.base_url}{family.record_path}?{family.record_query}={query}",
            handle=handle,
            pacer=self._get_pacer,
        )

    async def _family_call(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        waiting_codes: tuple[int, ...] = (400, 422),
    ) -> dict[str, Any]:
        """One request to a family endpoint that is not a task (Veo's 1080P and 4K): Kie's
        envelope, also when its code is one of ``waiting_codes`` (Kie's "not ready yet")."""

        async def handle(response: httpx.Response) -> dict[str, Any]:
            envelope: object
            try:
                envelope = parse_envelope(response)
            except APIStatusError as exc:
                body: object = exc.body
                if exc.effective_code not in waiting_codes or not isinstance(body, dict):
                    raise
                envelope = cast("dict[str, Any]", body)
            return cast("dict[str, Any]", self._redactor.value(envelope))

        url = f"{self.base_url}{path}"
        if query:
            url += "?" + "&".join(f"{k}={quote_plus(v, safe='')}" for k, v in query.items())
        # A POST may start paid work (4K): sent again only when it provably was not received.
        policy = RetryPolicy.CREATE if method == "POST" else RetryPolicy.SAFE
        return await self._transport.send(
            method,
            url,
            json=dict(body) if body is not None else None,
            handle=handle,
            policy=policy,
            pacer=self._get_pacer if method == "GET" else self._create_pacer,
        )

    async def wait_for_task(
        self,
        task_id: str,
        *,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT_S,
        poll_interval: float = DEFAULT_POLL_INTERVAL_S,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL_S,
        on_update: OnUpdate | None = None,
        family: str | None = None,
    ) -> Task:
        """Poll until the task succeeds (returns it), fails (`TaskFailedError`) or the
        deadline passes (`TaskTimeoutError`). Resumable: call it again with the same id.
        ``family`` names a dedicated family's task (``"veo"``, ``"suno"``, ``"runway"``,
        ``"aleph"``); ``on_update`` also sees each of its stages (Suno's ``task.stage``). Left
        out, the family is the one the journal recorded for the task, else Market.

        With a journal, every state seen, the results and the credits are recorded. An id
        neither this client nor its journal created gets a short grace when Kie says it does
        not exist (then `NotFoundError`); a created one the full grace."""
        ledger = self._ledger
        known = not isinstance(task_id, str) or await ledger.knows(task_id.strip())  # pyright: ignore[reportUnnecessaryIsInstance]
        if family is None and isinstance(task_id, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            family = await ledger.family_of(task_id.strip())
        declared = _family(family or MARKET.name)
        if ledger.journal is not None:

            async def update(task: Task) -> None:
                await ledger.record_task(task)
                await call_hook(on_update, task)

            hook: OnUpdate | None = update
        else:
            hook = on_update
        return await wait_for_task(
            functools.partial(self.get_task, family=declared.name),
            task_id,
            timeout=timeout,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            on_update=hook,
            unknown_id=not known,
        )

    # -- common API --------------------------------------------------------------------------

    async def get_credits(self) -> float:
        """``GET /api/v1/chat/credit``: the account's remaining credits."""

        async def handle(response: httpx.Response) -> float:
            data = require_field(parse_envelope(response), response, "a credit balance")
            try:
                if isinstance(data, bool):
                    raise ValueError
                credits = float(data)
                if not math.isfinite(credits):  # "nan", "inf", 1e999: not a balance
                    raise ValueError
                return credits
            except (TypeError, ValueError, OverflowError):  # OverflowError: an int beyond float
                raise APIResponseValidationError(
                    f"{describe_request(response.request)}: expected a number as data, got {data!r}",
                    response=response,
                    body=data,
                ) from None

        return await self._transport.send(
            "GET", f"{self.base_url}/api/v1/chat/credit", handle=handle
        )

    async def get_download_url(self, url: str) -> str:
        """``POST /api/v1/common/download-url``: a 20-minute direct link for a Kie-generated URL."""
        if not is_url(url):
            raise KieInputError(f"url: must be an http(s) URL, got {url!r}")

        async def handle(response: httpx.Response) -> str:
            data = require_field(parse_envelope(response), response, "a URL")
            if not is_url(data):
                raise APIResponseValidationError(
                    f"{describe_request(response.request)}: expected a URL as data, got {data!r}",
                    response=response,
                    body=data,
                )
            return str(data)

        return await self._transport.send(
            "POST", f"{self.base_url}/api/v1/common/download-url", json={"url": url}, handle=handle
        )

    # -- files -------------------------------------------------------------------------------

    async def upload(
        self,
        file: FileInput,
        *,
        upload_path: str = DEFAULT_UPLOAD_PATH,
        file_name: str | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> UploadedFile:
        """Stream a local file to ``/api/file-stream-upload`` (free; kept 3 days by Kie).

        A path is streamed from disk (memory does not grow with its size). ``file_name`` is
        generated unique when not given, because Kie overwrites same-named files.
        """
        upload_path = validate_upload_path(upload_path)
        local = await anyio.to_thread.run_sync(open_local, file)
        return await self._upload_local(
            local, upload_path=upload_path, file_name=file_name, on_progress=on_progress
        )

    async def _upload_local(
        self,
        local: LocalFile,
        *,
        upload_path: str = DEFAULT_UPLOAD_PATH,
        file_name: str | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> UploadedFile:
        """Upload an input `open_local` already validated and sniffed (motion control
        calls this with the files it just checked, instead of opening them again)."""
        name = (
            file_name if file_name is not None else unique_file_name(local.display_name, local.kind)
        )
        _check_file_name(name)
        progress = Progress(on_progress, local.size)
        # A non-seekable stream cannot be replayed: retry only if not one byte of it was read.
        policy = RetryPolicy.SAFE if local.replayable else RetryPolicy.UNSENT

        def body() -> tuple[httpx.AsyncByteStream, dict[str, str]]:
            return multipart_body(local, upload_path=upload_path, file_name=name, progress=progress)

        uploaded: UploadedFile = await self._transport.send(
            "POST",
            f"{self.upload_base_url}/api/file-stream-upload",
            body=body,
            handle=_uploaded_file,
            policy=policy,
            timeout=self._upload_timeout,
        )
        logger.info("uploaded %s (%s bytes) -> %s", local.display_name, local.size, uploaded.url)
        return uploaded

    async def _upload_reused(
        self, local: LocalFile, *, on_progress: ProgressCallback | None = None
    ) -> UploadedFile:
        """Upload ``local`` once per content for this client, or for the whole fleet with a
        coordinator (see ``reuse_uploads``): a later or concurrent request for the same content
        gets the same `UploadedFile` while it stays valid for more than an hour. A
        reused file reports ``(size, size)`` progress.

        A fleet-wide store identifies content by the sha256 of its bytes (paths differ between
        machines), hashed off the event loop once per (path, size, mtime) in this process; the
        in-process store may let a path's (path, size, mtime) stand for its content."""

        async def upload() -> UploadedFile:
            return await self._upload_local(local, on_progress=on_progress)

        if not self.reuse_uploads:
            return await upload()
        store = self._coordination.uploads
        key: tuple[str, ...] | None
        if store.content_addressed:
            key = await self._content_hasher.key(local)
        else:
            key = await anyio.to_thread.run_sync(local.identity)
        if key is None:
            return await upload()
        uploaded, reused = await store.get_or_upload(key, upload)
        if reused and on_progress is not None and local.size is not None:
            await call_hook(on_progress, local.size, local.size)
        return uploaded

    async def upload_from_url(
        self, url: str, *, upload_path: str = DEFAULT_UPLOAD_PATH, file_name: str | None = None
    ) -> UploadedFile:
        """Have Kie fetch a public URL into its file storage (``/api/file-url-upload``)."""
        if not is_url(url):
            raise KieInputError(f"url: must be an http(s) URL, got {url!r}")
        upload_path = validate_upload_path(upload_path)
        name = file_name if file_name is not None else unique_file_name(name_from_url(url), None)
        _check_file_name(name)
        return await self._transport.send(
            "POST",
            f"{self.upload_base_url}/api/file-url-upload",
            json={"fileUrl": url, "uploadPath": upload_path, "fileName": name},
            handle=_uploaded_file,
            timeout=self._upload_timeout,
        )

    async def download(
        self,
        url: str,
        dest: str | os.PathLike[str],
        *,
        on_progress: ProgressCallback | None = None,
    ) -> Path:
        """Stream ``url`` to ``dest`` (a file path, or a directory to keep the URL's file name).

        Atomic: written to a temporary file beside ``dest`` and renamed when complete. The Kie
        API key is never sent to the download host.
        """
        return await _download(self._transport, url, dest, on_progress=on_progress)


async def _hand_over_created(
    task_id: str, on_created: Callable[[str], Awaitable[None] | None] | None, budget_s: float
) -> None:
    """Give a created task's id to ``on_created``, the caller's record of a paid task: the hook
    runs to its end, however long it takes, and only a real cancellation stops it (the id is
    then logged). A caller cancelled while the request was out is already cancelled here (its
    scope's effective deadline is -inf): the hook still runs first, shielded, for at most
    ``budget_s`` (the request's deadline), and then the cancellation goes on."""
    if anyio.current_effective_deadline() == -math.inf:
        with anyio.CancelScope(shield=True) as scope:
            scope.deadline = anyio.current_time() + budget_s
            await call_hook(on_created, task_id)
        if scope.cancelled_caught:
            logger.warning(
                "task %s was created, but on_created did not finish within %g s of the "
                "cancellation",
                task_id,
                budget_s,
            )
    else:
        try:
            await call_hook(on_created, task_id)
        except anyio.get_cancelled_exc_class():
            logger.warning(
                "task %s was created, and the call was cancelled while on_created ran; resume "
                "with client.wait_for_task(%r)",
                task_id,
                task_id,
            )
            raise
    await continue_cancellation(
        "createTask was cancelled after it was sent: task %s exists (handed to on_created); "
        "resume with client.wait_for_task(%r)",
        task_id,
        task_id,
    )


def _family(name: str) -> Family:
    try:
        return get_family(name)
    except ValueError as exc:
        raise KieInputError(f"family: {exc}") from None


def _check_key_characters(key: str) -> None:
    """A key must travel in an HTTP header: printable ASCII without spaces. Checked here so a
    pasted smart quote fails at construction, with a message that does not echo the key."""
    for position, char in enumerate(key):
        if not ("!" <= char <= "~"):
            what = "whitespace" if char.isspace() else "a non-ASCII or control character"
            raise KieError(
                f"api_key: contains {what} at position {position} (of {len(key)}); an API key "
                "is printable ASCII without spaces (copy it again from https://kie.ai/api-key)"
            )


def _has_default_timeout(http_client: httpx.AsyncClient) -> bool:
    """True for a client we created, or a caller's client left at httpx's own 5 s default:
    then kieai's default (60 s, connect 10 s) applies, since 5 s would turn slow createTask
    answers into TaskCreationUncertainError. A caller's deliberate timeout is kept."""
    return http_client.timeout == httpx.Timeout(5.0)


def _check_file_name(name: str) -> None:
    if (
        not isinstance(name, str)  # pyright: ignore[reportUnnecessaryIsInstance]
        or not name.strip()
        or "/" in name
        or "\\" in name
        or name in (".", "..")
        or len(name) > 255
        or any(ord(c) < 32 or ord(c) == 127 for c in name)  # would break the multipart body
    ):
        raise KieInputError(
            "file_name: must be a plain file name (no '/', '\\' or control characters, "
            f"at most 255 characters), got {name!r}"
        )


async def _uploaded_file(response: httpx.Response) -> UploadedFile:
    data = require_field(parse_envelope(response), response, "the uploaded file")
    try:
        uploaded = UploadedFile.model_validate(data)
    except pydantic.ValidationError as exc:
        raise APIResponseValidationError(
            f"{describe_request(response.request)}: the upload answer does not match Kie's "
            f"documented shape: {exc.errors(include_url=False)}",
            response=response,
            body=data,
        ) from None
    if not is_url(uploaded.url):  # "" or a relative path would be passed on to createTask
        raise APIResponseValidationError(
            f"{describe_request(response.request)}: the upload answer's URL is not an http(s) "
            f"URL: {uploaded.url!r}",
            response=response,
            body=data,
        )
    return uploaded


class _ClientEngine:
    """A client's `Engine` (see `kieai._engine`): the only way the pipeline, the resources
    and the results reach it. Built by the client over its own methods."""

    def __init__(
        self,
        *,
        ledger: Ledger,
        upload: Callable[..., Awaitable[UploadedFile]],
        create: Callable[..., Awaitable[str]],
        wait: Callable[..., Awaitable[Task]],
        download: Callable[..., Awaitable[Path]],
        get_task: Callable[..., Awaitable[Task]],
        call: Callable[..., Awaitable[dict[str, Any]]],
    ) -> None:
        self.ledger = ledger
        self._upload = upload
        self._create = create
        self._wait = wait
        self._download = download
        self._get_task = get_task
        self._call = call
        self._unknown_models: set[str] = set()

    async def upload(
        self, local: LocalFile, *, on_progress: ProgressCallback | None = None
    ) -> UploadedFile:
        return await self._upload(local, on_progress=on_progress)

    async def create(
        self,
        model: str,
        input: Mapping[str, object],
        *,
        callback_url: str | None = None,
        on_created: OnCreated | None = None,
        idempotency_key: str | None = None,
        operation: Operation | None = None,
        before_send: Callable[[], Awaitable[None]] | None = None,
    ) -> str:
        # idempotency_key belongs to the task ledger; a client without one has no use for it.
        del idempotency_key
        return await self._create(
            model,
            input,
            callback_url=callback_url,
            on_created=on_created,
            operation=operation,
            before_send=before_send,
        )

    async def wait(
        self,
        task_id: str,
        *,
        timeout: float | None,
        poll_interval: float,
        max_poll_interval: float,
        on_update: OnUpdate | None = None,
        family: str = "market",
    ) -> Task:
        return await self._wait(
            task_id,
            timeout=timeout,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            on_update=on_update,
            family=family,
        )

    async def get_task(self, task_id: str, *, family: str = "market") -> Task:
        return await self._get_task(task_id, family=family)

    async def call(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Mapping[str, object] | None = None,
    ) -> Mapping[str, Any]:
        return await self._call(method, path, query=query, body=body)

    async def download(
        self,
        url: str,
        dest: str | os.PathLike[str],
        *,
        on_progress: ProgressCallback | None = None,
    ) -> Path:
        return await self._download(url, dest, on_progress=on_progress)

    def first_use_of_unknown_model(self, model: str) -> bool:
        if model in self._unknown_models:
            return False
        self._unknown_models.add(model)
        return True
