"""The retry table for safe requests, the retry-count header, Retry-After in every form, and
the backoff used when the server gives no hint."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest
import respx

from kieai import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    InternalServerError,
    RateLimitError,
    ServiceUnavailableError,
    Task,
)

from ._support import (
    CREDIT_URL,
    DOWNLOAD_URL_ENDPOINT,
    RECORD_URL,
    TASK_ID,
    header_values,
    kie,
    kie_error,
    ok,
    record_sleeps,
    requests_of,
    task_data,
)

pytestmark = [pytest.mark.anyio, pytest.mark.respx(assert_all_called=False)]

RETRY_HEADER = "x-kieai-retry-count"
RETRYABLE = [429, 455, 500, 502, 503, 504]
NOT_RETRYABLE = [400, 401, 402, 404, 422]


def _failure(status: int, form: str) -> httpx.Response:
    if form == "http":
        return kie_error(status, msg="transient")
    return kie_error(200, code=status, msg="transient")


# -- the retry table -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "failures"),
    [("http", 1), ("http", 2), ("json", 2)],
    ids=["http-1", "http-2", "json-2"],
)
@pytest.mark.parametrize("status", RETRYABLE)
async def test_get_task_succeeds_after_transient_failures(
    respx_mock: respx.MockRouter, status: int, failures: int, form: str
) -> None:
    route = respx_mock.get(RECORD_URL).mock(
        side_effect=[_failure(status, form)] * failures + [ok(task_data("queuing"))]
    )
    async with kie(max_retries=2) as client:
        task = await client.get_task(TASK_ID)

    assert task.state == "queuing"
    assert route.call_count == failures + 1
    assert header_values(route, RETRY_HEADER) == [str(n) for n in range(failures + 1)]


@pytest.mark.parametrize(
    ("status", "max_retries"), [(429, 0), (455, 3), (500, 1), (502, 3), (503, 0), (504, 2)]
)
async def test_exhausted_retries_make_exactly_max_retries_plus_one_requests(
    respx_mock: respx.MockRouter, status: int, max_retries: int
) -> None:
    route = respx_mock.get(RECORD_URL).mock(return_value=kie_error(status))
    async with kie(max_retries=max_retries) as client:
        with pytest.raises(APIStatusError) as info:
            await client.get_task(TASK_ID)

    assert info.value.status_code == status
    assert route.call_count == max_retries + 1
    assert header_values(route, RETRY_HEADER) == [str(n) for n in range(max_retries + 1)]


@pytest.mark.parametrize("form", ["http", "json"])
@pytest.mark.parametrize("status", NOT_RETRYABLE)
async def test_client_errors_are_not_retried(
    respx_mock: respx.MockRouter, status: int, form: str
) -> None:
    route = respx_mock.get(RECORD_URL).mock(return_value=_failure(status, form))
    async with kie(max_retries=3) as client:
        with pytest.raises(APIStatusError) as info:
            await client.get_task(TASK_ID)

    assert info.value.effective_code == status
    assert route.call_count == 1


async def test_unlisted_status_is_not_retried(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(RECORD_URL).mock(return_value=kie_error(433, msg="sub-key limit"))
    async with kie(max_retries=3) as client:
        with pytest.raises(APIStatusError):
            await client.get_task(TASK_ID)

    assert route.call_count == 1


async def test_max_retries_zero_sends_once(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(RECORD_URL).mock(return_value=kie_error(503))
    async with kie(max_retries=0) as client:
        with pytest.raises(ServiceUnavailableError):
            await client.get_task(TASK_ID)

    assert route.call_count == 1
    assert header_values(route, RETRY_HEADER) == ["0"]


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ConnectError,
        httpx.ConnectTimeout,
        httpx.ReadTimeout,
        httpx.WriteTimeout,
        httpx.PoolTimeout,
        httpx.ReadError,
        httpx.RemoteProtocolError,
    ],
)
async def test_get_retries_connection_errors_and_timeouts(
    respx_mock: respx.MockRouter, exc: type[Exception]
) -> None:
    route = respx_mock.get(RECORD_URL).mock(side_effect=[exc, exc, ok(task_data())])
    async with kie(max_retries=2) as client:
        task = await client.get_task(TASK_ID)

    assert isinstance(task, Task)
    assert route.call_count == 3


@pytest.mark.parametrize("exc", [httpx.ReadTimeout, httpx.ConnectTimeout, httpx.PoolTimeout])
async def test_exhausted_timeouts_raise_api_timeout_error(
    respx_mock: respx.MockRouter, exc: type[Exception]
) -> None:
    route = respx_mock.get(RECORD_URL).mock(side_effect=exc)
    async with kie(max_retries=1) as client:
        with pytest.raises(APITimeoutError) as info:
            await client.get_task(TASK_ID)

    assert route.call_count == 2
    assert isinstance(info.value.__cause__, exc)
    assert info.value.request is not None
    assert info.value.request.method == "GET"
    assert "timed out" in str(info.value)


@pytest.mark.parametrize("exc", [httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError])
async def test_exhausted_connection_errors_raise_api_connection_error(
    respx_mock: respx.MockRouter, exc: type[Exception]
) -> None:
    route = respx_mock.get(RECORD_URL).mock(side_effect=exc)
    async with kie(max_retries=1) as client:
        with pytest.raises(APIConnectionError) as info:
            await client.get_task(TASK_ID)

    assert type(info.value) is APIConnectionError
    assert route.call_count == 2
    assert info.value.request is not None
    assert info.value.request.url.path == "/api/v1/jobs/recordInfo"


async def test_get_credits_is_retried_like_get_task(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(CREDIT_URL).mock(side_effect=[kie_error(502), httpx.ReadError, ok(7)])
    async with kie(max_retries=2) as client:
        assert await client.get_credits() == 7.0

    assert route.call_count == 3


async def test_get_download_url_post_is_retried_because_it_is_idempotent(
    respx_mock: respx.MockRouter,
) -> None:
    route = respx_mock.post(DOWNLOAD_URL_ENDPOINT).mock(
        side_effect=[httpx.ReadTimeout, ok("https://tempfile.redpandaai.co/x.mp4")]
    )
    async with kie(max_retries=1) as client:
        assert await client.get_download_url("https://cdn.kie.ai/r.mp4") == (
            "https://tempfile.redpandaai.co/x.mp4"
        )

    assert route.call_count == 2


async def test_every_attempt_carries_auth_and_user_agent(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(RECORD_URL).mock(side_effect=[kie_error(500), ok(task_data())])
    async with kie(max_retries=1) as client:
        await client.get_task(TASK_ID)

    requests = requests_of(route)
    assert len(requests) == 2
    for request in requests:
        assert request.headers["authorization"] == "Bearer sk-test-secret-123"
        assert request.headers["user-agent"].startswith("kieai-python/")
        assert request.url.params["taskId"] == TASK_ID


# -- Retry-After -------------------------------------------------------------------------------


def _http_date(offset_s: float) -> str:
    return format_datetime(datetime.now(timezone.utc) + timedelta(seconds=offset_s), usegmt=True)


async def _retry_waits(
    respx_mock: respx.MockRouter,
    headers: dict[str, str],
    *,
    status: int = 429,
    initial_retry_delay: float = 0.0,
    max_retry_delay: float = 0.0,
) -> list[float]:
    respx_mock.get(RECORD_URL).mock(
        side_effect=[httpx.Response(status, headers=headers), ok(task_data())]
    )
    async with kie(
        max_retries=1, initial_retry_delay=initial_retry_delay, max_retry_delay=max_retry_delay
    ) as client:
        sleeps = record_sleeps(client)
        await client.get_task(TASK_ID)
    return sleeps.delays


async def test_retry_after_seconds_is_the_wait_used(respx_mock: respx.MockRouter) -> None:
    assert await _retry_waits(respx_mock, {"Retry-After": "7"}) == [7.0]


async def test_retry_after_fractional_seconds_is_the_wait_used(
    respx_mock: respx.MockRouter,
) -> None:
    assert await _retry_waits(respx_mock, {"Retry-After": "2.5"}) == [2.5]


def _whole_seconds_from_now(offset_s: float) -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=offset_s)


async def _wait_until(respx_mock: respx.MockRouter, when: datetime, header: str) -> None:
    """The wait for ``Retry-After: <header>`` (naming ``when``) is the time from the moment the
    client read it to ``when``: bracketed by the clock before and after the call (whatever
    the machine's load, not a guess of how long the call took)."""
    before = time.time()
    [wait] = await _retry_waits(respx_mock, {"Retry-After": header})
    after = time.time()

    assert when.timestamp() - after - 0.001 <= wait <= when.timestamp() - before + 0.001


async def test_retry_after_http_date_is_the_wait_used(respx_mock: respx.MockRouter) -> None:
    when = _whole_seconds_from_now(30)
    await _wait_until(respx_mock, when, format_datetime(when, usegmt=True))


async def test_retry_after_http_date_in_the_past_means_now(respx_mock: respx.MockRouter) -> None:
    assert await _retry_waits(respx_mock, {"Retry-After": _http_date(-120)}) == [0.0]


async def test_retry_after_http_date_without_zone_is_read_as_utc(
    respx_mock: respx.MockRouter,
) -> None:
    when = _whole_seconds_from_now(20)
    await _wait_until(respx_mock, when, when.strftime("%a, %d %b %Y %H:%M:%S -0000"))


async def test_retry_after_ms_is_the_wait_used(respx_mock: respx.MockRouter) -> None:
    assert await _retry_waits(respx_mock, {"retry-after-ms": "1500"}) == [1.5]


async def test_retry_after_ms_wins_over_retry_after(respx_mock: respx.MockRouter) -> None:
    waits = await _retry_waits(respx_mock, {"retry-after-ms": "250", "Retry-After": "9"})

    assert waits == [0.25]


async def test_garbage_retry_after_ms_falls_back_to_retry_after(
    respx_mock: respx.MockRouter,
) -> None:
    waits = await _retry_waits(respx_mock, {"retry-after-ms": "soon", "Retry-After": "3"})

    assert waits == [3.0]


@pytest.mark.parametrize(
    "headers",
    [{"Retry-After": "3600"}, {"retry-after-ms": "600000"}, {"Retry-After": "inf"}],
    ids=["seconds", "ms", "infinite"],
)
async def test_retry_after_is_capped_at_60_seconds(
    respx_mock: respx.MockRouter, headers: dict[str, str]
) -> None:
    assert await _retry_waits(respx_mock, headers) == [60.0]


async def test_retry_after_far_future_date_is_capped_at_60_seconds(
    respx_mock: respx.MockRouter,
) -> None:
    assert await _retry_waits(respx_mock, {"Retry-After": _http_date(86400)}) == [60.0]


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "soon"},
        {"Retry-After": ""},
        {"Retry-After": "-5"},
        {"Retry-After": "nan"},
        {"Retry-After": "Mon, 99 Foo 2025 99:99:99 GMT"},
        {"retry-after-ms": "-100"},
        {"retry-after-ms": "x"},
        {},
    ],
    ids=["word", "empty", "negative", "nan", "bad-date", "negative-ms", "bad-ms", "absent"],
)
async def test_unusable_retry_after_falls_back_to_backoff(
    respx_mock: respx.MockRouter, headers: dict[str, str]
) -> None:
    [wait] = await _retry_waits(respx_mock, headers, initial_retry_delay=0.4, max_retry_delay=0.4)

    assert 0.3 <= wait <= 0.4


