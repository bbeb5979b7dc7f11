"""wait_for_task: immediate first poll, growing interval, hard deadline, state-change updates,
typed failures, and polling through what is transient."""

from __future__ import annotations

from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest
import respx

import kieai._polling
from kieai import (
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    InternalServerError,
    KieInputError,
    NotFoundError,
    Task,
    TaskFailedError,
    TaskState,
    TaskTimeoutError,
    UnprocessableEntityError,
)

from .._liveness import FOREVER_S, HANG_GUARD_S
from ._support import RECORD_URL, TASK_ID, kie, kie_error, ok, task_data

pytestmark = [pytest.mark.anyio, pytest.mark.respx(assert_all_called=False)]


class PollClock:
    """A respx side effect that answers with ``responses`` in turn (the last one repeats) and
    records when each poll arrived."""

    def __init__(self, *responses: httpx.Response | type[Exception]) -> None:
        self.responses = list(responses)
        self.times: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.times.append(anyio.current_time())
        index = min(len(self.times), len(self.responses)) - 1
        answer = self.responses[index]
        if isinstance(answer, type):
            raise answer("mock", request=request)  # pyright: ignore[reportCallIssue]
        return answer


def _states(*states: str) -> list[httpx.Response]:
    return [ok(task_data(state)) for state in states]


