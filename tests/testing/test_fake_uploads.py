"""The upload host (stream, base64, URL) and the file host that serves stored files back."""

from __future__ import annotations

import base64
import os
import re
from datetime import datetime

import httpx
import pytest

from kieai.testing import RESULT_TTL_S, UPLOAD_TTL_S, FakeKie, ManualClock, Outcome

from ._support import (
    API,
    AUTH,
    DANCE_MP4,
    PERSON_PNG,
    UPLOAD,
    create,
    create_id,
    media,
    motion_body,
    state_of,
    upload,
)

pytestmark = pytest.mark.anyio


async def test_stream_upload_answers_kies_file_upload_result(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    response = await upload(client, "person.png", PERSON_PNG, upload_path="images/user-uploads")
    payload = response.json()
    assert (payload["success"], payload["code"], payload["msg"]) == (
        True,
        200,
        "File uploaded successfully",
    )
    data = payload["data"]
    assert set(data) == {
        "fileName",
        "filePath",
        "downloadUrl",
        "fileSize",
        "mimeType",
        "uploadedAt",
    }
    assert re.fullmatch(r"[0-9a-f]{16}\.png", data["fileName"])  # omitted fileName: a random one
    assert data["filePath"] == f"images/user-uploads/{data['fileName']}"
    assert data["downloadUrl"] == f"https://fake.kie.local/files/{data['filePath']}"
    assert (data["fileSize"], data["mimeType"]) == (len(PERSON_PNG), "image/png")
    assert datetime.fromisoformat(data["uploadedAt"].replace("Z", "+00:00")).timestamp() == (
        pytest.approx(fake.clock.now(), abs=0.001)
    )
    stored = fake.uploads[data["filePath"]]
    assert (stored.data, stored.mime_type, stored.size, stored.url) == (
        PERSON_PNG,
        "image/png",
        len(PERSON_PNG),
        data["downloadUrl"],
    )


async def test_uploaded_files_are_served_back_byte_identical(client: httpx.AsyncClient) -> None:
    for name, data, mime in (("p.png", PERSON_PNG, "image/png"), ("d.mp4", DANCE_MP4, "video/mp4")):
        url = (await upload(client, name, data)).json()["data"]["downloadUrl"]
        response = await client.get(url)
        assert response.status_code == 200
        assert response.content == data
        assert response.headers["content-type"] == mime
        assert response.headers["content-length"] == str(len(data))


async def test_head_on_a_file_gives_its_length_without_a_body(client: httpx.AsyncClient) -> None:
    url = (await upload(client, "d.mp4", DANCE_MP4)).json()["data"]["downloadUrl"]
    response = await client.head(url)
    assert response.headers["content-length"] == str(len(DANCE_MP4))
    assert response.content == b""


async def test_a_given_file_name_is_kept_and_reuploading_it_overwrites(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    first = (await upload(client, "x.bin", PERSON_PNG, file_name="Same Name.png")).json()["data"]
    second = (
        await upload(client, "y.bin", b"\x89PNG\r\n\x1a\nnewer", file_name="Same Name.png")
    ).json()["data"]
    assert (
        first["downloadUrl"]
        == second["downloadUrl"]
        == "https://fake.kie.local/files/kieai/Same%20Name.png"
    )
    assert (await client.get(first["downloadUrl"])).content == b"\x89PNG\r\n\x1a\nnewer"
    assert list(fake.uploads) == ["kieai/Same Name.png"]


async def test_an_unknown_extension_takes_the_parts_content_type(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{UPLOAD}/api/file-stream-upload",
        headers=AUTH,
        files={"file": ("clip", DANCE_MP4, "video/quicktime")},
        data={"uploadPath": "kieai"},
    )
    data = response.json()["data"]
    assert data["mimeType"] == "video/quicktime"
    assert data["fileName"].endswith(".mov")


@pytest.mark.parametrize(
    ("fields", "msg"),
    [
        ({}, "Missing required parameter: uploadPath"),
        ({"uploadPath": ""}, "Missing required parameter: uploadPath"),
        ({"uploadPath": "/images"}, "Invalid parameter: uploadPath must not start or end with '/'"),
        ({"uploadPath": "images/"}, "Invalid parameter: uploadPath must not start or end with '/'"),
        ({"uploadPath": "a/../b"}, "Invalid parameter: uploadPath 'a/../b'"),
        ({"uploadPath": "a", "fileName": "x/y.png"}, "Invalid parameter: fileName 'x/y.png'"),
    ],
)
async def test_stream_upload_parameter_errors_are_400(
    client: httpx.AsyncClient, fields: dict[str, str], msg: str
) -> None:
    response = await client.post(
        f"{UPLOAD}/api/file-stream-upload",
        headers=AUTH,
        files={"file": ("a.png", PERSON_PNG)},
        data=fields,
    )
    assert response.status_code == 200
    assert response.json() == {"success": False, "code": 400, "msg": msg}


async def test_stream_upload_without_a_file_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{UPLOAD}/api/file-stream-upload",
        headers=AUTH,
        files={"other": ("a.png", PERSON_PNG)},
        data={"uploadPath": "a"},
    )
    assert response.json()["msg"] == "Missing required parameter: file"


async def test_stream_upload_of_an_empty_file_is_400(client: httpx.AsyncClient) -> None:
    response = await upload(client, "a.png", b"")
    assert response.json()["msg"] == "File is empty"


async def test_stream_upload_that_is_not_multipart_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{UPLOAD}/api/file-stream-upload", headers=AUTH, json={"uploadPath": "a"}
    )
    assert (
        response.json()["msg"]
        == "Invalid multipart body: expected multipart/form-data, got 'application/json'"
    )


