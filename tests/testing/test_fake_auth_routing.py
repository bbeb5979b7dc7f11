"""Authentication and routing: Kie's 401 envelope, any host, unknown paths and methods."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest

from kieai.testing import FakeKie

from ._support import API, AUTH, PERSON_PNG, UPLOAD, upload, upload_url

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
        assert response.json() == {"code": 200, "msg": "success", "data": 1000}


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
