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
from typing import Literal
from urllib.parse import quote

import httpx

from ._clock import Clock
from ._faults import FaultBook
from ._ratelimit import RateWindow
from ._records import CallbackDelivery, RecordedRequest, StoredFile
from ._tasks import FAIL, Outcome, Schedule, TaskRecord, TaskRequest

__all__ = ["FAKE_BASE_URL", "FakeState", "OutcomeHook", "Resolved", "Settings"]

#: Host of the URLs the fake hands out in-process (``serve()`` uses its loopback URL instead).
FAKE_BASE_URL = "https://fake.kie.local"
#: ``/api/v1/common/download-url`` links stay valid this long (Kie: 20 minutes).
DOWNLOAD_LINK_TTL_S = 20 * 60

OutcomeHook = Callable[[TaskRequest], "Outcome | None"]


@dataclass(frozen=True)
class Settings:
    """The constructor's knobs, resolved (see ``FakeKie`` for what each one does)."""

    api_key: str
    models: frozenset[str]
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


@dataclass(frozen=True)
class Resolved:
    """A URL the fake can fetch: one of its stored files, a result video or a remote file."""

    data: bytes = field(repr=False)
    mime_type: str
    kind: Literal["file", "result", "remote"]


class FakeState:
    def __init__(
        self, settings: Settings, clock: Clock, credits: float, result_video: bytes
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.lock = threading.RLock()
        self.faults = FaultBook()
        self.initial_credits = credits
        self.result_video = result_video
        self.outcome_hook: OutcomeHook | None = None
        self.own_bases: set[str] = {FAKE_BASE_URL}
        self.clear()

    def clear(self) -> None:
        """Forget everything but the settings (``fake.reset()``)."""
        with self.lock:
            self.tasks: dict[str, TaskRecord] = {}
            self.files: dict[str, StoredFile] = {}
            self.remote_files: dict[str, tuple[bytes, str]] = {}
            self.links: dict[str, float] = {}
            self.credits = float(self.initial_credits)
            self.requests: list[RecordedRequest] = []
            self.callbacks: list[CallbackDelivery] = []
            self.queued_outcomes: deque[Outcome] = deque()
            self._unsettled: list[TaskRecord] = []
            self._due_callbacks: list[TaskRecord] = []
            self._seq = 0
            self.create_window = _window(self.settings.create_rate_limit)
            self.record_window = _window(self.settings.record_rate_limit)
            self.faults.clear()

    # -- tasks ---------------------------------------------------------------------------

    def new_task_id(self, model: str, now: float) -> str:
        """Kie's shape, ``task_kling-2.6_<epoch ms><n>``; the counter keeps ids unique when a
        manual clock does not move."""
        with self.lock:
            self._seq += 1
            return f"task_{model.split('/', 1)[0]}_{round(now * 1000)}{self._seq}"

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
        """Take the callbacks that are due; each is handed out once."""
        self.settle()
        with self.lock:
            due, self._due_callbacks = self._due_callbacks, []
        return due

    # -- files ---------------------------------------------------------------------------

    def store_file(
        self, path: str, name: str, data: bytes, mime_type: str, base_url: str
    ) -> StoredFile:
        """Store (or overwrite, like Kie) ``<path>/<name>``."""
        full_path = f"{path}/{name}" if path else name
        stored = StoredFile(
            path=full_path,
            name=name,
            data=data,
            mime_type=mime_type,
            uploaded_at=self.clock.now(),
            url=f"{base_url}/files/{quote(full_path, safe='/')}",
        )
        with self.lock:
            self.files[full_path] = stored
        return stored

    def resolve(self, url: str) -> Resolved | None:
        """The bytes behind ``url`` if it is one of the fake's own URLs or a registered remote
        file; query strings (temporary-link tokens) are ignored."""
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL:
            return None
        base = f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"
        with self.lock:
            if url in self.remote_files:
                data, mime = self.remote_files[url]
                return Resolved(data, mime, "remote")
            if base not in self.own_bases:
                return None
            path = parsed.path
            if path.startswith("/files/"):
                stored = self.files.get(path[len("/files/") :])
                if stored is not None:
                    return Resolved(stored.data, stored.mime_type, "file")
            elif path.startswith("/results/") and path.endswith(".mp4"):
                task = self.tasks.get(path[len("/results/") : -len(".mp4")])
                if task is not None and task.state == "success":
                    return Resolved(self.result_video, "video/mp4", "result")
        return None

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
