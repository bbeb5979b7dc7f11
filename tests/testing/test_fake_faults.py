"""Injected faults, in-process: error statuses, JSON codes, HTML pages, Retry-After, raw
bodies, slow answers and dropped connections, and which requests still take effect."""

from __future__ import annotations

import time
from typing import Any

import anyio
import httpx
import pytest

from kieai.testing import FakeKie

from .._liveness import FOREVER_S, HANG_GUARD_S
from ._support import API, AUTH, PERSON_PNG, UPLOAD, create, media, motion_body, upload

pytestmark = pytest.mark.anyio


async def _credit(client: httpx.AsyncClient) -> httpx.Response:
    return await client.get(f"{API}/api/v1/chat/credit", headers=AUTH)


async def test_status_fault_answers_that_status_for_n_requests(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    fault = fake.inject("credit", status=503, times=2)
    answers = [(await _credit(client)) for _ in range(3)]
    assert [r.status_code for r in answers] == [503, 503, 200]
    assert answers[0].json() == {"code": 503, "msg": "Service Unavailable"}
    assert (fault.hits, fault.remaining, fake.faults) == (2, 0, [])
    assert [r.fault for r in fake.requests] == [True, True, False]


async def test_every_n_shapes_only_every_nth_request_and_times_counts_shaped_ones(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    fault = fake.inject("credit", status=503, every=3, times=2)
    statuses = [(await _credit(client)).status_code for _ in range(8)]
    assert statuses == [200, 200, 503, 200, 200, 503, 200, 200]
    assert (fault.hits, fault.seen, fake.faults) == (2, 6, [])


async def test_a_fault_not_due_leaves_the_request_to_a_younger_one(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    fake.inject("credit", status=503, every=2, times=None)
    fake.inject("credit", status=429, times=None)
    statuses = [(await _credit(client)).status_code for _ in range(4)]
    assert statuses == [429, 503, 429, 503]


async def test_code_fault_travels_inside_an_http_200(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    fake.inject("recordInfo", code=455)
    response = await client.get(
        f"{API}/api/v1/jobs/recordInfo", params={"taskId": "t"}, headers=AUTH
    )
    assert response.status_code == 200
    assert response.json() == {
        "code": 455,
        "msg": "Service unavailable: the system is under maintenance",
    }


async def test_status_and_code_and_message_combine(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    fake.inject("credit", status=500, code=505, msg="feature off")
    response = await _credit(client)
    assert (response.status_code, response.json()) == (500, {"code": 505, "msg": "feature off"})


async def test_upload_faults_use_the_upload_envelope(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    fake.inject("upload", code=500)
    response = await upload(client, "a.png", PERSON_PNG)
    assert response.json() == {"success": False, "code": 500, "msg": "Internal server error"}
    assert fake.uploads == {}


async def test_html_fault_serves_an_nginx_page(fake: FakeKie, client: httpx.AsyncClient) -> None:
    fake.inject("upload", html=True)
    response = await upload(client, "a.png", PERSON_PNG)
    assert response.status_code == 502
    assert response.headers["content-type"] == "text/html"
    assert "<title>502 Bad Gateway</title>" in response.text
    fake.inject("createTask", html=True, status=504)
    assert "504 Gateway Timeout" in (await create(client, {})).text


async def test_retry_after_alone_is_an_http_429_in_both_error_modes(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    fake.inject("createTask", retry_after=3)
    response = await create(client, {})
    assert (response.status_code, response.headers["retry-after"]) == (429, "3")
    assert response.json() == {"code": 429, "msg": "Rate limit exceeded. Please try again later."}
    status_mode = FakeKie(http_status_errors=True)
    status_mode.inject("createTask", retry_after=1.5)
    async with status_mode.http_client() as other:
        response = await create(other, {})
    assert (response.status_code, response.headers["retry-after"]) == (429, "1.5")


async def test_a_code_429_with_retry_after_stays_inside_an_http_200(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    fake.inject("createTask", code=429, retry_after=2)
    response = await create(client, {})
    assert (response.status_code, response.json()["code"]) == (200, 429)
    assert response.headers["retry-after"] == "2"


async def test_retry_after_joins_a_status(fake: FakeKie, client: httpx.AsyncClient) -> None:
    fake.inject("createTask", status=503, retry_after=2)
    response = await create(client, {})
    assert (response.status_code, response.headers["retry-after"]) == (503, "2")


async def test_body_fault_sends_a_malformed_answer(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    fake.inject("credit", body={"unexpected": True})
    fake.inject("credit", body="not json", status=200)
    first, second = await _credit(client), await _credit(client)
    assert first.json() == {"unexpected": True}
    assert second.headers["content-type"].startswith("text/plain")
    assert second.text == "not json"


async def test_error_answers_do_not_create_tasks_unless_processed(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    image, video = await media(client)
    fake.inject("createTask", status=500)
    assert (await create(client, motion_body(image, video))).status_code == 500
    assert fake.tasks == {}
    fake.inject("createTask", status=500, processed=True)  # failed after committing
    assert (await create(client, motion_body(image, video))).status_code == 500
    assert len(fake.tasks) == 1


async def test_dropped_create_raises_remote_protocol_error_and_still_creates(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    image, video = await media(client)
    fake.inject("createTask", drop=True)
    with pytest.raises(httpx.RemoteProtocolError):
        await create(client, motion_body(image, video))
    assert len(fake.tasks) == 1  # the double-billing hazard
    assert fake.requests[-1].status is None


async def test_dropped_create_can_be_unprocessed(fake: FakeKie, client: httpx.AsyncClient) -> None:
    image, video = await media(client)
    fake.inject("createTask", drop=True, processed=False)
    with pytest.raises(httpx.RemoteProtocolError):
        await create(client, motion_body(image, video))
    assert fake.tasks == {}


async def test_delay_slows_the_answer(fake: FakeKie, client: httpx.AsyncClient) -> None:
    fake.inject("credit", delay=0.2)
    start = time.monotonic()
    response = await _credit(client)
    assert time.monotonic() - start >= 0.2
    assert response.json()["code"] == 200


async def test_delay_beyond_the_read_timeout_times_out_after_processing(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    image, video = await media(client)
    fake.inject("createTask", delay=FOREVER_S)
    # A ReadTimeout (rather than an answer after the delay) is the proof; the guard only
    # keeps a broken fake from hanging the suite.
    with anyio.fail_after(HANG_GUARD_S), pytest.raises(httpx.ReadTimeout):
        await client.post(
            f"{API}/api/v1/jobs/createTask",
            headers=AUTH,
            json=motion_body(image, video),
            timeout=0.1,
        )
    assert len(fake.tasks) == 1


async def test_star_matches_every_route_and_upload_matches_all_uploads(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    fake.inject("*", status=502, times=None)
    assert (await _credit(client)).status_code == 502
    assert (await client.get("https://fake.kie.local/files/a/b.png")).status_code == 502
    fake.clear_faults()
    fake.inject("upload", code=500, times=3)
    for path in ("file-stream-upload", "file-base64-upload", "file-url-upload"):
        response = await client.post(f"{UPLOAD}/api/{path}", headers=AUTH, json={})
        assert response.json()["code"] == 500
    assert (await _credit(client)).json()["code"] == 200


async def test_faults_take_the_oldest_match_first(fake: FakeKie, client: httpx.AsyncClient) -> None:
    fake.inject("credit", status=500)
    fake.inject("*", status=503)
    assert [(await _credit(client)).status_code for _ in range(3)] == [500, 503, 200]


async def test_file_downloads_can_fail_too(fake: FakeKie, client: httpx.AsyncClient) -> None:
    url = (await upload(client, "a.png", PERSON_PNG)).json()["data"]["downloadUrl"]
    fake.inject("files", drop=True)
    with pytest.raises(httpx.RemoteProtocolError):
        await client.get(url)
    assert (await client.get(url)).content == PERSON_PNG


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"route": "nope", "status": 500}, "unknown route 'nope'"),
        ({"route": "credit"}, "a fault needs one of"),
        ({"route": "credit", "status": 500, "times": 0}, "times must be >= 1"),
        ({"route": "credit", "status": 700}, "status must be an HTTP status"),
        ({"route": "credit", "delay": -1.0}, "delay must be >= 0"),
        ({"route": "credit", "status": 500, "every": 0}, "every must be >= 1"),
        ({"route": "credit", "delay": 1.0, "processed": False}, "no answer to send"),
    ],
)
def test_bad_faults_are_refused(kwargs: dict[str, Any], error: str) -> None:
    fake = FakeKie()
    with pytest.raises(ValueError, match=error):
        fake.inject(**kwargs)


async def test_unknown_codes_get_a_generic_message(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    fake.inject("credit", code=418)
    fake.inject("credit", code=499)
    assert (await _credit(client)).json()["msg"] == "I'm a Teapot"
    assert (await _credit(client)).json()["msg"] == "Error"


async def test_an_open_ended_delay_combines_with_faults_added_later(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    slow = fake.inject("*", delay=0.03, times=None)
    broken = fake.inject("credit", status=503)
    start = time.monotonic()
    answers = [(await _credit(client)).status_code for _ in range(2)]
    assert time.monotonic() - start >= 0.06  # both answers were late
    assert answers == [503, 200]  # the 503 was not hidden by the older delay
    assert (broken.hits, broken.remaining, slow.hits) == (1, 0, 2)
    assert fake.faults == [slow]


async def test_delays_add_up_and_a_delay_joins_a_drop(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    fake.inject("credit", delay=0.05)
    fake.inject("credit", drop=True, delay=0.05)
    start = time.monotonic()
    with pytest.raises(httpx.RemoteProtocolError):
        await _credit(client)
    assert time.monotonic() - start >= 0.1
    assert fake.faults == []


async def test_shaping_faults_still_take_the_oldest_first_one_per_request(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    fake.inject("*", delay=0.01, times=None)
    fake.inject("credit", code=455)
    fake.inject("credit", status=500)
    answers = [await _credit(client) for _ in range(3)]
    assert [(r.status_code, r.json()["code"]) for r in answers] == [
        (200, 455),
        (500, 500),
        (200, 200),
    ]
