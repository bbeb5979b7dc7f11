"""Cancelling a request in flight releases everything: connections (response streams closed),
pacing slots, and no ResourceWarning; retried attempts close every response they got."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import anyio
import httpx
import pytest
import respx

from kieai import InternalServerError

from .._liveness import FOREVER_S, HANG_GUARD_S
from .._warnings import no_resource_warnings
from ._support import (
    CREATE_URL,
    INPUT,
    MODEL,
    RECORD_URL,
    TASK_ID,
    TrackedStream,
    created,
    kie,
    make_client,
    ok,
    task_data,
)

pytestmark = [pytest.mark.anyio, pytest.mark.respx(assert_all_called=False)]


@pytest.fixture
def resource_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """Every warning of the test, for inspection; the test fails on a ``ResourceWarning``."""
    with no_resource_warnings() as caught:
        yield caught


async def test_cancelled_create_task_is_sent_once_and_its_answer_still_awaited(
    respx_mock: respx.MockRouter,
    resource_warnings: list[warnings.WarningMessage],
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[httpx.Request] = []

    async def first_is_slow(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            await anyio.sleep(0.2)
        return created()

    route = respx_mock.post(CREATE_URL).mock(side_effect=first_is_slow)
    created_ids: list[str] = []
    async with kie(create_task_rate=(1, 0.01), max_retries=3) as client:
        started = anyio.current_time()
        with anyio.move_on_after(0.05) as scope:
            await client._create_task(MODEL, INPUT, on_created=created_ids.append)  # pyright: ignore[reportPrivateUsage]
        assert scope.cancelled_caught
        # The request was on the wire: its answer was awaited and the id handed on.
        assert anyio.current_time() - started >= 0.15
        assert created_ids == [TASK_ID]
        assert len(calls) == 1  # not resent by the retry machinery

        # Neither the pacing slot nor anything else is left held by the cancelled call.
        assert await client.create_task(MODEL, INPUT) == TASK_ID

    assert len(calls) == 2
    assert route.call_count == 2
    warned = [r for r in caplog.records if r.levelname == "WARNING" and TASK_ID in r.getMessage()]
    assert len(warned) == 1


async def test_cancelled_create_task_waits_for_its_answer_at_most_the_request_timeout(
    respx_mock: respx.MockRouter,
    resource_warnings: list[warnings.WarningMessage],
    caplog: pytest.LogCaptureFixture,
) -> None:
    arrived = anyio.Event()

    async def hangs(request: httpx.Request) -> httpx.Response:
        arrived.set()
        await anyio.sleep(FOREVER_S)
        return created()  # pragma: no cover

    respx_mock.post(CREATE_URL).mock(side_effect=hangs)
    # Cancelled once the request has left (not on a timer: a busy machine could let the
    # request's own deadline pass first), so the shield's wait is what the test sees.
    scope = anyio.CancelScope()
    started = anyio.current_time()
    async with kie(timeout=httpx.Timeout(0.5)) as client, anyio.create_task_group() as group:

        async def create() -> None:
            with scope:
                await client.create_task(MODEL, INPUT)

        group.start_soon(create)
        await arrived.wait()
        scope.cancel()
    elapsed = anyio.current_time() - started

    assert scope.cancelled_caught
    assert elapsed >= 0.49  # the whole-request deadline (0.5 s), not the 30 s the server takes
    assert any(
        "no answer came within 0.5 s: a task may exist" in r.getMessage() for r in caplog.records
    )


async def test_cancelled_get_task_while_the_body_streams_closes_the_response(
    respx_mock: respx.MockRouter, resource_warnings: list[warnings.WarningMessage]
) -> None:
    body = TrackedStream([b'{"code": 200, "data": {"taskId": '], stall=30)
    respx_mock.get(RECORD_URL).mock(return_value=httpx.Response(200, stream=body))
    async with kie() as client:
        with anyio.move_on_after(0.05) as scope:
            await client.get_task(TASK_ID)

    assert scope.cancelled_caught
    assert body.sent > 0
    assert body.closed


async def test_cancelled_create_task_while_the_body_streams_closes_the_response(
    respx_mock: respx.MockRouter, resource_warnings: list[warnings.WarningMessage]
) -> None:
    body = TrackedStream([b'{"code": 200, "da'], stall=30)
    route = respx_mock.post(CREATE_URL).mock(return_value=httpx.Response(200, stream=body))
    async with kie(timeout=httpx.Timeout(0.1)) as client:
        with anyio.move_on_after(0.05) as scope:
            await client.create_task(MODEL, INPUT)

    assert scope.cancelled_caught
    assert body.closed
    assert route.call_count == 1


async def test_cancelled_get_task_during_retry_backoff_returns_promptly(
    respx_mock: respx.MockRouter, resource_warnings: list[warnings.WarningMessage]
) -> None:
    body = TrackedStream([b"<html>502</html>"])
    route = respx_mock.get(RECORD_URL).mock(return_value=httpx.Response(502, stream=body))
    backoff = FOREVER_S  # returning within the guard means the backoff was interrupted
    async with kie(max_retries=3, initial_retry_delay=backoff, max_retry_delay=backoff) as client:
        with anyio.fail_after(HANG_GUARD_S):
            with anyio.move_on_after(0.05) as scope:
                await client.get_task(TASK_ID)

    assert scope.cancelled_caught
    assert route.call_count == 1
    assert body.closed


async def test_every_response_is_closed_after_retries(
    respx_mock: respx.MockRouter, resource_warnings: list[warnings.WarningMessage]
) -> None:
    bodies = [TrackedStream([b"oops"]), TrackedStream([b"oops"]), TrackedStream([b"{}"])]
    answers = [
        httpx.Response(500, stream=bodies[0]),
        httpx.Response(503, stream=bodies[1]),
        ok(task_data()),
    ]
    respx_mock.get(RECORD_URL).mock(side_effect=answers)
    async with kie(max_retries=2) as client:
        await client.get_task(TASK_ID)

    assert bodies[0].closed
    assert bodies[1].closed


async def test_every_response_is_closed_when_retries_run_out(
    respx_mock: respx.MockRouter, resource_warnings: list[warnings.WarningMessage]
) -> None:
    bodies = [TrackedStream([b"oops"]) for _ in range(3)]
    respx_mock.get(RECORD_URL).mock(side_effect=[httpx.Response(500, stream=b) for b in bodies])
    async with kie(max_retries=2) as client:
        with pytest.raises(InternalServerError):
            await client.get_task(TASK_ID)

    assert all(body.closed for body in bodies)


async def test_a_body_that_breaks_off_is_closed_and_retried(
    respx_mock: respx.MockRouter, resource_warnings: list[warnings.WarningMessage]
) -> None:
    broken = TrackedStream([b'{"code": 2'], error=httpx.RemoteProtocolError("peer closed"))
    respx_mock.get(RECORD_URL).mock(
        side_effect=[httpx.Response(200, stream=broken), ok(task_data("queuing"))]
    )
    async with kie(max_retries=1) as client:
        task = await client.get_task(TASK_ID)

    assert task.state == "queuing"
    assert broken.closed


async def test_connections_go_back_to_a_callers_pool_after_errors(
    respx_mock: respx.MockRouter, resource_warnings: list[warnings.WarningMessage]
) -> None:
    bodies = [TrackedStream([b"x"]) for _ in range(4)]
    respx_mock.get(RECORD_URL).mock(
        side_effect=[httpx.Response(500, stream=b) for b in bodies[:3]]
        + [httpx.Response(200, json={"code": 200, "data": task_data()})]
    )
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(limits=limits) as http_client:
        async with make_client(http_client=http_client, max_retries=3) as client:
            await client.get_task(TASK_ID)
        # The caller's client is still open and usable.
        assert not http_client.is_closed

    assert all(body.closed for body in bodies[:3])
