"""The API key never appears in logs, error messages or reprs; KIE_LOG turns on one redacting
stderr handler."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from typing import cast

import httpx
import pytest
import respx

import kieai._logging
from kieai import KieError
from kieai._secrets import Redactor

from ._support import (
    API_KEY,
    CREATE_URL,
    CREDIT_URL,
    INPUT,
    MODEL,
    RECORD_URL,
    TASK_ID,
    created,
    kie,
    kie_error,
    ok,
    task_data,
)

pytestmark = pytest.mark.respx(assert_all_called=False)


@pytest.mark.anyio
async def test_api_key_is_absent_from_debug_logs_of_a_full_cycle(
    respx_mock: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="kieai")
    respx_mock.post(CREATE_URL).mock(side_effect=[kie_error(429), httpx.ConnectError, created()])
    respx_mock.get(RECORD_URL).mock(
        side_effect=[
            kie_error(500),
            httpx.ReadTimeout,
            ok(task_data("generating")),
            ok(task_data("success")),
        ]
    )
    respx_mock.get(CREDIT_URL).mock(return_value=kie_error(401, msg="bad key"))
    async with kie(max_retries=2) as client:
        await client.create_task(MODEL, INPUT)
        await client.wait_for_task(TASK_ID, poll_interval=0.001, max_poll_interval=0.001)
        with pytest.raises(KieError):
            await client.get_credits()

    text = caplog.text
    assert "Retrying" in text  # the cycle did log its retries and errors
    assert "recordInfo" in text
    assert API_KEY not in text
    assert "Bearer" not in text
    for record in caplog.records:
        assert API_KEY not in record.getMessage()


@pytest.mark.anyio
@pytest.mark.parametrize(
    "answer",
    [
        kie_error(401, msg=f"Invalid API key: {API_KEY}"),
        kie_error(200, code=401, msg=f"Authorization: Bearer {API_KEY} is not allowed"),
        httpx.Response(403, text=f"<html>forbidden for key {API_KEY}</html>"),
    ],
    ids=["json-msg", "json-code", "html"],
)
async def test_api_key_echoed_by_the_server_is_not_in_the_error_message(
    respx_mock: respx.MockRouter, answer: httpx.Response
) -> None:
    respx_mock.get(CREDIT_URL).mock(return_value=answer)
    async with kie(max_retries=0) as client:
        with pytest.raises(KieError) as info:
            await client.get_credits()

    assert API_KEY not in str(info.value)
    assert API_KEY not in repr(info.value)


@pytest.mark.anyio
@pytest.mark.parametrize(
    "failure",
    [
        kie_error(401),
        kie_error(200, code=402),
        kie_error(429),
        kie_error(502),
        kie_error(433),
        httpx.Response(200, text="not json"),
        httpx.ConnectError,
        httpx.ReadTimeout,
    ],
)
async def test_api_key_is_absent_from_every_error_str_and_repr(
    respx_mock: respx.MockRouter, failure: httpx.Response | type[Exception]
) -> None:
    if isinstance(failure, httpx.Response):
        respx_mock.get(RECORD_URL).mock(return_value=failure)
    else:
        respx_mock.get(RECORD_URL).mock(side_effect=failure)
    async with kie(max_retries=0) as client:
        with pytest.raises(KieError) as info:
            await client.get_task(TASK_ID)

    assert API_KEY not in str(info.value)
    assert API_KEY not in repr(info.value)


@pytest.mark.anyio
@pytest.mark.parametrize("failure", [httpx.ReadTimeout, httpx.RemoteProtocolError])
async def test_api_key_is_absent_from_task_creation_uncertain_error(
    respx_mock: respx.MockRouter, failure: type[Exception]
) -> None:
    respx_mock.post(CREATE_URL).mock(side_effect=failure)
    async with kie() as client:
        with pytest.raises(KieError) as info:
            await client.create_task(MODEL, INPUT)

    assert API_KEY not in str(info.value)
    assert API_KEY not in repr(info.value)


# -- KIE_LOG ---------------------------------------------------------------------------------


def _env_handlers() -> list[logging.Handler]:
    return [
        h for h in logging.getLogger("kieai").handlers if getattr(h, "_kieai_env_handler", False)
    ]


@pytest.fixture
def restore_kieai_logger() -> Iterator[logging.Logger]:
    log = logging.getLogger("kieai")
    handlers, level = list(log.handlers), log.level
    for handler in _env_handlers():
        log.removeHandler(handler)
    yield log
    for handler in list(log.handlers):
        if handler not in handlers:
            log.removeHandler(handler)
    for handler in handlers:
        if handler not in log.handlers:
            log.addHandler(handler)
    log.setLevel(level)


@pytest.mark.parametrize(("value", "level"), [("debug", logging.DEBUG), ("INFO", logging.INFO)])
def test_kie_log_adds_exactly_one_stderr_handler(
    monkeypatch: pytest.MonkeyPatch,
    restore_kieai_logger: logging.Logger,
    value: str,
    level: int,
) -> None:
    monkeypatch.setenv("KIE_LOG", value)
    kieai._logging.setup_from_env()
    kieai._logging.setup_from_env()

    [handler] = _env_handlers()
    assert isinstance(handler, logging.StreamHandler)
    assert handler.stream is sys.stderr  # pyright: ignore[reportUnknownMemberType]
    assert restore_kieai_logger.level == level


@pytest.mark.parametrize("value", ["", "verbose", "0"])
def test_kie_log_unset_or_unknown_adds_no_handler(
    monkeypatch: pytest.MonkeyPatch, restore_kieai_logger: logging.Logger, value: str
) -> None:
    monkeypatch.setenv("KIE_LOG", value)
    kieai._logging.setup_from_env()

    assert _env_handlers() == []


def test_kie_log_handler_redacts_bearer_tokens(
    monkeypatch: pytest.MonkeyPatch,
    restore_kieai_logger: logging.Logger,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KIE_LOG", "debug")
    kieai._logging.setup_from_env()

    restore_kieai_logger.debug("sending with Authorization: Bearer xxx-token-abc")
    restore_kieai_logger.debug(
        "headers %s", {"Authorization": "Bearer yyy-token-def", "Accept": "json"}
    )
    restore_kieai_logger.info("token %s", "Bearer zzz-token-ghi")
    err = capsys.readouterr().err

    assert "xxx-token-abc" not in err
    assert "yyy-token-def" not in err
    assert "zzz-token-ghi" not in err
    assert err.count("[REDACTED]") == 3
    assert "'Accept': 'json'" in err


def test_child_logger_records_are_redacted_by_the_kie_log_handler(
    monkeypatch: pytest.MonkeyPatch,
    restore_kieai_logger: logging.Logger,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KIE_LOG", "debug")
    kieai._logging.setup_from_env()

    logging.getLogger("kieai.sub").warning("bearer abc.def.ghi")

    err = capsys.readouterr().err
    assert "abc.def.ghi" not in err
    assert "[REDACTED]" in err


def test_authorization_values_in_mapping_arguments_are_redacted(
    restore_kieai_logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="kieai")

    restore_kieai_logger.debug(
        "request %s %s", {"Authorization": "Bearer t0ken-1", "X-Id": 7}, ["Bearer t0ken-2"]
    )

    assert "t0ken-1" not in caplog.text
    assert "t0ken-2" not in caplog.text
    assert "'X-Id': 7" in caplog.text


LONG_KEY = "sk-SECRET-1234567890abcdefghijklmnopqrstuvwxyz"


def _prefixes(secret: str) -> list[str]:
    """Every prefix of ``secret`` longer than 3 characters: none may survive anywhere."""
    return [secret[:n] for n in range(4, len(secret) + 1)]


def _leaks(text: str, secret: str) -> list[str]:
    return [prefix for prefix in _prefixes(secret) if prefix in text]


def _everything(error: BaseException) -> str:
    parts = [str(error), repr(error)]
    for name in ("message", "body"):
        parts.append(repr(getattr(error, name, None)))
    return "\n".join(parts)


@pytest.mark.anyio
@pytest.mark.parametrize("padding", [0, 150, 180, 190, 195, 199, 205, 900, 995])
@pytest.mark.parametrize("form", ["html", "json-msg", "json-long-msg"])
async def test_an_echoed_key_leaves_no_prefix_when_the_text_is_cut_short(
    respx_mock: respx.MockRouter,
    caplog: pytest.LogCaptureFixture,
    padding: int,
    form: str,
) -> None:
    caplog.set_level(logging.DEBUG, logger="kieai")
    echo = "x" * padding + f" invalid key {LONG_KEY} for this account " + "y" * 300
    if form == "html":
        answer = httpx.Response(401, text=f"<html>{echo}</html>")
    elif form == "json-msg":
        answer = httpx.Response(200, json={"code": 401, "msg": echo, "data": {"key": LONG_KEY}})
    else:
        answer = httpx.Response(500, json={"code": 500, "msg": echo * 4})
    respx_mock.get(RECORD_URL).mock(return_value=answer)
    async with kie(api_key=LONG_KEY, max_retries=1) as client:
        with pytest.raises(KieError) as info:
            await client.get_task(TASK_ID)

    assert _leaks(_everything(info.value), LONG_KEY) == []
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert _leaks(logged, LONG_KEY) == []


@pytest.mark.anyio
async def test_an_echoed_key_is_redacted_in_the_retry_log(
    respx_mock: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kieai")
    echo = "z" * 190 + f" {LONG_KEY} " * 3
    respx_mock.get(RECORD_URL).mock(side_effect=[httpx.Response(502, text=echo), ok(task_data())])
    async with kie(api_key=LONG_KEY, max_retries=1) as client:
        await client.get_task(TASK_ID)

    retries = [r.getMessage() for r in caplog.records if "Retrying" in r.getMessage()]
    assert len(retries) == 1
    assert _leaks(retries[0], LONG_KEY) == []


@pytest.mark.anyio
async def test_the_body_of_an_error_is_redacted_too(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(RECORD_URL).mock(
        return_value=httpx.Response(
            200,
            json={"code": 401, "msg": "bad key", "data": {"echo": [f"Bearer {LONG_KEY}"]}},
        )
    )
    async with kie(api_key=LONG_KEY) as client:
        with pytest.raises(KieError) as info:
            await client.get_task(TASK_ID)

    body: object = getattr(info.value, "body", None)
    assert isinstance(body, dict)
    body = cast("dict[str, object]", body)
    assert _leaks(repr(body), LONG_KEY) == []
    assert body["code"] == 401


def test_a_prefix_left_at_a_cut_is_redacted() -> None:
    redactor = Redactor(LONG_KEY)
    for cut in range(4, len(LONG_KEY)):
        for marker in ("…", "...", ""):
            text = f"error: {LONG_KEY[:cut]}{marker}"
            assert _leaks(redactor.text(text), LONG_KEY) == [], text


def test_redaction_of_deeply_nested_bodies_is_bounded() -> None:
    nested: object = LONG_KEY
    for _ in range(500):
        nested = [nested]
    redacted = Redactor(LONG_KEY).value(nested)
    assert _leaks(repr(redacted), LONG_KEY) == []
