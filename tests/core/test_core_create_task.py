"""createTask is never sent twice unless the first attempt provably created nothing."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest
import respx

from kieai import (
    APIConnectionError,
    APIResponseValidationError,
    AuthenticationError,
    BadRequestError,
    InsufficientCreditsError,
    InternalServerError,
    KeyLimitExceededError,
    KieInputError,
    RateLimitError,
    ServiceUnavailableError,
    TaskCreationUncertainError,
)

from ._support import (
    CREATE_URL,
    INPUT,
    MODEL,
    TASK_ID,
    TrackedStream,
    created,
    header_values,
    kie,
    kie_error,
    ok,
    record_sleeps,
)

pytestmark = [pytest.mark.anyio, pytest.mark.respx(assert_all_called=False)]


# -- sent once -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "exc",
    [
        httpx.WriteTimeout,
        httpx.RemoteProtocolError,
        httpx.ReadError,
        httpx.WriteError,
    ],
)
async def test_create_task_is_not_resent_when_the_answer_is_lost(
    respx_mock: respx.MockRouter, exc: type[Exception]
) -> None:
    route = respx_mock.post(CREATE_URL).mock(side_effect=[exc, created()])
    async with kie(max_retries=3) as client:
        with pytest.raises(TaskCreationUncertainError) as info:
            await client.create_task(MODEL, INPUT)

    assert route.call_count == 1
    error = info.value
    assert isinstance(error.cause, exc)
    assert error.request is not None
    assert error.request.method == "POST"
    assert error.request.url == CREATE_URL
    assert "not resent" in str(error)


async def test_create_task_is_not_resent_after_read_timeout(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post(CREATE_URL).mock(side_effect=httpx.ReadTimeout)
    async with kie(max_retries=5) as client:
        with pytest.raises(TaskCreationUncertainError) as info:
            await client.create_task(MODEL, INPUT)

    assert route.call_count == 1
    assert isinstance(info.value.cause, httpx.ReadTimeout)


async def test_create_task_is_not_resent_when_the_body_breaks_off(
    respx_mock: respx.MockRouter,
) -> None:
    body = TrackedStream([b'{"code": 200, "data": {"ta'], error=httpx.ReadError("reset"))
    route = respx_mock.post(CREATE_URL).mock(return_value=httpx.Response(200, stream=body))
    async with kie(max_retries=3) as client:
        with pytest.raises(TaskCreationUncertainError) as info:
            await client.create_task(MODEL, INPUT)

    assert route.call_count == 1
    assert isinstance(info.value.cause, httpx.ReadError)
    assert body.closed


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (500, InternalServerError),
        (502, InternalServerError),
        (503, ServiceUnavailableError),
        (504, InternalServerError),
    ],
)
async def test_create_task_is_not_resent_after_a_server_error(
    respx_mock: respx.MockRouter, status: int, cls: type[Exception]
) -> None:
    route = respx_mock.post(CREATE_URL).mock(side_effect=[kie_error(status), created()])
    async with kie(max_retries=3) as client:
        with pytest.raises(cls):
            await client.create_task(MODEL, INPUT)

    assert route.call_count == 1


async def test_create_task_is_not_resent_after_a_json_500(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post(CREATE_URL).mock(side_effect=[kie_error(200, code=500), created()])
    async with kie(max_retries=3) as client:
        with pytest.raises(InternalServerError):
            await client.create_task(MODEL, INPUT)

    assert route.call_count == 1


@pytest.mark.parametrize(
    ("code", "cls"),
    [(400, BadRequestError), (401, AuthenticationError), (402, InsufficientCreditsError)],
)
async def test_create_task_client_errors_are_raised_at_once(
    respx_mock: respx.MockRouter, code: int, cls: type[Exception]
) -> None:
    route = respx_mock.post(CREATE_URL).mock(return_value=kie_error(200, code=code))
    async with kie(max_retries=3) as client:
        with pytest.raises(cls):
            await client.create_task(MODEL, INPUT)

    assert route.call_count == 1


@pytest.mark.parametrize(
    "data",
    [{}, {"taskId": ""}, {"taskId": None}, {"taskId": 123}, None, "task_1"],
    ids=["empty", "blank", "null", "number", "no-data", "string-data"],
)
async def test_create_task_200_without_task_id_is_uncertain(
    respx_mock: respx.MockRouter, data: object
) -> None:
    route = respx_mock.post(CREATE_URL).mock(side_effect=[ok(data), created()])
    async with kie(max_retries=3) as client:
        with pytest.raises(TaskCreationUncertainError) as info:
            await client.create_task(MODEL, INPUT)

    assert route.call_count == 1
    assert isinstance(info.value.cause, APIResponseValidationError)
    assert info.value.request is not None


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>OK</html>", headers={"content-type": "text/html"}),
        httpx.Response(200),
        httpx.Response(200, json=["task_1"]),
    ],
    ids=["html", "empty", "json-list"],
)
async def test_create_task_2xx_that_is_not_kie_json_is_uncertain(
    respx_mock: respx.MockRouter, response: httpx.Response
) -> None:
    route = respx_mock.post(CREATE_URL).mock(side_effect=[response, created()])
    async with kie(max_retries=3) as client:
        with pytest.raises(TaskCreationUncertainError) as info:
            await client.create_task(MODEL, INPUT)

    assert route.call_count == 1
    assert isinstance(info.value.cause, APIResponseValidationError)


# -- retried when nothing was created ----------------------------------------------------------


@pytest.mark.parametrize("exc", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
async def test_create_task_is_retried_when_the_connection_never_opened(
    respx_mock: respx.MockRouter, exc: type[Exception]
) -> None:
    route = respx_mock.post(CREATE_URL).mock(side_effect=[exc, created()])
    async with kie(max_retries=2) as client:
        assert await client.create_task(MODEL, INPUT) == TASK_ID

    assert route.call_count == 2
    assert header_values(route, "x-kieai-retry-count") == ["0", "1"]


@pytest.mark.parametrize("form", ["http", "json"])
@pytest.mark.parametrize("status", [429, 455])
async def test_create_task_is_retried_after_rejection(
    respx_mock: respx.MockRouter, status: int, form: str
) -> None:
    rejection = kie_error(status) if form == "http" else kie_error(200, code=status)
    route = respx_mock.post(CREATE_URL).mock(side_effect=[rejection, rejection, created()])
    async with kie(max_retries=2) as client:
        assert await client.create_task(MODEL, INPUT) == TASK_ID

    assert route.call_count == 3
    assert header_values(route, "x-kieai-retry-count") == ["0", "1", "2"]


async def test_create_task_rate_limit_waits_for_retry_after(respx_mock: respx.MockRouter) -> None:
    respx_mock.post(CREATE_URL).mock(
        side_effect=[kie_error(429, headers={"Retry-After": "3"}), created()]
    )
    async with kie(max_retries=1) as client:
        sleeps = record_sleeps(client)
        assert await client.create_task(MODEL, INPUT) == TASK_ID

    assert sleeps.delays == [3.0]


async def test_create_task_rate_limit_exhausted_raises_rate_limit_error(
    respx_mock: respx.MockRouter,
) -> None:
    route = respx_mock.post(CREATE_URL).mock(return_value=kie_error(429))
    async with kie(max_retries=2) as client:
        with pytest.raises(RateLimitError):
            await client.create_task(MODEL, INPUT)

    assert route.call_count == 3


async def test_create_task_connect_error_exhausted_raises_connection_error(
    respx_mock: respx.MockRouter,
) -> None:
    route = respx_mock.post(CREATE_URL).mock(side_effect=httpx.ConnectError)
    async with kie(max_retries=1) as client:
        with pytest.raises(APIConnectionError):
            await client.create_task(MODEL, INPUT)

    assert route.call_count == 2


async def test_create_task_after_a_rejection_a_lost_answer_is_still_not_resent(
    respx_mock: respx.MockRouter,
) -> None:
    route = respx_mock.post(CREATE_URL).mock(
        side_effect=[kie_error(429), httpx.ReadTimeout, created()]
    )
    async with kie(max_retries=5) as client:
        with pytest.raises(TaskCreationUncertainError):
            await client.create_task(MODEL, INPUT)

    assert route.call_count == 2


# -- the request ------------------------------------------------------------------------------


async def test_create_task_without_callback_leaves_callbackurl_out(
    respx_mock: respx.MockRouter,
) -> None:
    route = respx_mock.post(CREATE_URL).mock(return_value=created())
    async with kie() as client:
        await client.create_task(MODEL, INPUT, callback_url=None)

    body = json.loads(route.calls.last.request.content)
    assert body == {"model": MODEL, "input": INPUT}


async def test_create_task_sends_the_callback_url(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post(CREATE_URL).mock(return_value=created())
    async with kie() as client:
        await client.create_task(MODEL, INPUT, callback_url="https://example.com/hook")

    body = json.loads(route.calls.last.request.content)
    assert body == {"model": MODEL, "callBackUrl": "https://example.com/hook", "input": INPUT}


async def test_create_task_sends_bearer_auth_and_json(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post(CREATE_URL).mock(return_value=created())
    async with kie() as client:
        await client.create_task(MODEL, INPUT)

    request = route.calls.last.request
    assert request.headers["authorization"] == "Bearer sk-test-secret-123"
    assert request.headers["content-type"] == "application/json"


async def test_create_task_returns_the_task_id_stripped(respx_mock: respx.MockRouter) -> None:
    respx_mock.post(CREATE_URL).mock(return_value=created(f"  {TASK_ID}\n"))
    async with kie() as client:
        assert await client.create_task(MODEL, INPUT) == TASK_ID


async def test_create_task_reads_a_message_envelope(respx_mock: respx.MockRouter) -> None:
    respx_mock.post(CREATE_URL).mock(
        return_value=httpx.Response(
            200, json={"code": 200, "message": "ok", "data": {"taskId": "t1"}}
        )
    )
    async with kie() as client:
        assert await client.create_task(MODEL, INPUT) == "t1"


@pytest.mark.parametrize(
    ("model", "input_", "callback_url", "named"),
    [
        ("", INPUT, None, "model"),
        (MODEL, ["not", "a", "dict"], None, "input"),
        (MODEL, INPUT, "ftp://example.com/hook", "callback_url"),
        (MODEL, INPUT, "example.com/hook", "callback_url"),
    ],
)
async def test_create_task_checks_arguments_before_sending(
    respx_mock: respx.MockRouter,
    model: str,
    input_: object,
    callback_url: str | None,
    named: str,
) -> None:
    route = respx_mock.post(CREATE_URL).mock(return_value=created())
    async with kie() as client:
        with pytest.raises(KieInputError, match=named):
            await client.create_task(model, input_, callback_url=callback_url)  # pyright: ignore[reportArgumentType]

    assert route.call_count == 0


@pytest.mark.parametrize("status", [502, 500, 503, 404])
async def test_an_http_error_status_carrying_kie_success_returns_the_task_id(
    respx_mock: respx.MockRouter, status: int
) -> None:
    answer = httpx.Response(
        status, json={"code": 200, "msg": "success", "data": {"taskId": TASK_ID}}
    )
    route = respx_mock.post(CREATE_URL).mock(return_value=answer)
    async with kie(max_retries=3) as client:
        assert await client.create_task(MODEL, INPUT) == TASK_ID

    assert route.call_count == 1


async def test_a_503_on_create_task_says_whether_a_task_may_exist(
    respx_mock: respx.MockRouter,
) -> None:
    respx_mock.post(CREATE_URL).mock(return_value=kie_error(503, code=503, msg="Unavailable"))
    async with kie(max_retries=3) as client:
        with pytest.raises(ServiceUnavailableError) as info:
            await client.create_task(MODEL, INPUT)

    message = str(info.value)
    assert "probably not created" in message
    assert "not resent" in message
    assert "kie.ai/logs" in message


async def test_a_433_on_create_task_is_a_key_limit_not_a_wait(
    respx_mock: respx.MockRouter,
) -> None:
    route = respx_mock.post(CREATE_URL).mock(
        return_value=kie_error(200, code=433, msg="Sub-key usage exceeds the limit")
    )
    async with kie(max_retries=3) as client:
        with pytest.raises(KeyLimitExceededError) as info:
            await client.create_task(MODEL, INPUT)

    assert route.call_count == 1
    assert "waiting will not help" in str(info.value)
    assert "kie.ai/api-key" in str(info.value)


@pytest.mark.parametrize("answer", ["garbled", "oversized"])
async def test_a_garbled_or_oversized_create_answer_is_uncertain_and_not_resent(
    respx_mock: respx.MockRouter, answer: str
) -> None:
    if answer == "garbled":
        body = b"\x1f\x8b\x08\x00garbage that is not deflate data at all"
    else:
        body = gzip.compress(b" " * (17 * 1024 * 1024))
    route = respx_mock.post(CREATE_URL).mock(
        return_value=httpx.Response(
            200, headers={"content-encoding": "gzip"}, stream=TrackedStream([body])
        )
    )
    async with kie(max_retries=3) as client:
        with pytest.raises(TaskCreationUncertainError, match="may exist"):
            await client.create_task(MODEL, INPUT)

    assert route.call_count == 1