@pytest.mark.parametrize("status", [455, 503])
async def test_retry_after_is_honoured_on_service_unavailable(
    respx_mock: respx.MockRouter, status: int
) -> None:
    assert await _retry_waits(respx_mock, {"Retry-After": "4"}, status=status) == [4.0]


async def test_retry_after_is_honoured_for_a_json_429_in_an_http_200(
    respx_mock: respx.MockRouter,
) -> None:
    respx_mock.get(RECORD_URL).mock(
        side_effect=[kie_error(200, code=429, headers={"Retry-After": "5"}), ok(task_data())]
    )
    async with kie(max_retries=1) as client:
        sleeps = record_sleeps(client)
        await client.get_task(TASK_ID)

    assert sleeps.delays == [5.0]


async def test_retry_after_may_exceed_max_retry_delay(respx_mock: respx.MockRouter) -> None:
    waits = await _retry_waits(
        respx_mock, {"Retry-After": "20"}, initial_retry_delay=0.5, max_retry_delay=1.0
    )

    assert waits == [20.0]


async def test_exhausted_rate_limit_error_carries_retry_after(
    respx_mock: respx.MockRouter,
) -> None:
    respx_mock.get(RECORD_URL).mock(return_value=kie_error(429, headers={"retry-after-ms": "2500"}))
    async with kie(max_retries=1) as client:
        sleeps = record_sleeps(client)
        with pytest.raises(RateLimitError) as info:
            await client.get_task(TASK_ID)

    assert info.value.retry_after == 2.5
    assert sleeps.delays == [2.5]


