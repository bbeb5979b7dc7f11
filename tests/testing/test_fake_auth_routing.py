"""Authentication and routing: Kie's 401 envelope, any host, unknown paths and methods."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest

from kieai.testing import FakeKie, ManualClock

from ._support import API, AUTH, PERSON_PNG, UPLOAD, create, motion_body, upload, upload_url

pytestmark = pytest.mark.anyio

API_CALLS = [
    ("POST", "/api/v1/jobs/createTask"),
    ("GET", "/api/v1/jobs/recordInfo?taskId=x"),
    ("GET", "/api/v1/chat/credit"),
    ("POST", "/api/v1/common/download-url"),
]


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "test-key"}]
)
async def test_api_without_the_right_key_gets_401_in_a_200(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    for method, path in API_CALLS:
        response = await client.request(method, f"{API}{path}", headers=headers, json={})
        assert response.status_code == 200
        assert response.json() == {"code": 401, "msg": "You do not have access permissions"}


async def test_upload_without_the_right_key_gets_the_upload_hosts_401(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        f"{UPLOAD}/api/file-stream-upload",
        headers={"Authorization": "Bearer nope"},
        files={"file": ("a.png", PERSON_PNG)},
        data={"uploadPath": "x"},
    )
    assert response.json() == {
        "success": False,
        "code": 401,
        "msg": "Authentication failed: Invalid API Key",
    }


async def test_bearer_scheme_is_case_insensitive(client: httpx.AsyncClient) -> None:
    response = await client.get(
        f"{API}/api/v1/chat/credit", headers={"Authorization": "bearer test-key"}
    )
    assert response.json()["code"] == 200


async def test_http_status_errors_sends_401_as_the_http_status() -> None:
    fake = FakeKie(http_status_errors=True)
    async with fake.http_client() as client:
        response = await client.get(f"{API}/api/v1/chat/credit")
    assert response.status_code == 401
    assert response.json()["code"] == 401


async def test_routes_by_path_on_any_host(client: httpx.AsyncClient) -> None:
    for host in ("https://api.kie.ai", "https://kieai.redpandaai.co", "http://other.example:8080"):
        response = await client.get(f"{host}/api/v1/chat/credit", headers=AUTH)
        assert response.json() == {"code": 200, "msg": "success", "data": 100_000}


async def test_unknown_path_is_an_http_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/api/v2/nothing", headers=AUTH)
    assert response.status_code == 404
    assert response.json()["code"] == 404


async def test_wrong_method_is_an_http_405(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{UPLOAD}/api/file-stream-upload", headers=AUTH)
    assert response.status_code == 405
    assert response.json() == {"success": False, "code": 405, "msg": "Method Not Allowed"}


async def test_stored_files_need_no_key(client: httpx.AsyncClient) -> None:
    url = await upload_url(client, "p.png", PERSON_PNG)
    response = await client.get(url)
    assert response.status_code == 200
    assert response.content == PERSON_PNG


async def test_requests_are_recorded_with_raw_headers_and_answers(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    await upload(client, "p.png", PERSON_PNG)
    await client.get(f"{API}/api/v1/jobs/recordInfo", params={"taskId": "t1"}, headers=AUTH)
    first, second = fake.requests
    assert (first.method, first.path, first.host, first.route) == (
        "POST",
        "/api/file-stream-upload",
        "kieai.redpandaai.co",
        "stream-upload",
    )
    assert first.headers["authorization"] == "Bearer test-key"
    assert PERSON_PNG in first.body
    assert second.query == {"taskId": "t1"}
    assert second.status == 200
    assert second.response_json()["msg"] == "recordInfo is null"
    assert not second.fault


def test_empty_api_key_is_refused() -> None:
    with pytest.raises(ValueError, match="api_key"):
        FakeKie(api_key="")


async def test_the_app_answers_asgi_lifespan_and_refuses_websockets() -> None:
    fake = FakeKie()
    incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    await fake({"type": "lifespan"}, receive, send)
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    with pytest.raises(RuntimeError, match="HTTP only"):
        await fake({"type": "websocket"}, receive, send)


def test_repr_counts_what_the_fake_holds() -> None:
    fake = FakeKie()
    fake.add_file("a/b.png", PERSON_PNG)
    assert repr(fake) == "<FakeKie tasks=0 files=1 requests=0>"
    assert fake.base_url == "https://fake.kie.local"
    with pytest.raises(ValueError, match="file name"):
        fake.add_file("dir/", PERSON_PNG)


async def test_message_key_message_spells_every_json_answer_that_way() -> None:
    fake = FakeKie(clock=ManualClock(), message_key="message", create_rate_limit=(1, 10.0))
    async with fake.http_client() as client:
        image = await upload_url(client, "p.png", PERSON_PNG)
        fake.inject("credit", status=503)
        answers = [
            await client.get(f"{API}/api/v1/chat/credit", headers=AUTH),  # the fault
            await client.get(f"{API}/api/v1/chat/credit", headers=AUTH),
            await client.get(f"{API}/api/v1/chat/credit"),  # 401
            await client.get(f"{API}/api/v2/nothing", headers=AUTH),  # 404
            await client.get(f"{UPLOAD}/api/file-stream-upload", headers=AUTH),  # 405
            await upload(client, "p.png", PERSON_PNG, upload_path="/bad"),  # upload 400
            await create(client, motion_body(image, image)),  # 422
            await create(client, {}),  # rate limited: 429
            await client.get(f"{API}/api/v1/jobs/recordInfo", params={"taskId": "x"}, headers=AUTH),
        ]
    messages = [r.json()["message"] for r in answers]
    assert all("msg" not in r.json() for r in answers)
    assert messages[:5] == [
        "Service Unavailable",
        "success",
        "You do not have access permissions",
        "Not Found",
        "Method Not Allowed",
    ]
    assert messages[5].startswith("Invalid parameter: uploadPath")
    assert messages[6].startswith("input.video_urls: expected a video")
    assert messages[7:] == ["Rate limit exceeded. Please try again later.", "recordInfo is null"]
    uploaded = fake.requests[0].response_json()
    assert (uploaded["success"], uploaded["message"]) == (True, "File uploaded successfully")
    assert "msg" not in uploaded


async def test_request_bodies_can_be_left_out_of_the_record() -> None:
    fake = FakeKie(keep_request_bodies=False)
    async with fake.http_client() as client:
        url = await upload_url(client, "p.png", PERSON_PNG)
        assert (await client.get(url)).content == PERSON_PNG
    sent, fetched = fake.requests
    assert (sent.route, sent.status, sent.body, sent.response_body) == (
        "stream-upload",
        200,
        b"",
        b"",
    )
    assert sent.headers["authorization"] == "Bearer test-key"  # metadata stays
    assert (fetched.route, fetched.status, fetched.response_body) == ("files", 200, b"")


async def test_the_request_history_can_be_bounded() -> None:
    fake = FakeKie(max_recorded_requests=2)
    async with fake.http_client() as client:
        for task_id in ("a", "b", "c"):
            await client.get(
                f"{API}/api/v1/jobs/recordInfo", params={"taskId": task_id}, headers=AUTH
            )
    assert [r.query["taskId"] for r in fake.requests] == ["b", "c"]
    with pytest.raises(ValueError, match="max_recorded_requests"):
        FakeKie(max_recorded_requests=0)


async def test_a_drop_through_a_plain_asgi_transport_is_a_remote_protocol_error() -> None:
    fake = FakeKie()
    fake.inject("credit", drop=True)
    transport = httpx.ASGITransport(app=fake)
    async with httpx.AsyncClient(transport=transport, base_url=API) as client:
        with pytest.raises(httpx.RemoteProtocolError, match=r"injected drop=True fault"):
            await client.get("/api/v1/chat/credit", headers=AUTH)
        assert (await client.get("/api/v1/chat/credit", headers=AUTH)).status_code == 200


async def test_kie_fake_server_keeps_a_bounded_history_without_bodies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("typer")
    from kieai.cli import _fake

    assert _fake.FAKE_SERVER_HISTORY == 1000
    monkeypatch.setattr(_fake, "FAKE_SERVER_HISTORY", 3)
    fake = _fake.fake_server_fake(_fake.FakeServerSettings(api_key="dev-key"))
    async with fake.http_client() as client:
        for task_id in "abcde":
            await client.get(
                f"{API}/api/v1/jobs/recordInfo",
                params={"taskId": task_id},
                headers={"Authorization": "Bearer dev-key"},
            )
    assert [r.query["taskId"] for r in fake.requests] == ["c", "d", "e"]
    assert {(r.body, r.response_body) for r in fake.requests} == {(b"", b"")}
