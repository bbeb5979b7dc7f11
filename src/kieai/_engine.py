"""The small interface through which the generation pipeline, the resources and the results
reach a client: upload with reuse, create (shielded, handing the id to ``on_created``), wait,
download. Nothing else of the client is reachable from them.

`KieClient` owns one (its ``_engine``) and hands it to what it builds; a test can hand in its
own. A `Protocol` with its types named only for type checkers, so the local checks (``kie
check``) import this module without httpx or pydantic.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ._families import Operation
    from ._files import LocalFile
    from ._hooks import ProgressCallback
    from ._ledger import Ledger
    from ._polling import OnUpdate
    from .types import Task, UploadedFile

__all__ = ["Engine", "OnCreated"]

OnCreated = Callable[[str], "Awaitable[None] | None"]


class Engine(Protocol):
    """What a client does for the pipeline."""

    @property
    def ledger(self) -> Ledger:
        """The client's journal, budget and created ids: asked before any upload."""
        ...

    async def upload(
        self, local: LocalFile, *, on_progress: ProgressCallback | None = None
    ) -> UploadedFile:
        """Upload a checked local file, or reuse this client's (or fleet's) earlier upload of
        the same content."""
        ...

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
        """``createTask``; the id goes to ``on_created`` as soon as Kie returns it, also when
        the caller is cancelled meanwhile. ``idempotency_key`` is for the task ledger, which
        records it; the plain client does nothing with it. ``operation``: a dedicated family's
        create endpoint instead of Market's createTask. ``before_send`` is awaited once, after
        the pacing wait, right before the request leaves."""
        ...

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
        """``wait_for_task`` (of a task of ``family``)."""
        ...

    async def get_task(self, task_id: str, *, family: str = "market") -> Task:
        """``get_task`` (of a task of ``family``)."""
        ...

    async def call(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Mapping[str, object] | None = None,
    ) -> Mapping[str, Any]:
        """One request to a family endpoint that is not a task (Veo's 1080P and 4K): Kie's
        envelope, also while it answers "not ready yet" (its codes 400 and 422)."""
        ...

    async def download(
        self,
        url: str,
        dest: str | os.PathLike[str],
        *,
        on_progress: Callable[[int, int | None], Awaitable[None] | None] | None = None,
    ) -> Path:
        """``client.download``: streamed, atomic, without the API key."""
        ...

    def first_use_of_unknown_model(self, model: str) -> bool:
        """True the first time this client is asked to run ``model``, a model the catalog does
        not know (so it is logged once per client, not once per call)."""
        ...
