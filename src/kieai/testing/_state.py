"""Everything the fake remembers, behind one ``threading.RLock``.

The app runs on the caller's event loop in-process and on uvicorn's thread under ``serve()``,
while the test reads ``fake.tasks`` from its own thread: so all shared state lives here, is
touched only with the lock held, and holds no event-loop objects.
"""

from __future__ import annotations

import secrets
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

import httpx

from ._catalog import ModelSet
from ._clock import Clock
from ._envelopes import MessageKey, kie_error, kie_ok, upload_ok
from ._faults import FaultBook
from ._hints import HINTS, Hints, Wording
from ._http import Response
from ._outputs import RESULT_FILES, result_file
from ._ratelimit import RateWindow
from ._records import CallbackDelivery, RecordedRequest, StoredFile
from ._tasks import (
    FAIL,
    SUCCESS,
    CallbackTaskId,
    FailedTaskCode,
    Outcome,
    Schedule,
    TaskRecord,
    TaskRequest,
)

__all__ = ["FAKE_BASE_URL", "FakeState", "OutcomeHook", "Resolved", "Settings", "normalize_url"]

#: Host of the URLs the fake hands out in-process (``serve()`` uses its loopback URL instead).
FAKE_BASE_URL = "https://fake.kie.local"
#: ``/api/v1/common/download-url`` links stay valid this long (Kie: 20 minutes).
DOWNLOAD_LINK_TTL_S = 20 * 60

OutcomeHook = Callable[[TaskRequest], "Outcome | None"]


@dataclass(frozen=True)
class Settings:
    """The constructor's knobs, resolved (see ``FakeKie`` for what each one does)."""

    api_key: str
    models: ModelSet
    http_status_errors: bool
    strict_input: bool
    allow_external_urls: bool
    check_media: bool
    record_visible_after: float
    schedule: Schedule
    credits_per_second: Mapping[str, float]
    default_video_seconds: float
    refund_failed: bool
    hmac_key: str | None
    fail_marker: str | None
    create_rate_limit: tuple[int, float] | None
    record_rate_limit: tuple[int, float] | None
    message_key: MessageKey = "msg"
    callback_task_id: CallbackTaskId = "data.taskId"
    callback_timeout: float = 15.0
    keep_request_bodies: bool = True
    max_recorded_requests: int | None = None
    upload_ttl: float | None = None
    result_ttl: float | None = None
    failed_task_code: FailedTaskCode = 200
    #: Whether ``credits_per_second`` was given (it then prices Kling 2.6 motion control).
    custom_credits_per_second: bool = False
    #: recordInfo answers ``recordInfo is null`` to a task's first this many polls.
    record_null_polls: int = 0
    wording: Wording = "python"


@dataclass(frozen=True)
class Resolved:
    """A URL the fake can fetch: one of its stored files, a result video or a remote file.
    ``expired`` files are known but gone (past ``upload_ttl``/``result_ttl``); their data is
    empty."""

    data: bytes = field(repr=False)
    mime_type: str
    kind: Literal["file", "result", "remote"]
    expired: bool = False


def normalize_url(url: str) -> str | None:
    """``url`` as httpx spells it (lower-case host, default port dropped, no fragment), or
    None when it is not a URL."""
    try:
        return str(httpx.URL(url).copy_with(fragment=None))
    except (httpx.InvalidURL, TypeError, ValueError):
        return None


