"""FakeKie's dedicated families over HTTP, as Kie's pages describe them: create and record
endpoints, status words and stages, result shapes, failures, Veo's 1080P and 4K versions,
and callbacks (staged, retried 3 times then dropped, duplicated on request)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest

from kieai._families import RUNWAY, SUNO, VEO, callback_family, task_from_callback
from kieai.testing import FakeKie, ManualClock, Outcome

from ..testing._support import AUTH, Webhook, socket_client

pytestmark = pytest.mark.anyio

API = "https://api.kie.ai"
HOOK = "http://127.0.0.1:9/hook"
SUNO_BODY: dict[str, Any] = {
    "prompt": "a calm piano tune",
    "customMode": False,
    "instrumental": False,
    "model": "V5",
    "callBackUrl": HOOK,
}


@pytest.fixture
def fake() -> FakeKie:
    return FakeKie(clock=ManualClock(start=1_795_040_000.0))


@pytest.fixture
async def http(fake: FakeKie) -> AsyncIterator[httpx.AsyncClient]:
    async with fake.http_client() as client:
        yield client


async def _post(http: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await http.post(f"{API}{path}", headers=AUTH, json=body)
    return dict(response.json())


async def _create(http: httpx.AsyncClient, path: str, body: dict[str, Any]) -> str:
    payload = await _post(http, path, body)
    assert payload["code"] == 200, payload
    return str(payload["data"]["taskId"])


async def _record(http: httpx.AsyncClient, path: str, task_id: str) -> dict[str, Any]:
    response = await http.get(f"{API}{path}", headers=AUTH, params={"taskId": task_id})
    payload = response.json()
    assert payload["code"] == 200, payload
    return dict(payload["data"])


async def test_veo_moves_through_its_success_flags(fake: FakeKie, http: httpx.AsyncClient) -> None:
    task_id = await _create(http, "/api/v1/veo/generate", {"prompt": "a dog", "model": "veo3"})
    first = await _record(http, "/api/v1/veo/record-info", task_id)
    assert (first["successFlag"], first["response"]) == (0, None)
    assert json.loads(first["paramJson"]) == {"prompt": "a dog", "model": "veo3"}
    fake.advance(1)
    done = await _record(http, "/api/v1/veo/record-info", task_id)
    assert done["successFlag"] == 1
    (url,) = done["response"]["resultUrls"]
    video = await http.get(url)
    assert video.headers["content-type"] == "video/mp4"
    assert fake.credits == 100_000 - 250


async def test_veo_failure_is_flag_2_with_its_error(fake: FakeKie, http: httpx.AsyncClient) -> None:
    fake.queue_outcomes(Outcome.failure("400", "flagged"), Outcome.failure("501", "upstream"))
    flagged = await _create(http, "/api/v1/veo/generate", {"prompt": "x"})
    upstream = await _create(http, "/api/v1/veo/generate", {"prompt": "x"})
    fake.advance(1)
    record = await _record(http, "/api/v1/veo/record-info", flagged)
    assert (record["successFlag"], record["errorCode"], record["errorMessage"]) == (
        2,
        400,
        "flagged",
    )
    assert (await _record(http, "/api/v1/veo/record-info", upstream))["successFlag"] == 3


async def test_veo_bad_input_is_refused_with_every_problem(http: httpx.AsyncClient) -> None:
    payload = await _post(
        http,
        "/api/v1/veo/generate",
        {"model": "veo4", "aspect_ratio": "1:1", "callBackUrl": "ftp://x"},
    )
    assert payload["code"] == 422
    for part in ("callBackUrl:", "prompt: is required", "model: must be ", "aspect_ratio:"):
        assert part in payload["msg"]


async def test_veo_1080p_answers_processing_until_ready(
    fake: FakeKie, http: httpx.AsyncClient
) -> None:
    task_id = await _create(http, "/api/v1/veo/generate", {"prompt": "x"})
    fake.advance(0.3)
    params = {"taskId": task_id, "index": "0"}
    early = await http.get(f"{API}/api/v1/veo/get-1080p-video", headers=AUTH, params=params)
    assert early.json()["code"] == 400
    fake.advance(fake.families.upscale_1080p_s)
    ready = await http.get(f"{API}/api/v1/veo/get-1080p-video", headers=AUTH, params=params)
    url = ready.json()["data"]["resultUrl"]
    assert (await http.get(url)).headers["content-type"] == "video/mp4"


async def test_veo_4k_is_charged_once_and_answers_422_until_and_after_ready(
    fake: FakeKie, http: httpx.AsyncClient
) -> None:
    task_id = await _create(http, "/api/v1/veo/generate", {"prompt": "x"})
    fake.advance(0.3)
    balance = fake.credits
    started = await _post(http, "/api/v1/veo/get-4k-video", {"taskId": task_id, "index": 0})
    assert started["code"] == 200
    processing = await _post(http, "/api/v1/veo/get-4k-video", {"taskId": task_id})
    assert processing["code"] == 422
    assert processing["data"]["resultUrls"] is None
    fake.advance(fake.families.upscale_4k_s)
    done = await _post(http, "/api/v1/veo/get-4k-video", {"taskId": task_id})
    assert done["code"] == 422
    (url,) = done["data"]["resultUrls"]
    assert (await http.get(url)).status_code == 200
    assert fake.credits == balance - 120


async def test_veo_extend_needs_a_successful_veo_task(
    fake: FakeKie, http: httpx.AsyncClient
) -> None:
    refused = await _post(http, "/api/v1/veo/extend", {"taskId": "nope", "prompt": "more"})
    assert refused["code"] == 422
    task_id = await _create(http, "/api/v1/veo/generate", {"prompt": "x"})
    fake.advance(0.3)
    extended = await _create(http, "/api/v1/veo/extend", {"taskId": task_id, "prompt": "more"})
    fake.advance(0.3)
    record = await _record(http, "/api/v1/veo/record-info", extended)
    assert record["response"]["fullResultUrls"] == record["response"]["resultUrls"]


async def test_runway_uses_its_own_words(fake: FakeKie, http: httpx.AsyncClient) -> None:
    body = {"prompt": "a cat", "duration": 5, "quality": "720p", "aspectRatio": "16:9"}
    task_id = await _create(http, "/api/v1/runway/generate", body)
    seen: list[str] = []
    for _ in range(4):
        seen.append((await _record(http, "/api/v1/runway/record-detail", task_id))["state"])
        fake.advance(0.1)
    assert seen == ["wait", "queueing", "generating", "success"]
    record = await _record(http, "/api/v1/runway/record-detail", task_id)
    assert record["videoInfo"]["videoUrl"].endswith(f"/results/{task_id}.mp4")
    assert RUNWAY.record_path == "/api/v1/runway/record-detail"


async def test_runway_refuses_10_seconds_at_1080p(http: httpx.AsyncClient) -> None:
    payload = await _post(
        http, "/api/v1/runway/generate", {"prompt": "x", "duration": 10, "quality": "1080p"}
    )
    assert payload["code"] == 422
    assert "720p only" in payload["msg"]
    assert "aspectRatio: is required" in payload["msg"]


async def test_aleph_reads_its_flag_and_error(fake: FakeKie, http: httpx.AsyncClient) -> None:
    video = fake.add_file("in/clip.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)
    fake.fail_next_task("400", "moderated")
    failing = await _create(http, "/api/v1/aleph/generate", {"prompt": "x", "videoUrl": video.url})
    fine = await _create(http, "/api/v1/aleph/generate", {"prompt": "x", "videoUrl": video.url})
    running = await _record(http, "/api/v1/aleph/record-info", fine)
    assert (running["successFlag"], running["errorCode"]) == (0, 0)
    fake.advance(1)
    failed = await _record(http, "/api/v1/aleph/record-info", failing)
    assert (failed["successFlag"], failed["errorCode"], failed["errorMessage"]) == (
        0,
        400,
        "moderated",
    )
    done = await _record(http, "/api/v1/aleph/record-info", fine)
    assert done["successFlag"] == 1
    assert done["response"]["resultVideoUrl"]


async def test_suno_requires_a_callback_url(http: httpx.AsyncClient) -> None:
    body = {k: v for k, v in SUNO_BODY.items() if k != "callBackUrl"}
    payload = await _post(http, "/api/v1/generate", body)
    assert payload["code"] == 422
    assert payload["msg"].startswith("callBackUrl: is required")


async def test_suno_moves_through_its_stages_with_two_tracks(
    fake: FakeKie, http: httpx.AsyncClient
) -> None:
    task_id = await _create(http, "/api/v1/generate", SUNO_BODY)
    statuses: list[str] = []
    audio: list[list[str]] = []
    for _ in range(5):
        record = await _record(http, "/api/v1/generate/record-info", task_id)
        statuses.append(record["status"])
        audio.append([t["audioUrl"] for t in record["response"]["sunoData"]])
        fake.advance(0.075)
    assert statuses == ["PENDING", "PENDING", "TEXT_SUCCESS", "FIRST_SUCCESS", "SUCCESS"]
    assert [len([u for u in urls if u]) for urls in audio] == [0, 0, 0, 1, 2]
    track = await http.get(audio[-1][1])
    assert track.headers["content-type"] == "audio/wav"
    assert track.content.startswith(b"RIFF")


@pytest.mark.parametrize(
    "word",
    ["CREATE_TASK_FAILED", "GENERATE_AUDIO_FAILED", "CALLBACK_EXCEPTION", "SENSITIVE_WORD_ERROR"],
)
async def test_suno_ends_with_each_documented_failure(
    fake: FakeKie, http: httpx.AsyncClient, word: str
) -> None:
    fake.fail_next_task(word, "no music today")
    task_id = await _create(http, "/api/v1/generate", SUNO_BODY)
    fake.advance(1)
    record = await _record(http, "/api/v1/generate/record-info", task_id)
    assert (record["status"], record["errorMessage"]) == (word, "no music today")


# -- callbacks -----------------------------------------------------------------------------


@pytest.fixture
async def hooked() -> AsyncIterator[tuple[FakeKie, httpx.AsyncClient, Webhook]]:
    webhook = Webhook()
    async with webhook.client() as receiver:
        fake = FakeKie(clock=ManualClock(), hmac_key="s3cret", callback_http_client=receiver)
        async with fake.http_client() as http:
            yield fake, http, webhook


def _bodies(webhook: Webhook) -> list[dict[str, Any]]:
    return [json.loads(body) for _, _, body in webhook.received]


async def test_suno_callbacks_come_in_stages_in_order(
    hooked: tuple[FakeKie, httpx.AsyncClient, Webhook],
) -> None:
    fake, http, webhook = hooked
    task_id = await _create(http, "/api/v1/generate", SUNO_BODY)
    for _ in range(4):
        fake.advance(0.1)
        await fake.deliver_callbacks()
    bodies = _bodies(webhook)
    assert [b["data"]["callbackType"] for b in bodies] == ["text", "first", "complete"]
    tasks = [task_from_callback(SUNO, b) for b in bodies]
    assert [(t["state"], t["stage"]) for t in tasks] == [
        ("generating", "text"),
        ("generating", "first"),
        ("success", "complete"),
    ]
    assert len(tasks[-1]["result_urls"]) == 2
    assert all(t["task_id"] == task_id for t in tasks)
    assert all(callback_family(b) is SUNO for b in bodies)
    _, headers, _ = webhook.received[0]
    assert "x-webhook-signature" in headers


async def test_a_failing_receiver_gets_3_retries_then_nothing(
    hooked: tuple[FakeKie, httpx.AsyncClient, Webhook],
) -> None:
    fake, http, webhook = hooked
    webhook.status = 500
    await _create(http, "/api/v1/veo/generate", {"prompt": "x", "callBackUrl": HOOK})
    for _ in range(10):
        fake.advance(fake.families.callback_retry_delay_s)
        await fake.deliver_callbacks()
    assert len(webhook.received) == 4
    assert [d.status_code for d in fake.callbacks] == [500] * 4
    assert callback_family(_bodies(webhook)[0]) is VEO


async def test_a_retry_that_succeeds_ends_the_retries(
    hooked: tuple[FakeKie, httpx.AsyncClient, Webhook],
) -> None:
    fake, http, webhook = hooked
    webhook.status = 503
    body = {
        "prompt": "x",
        "duration": 5,
        "quality": "720p",
        "aspectRatio": "1:1",
        "callBackUrl": HOOK,
    }
    await _create(http, "/api/v1/runway/generate", body)
    fake.advance(1)
    await fake.deliver_callbacks()
    webhook.status = 200
    for _ in range(5):
        fake.advance(fake.families.callback_retry_delay_s)
        await fake.deliver_callbacks()
    assert [d.status_code for d in fake.callbacks] == [503, 200]


async def test_duplicated_callbacks_arrive_twice_on_request(
    hooked: tuple[FakeKie, httpx.AsyncClient, Webhook],
) -> None:
    fake, http, webhook = hooked
    fake.families.duplicate_callbacks(times=1)
    task_id = await _create(http, "/api/v1/veo/generate", {"prompt": "x", "callBackUrl": HOOK})
    fake.advance(1)
    await fake.deliver_callbacks()
    bodies = _bodies(webhook)
    assert len(bodies) == 2
    assert bodies[0] == bodies[1]
    assert task_from_callback(VEO, bodies[1])["task_id"] == task_id


async def test_the_4k_version_has_its_own_callback(
    hooked: tuple[FakeKie, httpx.AsyncClient, Webhook],
) -> None:
    fake, http, webhook = hooked
    task_id = await _create(http, "/api/v1/veo/generate", {"prompt": "x"})
    fake.advance(1)
    await _post(http, "/api/v1/veo/get-4k-video", {"taskId": task_id, "callBackUrl": HOOK})
    fake.advance(1)
    await fake.deliver_callbacks()
    (body,) = _bodies(webhook)
    assert body["msg"] == "4K Video generated successfully."
    assert task_from_callback(VEO, body)["result_urls"][0].endswith(f"{task_id}-4k-0.mp4")


async def test_the_families_over_a_loopback_socket() -> None:
    webhook = Webhook()
    fake = FakeKie(callback_http_client=webhook.client)
    async with fake.serve() as base, socket_client() as client:
        body = {**SUNO_BODY, "callBackUrl": f"{base}/hook"}
        response = await client.post(f"{base}/api/v1/generate", headers=AUTH, json=body)
        task_id = response.json()["data"]["taskId"]
        fake.finish_task(task_id)
        record = await client.get(
            f"{base}/api/v1/generate/record-info", headers=AUTH, params={"taskId": task_id}
        )
        data = record.json()["data"]
        assert data["status"] == "SUCCESS"
        urls = [t["audioUrl"] for t in data["response"]["sunoData"]]
        assert all(u.startswith(f"{base}/family-results/") for u in urls)
        assert (await client.get(urls[0])).content.startswith(b"RIFF")
        with anyio.fail_after(5):  # the server thread delivers on its own
            while not webhook.received:  # noqa: ASYNC110  (state another thread changes)
                await anyio.sleep(0.005)
        (body,) = _bodies(webhook)
        assert (body["data"]["callbackType"], body["data"]["task_id"]) == ("complete", task_id)
