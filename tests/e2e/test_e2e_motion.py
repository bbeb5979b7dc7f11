"""End to end: the real client against FakeKie, in-process and over a real loopback socket."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, MutableMapping
from pathlib import Path
from typing import Any, TypedDict

import anyio
import anyio.lowlevel
import httpx
import pytest

from kieai import (
    Job,
    KieClient,
    Task,
    TaskCreationUncertainError,
    TaskFailedError,
    TaskState,
    VideoInfo,
    WebhookVerificationError,
    probe,
    verify_callback,
)
from kieai._assets import asset_bytes, asset_path
from kieai.testing import FakeKie, RecordedRequest

from ..motion._media import png_bytes, write_png

pytestmark = pytest.mark.anyio

KEY = "test-key"
PERSON = asset_path("person.png")
DANCE = asset_path("dance.mp4")


class WaitOptions(TypedDict):
    poll_interval: float
    max_poll_interval: float
    timeout: float


FAST = WaitOptions(poll_interval=0.02, max_poll_interval=0.05, timeout=30.0)


def fast_client(fake: FakeKie, **kwargs: Any) -> KieClient:
    return KieClient(
        api_key=KEY,
        http_client=fake.http_client(),
        initial_retry_delay=0,
        max_retry_delay=0,
        **kwargs,
    )


def created(fake: FakeKie) -> list[RecordedRequest]:
    return [r for r in fake.requests if r.route == "createTask"]


@pytest.fixture
async def fake_client() -> AsyncIterator[tuple[FakeKie, KieClient]]:
    fake = FakeKie(api_key=KEY)
    http = fake.http_client()
    async with http, KieClient(api_key=KEY, http_client=http) as client:
        yield fake, client


async def test_generate_over_a_real_socket_uploads_creates_polls_and_downloads(
    tmp_path: Path,
) -> None:
    fake = FakeKie(api_key=KEY)
    states: list[str] = []
    async with fake.serve() as base_url:
        async with KieClient(api_key=KEY, base_url=base_url, upload_base_url=base_url) as client:
            result = await client.motion_control.generate(
                image=PERSON,
                video=DANCE,
                prompt="The character dances.",
                on_update=lambda task: states.append(str(task.state)),
                **FAST,
            )
            path = await result.download(tmp_path / "out.mp4")

    uploads = list(fake.uploads.values())
    assert sorted(u.data for u in uploads) == sorted([PERSON.read_bytes(), DANCE.read_bytes()])
    (create,) = created(fake)
    sent = json.loads(create.body)
    assert sent["model"] == "kling-2.6/motion-control"
    by_content = {u.data: u.url for u in uploads}
    assert sent["input"]["input_urls"] == [by_content[PERSON.read_bytes()]]
    assert sent["input"]["video_urls"] == [by_content[DANCE.read_bytes()]]
    assert create.headers["authorization"] == f"Bearer {KEY}"
    assert states[-1] == "success" and len(states) == len(set(states))
    assert result.task.state is TaskState.SUCCESS
    assert path.read_bytes() == asset_bytes("result.mp4")
    info = probe(path)
    assert isinstance(info, VideoInfo) and info.container == "mp4" and info.duration > 3


async def test_download_request_carries_no_api_key(
    fake_client: tuple[FakeKie, KieClient], tmp_path: Path
) -> None:
    fake, client = fake_client
    result = await client.motion_control.generate(image=PERSON, video=DANCE, **FAST)
    await result.download(tmp_path)
    (download,) = [r for r in fake.requests if r.route == "results"]
    assert "authorization" not in download.headers


async def test_one_video_for_many_images_is_uploaded_once(
    fake_client: tuple[FakeKie, KieClient],
) -> None:
    fake, client = fake_client
    images = [png_bytes(400 + n, 600) for n in range(5)]
    async with anyio.create_task_group() as group:
        for image in images:
            group.start_soon(lambda i=image: client.motion_control.create(image=i, video=DANCE))
    video_uploads = [u for u in fake.uploads.values() if u.data == DANCE.read_bytes()]
    assert len(video_uploads) == 1
    assert len(fake.uploads) == 6
    assert len(created(fake)) == 5


async def test_upload_reuse_can_be_turned_off() -> None:
    fake = FakeKie(api_key=KEY)
    async with (
        fake_http(fake) as http,
        KieClient(api_key=KEY, http_client=http, reuse_uploads=False) as client,
    ):
        for _ in range(2):
            await client.motion_control.create(image=PERSON, video=DANCE)
    assert len([r for r in fake.requests if r.route == "stream-upload"]) == 4


async def test_failed_task_raises_with_kies_reason(fake_client: tuple[FakeKie, KieClient]) -> None:
    fake, client = fake_client
    fake.fail_next_task("500", "Internal server error")
    with pytest.raises(TaskFailedError) as caught:
        await client.motion_control.generate(image=PERSON, video=DANCE, **FAST)
    assert caught.value.fail_code == "500"
    assert caught.value.fail_msg == "Internal server error"
    assert caught.value.task.state is TaskState.FAIL


async def test_cancelled_generate_resumes_by_task_id_without_creating_twice(
    fake_client: tuple[FakeKie, KieClient],
) -> None:
    fake, client = fake_client
    ids: list[str] = []
    with anyio.CancelScope() as scope:

        def remember_and_crash(task_id: str) -> None:
            ids.append(task_id)
            scope.cancel()  # the app dies right after persisting the id

        await client.motion_control.generate(
            image=PERSON, video=DANCE, on_created=remember_and_crash, **FAST
        )
    assert scope.cancelled_caught and len(ids) == 1
    task = await client.wait_for_task(ids[0], **FAST)
    assert task.is_success and task.result_urls
    assert len(created(fake)) == 1


async def test_dropped_create_task_is_not_resent_and_the_task_exists() -> None:
    fake = FakeKie(api_key=KEY)
    fake.inject("createTask", drop=True)
    async with fake.serve() as base_url:
        async with KieClient(api_key=KEY, base_url=base_url, upload_base_url=base_url) as client:
            with pytest.raises(TaskCreationUncertainError):
                await client.motion_control.create(image=PERSON, video=DANCE)
    assert len(created(fake)) == 1
    assert len(fake.tasks) == 1  # the double-billing hazard the error warns about


async def test_rate_limited_create_task_is_retried(fake_client: tuple[FakeKie, KieClient]) -> None:
    fake, client = fake_client
    client._transport.sleep = lambda _s: anyio.lowlevel.checkpoint()  # pyright: ignore[reportPrivateUsage]
    fake.inject("createTask", code=429, retry_after=1, times=2)
    task_id = await client.motion_control.create(image=PERSON, video=DANCE)
    assert task_id in fake.tasks
    assert [r.headers["x-kieai-retry-count"] for r in created(fake)] == ["0", "1", "2"]


async def test_credits_are_charged_for_a_generation(fake_client: tuple[FakeKie, KieClient]) -> None:
    fake, client = fake_client
    before = await client.get_credits()
    await client.motion_control.generate(image=PERSON, video=DANCE, mode="1080p", **FAST)
    after = await client.get_credits()
    assert after < before
    assert after == pytest.approx(fake.credits)


async def test_signed_callback_from_the_fake_is_verified_and_tampering_is_refused() -> None:
    received: list[tuple[bytes, httpx.Headers]] = []

    async def receiver(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        received.append(
            (body, httpx.Headers([(k.decode(), v.decode()) for k, v in scope["headers"]]))
        )
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b'{"code":200,"msg":"success"}'})

    hooks = httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver))
    fake = FakeKie(api_key=KEY, hmac_key="whsec-test", callback_http_client=hooks)
    async with hooks, fake_http(fake) as http, KieClient(api_key=KEY, http_client=http) as client:
        result = await client.motion_control.generate(
            image=PERSON, video=DANCE, callback_url="https://app.example/kie-callback", **FAST
        )
        await fake.deliver_callbacks()
    assert len(received) == 1
    body, headers = received[0]
    task: Task = verify_callback(body, headers, hmac_key="whsec-test")
    assert task.task_id == result.task_id and task.is_success
    assert task.result_urls == result.video_urls

    tampered = httpx.Headers(headers)
    tampered["x-webhook-signature"] = "A" * 43 + "="
    with pytest.raises(WebhookVerificationError):
        verify_callback(body, tampered, hmac_key="whsec-test")
    with pytest.raises(WebhookVerificationError):
        verify_callback(body, headers, hmac_key="another-key")


async def test_a_batch_uploads_the_shared_video_once_and_writes_every_result(
    tmp_path: Path,
) -> None:
    fake = FakeKie(api_key=KEY)
    images = [write_png(tmp_path / f"p{n}.png", 400 + n, 640) for n in range(4)]
    jobs = [
        Job(
            "kling-2.6/motion-control",
            {
                "input_urls": [image],
                "video_urls": [DANCE],
                "character_orientation": "video",
                "mode": "720p",
            },
            key=image.stem,
        )
        for image in images
    ]
    async with (
        fake_http(fake) as http,
        KieClient(api_key=KEY, http_client=http, journal=str(tmp_path / "j.sqlite3")) as client,
    ):
        outcomes = [
            o async for o in client.batch(jobs, download_to=tmp_path / "out", poll_interval=0.02)
        ]
    assert [o.error for o in outcomes] == [None] * 4
    assert sorted(o.paths[0].name for o in outcomes) == [f"p{n}.mp4" for n in range(4)]
    assert len([u for u in fake.uploads.values() if u.data == DANCE.read_bytes()]) == 1


def fake_http(fake: FakeKie) -> httpx.AsyncClient:
    return fake.http_client()