async def test_upload_errors_use_http_400_in_http_status_mode() -> None:
    fake = FakeKie(http_status_errors=True)
    async with fake.http_client() as client:
        response = await upload(client, "a.png", PERSON_PNG, upload_path="")
    assert response.status_code == 400
    assert response.json()["success"] is False


async def test_a_20_mb_multipart_upload_round_trips(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    data = os.urandom(20 * 1024 * 1024)
    payload = (await upload(client, "big.mp4", data)).json()
    assert payload["data"]["fileSize"] == len(data)
    assert fake.uploads[payload["data"]["filePath"]].data == data
    assert (await client.get(payload["data"]["downloadUrl"])).content == data


@pytest.mark.parametrize("prefix", ["", "data:image/png;base64,"])
async def test_base64_upload_takes_plain_base64_and_data_urls(
    fake: FakeKie, client: httpx.AsyncClient, prefix: str
) -> None:
    encoded = prefix + base64.b64encode(PERSON_PNG).decode()
    response = await client.post(
        f"{UPLOAD}/api/file-base64-upload",
        headers=AUTH,
        json={"base64Data": encoded, "uploadPath": "images", "fileName": "me.png"},
    )
    data = response.json()["data"]
    assert (data["filePath"], data["mimeType"], data["fileSize"]) == (
        "images/me.png",
        "image/png",
        len(PERSON_PNG),
    )
    assert fake.uploads["images/me.png"].data == PERSON_PNG


async def test_base64_upload_without_a_name_uses_the_data_url_type(
    client: httpx.AsyncClient,
) -> None:
    encoded = "data:video/mp4;base64," + base64.b64encode(DANCE_MP4).decode()
    response = await client.post(
        f"{UPLOAD}/api/file-base64-upload",
        headers=AUTH,
        json={"base64Data": encoded, "uploadPath": "v"},
    )
    assert response.json()["data"]["fileName"].endswith(".mp4")


@pytest.mark.parametrize(
    ("body", "msg"),
    [
        ({"uploadPath": "a"}, "Missing required parameter: base64Data"),
        ({"base64Data": "aGk=", "uploadPath": ""}, "Missing required parameter: uploadPath"),
        (
            {"base64Data": "not base64!", "uploadPath": "a"},
            "Base64 decoding failed: Invalid Base64 format",
        ),
    ],
)
async def test_base64_upload_errors_are_400(
    client: httpx.AsyncClient, body: dict[str, str], msg: str
) -> None:
    response = await client.post(f"{UPLOAD}/api/file-base64-upload", headers=AUTH, json=body)
    assert response.json() == {"success": False, "code": 400, "msg": msg}


async def test_url_upload_fetches_registered_remote_files(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    fake.add_remote_file("https://cdn.example/media/dance.mp4", DANCE_MP4)
    response = await client.post(
        f"{UPLOAD}/api/file-url-upload",
        headers=AUTH,
        json={"fileUrl": "https://cdn.example/media/dance.mp4", "uploadPath": "videos"},
    )
    data = response.json()["data"]
    assert data["mimeType"] == "video/mp4"
    assert data["fileName"].endswith(".mp4")
    assert (await client.get(data["downloadUrl"])).content == DANCE_MP4


async def test_url_upload_can_copy_the_fakes_own_files(client: httpx.AsyncClient) -> None:
    image, _ = await media(client)
    response = await client.post(
        f"{UPLOAD}/api/file-url-upload",
        headers=AUTH,
        json={"fileUrl": image, "uploadPath": "copies", "fileName": "copy.png"},
    )
    assert (await client.get(response.json()["data"]["downloadUrl"])).content == PERSON_PNG


@pytest.mark.parametrize(
    ("body", "code", "msg"),
    [
        ({"uploadPath": "a"}, 400, "Missing required parameter: fileUrl"),
        (
            {"fileUrl": "ftp://x/a.png", "uploadPath": "a"},
            400,
            "Invalid parameter: fileUrl 'ftp://x/a.png' is not an http(s) URL",
        ),
        (
            {"fileUrl": "https://nowhere.example/a.png", "uploadPath": "a"},
            500,
            "File download failed: https://nowhere.example/a.png could not be fetched (register it with fake.add_remote_file())",
        ),
    ],
)
async def test_url_upload_errors(
    client: httpx.AsyncClient, body: dict[str, str], code: int, msg: str
) -> None:
    response = await client.post(f"{UPLOAD}/api/file-url-upload", headers=AUTH, json=body)
    assert response.json() == {"success": False, "code": code, "msg": msg}


async def test_add_file_stores_a_file_tasks_can_use(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    image = fake.add_file("seed/person.png", PERSON_PNG)
    video = fake.add_file("seed/dance.mp4", DANCE_MP4)
    assert image.url == "https://fake.kie.local/files/seed/person.png"
    assert (await client.get(video.url)).content == DANCE_MP4
    assert await create_id(client, motion_body(image.url, video.url))


async def test_missing_files_are_404(client: httpx.AsyncClient) -> None:
    response = await client.get("https://fake.kie.local/files/kieai/nothing.png")
    assert response.status_code == 404


async def test_download_url_gives_a_20_minute_link(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    image, _ = await media(client)
    response = await client.post(
        f"{API}/api/v1/common/download-url", headers=AUTH, json={"url": image}
    )
    payload = response.json()
    assert (payload["code"], payload["msg"]) == (200, "success")
    link = payload["data"]
    assert link.startswith(image + "?")
    assert (await client.get(link)).content == PERSON_PNG
    fake.advance(20 * 60)
    expired = await client.get(link)
    assert (expired.status_code, expired.text) == (403, "Request has expired")


async def test_download_url_works_for_results(fake: FakeKie, client: httpx.AsyncClient) -> None:
    image, video = await media(client)
    task_id = await create_id(client, motion_body(image, video))
    fake.advance(1)
    result = f"https://fake.kie.local/results/{task_id}.mp4"
    link = (
        await client.post(f"{API}/api/v1/common/download-url", headers=AUTH, json={"url": result})
    ).json()["data"]
    assert (await client.get(link)).headers["content-type"] == "video/mp4"


@pytest.mark.parametrize(
    ("body", "msg"),
    [
        ({}, "url: is required"),
        (
            {"url": "https://cdn.example/a.mp4"},
            "url: https://cdn.example/a.mp4 is not a file generated by Kie",
        ),
    ],
)
async def test_download_url_refuses_other_urls(
    client: httpx.AsyncClient, body: dict[str, str], msg: str
) -> None:
    response = await client.post(f"{API}/api/v1/common/download-url", headers=AUTH, json=body)
    assert response.json() == {"code": 422, "msg": msg}


@pytest.mark.parametrize(
    ("head", "mime", "extension"),
    [
        (b"\xff\xd8\xff\xe0rest", "image/jpeg", ".jpg"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp", ".webp"),
        (b"GIF89a", "image/gif", ".gif"),
        (b"\x00\x00\x00\x14ftypqt  ", "video/quicktime", ".mov"),
        (b"\x00\x00\x00\x14ftypM4A ", "audio/mp4", ".m4a"),
        (b"\x1a\x45\xdf\xa3\x42\x82\x88matroska", "video/x-matroska", ".mkv"),
        (b"\x1a\x45\xdf\xa3\x42\x82\x84webm", "video/webm", ".webm"),
        (b"just text", "application/octet-stream", ""),
    ],
)
async def test_a_nameless_upload_gets_its_type_from_the_bytes(
    client: httpx.AsyncClient, head: bytes, mime: str, extension: str
) -> None:
    response = await client.post(
        f"{UPLOAD}/api/file-base64-upload",
        headers=AUTH,
        json={"base64Data": base64.b64encode(head).decode(), "uploadPath": "sniffed"},
    )
    data = response.json()["data"]
    assert data["mimeType"] == mime
    assert re.fullmatch(r"[0-9a-f]{16}" + re.escape(extension), data["fileName"])


async def test_remote_files_are_served_by_their_full_url(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    fake.add_remote_file("https://cdn.example/media/dance.mp4", DANCE_MP4)
    fake.add_remote_file("https://cdn.example:443/files/p.png?v=2#top", PERSON_PNG)
    response = await client.get("https://cdn.example/media/dance.mp4")  # no key needed
    assert (response.status_code, response.headers["content-type"]) == (200, "video/mp4")
    assert response.content == DANCE_MP4
    head = await client.head("https://cdn.example/media/dance.mp4")
    assert (head.headers["content-length"], head.content) == (str(len(DANCE_MP4)), b"")
    # matched before path routing: /files/... on another host is the remote file
    assert (await client.get("https://cdn.example/files/p.png?v=2")).content == PERSON_PNG
    assert (await client.get("https://cdn.example/files/p.png")).status_code == 404
    assert (await client.get("https://cdn.example/media/other.mp4")).status_code == 404
    assert [r.route for r in fake.requests[:3]] == ["remote", "remote", "remote"]
    fake.inject("remote", status=503)
    assert (await client.get("https://cdn.example/media/dance.mp4")).status_code == 503


async def test_uploads_expire_after_three_days_like_kies(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    image, video = await media(client)
    fake.advance(UPLOAD_TTL_S - 1)
    assert (await client.get(image)).status_code == 200
    assert await create_id(client, motion_body(image, video))
    fake.advance(1)
    assert (await client.get(image)).status_code == 404
    assert fake.uploads == {}
    refused = (await create(client, motion_body(image, video))).json()
    assert refused["code"] == 422
    assert refused["msg"] == (
        f"input.input_urls: {image} has expired (uploaded files are deleted after upload_ttl, "
        f"3 days on Kie): upload it again; input.video_urls: {video} has expired (uploaded "
        "files are deleted after upload_ttl, 3 days on Kie): upload it again"
    )
    copy = await client.post(
        f"{UPLOAD}/api/file-url-upload", headers=AUTH, json={"fileUrl": image, "uploadPath": "a"}
    )
    assert copy.json()["msg"] == f"File download failed: {image} has expired (404)"
    link = await client.post(f"{API}/api/v1/common/download-url", headers=AUTH, json={"url": image})
    assert link.json() == {"code": 422, "msg": f"url: {image} has expired"}


async def test_results_expire_24_hours_after_the_task_ended(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    image, video = await media(client)
    task_id = await create_id(client, motion_body(image, video))
    fake.advance(1)
    result = f"https://fake.kie.local/results/{task_id}.mp4"
    link = (
        await client.post(f"{API}/api/v1/common/download-url", headers=AUTH, json={"url": result})
    ).json()["data"]
    fake.advance(RESULT_TTL_S - 1)  # the task ended 0.3 s after creation
    assert (await client.get(result)).status_code == 200
    fake.advance(1)
    assert (await client.get(result)).status_code == 404
    assert (await client.get(link)).status_code == 403  # the 20-minute link expired long ago
    assert (await state_of(client, task_id)) == "success"  # the record outlives the file


async def test_file_lifetimes_are_configurable_and_can_be_switched_off() -> None:
    fake = FakeKie(clock=ManualClock(), upload_ttl=None, result_ttl=60.0)
    async with fake.http_client() as client:
        image, video = await media(client)
        task_id = await create_id(client, motion_body(image, video))
        fake.advance(60.0)
        assert (
            await client.get(f"https://fake.kie.local/results/{task_id}.mp4")
        ).status_code == 200
        fake.advance(365 * 24 * 3600.0)
        assert (await client.get(image)).status_code == 200
        assert (
            await client.get(f"https://fake.kie.local/results/{task_id}.mp4")
        ).status_code == 404
    assert fake.uploads[image.split("/files/", 1)[1]].expires_at is None
    with pytest.raises(ValueError, match="upload_ttl must be > 0"):
        FakeKie(upload_ttl=0)


async def test_download_links_to_remote_results_expire_too(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    fake.add_remote_file("https://cdn.example/out.mp4", DANCE_MP4)
    fake.queue_outcomes(Outcome.success(result_urls=["https://cdn.example/out.mp4"]))
    image, video = await media(client)
    await create_id(client, motion_body(image, video))
    fake.advance(1)
    link = (
        await client.post(
            f"{API}/api/v1/common/download-url",
            headers=AUTH,
            json={"url": "https://cdn.example/out.mp4"},
        )
    ).json()["data"]
    assert (await client.get(link)).content == DANCE_MP4
    fake.advance(20 * 60)
    assert (await client.get(link)).status_code == 403
    with pytest.raises(ValueError, match="add_remote_file needs an http"):
        fake.add_remote_file("http://[::1/x", DANCE_MP4)
