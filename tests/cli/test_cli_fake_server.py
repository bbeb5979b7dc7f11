"""``kie fake-server``'s awkward behaviours, one flag at a time: each test builds the server
the way the command does (`server_settings` from the flag values, `fake_server_fake`, then
``serve()`` on a free loopback port) and watches the behaviour over HTTP. ``--harsh`` runs as
a real ``kie fake-server`` process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from kieai.cli._fake import (
    RESULT_TTL_S,
    UPLOAD_TTL_S,
    FakeServerSettings,
    fake_server_fake,
    server_settings,
)
from kieai.testing import RESULT_TTL_S as FAKE_RESULT_TTL_S
from kieai.testing import UPLOAD_TTL_S as FAKE_UPLOAD_TTL_S
from kieai.testing import FakeKie

from ..testing._support import PERSON_PNG, socket_client
from .conftest import Invoke

pytestmark = pytest.mark.anyio

KEY = "test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
T2V = "kling-2.6/text-to-video"
T2V_INPUT = {"prompt": "waves", "sound": False, "aspect_ratio": "16:9", "duration": "5"}


def settings(**options: Any) -> FakeServerSettings:
    """The settings ``kie fake-server`` makes from these flag values (the rest unset)."""
    given: dict[str, Any] = {
        "api_key": KEY,
        "hmac_key": None,
        "allow_external_urls": False,
        "schedule": (0.0, 0.0, 0.0),
        "harsh": False,
        "errors": None,
        "message_key": None,
        "callback_task_id": None,
        "failed_task_code": None,
        "record_null_polls": None,
        "unknown_fields": None,
        "rate_limits": "kie",
        "fail_every": None,
        "faults": [],
        "credits": None,
        "upload_ttl": None,
        "result_ttl": None,
        "models": [],
    }
    return server_settings(**{**given, **options})


@asynccontextmanager
async def served(**options: Any) -> AsyncGenerator[tuple[str, httpx.AsyncClient, FakeKie]]:
    fake = fake_server_fake(settings(**options))
    async with fake.serve() as base, socket_client() as client:
        yield base, client, fake


async def _create(client: httpx.AsyncClient, base: str, body: dict[str, Any]) -> httpx.Response:
    return await client.post(f"{base}/api/v1/jobs/createTask", headers=AUTH, json=body)


async def _task(client: httpx.AsyncClient, base: str, **body: Any) -> str:
    response = await _create(client, base, {"model": T2V, "input": T2V_INPUT, **body})
    payload = response.json()
    assert payload["code"] == 200, payload
    return str(payload["data"]["taskId"])


async def _record(client: httpx.AsyncClient, base: str, task_id: str) -> httpx.Response:
    return await client.get(
        f"{base}/api/v1/jobs/recordInfo", headers=AUTH, params={"taskId": task_id}
    )


async def _credit(client: httpx.AsyncClient, base: str) -> httpx.Response:
    return await client.get(f"{base}/api/v1/chat/credit", headers=AUTH)


async def _upload(client: httpx.AsyncClient, base: str) -> httpx.Response:
    return await client.post(
        f"{base}/api/file-stream-upload",
        headers=AUTH,
        files={"file": ("person.png", PERSON_PNG)},
        data={"uploadPath": "dev"},
    )


async def _eventually(condition: Callable[[], bool], *, timeout_s: float = 5.0) -> None:
    with anyio.fail_after(timeout_s):
        while not condition():  # noqa: ASYNC110  (state the server thread changes)
            await anyio.sleep(0.005)


async def test_record_null_polls_hides_each_new_task_for_n_polls() -> None:
    async with served(record_null_polls="2") as (base, client, _):
        task_id = await _task(client, base)
        answers = [(await _record(client, base, task_id)).json() for _ in range(3)]
    assert answers[0] == {"code": 422, "msg": "recordInfo is null", "data": None}
    assert answers[1] == answers[0]
    assert answers[2]["code"] == 200 and answers[2]["data"]["taskId"] == task_id


@pytest.mark.parametrize("code", ["501", "408"])
async def test_failed_task_code_answers_a_failed_task_with_that_code(code: str) -> None:
    async with served(failed_task_code=code, fail_every="1") as (base, client, _):
        task_id = await _task(client, base)
        payload = (await _record(client, base, task_id)).json()
    assert payload["code"] == int(code)
    assert payload["data"]["state"] == "fail"


async def test_fail_every_fails_every_nth_task() -> None:
    async with served(fail_every="2") as (base, client, _):
        ids = [await _task(client, base) for _ in range(4)]
        states = [(await _record(client, base, i)).json()["data"]["state"] for i in ids]
    assert states == ["success", "fail", "success", "fail"]


async def test_errors_http_sends_the_error_as_the_http_status_too() -> None:
    async with served(errors="http") as (base, client, _):
        response = await _create(client, base, {"model": "acme/unknown", "input": {}})
    assert response.status_code == 422
    assert response.json()["code"] == 422


async def test_message_key_message_spells_the_envelope_key_message() -> None:
    async with served(message_key="message") as (base, client, _):
        payload = (await _credit(client, base)).json()
    assert payload == {"code": 200, "message": "success", "data": 100_000}


async def test_callback_task_id_moves_the_id_to_data_task_id() -> None:
    receiver = FakeKie()
    async with served(callback_task_id="data.task_id") as (base, client, fake):
        async with receiver.serve() as other:
            task_id = await _task(client, base, callBackUrl=f"{other}/hook")
            await _eventually(lambda: bool(fake.callbacks))
    body = receiver.requests[0].json()
    assert body["taskId"] == task_id
    assert body["data"]["task_id"] == task_id and "taskId" not in body["data"]


async def test_unknown_fields_refuse_names_the_closest_field() -> None:
    async with served(unknown_fields="refuse") as (base, client, _):
        response = await _create(client, base, {"model": T2V, "input": {**T2V_INPUT, "promt": "x"}})
    assert response.json()["code"] == 422
    assert "input.promt: unknown field (did you mean 'prompt'?)" in response.json()["msg"]


async def test_rate_limits_kie_refuses_the_21st_create_in_10_s_with_retry_after() -> None:
    async with served(rate_limits="kie") as (base, client, _):
        answers = [
            await _create(client, base, {"model": "acme/unknown", "input": {}}) for _ in range(21)
        ]
    assert [r.status_code for r in answers[:20]] == [200] * 20
    assert answers[20].status_code == 429
    assert int(answers[20].headers["retry-after"]) >= 1


async def test_rate_limits_off_refuses_nothing() -> None:
    async with served(rate_limits="off") as (base, client, _):
        answers = [
            await _create(client, base, {"model": "acme/unknown", "input": {}}) for _ in range(25)
        ]
        polls = [await _record(client, base, "task_x") for _ in range(15)]
    assert {r.status_code for r in [*answers, *polls]} == {200}


def _is_429_with_retry_after_3(r: httpx.Response) -> bool:
    return r.status_code == 429 and r.headers["retry-after"] == "3"


def _is_503(r: httpx.Response) -> bool:
    return r.status_code == 503 and r.json()["code"] == 503


def _is_code_455_in_a_200(r: httpx.Response) -> bool:
    return r.status_code == 200 and r.json()["code"] == 455


def _is_an_html_502(r: httpx.Response) -> bool:
    return r.status_code == 502 and r.headers["content-type"] == "text/html"


@pytest.mark.parametrize(
    ("fault", "check"),
    [
        ("createTask:retry-after=3", _is_429_with_retry_after_3),
        ("credit:status=503", _is_503),
        ("credit:code=455", _is_code_455_in_a_200),
        ("upload:html", _is_an_html_502),
    ],
    ids=["429-retry-after", "5xx", "json-code", "html-page"],
)
async def test_a_fault_shapes_every_answer_of_its_route(
    fault: str, check: Callable[[httpx.Response], bool]
) -> None:
    route = fault.split(":", 1)[0]
    async with served(faults=[fault]) as (base, client, _):
        for _attempt in range(2):  # every time, not once
            if route == "createTask":
                response = await _create(client, base, {"model": T2V, "input": T2V_INPUT})
            elif route == "upload":
                response = await _upload(client, base)
            else:
                response = await _credit(client, base)
            assert check(response), (response.status_code, response.headers, response.text)


async def test_a_fault_every_n_shapes_only_every_nth_answer() -> None:
    async with served(faults=["credit:status=500,every=2"]) as (base, client, _):
        statuses = [(await _credit(client, base)).status_code for _ in range(4)]
    assert statuses == [200, 500, 200, 500]


async def test_a_drop_fault_breaks_the_connection() -> None:
    async with served(faults=["credit:drop,times=1"]) as (base, client, _):
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            await _credit(client, base)
        assert (await _credit(client, base)).status_code == 200


async def test_a_delay_fault_slows_the_answer() -> None:
    async with served(faults=["credit:delay=0.3"]) as (base, client, _):
        started = time.monotonic()
        response = await _credit(client, base)
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3


async def test_credits_sets_the_balance_and_a_dear_task_is_402() -> None:
    async with served(credits="10") as (base, client, _):
        assert (await _credit(client, base)).json()["data"] == 10
        payload = (await _create(client, base, {"model": T2V, "input": T2V_INPUT})).json()
    assert payload["code"] == 402


@pytest.mark.parametrize(("ttl", "status"), [("0.2", 404), (None, 200)])
async def test_upload_ttl_deletes_uploads_after_it(ttl: str | None, status: int) -> None:
    async with served(upload_ttl=ttl) as (base, client, _):
        url = (await _upload(client, base)).json()["data"]["downloadUrl"]
        await anyio.sleep(0.3)
        assert (await client.get(url)).status_code == status
        input_ = {"prompt": "p", "image_urls": [url], "sound": False, "duration": "5"}
        answer = await _create(client, base, {"model": "kling-2.6/image-to-video", "input": input_})
    if ttl is not None:
        assert "deleted after --upload-ttl" in answer.json()["msg"]


@pytest.mark.parametrize(("ttl", "status"), [("0.2", 404), (None, 200)])
async def test_result_ttl_deletes_results_after_it(ttl: str | None, status: int) -> None:
    async with served(result_ttl=ttl) as (base, client, fake):
        task_id = await _task(client, base)
        (url,) = fake.task(task_id).result_urls
        await anyio.sleep(0.3)
        assert (await client.get(url)).status_code == status


def test_the_cli_file_lifetimes_are_the_fakes() -> None:
    assert (UPLOAD_TTL_S, RESULT_TTL_S) == (FAKE_UPLOAD_TTL_S, FAKE_RESULT_TTL_S)
    assert settings(upload_ttl="0").upload_ttl is None
    assert settings(result_ttl="forever").result_ttl is None


async def test_model_adds_an_id_taking_any_input_and_keeps_the_others() -> None:
    async with served(models=["acme/remix-1"]) as (base, client, _):
        mine = await _create(client, base, {"model": "acme/remix-1", "input": {"x": [1]}})
        kie = await _create(client, base, {"model": T2V, "input": T2V_INPUT})
    assert mine.json()["code"] == 200
    assert kie.json()["code"] == 200


async def test_hints_name_the_server_flag_not_python_calls() -> None:
    async with served() as (base, client, _):
        body = {
            "model": "kling-2.6/image-to-video",
            "input": {
                "prompt": "p",
                "image_urls": ["https://elsewhere.example/p.png"],
                "sound": False,
                "duration": "5",
            },
        }
        message = (await _create(client, base, body)).json()["msg"]
        unknown = (await _create(client, base, {"model": "acme/x", "input": {}})).json()["msg"]
        fetch = await client.post(
            f"{base}/api/file-url-upload",
            headers=AUTH,
            json={"fileUrl": "https://elsewhere.example/p.png", "uploadPath": "dev"},
        )
    assert "--allow-external-urls" in message
    assert "kie fake-server --model" in unknown
    for text in (message, unknown, fetch.json()["msg"]):
        assert "fake." not in text and "FakeKie" not in text, text


@pytest.mark.parametrize(
    ("args", "wrong"),
    [
        (("--fault", "nowhere:status=500"), "unknown route 'nowhere'"),
        (("--fault", "credit"), "expected ROUTE:OPTION"),
        (("--fault", "credit:loud"), "unknown option 'loud'"),
        (("--fault", "credit:status=abc"), "invalid literal"),
        (("--fault", "credit:every=0,status=500"), "every must be >= 1"),
        (("--errors", "xml"), "--errors: expected json or http"),
        (("--rate-limits", "some"), "--rate-limits: expected kie or off"),
        (("--failed-task-code", "500"), "--failed-task-code: expected 200 or 501 or 408"),
        (("--record-null-polls", "-1"), "--record-null-polls: expected a whole number"),
        (("--upload-ttl", "soon"), "--upload-ttl: expected seconds"),
        (("--credits", "lots"), "--credits: expected a number"),
    ],
)
def test_bad_flag_values_exit_2_before_serving(
    invoke: Invoke, args: tuple[str, ...], wrong: str
) -> None:
    result = invoke("fake-server", "--port", "0", *args)
    assert result.exit_code == 2
    assert wrong in result.stderr


def test_harsh_serves_every_awkward_behaviour_at_once(tmp_path: Path) -> None:
    """``kie fake-server --harsh`` as a process: the announcement lists the behaviours, and a
    client meets them over HTTP."""
    pytest.importorskip("uvicorn")
    process = subprocess.Popen(
        [sys.executable, "-m", "kieai.cli", "fake-server", "--port", "0", "--harsh", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        cwd=tmp_path,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline()]
        while lines[-1] not in ("}\n", ""):  # one pretty-printed JSON document
            lines.append(process.stdout.readline())
        announced = json.loads("".join(lines))
        seen = anyio.run(_meet_harsh, str(announced["base_url"]))
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=20)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    behaviours = announced["behaviours"]
    assert behaviours["errors"] == "http"
    assert behaviours["failed-task-code"] == 501
    assert len(behaviours["fault"]) == 5
    assert seen["unknown model"] == (422, {"code", "message"})  # HTTP status, "message" key
    assert seen["first polls"] == ["recordInfo is null", "recordInfo is null"]
    assert seen["fifth create"] == (429, "1")
    assert seen["unknown field"].startswith("input.promt: unknown field")


async def _meet_harsh(base: str) -> dict[str, Any]:
    """Meet --harsh's behaviours in an order that lands on its every-N faults: the fifth
    createTask is a 429, every seventh recordInfo a 503 and every fourth request is late."""
    seen: dict[str, Any] = {}
    async with socket_client(timeout=10.0) as client:
        unknown = await _create(client, base, {"model": "acme/x", "input": {}})
        seen["unknown model"] = (unknown.status_code, set(unknown.json()))
        field = await _create(client, base, {"model": T2V, "input": {**T2V_INPUT, "promt": ""}})
        seen["unknown field"] = field.json()["message"]
        task = await _create(client, base, {"model": T2V, "input": T2V_INPUT})
        task_id = task.json()["data"]["taskId"]
        polls = [await _record(client, base, task_id) for _ in range(2)]
        seen["first polls"] = [p.json()["message"] for p in polls]
        await _create(client, base, {"model": "acme/x", "input": {}})
        fifth = await _create(client, base, {"model": "acme/x", "input": {}})
        seen["fifth create"] = (fifth.status_code, fifth.headers.get("retry-after"))
    return seen


def _announcement(tmp_path: Path, *flags: str) -> dict[str, Any]:
    """Start ``kie fake-server --json`` with ``flags``, read its announcement, stop it."""
    pytest.importorskip("uvicorn")
    process = subprocess.Popen(
        [sys.executable, "-m", "kieai.cli", "fake-server", "--port", "0", "--json", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        cwd=tmp_path,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline()]
        while lines[-1] not in ("}\n", ""):
            lines.append(process.stdout.readline())
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=20)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    return dict(json.loads("".join(lines)))


def test_every_flag_reaches_the_server(tmp_path: Path) -> None:
    """Each option of the command lands on its own setting (the announcement lists them)."""
    announced = _announcement(
        tmp_path,
        *("--errors", "http", "--message-key", "message"),
        *("--callback-task-id", "data.task_id", "--failed-task-code", "408"),
        *("--record-null-polls", "3", "--unknown-fields", "refuse", "--rate-limits", "off"),
        *("--fail-every", "4", "--fault", "credit:status=503,every=2", "--fault", "files:drop"),
    )
    assert announced["behaviours"] == {
        "errors": "http",
        "message-key": "message",
        "callback-task-id": "data.task_id",
        "failed-task-code": 408,
        "record-null-polls": 3,
        "unknown-fields": "refuse",
        "rate-limits": "off",
        "fail-every": 4,
        "fault": ["credit:status=503,every=2", "files:drop"],
    }


def test_a_flag_given_with_harsh_wins_over_its_choice(tmp_path: Path) -> None:
    behaviours = _announcement(
        tmp_path, "--harsh", "--message-key", "msg", "--fault", "credit:code=455"
    )["behaviours"]
    assert "message-key" not in behaviours  # back to Kie's default, msg
    assert behaviours["errors"] == "http"  # the rest of --harsh stays
    assert behaviours["fault"][-1] == "credit:code=455"  # added to --harsh's five
    assert len(behaviours["fault"]) == 6
