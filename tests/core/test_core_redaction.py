"""A client removes its own key from the server text it shows: a whole key, a fragment of 8 or
more characters anywhere in it, and a prefix where a text was cut, in error messages, bodies,
logs and task records (``failMsg``). No process-wide table: one client's key never touches
another client's messages."""

from __future__ import annotations

import logging
from typing import Any, cast

import httpx
import pytest
import respx

from kieai import KieError, TaskFailedError

from ._support import RECORD_URL, TASK_ID, kie, ok, task_data

pytestmark = [pytest.mark.anyio, pytest.mark.respx(assert_all_called=False)]

KEY = "sk-LEAKCANARY-1234567890abcdefghij"
#: Fragments of KEY a server might echo: its head, its middle, its tail (all 8+ characters).
FRAGMENTS = ["sk-LEAKCANARY-1234", "CANARY-12345", "7890abcdefghij", "LEAKCANA"]


def runs_of(secret: str, length: int = 8) -> list[str]:
    return [secret[i : i + length] for i in range(len(secret) - length + 1)]


def leaks(text: str) -> list[str]:
    """Every run of 8 characters of KEY found in ``text``."""
    return [run for run in runs_of(KEY) if run in text]


def everything(error: BaseException) -> str:
    parts = [str(error), repr(error)]
    for name in ("message", "body", "fail_msg", "task"):
        parts.append(repr(getattr(error, name, None)))
    return "\n".join(parts)


@pytest.mark.parametrize("fragment", FRAGMENTS)
async def test_an_echoed_fragment_of_the_key_is_redacted(
    respx_mock: respx.MockRouter, caplog: pytest.LogCaptureFixture, fragment: str
) -> None:
    caplog.set_level(logging.DEBUG, logger="kieai")
    echo = f"invalid key {fragment} for this account"
    respx_mock.get(RECORD_URL).mock(
        side_effect=[
            httpx.Response(502, text=echo),  # logged when retried
            httpx.Response(200, json={"code": 401, "msg": echo, "data": {"echo": fragment}}),
        ]
    )
    async with kie(api_key=KEY, max_retries=1) as client:
        with pytest.raises(KieError) as info:
            await client.get_task(TASK_ID)

    assert leaks(everything(info.value)) == []
    assert "invalid key [REDACTED] for this account" in str(info.value)
    assert leaks("\n".join(record.getMessage() for record in caplog.records)) == []


async def test_a_key_echoed_in_fail_msg_is_redacted_in_the_task_and_its_error(
    respx_mock: respx.MockRouter,
) -> None:
    failed = task_data("fail", failCode="401", failMsg=f"upstream refused key {KEY}")
    respx_mock.get(RECORD_URL).mock(return_value=ok(failed))
    async with kie(api_key=KEY) as client:
        task = await client.get_task(TASK_ID)
        with pytest.raises(TaskFailedError) as info:
            await client.wait_for_task(TASK_ID)

    assert task.fail_msg == "upstream refused key [REDACTED]"
    assert info.value.fail_msg == "upstream refused key [REDACTED]"
    assert info.value.task.fail_msg == "upstream refused key [REDACTED]"
    assert leaks(everything(info.value)) == []


async def test_a_task_ended_answer_echoing_the_key_is_redacted(
    respx_mock: respx.MockRouter,
) -> None:
    respx_mock.get(RECORD_URL).mock(
        return_value=httpx.Response(200, json={"code": 501, "msg": f"key {KEY[:20]} failed"})
    )
    async with kie(api_key=KEY) as client:
        task = await client.get_task(TASK_ID)

    assert task.fail_msg is not None and leaks(task.fail_msg) == []


async def test_one_clients_key_never_touches_another_clients_messages(
    respx_mock: respx.MockRouter,
) -> None:
    """A key that begins like an ordinary word ("file") does not redact that word in the
    messages of a client that does not own it, even while its owner is open."""
    respx_mock.get(RECORD_URL).mock(
        return_value=httpx.Response(200, json={"code": 400, "msg": "no such file"})
    )
    async with kie(api_key="file-4f9a7c21b3d5"), kie() as other:
        with pytest.raises(KieError) as info:
            await other.get_task(TASK_ID)

    assert "no such file" in str(info.value)
    body = cast("dict[str, Any]", getattr(info.value, "body", None))
    assert body["msg"] == "no such file"  # a text ending in "file", what the key begins with
