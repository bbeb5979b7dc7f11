"""Callbacks of the dedicated families, the way Kie's Veo, Runway and Suno callback pages
describe them: each stage's POST in the family's own shape (Suno: ``text``, ``first``, then
``complete`` or ``error``), sent again after a failed delivery up to 3 times and then no more,
and (on request, ``fake.families.duplicate_callbacks()``) sent twice.

Every attempt is recorded in ``fake.callbacks`` like a Market callback. The rounds ride on the
Market ones: `_callbacks.deliver_due` and the server's ticker call `deliver_family_due`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import anyio
import httpx

from ._callbacks import (
    _LOOPBACK_HOSTS,  # pyright: ignore[reportPrivateUsage]
    INTERRUPTED,
    CallbackClient,
    _host,  # pyright: ignore[reportPrivateUsage]
    _open,  # pyright: ignore[reportPrivateUsage]
    sign,
)
from ._family_controls import CALLBACK_RETRIES, controls_for
from ._family_tasks import FamilyTask, Stage
from ._records import CallbackDelivery
from ._state import FakeState

__all__ = ["Pending", "claim_family_callbacks", "deliver_family", "deliver_family_due"]

NOT_SENT = "not sent"


@dataclass
class Pending:
    """One callback POST to make: ``attempt`` 1 is the first, 2-4 the retries."""

    task: FamilyTask
    stage: Stage | str
    url: str
    attempt: int
    due_at: float
    duplicate: bool = False
    index: int = 0

    def body(self) -> dict[str, object]:
        if self.stage == "4k":
            return self.task.four_k_callback_body(self.index)
        return self.task.family_callback_body(self.stage)  # pyright: ignore[reportArgumentType]


def _plan(task: FamilyTask, now: float, upscale_4k_s: float) -> list[Pending]:
    """The stages of ``task`` due by ``now`` that were not handed out yet (claimed here)."""
    due: list[Pending] = []
    if task.family_callback_url:
        for stage, at in task.stage_times():
            if at <= now and stage not in task.claimed_stages:
                task.claimed_stages.add(stage)
                due.append(Pending(task, stage, task.family_callback_url, 1, at))
    asked_at = task.four_k_asked_at
    if asked_at is not None and task.four_k_callback_url and "4k" not in task.claimed_stages:
        ready_at = asked_at + upscale_4k_s
        if ready_at <= now:
            task.claimed_stages.add("4k")
            due.append(Pending(task, "4k", task.four_k_callback_url, 1, ready_at))
    return due


def claim_family_callbacks(state: FakeState) -> list[Pending]:
    """Every family callback due now, oldest first: retries whose time came, new stages
    (each followed by its copy while duplicates were asked for)."""
    now = state.clock.now()
    controls = controls_for(state)
    with state.lock:
        tasks = [t for t in state.tasks.values() if isinstance(t, FamilyTask)]
        due: list[Pending] = []
        for task in tasks:
            due += _plan(task, now, controls.upscale_4k_s)
    due.sort(key=lambda p: p.due_at)
    with controls.lock:
        # A retry of a task forgotten by fake.reset() is dropped.
        live = [p for p in controls.retries if state.tasks.get(p.task.task_id) is p.task]
        ready = [p for p in live if p.due_at <= now]
        controls.retries = [p for p in live if p.due_at > now]
        out: list[Pending] = list(ready)
        for item in due:
            out.append(item)
            if controls.duplicates_left > 0:
                controls.duplicates_left -= 1
                out.append(Pending(item.task, item.stage, item.url, 1, item.due_at, duplicate=True))
    return out


async def _post(client: httpx.AsyncClient, state: FakeState, item: Pending) -> CallbackDelivery:
    settings = state.settings
    body = json.dumps(item.body(), separators=(",", ":"), ensure_ascii=False).encode()
    headers = {"content-type": "application/json"}
    if settings.hmac_key is not None:
        timestamp = int(time.time())  # the receiver compares it with its own clock
        headers["x-webhook-timestamp"] = str(timestamp)
        headers["x-webhook-signature"] = sign(settings.hmac_key, item.task.task_id, timestamp)
    status: int | None = None
    error: str | None = None
    timeout = settings.callback_timeout
    with anyio.move_on_after(timeout) as scope:
        try:
            response = await client.post(item.url, content=body, headers=headers, timeout=timeout)
        except Exception as exc:  # a broken receiver must not break the fake
            error = f"{type(exc).__name__}: {exc}"
        else:
            status = response.status_code
    if scope.cancelled_caught:
        error = f"timed out: no answer within {timeout:g} s (callback_timeout)"
    return CallbackDelivery(item.task.task_id, item.url, headers, body, status, error)


def _failed(delivery: CallbackDelivery) -> bool:
    """A delivery Kie would try again: no 2xx answer (one never sent is not retried)."""
    if delivery.error is not None and delivery.error.startswith(NOT_SENT):
        return False
    return delivery.status_code is None or not 200 <= delivery.status_code < 300


async def deliver_family_due(
    state: FakeState, source: CallbackClient | None
) -> list[CallbackDelivery]:
    """Send the family callbacks due now (see `deliver_family`)."""
    due = claim_family_callbacks(state)
    return await deliver_family(state, source, due) if due else []


async def deliver_family(
    state: FakeState, source: CallbackClient | None, due: list[Pending]
) -> list[CallbackDelivery]:
    """Send claimed family callbacks concurrently; plan a retry for each failed one (Kie:
    at most 3); record every attempt."""
    controls = controls_for(state)
    results: dict[int, CallbackDelivery] = {}

    async def send_in_order(client: httpx.AsyncClient, positions: list[int]) -> None:
        # One task's stages arrive in order, as Kie sends them; tasks go concurrently.
        for position in positions:
            results[position] = await _post(client, state, due[position])

    for position, item in enumerate(due):
        host = _host(item.url)
        if source is None and host not in _LOOPBACK_HOSTS:
            results[position] = CallbackDelivery(
                item.task.task_id,
                item.url,
                {},
                b"",
                None,
                f"{NOT_SENT}: {host} is not a loopback host; pass callback_http_client= "
                "to deliver elsewhere",
            )
    try:
        if len(results) < len(due):  # the client is opened only when something goes out
            timeout = state.settings.callback_timeout
            by_task: dict[int, list[int]] = {}
            for position, item in enumerate(due):
                if position not in results:
                    by_task.setdefault(id(item.task), []).append(position)
            async with _open(source, timeout) as client, anyio.create_task_group() as group:
                for positions in by_task.values():
                    group.start_soon(send_in_order, client, positions)
    except BaseException:  # cancelled: what was not answered is sent again later
        interrupted = [item for position, item in enumerate(due) if position not in results]
        with controls.lock:
            controls.retries.extend(interrupted)
        state.record_callbacks(
            [
                CallbackDelivery(i.task.task_id, i.url, {}, b"", None, INTERRUPTED)
                for i in interrupted
            ]
        )
        raise
    deliveries = [results[position] for position in range(len(due))]
    now = state.clock.now()
    with controls.lock:
        for item, delivery in zip(due, deliveries, strict=True):
            if _failed(delivery) and not item.duplicate and item.attempt <= CALLBACK_RETRIES:
                retry_at = now + controls.callback_retry_delay_s
                controls.retries.append(
                    Pending(
                        item.task,
                        item.stage,
                        item.url,
                        item.attempt + 1,
                        retry_at,
                        index=item.index,
                    )
                )
    state.record_callbacks(deliveries)
    return deliveries