# -- backoff -----------------------------------------------------------------------------------


async def test_backoff_doubles_with_jitter_and_is_capped(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(RECORD_URL).mock(return_value=kie_error(500))
    async with kie(max_retries=4, initial_retry_delay=0.1, max_retry_delay=0.3) as client:
        sleeps = record_sleeps(client)
        with pytest.raises(InternalServerError):
            await client.get_task(TASK_ID)

    expected_bases = [0.1, 0.2, 0.3, 0.3]
    assert len(sleeps.delays) == len(expected_bases)
    for wait, base in zip(sleeps.delays, expected_bases, strict=True):
        assert 0.75 * base <= wait <= base


async def test_connection_errors_back_off_too(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(RECORD_URL).mock(side_effect=[httpx.ConnectError, ok(task_data())])
    async with kie(max_retries=1, initial_retry_delay=0.2, max_retry_delay=0.2) as client:
        sleeps = record_sleeps(client)
        await client.get_task(TASK_ID)

    [wait] = sleeps.delays
    assert 0.15 <= wait <= 0.2


async def test_no_sleep_when_the_first_attempt_succeeds(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(RECORD_URL).mock(return_value=ok(task_data()))
    async with kie(max_retries=3, initial_retry_delay=5, max_retry_delay=5) as client:
        sleeps = record_sleeps(client)
        await client.get_task(TASK_ID)

    assert sleeps.delays == []