class FakeState:
    def __init__(self, settings: Settings, clock: Clock, credits: float) -> None:
        self.settings = settings
        self.hints: Hints = HINTS[settings.wording]
        self.clock = clock
        self.lock = threading.RLock()
        self.faults = FaultBook()
        self.initial_credits = credits
        self.outcome_hook: OutcomeHook | None = None
        self.own_bases: set[str] = {FAKE_BASE_URL}
        # Kept across reset(): ids stay unique for the fake's whole life.
        self._last_id_ms = 0
        self.clear()

    def clear(self) -> None:
        """Forget everything but the settings (``fake.reset()``)."""
        with self.lock:
            self.tasks: dict[str, TaskRecord] = {}
            self.files: dict[str, StoredFile] = {}
            #: Paths of files deleted at expiry, with the time they expired.
            self.expired_files: dict[str, float] = {}
            self.remote_files: dict[str, tuple[bytes, str]] = {}
            self.links: dict[str, float] = {}
            self.credits = float(self.initial_credits)
            self.requests: deque[RecordedRequest] = deque(
                maxlen=self.settings.max_recorded_requests
            )
            self.callbacks: list[CallbackDelivery] = []
            self.queued_outcomes: deque[Outcome] = deque()
            self._unsettled: list[TaskRecord] = []
            self._due_callbacks: list[TaskRecord] = []
            self.create_window = _window(self.settings.create_rate_limit)
            self.record_window = _window(self.settings.record_rate_limit)
            self.faults.clear()

    # -- answers in the configured envelope ------------------------------------------------

    def ok(self, data: Any) -> Response:
        return kie_ok(data, message_key=self.settings.message_key)

    def upload_ok(self, data: Any) -> Response:
        return upload_ok(data, message_key=self.settings.message_key)

    def error(
        self,
        code: int,
        msg: str | None = None,
        *,
        upload: bool = False,
        data: bool = False,
        headers: list[tuple[str, str]] | None = None,
        status: int | None = None,
    ) -> Response:
        return kie_error(
            code,
            msg,
            http_status_errors=self.settings.http_status_errors,
            message_key=self.settings.message_key,
            upload=upload,
            data=data,
            headers=headers,
            status=status,
        )

    # -- tasks ---------------------------------------------------------------------------

    def new_task_id(self, model: str, now: float) -> str:
        """Kie's shape, ``task_kling-2.6_<13-digit epoch ms>``. Ids are unique: when the
        millisecond was taken (a frozen manual clock, a burst), the next free one is used."""
        with self.lock:
            ms = max(round(now * 1000), self._last_id_ms + 1)
            self._last_id_ms = ms
        return f"task_{model.split('/', 1)[0]}_{ms}"

    def choose_outcome(self, request: TaskRequest) -> Outcome:
        """Queued outcomes first, then the hook, then the prompt marker, else success."""
        with self.lock:
            if self.queued_outcomes:
                return self.queued_outcomes.popleft()
        hook = self.outcome_hook
        if hook is not None:
            chosen = hook(request)
            if chosen is not None:
                return chosen
        marker = self.settings.fail_marker
        prompt = request.input.get("prompt")
        if marker and isinstance(prompt, str) and marker in prompt:
            return Outcome.failure()
        return Outcome.success()

    def add_task(self, task: TaskRecord) -> None:
        with self.lock:
            self.tasks[task.task_id] = task
            self._unsettled.append(task)

    def settle(self) -> None:
        """Book what finished tasks owe: refunds of failed tasks and their callbacks."""
        now = self.clock.now()
        with self.lock:
            still_running: list[TaskRecord] = []
            for task in self._unsettled:
                if task.finishes_at > now:
                    still_running.append(task)
                    continue
                if task.outcome.state == FAIL and self.settings.refund_failed and task.cost:
                    self.credits += task.cost
                    task.refunded = True
                if task.callback_url:
                    self._due_callbacks.append(task)
            self._unsettled = still_running

    def claim_callbacks(self) -> list[TaskRecord]:
        """Take the callbacks that are due; each is handed out once (or again after
        `requeue_callbacks`)."""
        self.settle()
        with self.lock:
            due, self._due_callbacks = self._due_callbacks, []
        return due

    def requeue_callbacks(self, tasks: list[TaskRecord]) -> None:
        """Put back callbacks whose delivery was interrupted, ahead of the others."""
        if tasks:
            with self.lock:
                self._due_callbacks[:0] = tasks

    def record_callbacks(self, deliveries: list[CallbackDelivery]) -> None:
        if deliveries:
            with self.lock:
                self.callbacks.extend(deliveries)

    def record_request(self, request: RecordedRequest) -> None:
        with self.lock:
            self.requests.append(request)

    def result_expired(self, task: TaskRecord, now: float) -> bool:
        """Whether a successful task's result video is gone (``result_ttl`` after it ended)."""
        ttl = self.settings.result_ttl
        return ttl is not None and now >= task.finishes_at + ttl

    # -- files ---------------------------------------------------------------------------

    def store_file(
        self, path: str, name: str, data: bytes, mime_type: str, base_url: str
    ) -> StoredFile:
        """Store (or overwrite, like Kie) ``<path>/<name>``; files past ``upload_ttl`` are
        deleted on the way."""
        full_path = f"{path}/{name}" if path else name
        now = self.clock.now()
        ttl = self.settings.upload_ttl
        stored = StoredFile(
            path=full_path,
            name=name,
            data=data,
            mime_type=mime_type,
            uploaded_at=now,
            url=f"{base_url}/files/{quote(full_path, safe='/')}",
            expires_at=now + ttl if ttl is not None else None,
        )
        with self.lock:
            self.purge_expired_files()
            self.files[full_path] = stored
            self.expired_files.pop(full_path, None)
        return stored

    def purge_expired_files(self) -> None:
        """Delete the files past their lifetime (Kie deletes uploads after 3 days)."""
        now = self.clock.now()
        with self.lock:
            for path, stored in list(self.files.items()):
                if stored.expired(now):
                    del self.files[path]
                    self.expired_files[path] = stored.expires_at or now

    def stored_file(self, path: str) -> StoredFile | None:
        """The live file at ``path`` (None when unknown or expired)."""
        with self.lock:
            stored = self.files.get(path)
        if stored is None or stored.expired(self.clock.now()):
            return None
        return stored

    def add_remote_file(self, url: str, data: bytes, mime_type: str) -> None:
        key = normalize_url(url)
        if key is None:
            raise ValueError(f"add_remote_file needs an http(s) URL, got {url!r}")
        with self.lock:
            self.remote_files[key] = (data, mime_type)

    def remote_file(self, url: str) -> tuple[bytes, str] | None:
        """A registered remote file at ``url``; a temporary link (``?...token=``) to one
        finds it too."""
        if not self.remote_files:  # the common case: nothing registered, no URL to parse
            return None
        key = normalize_url(url)
        if key is None:
            return None
        with self.lock:
            found = self.remote_files.get(key)
            if found is None and "token=" in key:
                found = self.remote_files.get(key.split("?", 1)[0])
        return found

    def resolve(self, url: str) -> Resolved | None:
        """The bytes behind ``url`` if it is one of the fake's own URLs or a registered remote
        file; query strings (temporary-link tokens) are ignored. Expired files resolve with
        ``expired=True``."""
        remote = self.remote_file(url)
        if remote is not None:
            return Resolved(remote[0], remote[1], "remote")
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL:
            return None
        base = f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"
        now = self.clock.now()
        with self.lock:
            if base not in self.own_bases:
                return None
            path = parsed.path
            if path.startswith("/files/"):
                file_path = path[len("/files/") :]
                stored = self.files.get(file_path)
                if stored is not None and not stored.expired(now):
                    return Resolved(stored.data, stored.mime_type, "file")
                if stored is not None or file_path in self.expired_files:
                    return Resolved(b"", stored.mime_type if stored else "", "file", expired=True)
            else:
                task = self.result_task(path)
                if task is not None:
                    mime = RESULT_FILES[task.output].mime_type
                    if self.result_expired(task, now):
                        return Resolved(b"", mime, "result", expired=True)
                    return Resolved(result_file(task.output), mime, "result")
        return None

    def result_task(self, path: str) -> TaskRecord | None:
        """The successful task whose result file ``path`` (``/results/<taskId>.<ext>``) names,
        with the extension of its output kind; None otherwise (expired ones included)."""
        if not path.startswith("/results/"):
            return None
        task_id, dot, extension = path[len("/results/") :].rpartition(".")
        with self.lock:
            task = self.tasks.get(task_id) if dot else None
        if task is None or task.state != SUCCESS or task.output not in RESULT_FILES:
            return None
        return task if RESULT_FILES[task.output].extension == extension else None

    def is_result_url(self, url: str) -> bool:
        """Whether ``url`` is a result URL of a task that succeeded (custom ones included)."""
        key = normalize_url(url)
        with self.lock:
            tasks = list(self.tasks.values())
        return any(key in (normalize_url(u) for u in task.result_urls) for task in tasks)

    def issue_link(self, url: str) -> str:
        """A temporary link to ``url`` (Kie's download-url answer), valid for 20 minutes."""
        token = secrets.token_hex(12)
        expires = self.clock.now() + DOWNLOAD_LINK_TTL_S
        with self.lock:
            self.links[token] = expires
        return f"{url.split('?', 1)[0]}?expires={int(expires)}&token={token}"

    def link_valid(self, token: str) -> bool:
        with self.lock:
            expires = self.links.get(token)
        return expires is not None and self.clock.now() < expires

    def new_name(self) -> str:
        return secrets.token_hex(8)


def _window(limit: tuple[int, float] | None) -> RateWindow | None:
    return RateWindow(*limit) if limit is not None else None
