"""Receive Kie's task callbacks: verify them, answer at once, then confirm with ``get_task``.

Run it (Starlette and uvicorn are needed by this example only, not by kieai)::

    pip install starlette uvicorn
    export KIE_WEBHOOK_HMAC_KEY=...   # the webhookHmacKey from https://kie.ai/settings
    export KIE_API_KEY=...            # lets the receiver confirm each callback with get_task
    uvicorn examples.webhook_receiver:app --port 8000

and create tasks with ``callback_url="https://<your host>/kie/callback"``. To try it without
Kie, point a ``kieai.testing.FakeKie(hmac_key=...)`` at it (see
``tests/test_example_webhook_receiver.py``).

For each ``POST /kie/callback`` the receiver

1. reads the raw body (at most 1 MiB: a real callback is a few KB) -> 413 beyond that;
2. calls ``verify_callback`` -> 401 when the signature or timestamp is wrong, 400 when the body
   is not a Kie callback;
3. answers ``{"code": 200, "msg": "success"}`` straight away (Kie gives up after ~15 s and does
   not document retries, so nothing slow happens before the answer);
4. after answering, asks Kie for the task with ``client.get_task``: the signature covers only
   the task id and the timestamp, not the body, so the state and result URLs to act on come
   from Kie's API, not from the request. Each finished task is handed to ``on_confirmed`` once,
   however often its callback arrives.

Without ``KIE_API_KEY`` the receiver still verifies and records callbacks, but confirms none
and acts on none.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing, asynccontextmanager
from typing import Protocol

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kieai import KieClient, KieError, Task, WebhookVerificationError
from kieai.webhooks import DEFAULT_TOLERANCE_S, MalformedCallbackError, verify_callback

logger = logging.getLogger("webhook_receiver")

CALLBACK_PATH = "/kie/callback"
MAX_CALLBACK_BYTES = 1024 * 1024
HMAC_KEY_ENV = "KIE_WEBHOOK_HMAC_KEY"
API_KEY_ENV = "KIE_API_KEY"


class TaskLookup(Protocol):
    """What the receiver needs from a client: ``KieClient`` (or a test double) fits."""

    async def get_task(self, task_id: str) -> Task: ...


OnConfirmed = Callable[[Task], Awaitable[None]]


async def log_finished_task(task: Task) -> None:
    """The default action: replace it with yours (download the video, update a database...)."""
    if task.is_success:
        logger.info("task %s succeeded: %s", task.task_id, ", ".join(task.result_urls))
    else:
        logger.info("task %s failed: %s %s", task.task_id, task.fail_code, task.fail_msg)


class CallbackReceiver:
    """Verifies callbacks, answers fast, confirms each with ``get_task`` in the background."""

    def __init__(
        self,
        *,
        hmac_key: str | None = None,
        client: TaskLookup | None = None,
        on_confirmed: OnConfirmed = log_finished_task,
        tolerance: float | None = DEFAULT_TOLERANCE_S,
    ) -> None:
        self.hmac_key = hmac_key
        self.client = client
        self.on_confirmed = on_confirmed
        self.tolerance = tolerance
        #: The latest verified callback per task. Its body is unauthenticated: for display only.
        self.received: dict[str, Task] = {}
        #: Kie's own answer to ``get_task`` after each callback: the snapshot to trust.
        self.confirmed: dict[str, Task] = {}
        # Tasks already handed to on_confirmed: callbacks can repeat, the action must not.
        self._acted: set[str] = set()

    def check_configuration(self) -> None:
        """Fail at startup, not at the first callback, when no HMAC key is configured."""
        if not (self.hmac_key or os.environ.get(HMAC_KEY_ENV)):
            raise RuntimeError(
                f"set {HMAC_KEY_ENV} to the webhookHmacKey from https://kie.ai/settings "
                "(and enable signing there): unsigned callbacks cannot be told from forged ones"
            )

    async def handle(self, request: Request) -> Response:
        body = await read_limited(request, MAX_CALLBACK_BYTES)
        if body is None:
            return JSONResponse({"code": 413, "msg": "callback body too large"}, status_code=413)
        try:
            task = verify_callback(body, request.headers, self.hmac_key, self.tolerance)
        except WebhookVerificationError as exc:
            # The reason is for our logs; the sender only learns that it was refused.
            logger.warning("rejected a callback: %s", exc)
            return JSONResponse({"code": 401, "msg": "invalid signature"}, status_code=401)
        except MalformedCallbackError as exc:
            logger.warning("rejected a malformed callback: %s", exc)
            return JSONResponse({"code": 400, "msg": str(exc)}, status_code=400)
        self.received[task.task_id] = task
        logger.info("callback for task %s (says %s)", task.task_id, task.state)
        return JSONResponse(
            {"code": 200, "msg": "success"}, background=BackgroundTask(self.confirm, task)
        )

    async def confirm(self, task: Task) -> None:
        """Ask Kie for the task the callback announced, and act on Kie's answer once."""
        if self.client is None:
            logger.warning(
                "task %s: no client to confirm the callback with; not acting on it", task.task_id
            )
            return
        if task.task_id in self._acted:
            logger.info("task %s: repeated callback, already handled", task.task_id)
            return
        try:
            current = await self.client.get_task(task.task_id)
        except KieError as exc:
            logger.warning("task %s: could not confirm the callback: %s", task.task_id, exc)
            return
        self.confirmed[task.task_id] = current
        if current.state != task.state:
            logger.warning(
                "task %s: the callback said %s, Kie says %s; going with Kie",
                task.task_id,
                task.state,
                current.state,
            )
        # Checked again after the await: a concurrent duplicate may have got here first.
        if not current.is_finished or task.task_id in self._acted:
            return
        self._acted.add(task.task_id)
        try:
            await self.on_confirmed(current)
        except Exception:
            # The answer was sent long ago; all that is left is to make the failure visible.
            logger.exception("task %s: on_confirmed failed", task.task_id)


async def read_limited(request: Request, limit: int) -> bytes | None:
    """The raw body (verification needs the exact bytes), or None past ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None  # refused without reading a byte
    body = bytearray()
    # Closed explicitly: stopping early must not leave the stream to the garbage collector.
    async with aclosing(request.stream()) as chunks:
        async for chunk in chunks:
            body += chunk
            if len(body) > limit:
                return None
    return bytes(body)


def create_app(receiver: CallbackReceiver | None = None) -> Starlette:
    """The Starlette app. At startup it checks for the HMAC key and, when the receiver has no
    client but ``KIE_API_KEY`` is set, opens a ``KieClient`` for the app's lifetime."""
    receiver = receiver or CallbackReceiver()

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncGenerator[None, None]:
        if not logging.getLogger().handlers:
            # Run bare under uvicorn, which configures only its own loggers: show ours too.
            logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")
        receiver.check_configuration()
        if receiver.client is not None or not os.environ.get(API_KEY_ENV):
            if receiver.client is None:
                logger.warning(
                    "%s is not set: callbacks are verified but not confirmed", API_KEY_ENV
                )
            yield
            return
        async with KieClient() as client:
            receiver.client = client
            try:
                yield
            finally:
                receiver.client = None

    app = Starlette(
        routes=[Route(CALLBACK_PATH, receiver.handle, methods=["POST"])], lifespan=lifespan
    )
    app.state.receiver = receiver
    return app


app = create_app()
