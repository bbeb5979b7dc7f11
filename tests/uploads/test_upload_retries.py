"""Which uploads are retried: a replayable body (path, bytes, seekable file) on a transient
failure; a non-seekable stream only when the connection never opened; never a 4xx, never a file that changed under us."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
import respx

from kieai import (
    APIConnectionError,
    BadRequestError,
    InternalServerError,
    KieInputError,
    ServiceUnavailableError,
)

from .upload_helpers import (
    NonSeekable,
    ReadingTransport,
    client_over,
    make_client,
    ok_response,
    parse_form,
    patterned,
    png_bytes,
    sent_requests,
)

pytestmark = pytest.mark.anyio

MIB = 1024 * 1024
SIZE = 3 * MIB + 99
#: Longer than one read-ahead run, so a change after the first MiB is still ahead of the reader.
CHANGING_SIZE = 9 * MIB + 99


def error_answer(status: int, code: int | None = None) -> httpx.Response:
    return httpx.Response(
        status, json={"success": False, "code": code or status, "msg": "Server busy"}
    )


async def test_path_upload_is_replayed_in_full_after_a_connection_drop_mid_body(
    tmp_path: Path,
) -> None:
    content = patterned(SIZE)
    path = tmp_path / "clip.bin"
    path.write_bytes(content)
    transport = ReadingTransport(failures=1, break_after=2 * MIB)
    async with client_over(transport) as client:
        await client.upload(path)
    assert transport.attempts == 2
    (body,) = transport.bodies
    assert parse_form(transport.requests[-1], body)["file"].content == content


async def test_seekable_file_is_replayed_from_its_start_position_after_a_drop(
    tmp_path: Path,
) -> None:
    content = patterned(SIZE)
    transport = ReadingTransport(failures=1, break_after=2 * MIB)
    stream = io.BytesIO(b"prefix" + content)
    stream.seek(len(b"prefix"))
    async with client_over(transport) as client:
        await client.upload(stream)
    assert transport.attempts == 2
    assert transport.bodies[0].count(content) == 1
    assert b"prefix" not in transport.bodies[0][:200]


async def test_non_seekable_stream_is_sent_once_when_the_connection_drops() -> None:
    transport = ReadingTransport(failures=1, break_after=2 * MIB)
    async with client_over(transport) as client:
        with pytest.raises(APIConnectionError):
            await client.upload(io.BufferedReader(NonSeekable(patterned(SIZE))))
    assert transport.attempts == 1


async def test_non_seekable_stream_is_sent_once_on_503(kie: respx.MockRouter) -> None:
    kie.routes["stream"].side_effect = [error_answer(503), ok_response()]
    async with make_client() as client:
        with pytest.raises(ServiceUnavailableError):
            await client.upload(io.BufferedReader(NonSeekable(png_bytes())))
    assert kie.routes["stream"].call_count == 1


class RefusedOnceTransport(httpx.AsyncBaseTransport):
    """Refuses the first connection the way httpcore does: before a byte of the body is read."""

    def __init__(self) -> None:
        self.attempts = 0
        self.bodies: list[bytes] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        if self.attempts == 1:
            raise httpx.ConnectError("connection refused", request=request)
        self.bodies.append(await request.aread())
        return ok_response()


async def test_non_seekable_stream_is_retried_when_the_connection_never_opened() -> None:
    content = png_bytes()
    transport = RefusedOnceTransport()
    async with client_over(transport) as client:
        await client.upload(io.BufferedReader(NonSeekable(content)))
    assert transport.attempts == 2
    assert transport.bodies[0].count(content) == 1


async def test_file_that_grows_while_uploading_is_refused_not_retried(
    kie: respx.MockRouter, tmp_path: Path
) -> None:
    path = tmp_path / "recording.bin"
    path.write_bytes(patterned(CHANGING_SIZE))

    def append_once(sent: int, total: int | None) -> None:
        if sent == MIB:
            with open(path, "ab") as f:
                f.write(b"more")

    async with make_client() as client:
        with pytest.raises(KieInputError) as caught:
            await client.upload(path, on_progress=append_once)
    assert str(caught.value) == (
        "file: 'recording.bin' changed while uploading "
        f"(it was {CHANGING_SIZE} bytes when the upload started and is now longer)"
    )
    assert kie.routes["stream"].call_count == 0


async def test_file_that_shrinks_while_uploading_is_refused_not_retried(
    kie: respx.MockRouter, tmp_path: Path
) -> None:
    path = tmp_path / "recording.bin"
    path.write_bytes(patterned(CHANGING_SIZE))

    def truncate_once(sent: int, total: int | None) -> None:
        if sent == MIB:
            with open(path, "r+b") as f:
                f.truncate(MIB + 10)

    async with make_client() as client:
        with pytest.raises(KieInputError, match=r"and is now shorter\)$"):
            await client.upload(path, on_progress=truncate_once)
    assert kie.routes["stream"].call_count == 0


async def test_bad_request_answer_is_not_retried(kie: respx.MockRouter) -> None:
    kie.routes["stream"].side_effect = [error_answer(200, 400), ok_response()]
    async with make_client() as client:
        with pytest.raises(BadRequestError):
            await client.upload(png_bytes())
    assert kie.routes["stream"].call_count == 1


async def test_bytes_upload_is_retried_after_503(kie: respx.MockRouter) -> None:
    kie.routes["stream"].side_effect = [error_answer(503), ok_response()]
    async with make_client() as client:
        uploaded = await client.upload(png_bytes())
    assert uploaded.url.startswith("https://")
    assert kie.routes["stream"].call_count == 2
    first, second = (parse_form(request) for request in sent_requests(kie.calls))
    assert first["file"].content == second["file"].content == png_bytes()
    assert first["fileName"].content == second["fileName"].content  # one logical upload


async def test_path_upload_is_retried_after_a_connect_error(
    kie: respx.MockRouter, tmp_path: Path
) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(png_bytes())
    kie.routes["stream"].side_effect = [httpx.ConnectError("refused"), ok_response()]
    async with make_client() as client:
        await client.upload(path)
    assert kie.routes["stream"].call_count == 2


async def test_upload_gives_up_after_max_retries(kie: respx.MockRouter) -> None:
    def always_500(request: httpx.Request) -> httpx.Response:
        return error_answer(500)

    kie.routes["stream"].side_effect = always_500
    async with make_client(max_retries=2) as client:
        with pytest.raises(InternalServerError):
            await client.upload(png_bytes())
    assert kie.routes["stream"].call_count == 3
