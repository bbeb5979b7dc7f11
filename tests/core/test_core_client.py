"""KieClient configuration: the API key and base URLs from arguments or the environment,
validation of every argument, ownership of the HTTP client, and the key kept out of reprs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from kieai import KieClient, KieError, KieInputError

from ._support import API_KEY, CREDIT_URL, SSL_CONTEXT, kie, make_client, ok

pytestmark = [pytest.mark.anyio, pytest.mark.respx(assert_all_called=False)]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("KIE_API_KEY", "KIE_BASE_URL", "KIE_UPLOAD_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# -- the API key -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "   "], ids=["unset", "empty", "blank"])
def test_missing_api_key_raises_at_construction_naming_the_variable(
    clean_env: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is not None:
        clean_env.setenv("KIE_API_KEY", value)
    with pytest.raises(KieError, match="KIE_API_KEY"):
        KieClient()


def test_explicit_empty_api_key_is_refused(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("KIE_API_KEY", "sk-from-env")
    with pytest.raises(KieError, match="KIE_API_KEY"):
        KieClient(api_key="")


async def test_api_key_falls_back_to_the_environment(
    clean_env: pytest.MonkeyPatch, respx_mock: respx.MockRouter
) -> None:
    clean_env.setenv("KIE_API_KEY", "sk-from-env-456")
    route = respx_mock.get(CREDIT_URL).mock(return_value=ok(5))
    async with (
        httpx.AsyncClient(verify=SSL_CONTEXT) as http_client,
        KieClient(http_client=http_client) as client,
    ):
        await client.get_credits()

    assert route.calls.last.request.headers["authorization"] == "Bearer sk-from-env-456"


async def test_explicit_api_key_wins_over_the_environment(
    clean_env: pytest.MonkeyPatch, respx_mock: respx.MockRouter
) -> None:
    clean_env.setenv("KIE_API_KEY", "sk-from-env-456")
    route = respx_mock.get(CREDIT_URL).mock(return_value=ok(5))
    async with kie() as client:
        await client.get_credits()

    assert route.calls.last.request.headers["authorization"] == f"Bearer {API_KEY}"


# -- base URLs ---------------------------------------------------------------------------------


def test_default_base_urls(clean_env: pytest.MonkeyPatch) -> None:
    client = KieClient(api_key=API_KEY, http_client=httpx.AsyncClient(verify=SSL_CONTEXT))

    assert client.base_url == "https://api.kie.ai"
    assert client.upload_base_url == "https://kieai.redpandaai.co"


async def test_base_url_falls_back_to_the_environment(
    clean_env: pytest.MonkeyPatch, respx_mock: respx.MockRouter
) -> None:
    clean_env.setenv("KIE_BASE_URL", "http://127.0.0.1:8787/")
    route = respx_mock.get("http://127.0.0.1:8787/api/v1/chat/credit").mock(return_value=ok(1))
    async with kie() as client:
        assert client.base_url == "http://127.0.0.1:8787"
        await client.get_credits()

    assert route.call_count == 1


def test_upload_base_url_falls_back_to_the_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("KIE_UPLOAD_BASE_URL", "https://uploads.example.test")
    client = make_client(http_client=httpx.AsyncClient(verify=SSL_CONTEXT))

    assert client.upload_base_url == "https://uploads.example.test"


def test_explicit_base_urls_win_over_the_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("KIE_BASE_URL", "https://env.example.test")
    clean_env.setenv("KIE_UPLOAD_BASE_URL", "https://env-upload.example.test")
    client = make_client(
        base_url="https://arg.example.test",
        upload_base_url="https://arg-upload.example.test",
        http_client=httpx.AsyncClient(verify=SSL_CONTEXT),
    )

    assert client.base_url == "https://arg.example.test"
    assert client.upload_base_url == "https://arg-upload.example.test"


# -- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": 1.5}, "max_retries"),
        ({"max_retries": True}, "max_retries"),
        ({"initial_retry_delay": -0.1}, "initial_retry_delay"),
        ({"initial_retry_delay": "fast"}, "initial_retry_delay"),
        ({"initial_retry_delay": float("nan")}, "initial_retry_delay"),
        ({"initial_retry_delay": 2.0, "max_retry_delay": 1.0}, "max_retry_delay"),
        ({"max_retry_delay": None}, "max_retry_delay"),
        ({"create_task_rate": (0, 10.0)}, "create_task_rate"),
        ({"create_task_rate": (20, 0)}, "create_task_rate"),
        ({"create_task_rate": (20, "10")}, "create_task_rate"),
        ({"create_task_rate": (20, None)}, "create_task_rate"),
        ({"create_task_rate": 20}, "create_task_rate"),
        ({"get_task_rate": (1.5, 1.0)}, "get_task_rate"),
        ({"get_task_rate": (10, 1.0, 3)}, "get_task_rate"),
        ({"base_url": "api.kie.ai"}, "base_url"),
        ({"base_url": 42}, "base_url"),
        ({"upload_base_url": "ftp://kieai.redpandaai.co"}, "upload_base_url"),
        ({"http_client": object()}, "http_client"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": -5.0}, "timeout"),
        ({"timeout": "60"}, "timeout"),
    ],
)
def test_bad_constructor_argument_is_a_kie_input_error_naming_it(
    kwargs: dict[str, Any], named: str
) -> None:
    with pytest.raises(KieInputError, match=named) as info:
        make_client(**kwargs)

    assert isinstance(info.value, ValueError)
    assert any(named in problem for problem in info.value.problems)


def test_every_bad_constructor_argument_is_reported_together() -> None:
    with pytest.raises(KieInputError) as info:
        make_client(max_retries=-1, base_url="nope", get_task_rate=(0, 1.0))

    assert len(info.value.problems) == 3


@pytest.mark.parametrize(
    "timeout", [30, 2.5, httpx.Timeout(5.0, connect=1.0)], ids=["int", "float", "timeout"]
)
def test_good_timeouts_are_accepted(timeout: float | httpx.Timeout) -> None:
    client = make_client(timeout=timeout, http_client=httpx.AsyncClient(verify=SSL_CONTEXT))

    assert client.max_retries == 2


# -- lifecycle -------------------------------------------------------------------------------


async def test_callers_http_client_is_not_closed_by_aclose() -> None:
    async with httpx.AsyncClient(verify=SSL_CONTEXT) as http_client:
        client = make_client(http_client=http_client)
        await client.aclose()

        assert not http_client.is_closed


async def test_callers_http_client_is_not_closed_by_the_context_manager() -> None:
    async with httpx.AsyncClient(verify=SSL_CONTEXT) as http_client:
        async with make_client(http_client=http_client):
            pass

        assert not http_client.is_closed


async def test_owned_http_client_is_closed_by_aclose() -> None:
    client = make_client()
    owned = client._transport.http_client  # pyright: ignore[reportPrivateUsage]
    await client.aclose()

    assert owned.is_closed


async def test_aclose_twice_is_harmless() -> None:
    client = make_client()
    await client.aclose()
    await client.aclose()

    assert client._transport.http_client.is_closed  # pyright: ignore[reportPrivateUsage]


async def test_callers_http_client_keeps_its_own_timeout(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(CREDIT_URL).mock(return_value=ok(1))
    async with httpx.AsyncClient(verify=SSL_CONTEXT, timeout=3.0) as http_client:
        async with make_client(http_client=http_client) as client:
            await client.get_credits()

    assert route.calls.last.request.extensions["timeout"]["read"] == 3.0


async def test_explicit_timeout_applies_to_a_callers_http_client(
    respx_mock: respx.MockRouter,
) -> None:
    route = respx_mock.get(CREDIT_URL).mock(return_value=ok(1))
    async with httpx.AsyncClient(verify=SSL_CONTEXT, timeout=3.0) as http_client:
        async with make_client(http_client=http_client, timeout=7.0) as client:
            await client.get_credits()

    assert route.calls.last.request.extensions["timeout"]["read"] == 7.0


async def test_default_timeout_is_60_s_read_10_s_connect(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(CREDIT_URL).mock(return_value=ok(1))
    async with make_client() as client:
        await client.get_credits()

    timeout = route.calls.last.request.extensions["timeout"]
    assert timeout["read"] == 60.0
    assert timeout["connect"] == 10.0


# -- the key stays secret --------------------------------------------------------------------


def test_repr_does_not_contain_the_api_key() -> None:
    client = make_client(http_client=httpx.AsyncClient(verify=SSL_CONTEXT))

    assert API_KEY not in repr(client)
    assert API_KEY not in str(client)
    assert "api.kie.ai" in repr(client)


def test_motion_control_resource_is_built_once() -> None:
    client = make_client(http_client=httpx.AsyncClient(verify=SSL_CONTEXT))

    assert client.motion_control is client.motion_control