async def test_first_poll_is_immediate(
    respx_mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    requested: list[float] = []

    async def sleep(seconds: float) -> None:
        requested.append(seconds)

    # Immediate means no sleep before it (not "soon by the wall clock", which load stretches).
    monkeypatch.setattr(kieai._polling.anyio, "sleep", sleep)
    clock = PollClock(*_states("success"))
    respx_mock.get(RECORD_URL).mock(side_effect=clock)
    async with kie() as client:
        task = await client.wait_for_task(TASK_ID, poll_interval=5.0, max_poll_interval=5.0)

    assert task.state == TaskState.SUCCESS
    assert task.result_urls == ["https://cdn.kie.ai/result.mp4"]
    assert len(clock.times) == 1
    assert requested == []


async def test_poll_interval_grows_up_to_the_maximum(
    respx_mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    requested: list[float] = []
    real_sleep = anyio.sleep

    async def sleep(seconds: float) -> None:
        requested.append(seconds)
        await real_sleep(seconds)

    # The schedule is read from what the wait asks to sleep, not from wall-clock gaps, which
    # a loaded machine stretches at random.
    monkeypatch.setattr(kieai._polling.anyio, "sleep", sleep)
    clock = PollClock(*_states(*["generating"] * 6, "success"))
    respx_mock.get(RECORD_URL).mock(side_effect=clock)
    async with kie() as client:
        await client.wait_for_task(TASK_ID, poll_interval=0.02, max_poll_interval=0.04)

    capped = [0.02, 0.03, 0.04, 0.04, 0.04, 0.04]  # x1.5 per poll, then the maximum
    assert requested == pytest.approx(capped)
    gaps = [b - a for a, b in zip(clock.times, clock.times[1:], strict=False)]
    for gap, interval in zip(gaps, capped, strict=True):
        assert gap >= interval - 0.001  # a sleep never ends early


async def test_deadline_raises_task_timeout_with_the_last_task(
    respx_mock: respx.MockRouter,
) -> None:
    respx_mock.get(RECORD_URL).mock(side_effect=PollClock(*_states("queuing", "generating")))
    async with kie() as client:
        started = anyio.current_time()
        with pytest.raises(TaskTimeoutError) as info:
            await client.wait_for_task(
                TASK_ID, timeout=0.08, poll_interval=0.01, max_poll_interval=0.01
            )
        elapsed = anyio.current_time() - started

    error = info.value
    assert error.task_id == TASK_ID
    assert error.task is not None
    assert error.task.state == TaskState.GENERATING
    assert isinstance(error, TimeoutError)
    assert "generating" in str(error)
    assert elapsed >= 0.08  # (no upper bound: a loaded machine may stretch the last poll)


async def test_deadline_interrupts_a_slow_poll_in_flight(respx_mock: respx.MockRouter) -> None:
    interrupted: list[bool] = []

    async def hang(request: httpx.Request) -> httpx.Response:
        try:
            await anyio.sleep(FOREVER_S)
        except anyio.get_cancelled_exc_class():
            interrupted.append(True)
            raise
        return ok(task_data("success"))  # pragma: no cover

    respx_mock.get(RECORD_URL).mock(side_effect=hang)
    async with kie() as client:
        with anyio.fail_after(HANG_GUARD_S), pytest.raises(TaskTimeoutError) as info:
            await client.wait_for_task(TASK_ID, timeout=0.05, poll_interval=0.01)

    assert info.value.task is None
    assert "no successful poll" in str(info.value)
    assert interrupted == [True]  # the poll in flight was cut off, not waited for


async def test_on_update_is_called_once_per_state_change(respx_mock: respx.MockRouter) -> None:
    states = ["waiting", "waiting", "queuing", "queuing", "generating", "generating", "success"]
    respx_mock.get(RECORD_URL).mock(side_effect=PollClock(*_states(*states)))
    seen: list[str] = []

    def on_update(task: Task) -> None:
        seen.append(str(task.state))

    async with kie() as client:
        await client.wait_for_task(
            TASK_ID, poll_interval=0.001, max_poll_interval=0.001, on_update=on_update
        )

    assert seen == ["waiting", "queuing", "generating", "success"]


async def test_async_on_update_is_awaited(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(RECORD_URL).mock(side_effect=PollClock(*_states("queuing", "success")))
    seen: list[Task] = []

    async def on_update(task: Task) -> None:
        await anyio.lowlevel.checkpoint()
        seen.append(task)

    async with kie() as client:
        await client.wait_for_task(
            TASK_ID, poll_interval=0.001, max_poll_interval=0.001, on_update=on_update
        )

    assert [task.state for task in seen] == [TaskState.QUEUING, TaskState.SUCCESS]


async def test_on_update_gets_the_first_task_even_when_it_is_already_finished(
    respx_mock: respx.MockRouter,
) -> None:
    respx_mock.get(RECORD_URL).mock(side_effect=PollClock(*_states("success")))
    seen: list[Task] = []
    async with kie() as client:
        await client.wait_for_task(TASK_ID, on_update=seen.append)

    assert len(seen) == 1


async def test_failed_task_raises_task_failed_error(respx_mock: respx.MockRouter) -> None:
    failed = ok(task_data("fail", failCode="500", failMsg="Internal error, please try again"))
    respx_mock.get(RECORD_URL).mock(side_effect=PollClock(ok(task_data("generating")), failed))
    async with kie() as client:
        with pytest.raises(TaskFailedError) as info:
            await client.wait_for_task(TASK_ID, poll_interval=0.001, max_poll_interval=0.001)

    error = info.value
    assert error.task.state == TaskState.FAIL
    assert error.fail_code == "500"
    assert error.fail_msg == "Internal error, please try again"
    assert "500" in str(error)
    assert "please try again" in str(error)


async def test_failed_task_without_reason_says_so(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(RECORD_URL).mock(return_value=ok(task_data("fail", failCode=None)))
    async with kie() as client:
        with pytest.raises(TaskFailedError, match="no reason given") as info:
            await client.wait_for_task(TASK_ID)

    assert info.value.fail_code is None
    assert info.value.fail_msg is None


@pytest.mark.parametrize("form", ["http", "json"])
async def test_record_info_null_right_after_creation_is_polled_through(
    respx_mock: respx.MockRouter, form: str
) -> None:
    status = 422 if form == "http" else 200
    null = kie_error(status, code=422, msg="recordInfo is null")
    clock = PollClock(null, null, ok(task_data("success")))
    respx_mock.get(RECORD_URL).mock(side_effect=clock)
    async with kie() as client:
        task = await client.wait_for_task(TASK_ID, poll_interval=0.001, max_poll_interval=0.001)

    assert task.is_success
    assert len(clock.times) == 3


async def test_record_info_null_after_the_grace_period_is_raised(
    respx_mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kieai._polling, "RECORD_NULL_GRACE_S", 0.0)
    respx_mock.get(RECORD_URL).mock(return_value=kie_error(200, code=422, msg="recordInfo is null"))
    async with kie() as client:
        # An id this client did not create (and no journal holds): ends as not found.
        with pytest.raises(NotFoundError, match="recordInfo is null"):
            await client.wait_for_task(TASK_ID, poll_interval=0.001)


async def test_other_422_is_raised_at_once(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(RECORD_URL).mock(
        return_value=kie_error(200, code=422, msg="taskId is invalid")
    )
    async with kie() as client:
        with pytest.raises(UnprocessableEntityError):
            await client.wait_for_task(TASK_ID, poll_interval=0.001)

    assert route.call_count == 1


@pytest.mark.parametrize(
    "transient",
    [
        kie_error(500),
        kie_error(502, msg="<html>bad gateway</html>"),
        kie_error(200, code=455, msg="maintenance"),
        kie_error(429),
        httpx.ConnectError,
        httpx.ReadTimeout,
    ],
    ids=["500", "502", "json-455", "429", "connect-error", "read-timeout"],
)
async def test_transient_errors_are_polled_through(
    respx_mock: respx.MockRouter, transient: httpx.Response | type[Exception]
) -> None:
    clock = PollClock(ok(task_data("generating")), transient, transient, ok(task_data("success")))
    respx_mock.get(RECORD_URL).mock(side_effect=clock)
    async with kie(max_retries=0) as client:
        task = await client.wait_for_task(TASK_ID, poll_interval=0.001, max_poll_interval=0.001)

    assert task.is_success
    assert len(clock.times) == 4


@pytest.mark.parametrize(
    ("fatal", "cls"),
    [
        (kie_error(401, msg="You do not have access permissions"), AuthenticationError),
        (kie_error(200, code=401), AuthenticationError),
        (kie_error(200, code=505, msg="This feature is disabled"), InternalServerError),
    ],
    ids=["http-401", "json-401", "505"],
)
async def test_fatal_errors_end_the_wait(
    respx_mock: respx.MockRouter, fatal: httpx.Response, cls: type[Exception]
) -> None:
    clock = PollClock(ok(task_data("generating")), fatal, ok(task_data("success")))
    respx_mock.get(RECORD_URL).mock(side_effect=clock)
    async with kie(max_retries=0) as client:
        with pytest.raises(cls):
            await client.wait_for_task(TASK_ID, poll_interval=0.001, max_poll_interval=0.001)

    assert len(clock.times) == 2


GARBLED = httpx.Response(
    200, text="<html>upstream hiccup</html>", headers={"content-type": "text/html"}
)


async def test_a_garbled_answer_while_waiting_is_polled_through(
    respx_mock: respx.MockRouter,
) -> None:
    clock = PollClock(ok(task_data("generating")), GARBLED, GARBLED, ok(task_data("success")))
    respx_mock.get(RECORD_URL).mock(side_effect=clock)
    async with kie(max_retries=0) as client:
        task = await client.wait_for_task(TASK_ID, poll_interval=0.001, max_poll_interval=0.001)

    assert task.is_success
    assert len(clock.times) == 4


async def test_answers_that_stay_garbled_end_the_wait(respx_mock: respx.MockRouter) -> None:
    clock = PollClock(ok(task_data("generating")), GARBLED)
    respx_mock.get(RECORD_URL).mock(side_effect=clock)
    async with kie(max_retries=0) as client:
        with pytest.raises(APIResponseValidationError, match="expected a JSON object"):
            await client.wait_for_task(TASK_ID, poll_interval=0.001, max_poll_interval=0.001)

    assert len(clock.times) == 1 + kieai._polling.MAX_GARBLED_POLLS


async def test_unknown_state_is_kept_as_a_string_and_polled_through(
    respx_mock: respx.MockRouter,
) -> None:
    respx_mock.get(RECORD_URL).mock(side_effect=PollClock(*_states("paused", "success")))
    seen: list[Task] = []
    async with kie() as client:
        await client.wait_for_task(
            TASK_ID, poll_interval=0.001, max_poll_interval=0.001, on_update=seen.append
        )

    assert seen[0].state == "paused"
    assert not isinstance(seen[0].state, TaskState)
    assert not seen[0].is_finished


async def test_no_deadline_waits_until_done(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(RECORD_URL).mock(side_effect=PollClock(*_states("generating", "success")))
    async with kie() as client:
        task = await client.wait_for_task(
            TASK_ID, timeout=None, poll_interval=0.001, max_poll_interval=0.001
        )

    assert task.is_finished


async def test_cancelling_the_wait_propagates(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(RECORD_URL).mock(side_effect=PollClock(*_states("generating")))
    async with kie() as client:
        with anyio.move_on_after(0.05) as scope:
            await client.wait_for_task(TASK_ID, timeout=None, poll_interval=0.01)

    assert scope.cancelled_caught


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"timeout": 0}, "timeout"),
        ({"timeout": -1.0}, "timeout"),
        ({"poll_interval": 0}, "poll_interval"),
        ({"max_poll_interval": 0}, "max_poll_interval"),
    ],
)
async def test_wait_arguments_are_checked_before_polling(
    respx_mock: respx.MockRouter, kwargs: dict[str, Any], named: str
) -> None:
    route = respx_mock.get(RECORD_URL).mock(return_value=ok(task_data("success")))
    async with kie() as client:
        with pytest.raises(KieInputError, match=named):
            await client.wait_for_task(TASK_ID, **kwargs)

    assert route.call_count == 0


async def test_get_task_rejects_an_empty_task_id(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(RECORD_URL).mock(return_value=ok(task_data()))
    async with kie() as client:
        with pytest.raises(KieInputError, match="task_id"):
            await client.get_task("  ")

    assert route.call_count == 0


ENDED = [
    pytest.param(
        kie_error(200, code=501, msg="Generation failed"), "501", "Generation failed", id="501"
    ),
    pytest.param(
        kie_error(501, code=501, msg="Generation failed"), "501", "Generation failed", id="http-501"
    ),
    pytest.param(
        kie_error(200, code=408, msg="no result from upstream for over 10 minutes"),
        "408",
        "no result from upstream for over 10 minutes",
        id="408",
    ),
    pytest.param(
        httpx.Response(
            200,
            json={
                "code": 501,
                "msg": "Playground task failed.",
                "data": task_data("fail", failCode="500", failMsg="content policy"),
            },
        ),
        "500",
        "content policy",
        id="501-with-record",
    ),
]


@pytest.mark.parametrize(("answer", "fail_code", "fail_msg"), ENDED)
async def test_record_info_501_and_408_are_a_failed_task(
    respx_mock: respx.MockRouter, answer: httpx.Response, fail_code: str, fail_msg: str
) -> None:
    respx_mock.get(RECORD_URL).mock(return_value=answer)
    async with kie(max_retries=3) as client:
        task = await client.get_task(TASK_ID)

    assert task.task_id == TASK_ID
    assert task.state == TaskState.FAIL
    assert task.fail_code == fail_code
    assert task.fail_msg == fail_msg


@pytest.mark.parametrize(("answer", "fail_code", "fail_msg"), ENDED)
async def test_wait_raises_task_failed_at_once_for_501_and_408(
    respx_mock: respx.MockRouter, answer: httpx.Response, fail_code: str, fail_msg: str
) -> None:
    clock = PollClock(ok(task_data("generating")), answer, ok(task_data("success")))
    respx_mock.get(RECORD_URL).mock(side_effect=clock)
    async with kie(max_retries=3) as client:
        with pytest.raises(TaskFailedError) as info:
            await client.wait_for_task(TASK_ID, poll_interval=0.001, max_poll_interval=0.001)

    assert len(clock.times) == 2  # no retry, no further poll
    assert info.value.fail_code == fail_code
    assert info.value.fail_msg == fail_msg
    assert info.value.task.state == TaskState.FAIL


async def test_a_proxy_http_408_is_not_a_failed_task(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(RECORD_URL).mock(
        return_value=httpx.Response(408, text="<html>Request Timeout</html>")
    )
    async with kie(max_retries=0) as client:
        with pytest.raises(APIStatusError) as info:
            await client.get_task(TASK_ID)

    assert info.value.status_code == 408
    assert info.value.code is None


async def test_404_right_after_creation_is_polled_through(respx_mock: respx.MockRouter) -> None:
    missing = kie_error(200, code=404, msg="task not found")
    clock = PollClock(missing, kie_error(404, msg="Not Found"), ok(task_data("success")))
    respx_mock.get(RECORD_URL).mock(side_effect=clock)
    async with kie(max_retries=0) as client:
        task = await client.wait_for_task(TASK_ID, poll_interval=0.001, max_poll_interval=0.001)

    assert task.is_success
    assert len(clock.times) == 3


async def test_404_after_the_grace_period_ends_the_wait(
    respx_mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kieai._polling, "RECORD_NULL_GRACE_S", 0.0)
    clock = PollClock(ok(task_data("generating")), kie_error(404, msg="task not found"))
    respx_mock.get(RECORD_URL).mock(side_effect=clock)
    async with kie(max_retries=0) as client:
        with pytest.raises(NotFoundError):
            await client.wait_for_task(TASK_ID, poll_interval=0.001, max_poll_interval=0.001)

    assert len(clock.times) == 2


async def test_505_has_a_message_that_says_the_feature_is_disabled(
    respx_mock: respx.MockRouter,
) -> None:
    respx_mock.get(RECORD_URL).mock(return_value=kie_error(200, code=505, msg="disabled"))
    async with kie(max_retries=3) as client:
        with pytest.raises(APIStatusError, match="feature is disabled") as info:
            await client.wait_for_task(TASK_ID, poll_interval=0.001)

    assert "retrying" in str(info.value)


async def test_a_poll_interval_above_the_default_cap_is_honoured(
    respx_mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(kieai._polling.anyio, "sleep", sleep)
    clock = PollClock(*_states("waiting", "queuing", "generating", "success"))
    respx_mock.get(RECORD_URL).mock(side_effect=clock)
    async with kie() as client:
        task = await client.wait_for_task(TASK_ID, poll_interval=30, timeout=None)

    assert task.is_success
    assert slept == [30, 30, 30]
