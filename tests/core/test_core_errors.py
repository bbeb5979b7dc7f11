"""Kie's errors, in both transports (HTTP status and JSON ``code`` in an HTTP 200), map to the
documented error classes with status, code, body and request; malformed answers never leak a
JSON decode error."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from kieai import (
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    InsufficientCreditsError,
    InternalServerError,
    KeyLimitExceededError,
    KieError,
    NotFoundError,
    RateLimitError,
    ServiceUnavailableError,
    UnprocessableEntityError,
)

from ._support import (
    CREDIT_URL,
    DOWNLOAD_URL_ENDPOINT,
    RECORD_URL,
    TASK_ID,
    TrackedStream,
    kie,
    kie_error,
    ok,
    task_data,
)

pytestmark = [pytest.mark.anyio, pytest.mark.respx(assert_all_called=False)]

STATUS_TABLE: list[tuple[int, type[APIStatusError]]] = [
    (400, BadRequestError),
    (401, AuthenticationError),
    (402, InsufficientCreditsError),
    (404, NotFoundError),
    (422, UnprocessableEntityError),
    (429, RateLimitError),
    (455, ServiceUnavailableError),
    (500, InternalServerError),
    (502, InternalServerError),
    (503, ServiceUnavailableError),
    (504, InternalServerError),
    (505, InternalServerError),
    (433, KeyLimitExceededError),
]

NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


async def _get_task_error(respx_mock: respx.MockRouter, response: httpx.Response) -> KieError:
    respx_mock.get(RECORD_URL).mock(return_value=response)
    async with kie(max_retries=0) as client:
        with pytest.raises(KieError) as info:
            await client.get_task(TASK_ID)
    return info.value


# -- HTTP status form ------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "cls"), STATUS_TABLE)
async def test_http_status_maps_to_error_class(
    respx_mock: respx.MockRouter, status: int, cls: type[APIStatusError]
) -> None:
    error = await _get_task_error(respx_mock, kie_error(status, msg="nope"))

    assert type(error) is cls
    assert isinstance(error, APIStatusError)
    assert error.status_code == status
    assert error.code is None
    assert error.body == {"msg": "nope"}
    assert error.response.status_code == status
    assert error.request is not None
    assert error.request.method == "GET"
    assert error.request.url.path == "/api/v1/jobs/recordInfo"
    assert "nope" in str(error)
    assert str(status) in str(error)


@pytest.mark.parametrize(("code", "cls"), STATUS_TABLE)
async def test_json_code_inside_http_200_maps_to_error_class(
    respx_mock: respx.MockRouter, code: int, cls: type[APIStatusError]
) -> None:
    response = httpx.Response(200, json={"code": code, "msg": "from the body", "data": None})
    error = await _get_task_error(respx_mock, response)

    assert type(error) is cls
    assert isinstance(error, APIStatusError)
    assert error.status_code == 200
    assert error.code == code
    assert error.body == {"code": code, "msg": "from the body", "data": None}
    assert error.request is not None
    assert error.request.method == "GET"
    assert "from the body" in str(error)


async def test_json_code_wins_over_http_status(respx_mock: respx.MockRouter) -> None:
    error = await _get_task_error(respx_mock, kie_error(500, code=402, msg="no credits"))

    assert type(error) is InsufficientCreditsError
    assert error.status_code == 500
    assert error.code == 402


async def test_json_code_given_as_string_is_read(respx_mock: respx.MockRouter) -> None:
    response = httpx.Response(200, json={"code": "401", "msg": "bad key"})
    error = await _get_task_error(respx_mock, response)

    assert type(error) is AuthenticationError
    assert error.code == 401


@pytest.mark.parametrize("code", ["²", "9" * 5000, "-1", 401.0, True])
async def test_unreadable_json_code_falls_back_to_the_http_status(
    respx_mock: respx.MockRouter, code: object
) -> None:
    response = httpx.Response(503, json={"code": code, "msg": "odd code"})
    error = await _get_task_error(respx_mock, response)

    assert type(error) is ServiceUnavailableError
    assert isinstance(error, APIStatusError)
    assert error.code is None


async def test_message_field_is_read_like_msg(respx_mock: respx.MockRouter) -> None:
    response = httpx.Response(200, json={"code": 422, "message": "input_urls is required"})
    error = await _get_task_error(respx_mock, response)

    assert type(error) is UnprocessableEntityError
    assert isinstance(error, APIStatusError)
    assert error.message.startswith("Error code: 422 - input_urls is required")


async def test_nginx_html_502_is_a_status_error_not_a_decode_error(
    respx_mock: respx.MockRouter,
) -> None:
    response = httpx.Response(502, text=NGINX_502, headers={"content-type": "text/html"})
    error = await _get_task_error(respx_mock, response)

    assert type(error) is InternalServerError
    assert isinstance(error, APIStatusError)
    assert error.status_code == 502
    assert error.code is None
    assert error.body == NGINX_502
    assert "502 Bad Gateway" in str(error)
    assert not isinstance(error.__cause__, json.JSONDecodeError)


async def test_plain_text_401_is_an_authentication_error(respx_mock: respx.MockRouter) -> None:
    error = await _get_task_error(respx_mock, httpx.Response(401, text="Unauthorized"))

    assert type(error) is AuthenticationError
    assert isinstance(error, APIStatusError)
    assert error.body == "Unauthorized"


async def test_empty_error_body_maps_by_http_status(respx_mock: respx.MockRouter) -> None:
    error = await _get_task_error(respx_mock, httpx.Response(404))

    assert type(error) is NotFoundError
    assert isinstance(error, APIStatusError)
    assert error.body is None


async def test_json_list_error_body_maps_by_http_status(respx_mock: respx.MockRouter) -> None:
    error = await _get_task_error(respx_mock, httpx.Response(400, json=["bad", "request"]))

    assert type(error) is BadRequestError
    assert isinstance(error, APIStatusError)
    assert error.body == ["bad", "request"]


async def test_success_false_without_code_is_an_error(respx_mock: respx.MockRouter) -> None:
    response = httpx.Response(401, json={"success": False, "msg": "Authentication failed"})
    error = await _get_task_error(respx_mock, response)

    assert type(error) is AuthenticationError


async def test_rate_limit_error_is_raised_with_its_retry_after(
    respx_mock: respx.MockRouter,
) -> None:
    error = await _get_task_error(
        respx_mock, kie_error(429, msg="slow down", headers={"Retry-After": "12"})
    )

    assert isinstance(error, RateLimitError)
    assert error.retry_after == 12.0


async def test_rate_limit_error_without_hint_has_no_retry_after(
    respx_mock: respx.MockRouter,
) -> None:
    error = await _get_task_error(respx_mock, kie_error(200, code=429))

    assert isinstance(error, RateLimitError)
    assert error.retry_after is None


async def test_status_error_repr_names_class_and_message(respx_mock: respx.MockRouter) -> None:
    error = await _get_task_error(respx_mock, kie_error(404, msg="task not found"))

    assert repr(error).startswith("NotFoundError(")
    assert "task not found" in repr(error)


# -- 2xx with the wrong shape ----------------------------------------------------------------


async def test_non_json_200_is_a_validation_error_naming_the_content(
    respx_mock: respx.MockRouter,
) -> None:
    response = httpx.Response(
        200, text="<html>maintenance</html>", headers={"content-type": "text/html"}
    )
    error = await _get_task_error(respx_mock, response)

    assert type(error) is APIResponseValidationError
    assert "non-JSON" in str(error)
    assert "text/html" in str(error)
    assert error.body == "<html>maintenance</html>"
    assert error.request is not None
    assert error.request.method == "GET"


async def test_empty_200_is_a_validation_error(respx_mock: respx.MockRouter) -> None:
    error = await _get_task_error(respx_mock, httpx.Response(200))

    assert type(error) is APIResponseValidationError
    assert "empty body" in str(error)


async def test_json_list_200_is_a_validation_error(respx_mock: respx.MockRouter) -> None:
    error = await _get_task_error(respx_mock, httpx.Response(200, json=[1, 2, 3]))

    assert type(error) is APIResponseValidationError
    assert "JSON list" in str(error)


async def test_200_without_data_is_a_validation_error(respx_mock: respx.MockRouter) -> None:
    error = await _get_task_error(respx_mock, httpx.Response(200, json={"code": 200, "msg": "ok"}))

    assert type(error) is APIResponseValidationError
    assert "no 'data'" in str(error)


async def test_200_with_null_data_is_a_validation_error(respx_mock: respx.MockRouter) -> None:
    error = await _get_task_error(respx_mock, ok(None))

    assert type(error) is APIResponseValidationError
    assert "no 'data'" in str(error)


async def test_task_without_task_id_is_a_validation_error_naming_it(
    respx_mock: respx.MockRouter,
) -> None:
    data = task_data()
    del data["taskId"]
    error = await _get_task_error(respx_mock, ok(data))

    assert type(error) is APIResponseValidationError
    assert "taskId" in str(error)
    assert error.body == data


async def test_task_without_state_is_a_validation_error_naming_it(
    respx_mock: respx.MockRouter,
) -> None:
    data = task_data()
    del data["state"]
    error = await _get_task_error(respx_mock, ok(data))

    assert type(error) is APIResponseValidationError
    assert "state" in str(error)


async def test_task_data_that_is_not_an_object_is_a_validation_error(
    respx_mock: respx.MockRouter,
) -> None:
    error = await _get_task_error(respx_mock, ok("task_123"))

    assert type(error) is APIResponseValidationError


# asyncio only: on trio, httpx's nested body generators abandoned by its own DecodingError
# are finalised with a ResourceWarning from httpx internals, which -W error would turn into a
# failure unrelated to kieai.
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_garbled_gzip_body_is_a_kie_error_not_an_httpx_error(
    respx_mock: respx.MockRouter,
) -> None:
    response = httpx.Response(
        200, headers={"content-encoding": "gzip"}, stream=TrackedStream([b"not gzip at all"])
    )
    error = await _get_task_error(respx_mock, response)

    assert isinstance(error, KieError)


# -- credits and download-url ----------------------------------------------------------------


@pytest.mark.parametrize(("data", "expected"), [(100, 100.0), (812.5, 812.5), ("42.25", 42.25)])
async def test_get_credits_reads_numbers_and_numeric_strings(
    respx_mock: respx.MockRouter, data: object, expected: float
) -> None:
    respx_mock.get(CREDIT_URL).mock(return_value=ok(data))
    async with kie() as client:
        assert await client.get_credits() == expected


@pytest.mark.parametrize(
    "data",
    [True, None, "lots", {"credits": 1}, [1], "nan", "inf", 10**400],
    ids=["bool", "null", "text", "object", "list", "nan", "inf", "huge-int"],
)
async def test_get_credits_rejects_non_numbers(respx_mock: respx.MockRouter, data: object) -> None:
    respx_mock.get(CREDIT_URL).mock(return_value=ok(data))
    async with kie() as client:
        with pytest.raises(APIResponseValidationError):
            await client.get_credits()


async def test_get_credits_maps_json_401(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(CREDIT_URL).mock(
        return_value=kie_error(200, code=401, msg="You do not have access permissions")
    )
    async with kie() as client:
        with pytest.raises(AuthenticationError, match="access permissions"):
            await client.get_credits()


async def test_get_download_url_returns_the_link_and_posts_the_url(
    respx_mock: respx.MockRouter,
) -> None:
    route = respx_mock.post(DOWNLOAD_URL_ENDPOINT).mock(
        return_value=ok("https://tempfile.redpandaai.co/dl/result.mp4")
    )
    async with kie() as client:
        link = await client.get_download_url("https://cdn.kie.ai/result.mp4")

    assert link == "https://tempfile.redpandaai.co/dl/result.mp4"
    assert json.loads(route.calls.last.request.content) == {"url": "https://cdn.kie.ai/result.mp4"}


async def test_get_download_url_rejects_a_non_url_answer(respx_mock: respx.MockRouter) -> None:
    respx_mock.post(DOWNLOAD_URL_ENDPOINT).mock(return_value=ok(12345))
    async with kie() as client:
        with pytest.raises(APIResponseValidationError, match="expected a URL"):
            await client.get_download_url("https://cdn.kie.ai/result.mp4")


async def test_get_download_url_maps_422_for_an_external_url(respx_mock: respx.MockRouter) -> None:
    respx_mock.post(DOWNLOAD_URL_ENDPOINT).mock(
        return_value=kie_error(200, code=422, msg="only kie generated urls")
    )
    async with kie() as client:
        with pytest.raises(UnprocessableEntityError):
            await client.get_download_url("https://example.com/video.mp4")


async def test_get_download_url_checks_its_argument_before_sending(
    respx_mock: respx.MockRouter,
) -> None:
    route = respx_mock.post(DOWNLOAD_URL_ENDPOINT).mock(return_value=ok("https://x/y"))
    async with kie() as client:
        with pytest.raises(ValueError, match="url"):
            await client.get_download_url("ftp://cdn.kie.ai/result.mp4")
    assert route.call_count == 0
