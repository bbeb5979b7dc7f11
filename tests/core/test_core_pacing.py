"""Client-side pacing: no window of the configured length holds more sends than allowed,
measured where the request reaches the (mocked) network."""

from __future__ import annotations

import json

import anyio
import httpx
import pytest
import respx

from .._liveness import FOREVER_S, HANG_GUARD_S
from ._support import (
    CREATE_URL,
    INPUT,
    MODEL,
    RECORD_URL,
    created,
    kie,
    kie_error,
    ok,
    task_data,
)

pytestmark = [pytest.mark.anyio, pytest.mark.respx(assert_all_called=False)]


def _max_in_any_window(times: list[float], period: float) -> int:
    """The most sends found in any half-open window [t, t + period) starting at a send."""
    ordered = sorted(times)
    return max(
        sum(1 for other in ordered[i:] if other < start + period) for i, start in enumerate(ordered)
    )


class SendClock:
    """A respx side effect that records when each request arrived."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.times: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.times.append(anyio.current_time())
        return self.response


class Gate(SendClock):
    """A `SendClock` that holds the first ``size`` requests until all of them are in flight
    at once: the test finishes (within its hang guard) only if the client sends ``size``
    requests together. An event, not a stopwatch: a slow machine only makes it later."""

    def __init__(self, response: httpx.Response, size: int) -> None:
        super().__init__(response)
        self.size = size
        self.all_in = anyio.Event()

    async def __call__(self, request: httpx.Request) -> httpx.Response:  # pyright: ignore[reportIncompatibleMethodOverride]
        self.times.append(anyio.current_time())
        if len(self.times) >= self.size:
            self.all_in.set()
        await self.all_in.wait()
        return self.response


async def test_create_task_pacing_never_exceeds_the_window(respx_mock: respx.MockRouter) -> None:
    clock = Gate(created(), size=20)  # not over-paced: a full window's 20 leave together
    respx_mock.post(CREATE_URL).mock(side_effect=clock)
    async with kie(create_task_rate=(20, 0.3)) as client:
        with anyio.fail_after(HANG_GUARD_S):
            async with anyio.create_task_group() as tg:
                for _ in range(45):
                    tg.start_soon(client.create_task, MODEL, INPUT)

    assert len(clock.times) == 45
    assert _max_in_any_window(clock.times, 0.3) <= 20
    # 45 sends at 20 per 0.3 s need two more windows after the first.
    assert max(clock.times) - min(clock.times) >= 0.6


async def test_get_task_pacing_never_exceeds_the_window(respx_mock: respx.MockRouter) -> None:
    clock = Gate(ok(task_data()), size=10)  # not over-paced: a full window's 10 leave together
    respx_mock.get(RECORD_URL).mock(side_effect=clock)
    async with kie(get_task_rate=(10, 0.25)) as client:
        with anyio.fail_after(HANG_GUARD_S):
            async with anyio.create_task_group() as tg:
                for n in range(25):
                    tg.start_soon(client.get_task, f"task-{n}")

    assert len(clock.times) == 25
    assert _max_in_any_window(clock.times, 0.25) <= 10
    # 25 sends at 10 per 0.25 s need two more windows after the first.
    assert max(clock.times) - min(clock.times) >= 0.5


async def test_pacing_off_sends_everything_at_once(respx_mock: respx.MockRouter) -> None:
    # All 60 in flight at once: paced at the default 20 per 10 s, the gate would never open.
    clock = Gate(created(), size=60)
    respx_mock.post(CREATE_URL).mock(side_effect=clock)
    async with kie(create_task_rate=None, get_task_rate=None) as client:
        with anyio.fail_after(HANG_GUARD_S):
            async with anyio.create_task_group() as tg:
                for _ in range(60):
                    tg.start_soon(client.create_task, MODEL, INPUT)

    assert len(clock.times) == 60


async def test_get_task_pacing_does_not_slow_create_task(respx_mock: respx.MockRouter) -> None:
    # All 10 in flight at once: paced by get_task_rate (1 per hour), the gate would never open.
    clock = Gate(created(), size=10)
    respx_mock.post(CREATE_URL).mock(side_effect=clock)
    async with kie(create_task_rate=None, get_task_rate=(1, FOREVER_S)) as client:
        with anyio.fail_after(HANG_GUARD_S):
            async with anyio.create_task_group() as tg:
                for _ in range(10):
                    tg.start_soon(client.create_task, MODEL, INPUT)

    assert len(clock.times) == 10


async def test_retries_are_paced_too(respx_mock: respx.MockRouter) -> None:
    clock = SendClock(kie_error(429))
    route = respx_mock.post(CREATE_URL).mock(side_effect=clock)
    async with kie(create_task_rate=(1, 0.05), max_retries=2) as client:
        with pytest.raises(Exception, match="429"):
            await client.create_task(MODEL, INPUT)

    assert route.call_count == 3
    gaps = [b - a for a, b in zip(clock.times, clock.times[1:], strict=False)]
    assert all(gap >= 0.05 for gap in gaps)


async def test_pacing_serves_waiters_first_come_first_served(respx_mock: respx.MockRouter) -> None:
    order: list[int] = []

    def record(request: httpx.Request) -> httpx.Response:
        order.append(json.loads(request.content)["input"]["n"])
        return created()

    respx_mock.post(CREATE_URL).mock(side_effect=record)
    async with kie(create_task_rate=(1, 0.03)) as client:
        async with anyio.create_task_group() as tg:
            for n in range(6):
                tg.start_soon(client.create_task, MODEL, {"n": n})
                # Each caller is queued before the next arrives (a send takes 0.03 s).
                await anyio.sleep(0.005)

    assert order == list(range(6))


async def test_a_cancelled_waiter_does_not_block_the_pacer(respx_mock: respx.MockRouter) -> None:
    clock = SendClock(created())
    respx_mock.post(CREATE_URL).mock(side_effect=clock)
    async with kie(create_task_rate=(1, 0.05)) as client:
        await client.create_task(MODEL, INPUT)
        with anyio.move_on_after(0.01) as scope:
            await client.create_task(MODEL, INPUT)  # waits for the window, then is cancelled
        assert scope.cancelled_caught
        await client.create_task(MODEL, INPUT)

    assert len(clock.times) == 2
    assert clock.times[1] - clock.times[0] >= 0.05


async def test_a_caller_cancelled_before_sending_takes_no_slot(
    respx_mock: respx.MockRouter,
) -> None:
    # The window has room (nobody waits): the slot is taken without the pacer's lock, but a
    # caller whose scope is already cancelled still gets no slot and sends nothing.
    clock = SendClock(created())
    respx_mock.post(CREATE_URL).mock(side_effect=clock)
    async with kie(create_task_rate=(1, FOREVER_S)) as client:
        with anyio.CancelScope() as scope:
            scope.cancel()
            await client.create_task(MODEL, INPUT)
        assert scope.cancelled_caught
        with anyio.fail_after(HANG_GUARD_S):  # the window's one slot is still free: no wait
            await client.create_task(MODEL, INPUT)

    assert len(clock.times) == 1


async def test_a_newcomer_queues_behind_a_waiter_even_once_the_window_has_room(
    respx_mock: respx.MockRouter,
) -> None:
    order: list[int] = []

    def record(request: httpx.Request) -> httpx.Response:
        order.append(json.loads(request.content)["input"]["n"])
        return created()

    respx_mock.post(CREATE_URL).mock(side_effect=record)
    async with kie(create_task_rate=(1, 0.05)) as client:
        await client.create_task(MODEL, {"n": 0})
        async with anyio.create_task_group() as tg:
            tg.start_soon(client.create_task, MODEL, {"n": 1})  # waits for the window
            await anyio.sleep(0.01)
            tg.start_soon(client.create_task, MODEL, {"n": 2})  # arrives behind it

    assert order == [0, 1, 2]


async def test_a_slow_send_keeps_its_slot_until_it_is_answered(
    respx_mock: respx.MockRouter,
) -> None:
    arrivals: list[float] = []
    answered: list[float] = []

    async def slow(request: httpx.Request) -> httpx.Response:
        arrivals.append(anyio.current_time())
        if len(arrivals) == 1:
            await anyio.sleep(0.1)  # the first request is still on its way
        answered.append(anyio.current_time())
        return created()

    respx_mock.post(CREATE_URL).mock(side_effect=slow)
    async with kie(create_task_rate=(1, 0.05)) as client:
        async with anyio.create_task_group() as tg:
            tg.start_soon(client.create_task, MODEL, INPUT)
            tg.start_soon(client.create_task, MODEL, INPUT)

    assert len(arrivals) == 2
    # Counting from the start of the first send would let the second go at 0.05 s, while the
    # first may only now be reaching Kie; the window is counted from its answer instead.
    assert arrivals[1] >= answered[0] + 0.05


def test_windows_are_measured_on_the_event_loops_clock(respx_mock: respx.MockRouter) -> None:
    """Under a virtual clock (trio's MockClock jumping ahead whenever all tasks wait), a
    paced send waits virtual seconds: exactly one window, not a spin until real time catches
    up (each jump would then add another window)."""
    import trio
    import trio.testing

    clock = SendClock(ok(task_data()))
    respx_mock.get(RECORD_URL).mock(side_effect=clock)

    async def main() -> None:
        async with kie(get_task_rate=(1, 3.0)) as client:
            await client.get_task("task-1")
            await client.get_task("task-1")

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))

    assert len(clock.times) == 2
    assert 3.0 <= clock.times[1] - clock.times[0] < 3.5
