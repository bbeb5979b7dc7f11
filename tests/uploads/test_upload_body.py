"""What ``upload`` puts on the wire: endpoint, headers, form fields, and the file's exact bytes."""

from __future__ import annotations

import io
import re
from pathlib import Path

import httpx
import pytest
import respx

from .upload_helpers import (
    STREAM_UPLOAD_URL,
    NonSeekable,
    make_client,
    mp4_head,
    parse_form,
    patterned,
    png_bytes,
    sent_requests,
)

pytestmark = pytest.mark.anyio

#: More than three 1 MiB read chunks, not a multiple of the chunk size.
BIG = 3 * 1024 * 1024 + 12345
UNIQUE_NAME = re.compile(r"^(?P<stem>.+)-[0-9a-f]{12}(?P<ext>\.[a-z0-9]+)?$")


def only_request(kie: respx.MockRouter) -> httpx.Request:
    assert kie.calls.call_count == 1
    return kie.calls.last.request


# -- byte-identical content, whatever the input kind -----------------------------------------


async def test_path_arrives_byte_identical(kie: respx.MockRouter, tmp_path: Path) -> None:
    content = png_bytes() + patterned(BIG)
    path = tmp_path / "photo.png"
    path.write_bytes(content)
    async with make_client() as client:
        await client.upload(path)
    assert parse_form(only_request(kie))["file"].content == content


async def test_str_path_arrives_byte_identical(kie: respx.MockRouter, tmp_path: Path) -> None:
    content = mp4_head() + patterned(BIG)
    path = tmp_path / "clip.mp4"
    path.write_bytes(content)
    async with make_client() as client:
        await client.upload(str(path))
    assert parse_form(only_request(kie))["file"].content == content


async def test_bytes_arrive_byte_identical(kie: respx.MockRouter) -> None:
    content = png_bytes() + patterned(BIG)
    async with make_client() as client:
        await client.upload(content)
    assert parse_form(only_request(kie))["file"].content == content


async def test_bytes_io_arrives_byte_identical(kie: respx.MockRouter) -> None:
    content = png_bytes() + patterned(BIG)
    async with make_client() as client:
        await client.upload(io.BytesIO(content))
    assert parse_form(only_request(kie))["file"].content == content


async def test_real_file_object_arrives_byte_identical(
    kie: respx.MockRouter, tmp_path: Path
) -> None:
    content = mp4_head() + patterned(BIG)
    path = tmp_path / "clip.mp4"
    path.write_bytes(content)
    async with make_client() as client:
        with open(path, "rb") as f:  # noqa: ASYNC230  (the test is about a real file object)
            await client.upload(f)
    assert parse_form(only_request(kie))["file"].content == content


async def test_non_seekable_stream_arrives_byte_identical_and_chunked(
    kie: respx.MockRouter,
) -> None:
    content = png_bytes() + patterned(BIG)
    async with make_client() as client:
        await client.upload(io.BufferedReader(NonSeekable(content)))
    request = only_request(kie)
    assert "content-length" not in request.headers
    assert request.headers["transfer-encoding"] == "chunked"
    assert parse_form(request)["file"].content == content


async def test_seekable_stream_is_uploaded_from_its_current_position(
    kie: respx.MockRouter,
) -> None:
    skipped = b"not part of the upload"
    stream = io.BytesIO(skipped + png_bytes())
    stream.seek(len(skipped))
    async with make_client() as client:
        await client.upload(stream)
    part = parse_form(only_request(kie))["file"]
    assert part.content == png_bytes()
    assert part.content_type == "image/png"


async def test_content_length_is_the_exact_body_size(kie: respx.MockRouter, tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(mp4_head() + patterned(BIG))
    async with make_client() as client:
        await client.upload(path)
    request = only_request(kie)
    assert int(request.headers["content-length"]) == len(request.content)
    assert "transfer-encoding" not in request.headers


# -- fields and headers ------------------------------------------------------------------------


async def test_form_has_file_upload_path_and_file_name(kie: respx.MockRouter) -> None:
    async with make_client() as client:
        await client.upload(png_bytes(), upload_path="images/user-uploads", file_name="me.png")
    request = only_request(kie)
    assert request.method == "POST"
    assert str(request.url) == STREAM_UPLOAD_URL
    form = parse_form(request)
    assert set(form) == {"file", "uploadPath", "fileName"}
    assert form["uploadPath"].content == b"images/user-uploads"
    assert form["fileName"].content == b"me.png"
    assert form["file"].filename == "me.png"


async def test_default_upload_path_is_kieai(kie: respx.MockRouter) -> None:
    async with make_client() as client:
        await client.upload(png_bytes())
    assert parse_form(only_request(kie))["uploadPath"].content == b"kieai"


async def test_upload_sends_the_bearer_key(kie: respx.MockRouter) -> None:
    async with make_client(api_key="secret-key") as client:
        await client.upload(png_bytes())
    assert only_request(kie).headers["authorization"] == "Bearer secret-key"


async def test_upload_goes_to_the_configured_upload_host(kie: respx.MockRouter) -> None:
    route = kie.post("https://files.example/api/file-stream-upload").mock(
        return_value=httpx.Response(200, json={"code": 200, "data": {"url": "https://x/a.png"}})
    )
    async with make_client(upload_base_url="https://files.example/") as client:
        await client.upload(png_bytes())
    assert route.call_count == 1


# -- content type and file names ---------------------------------------------------------------


async def test_content_type_comes_from_the_bytes(kie: respx.MockRouter) -> None:
    async with make_client() as client:
        await client.upload(mp4_head() + patterned(1000))
    assert parse_form(only_request(kie))["file"].content_type == "video/mp4"


async def test_unknown_bytes_are_sent_as_octet_stream(kie: respx.MockRouter) -> None:
    async with make_client() as client:
        await client.upload(b"\x00\x01\x02\x03" * 100)
    part = parse_form(only_request(kie))["file"]
    assert part.content_type == "application/octet-stream"


async def test_misleading_extension_is_replaced_by_the_sniffed_one(
    kie: respx.MockRouter, tmp_path: Path
) -> None:
    path = tmp_path / "holiday.jpg"  # really a PNG
    path.write_bytes(png_bytes())
    async with make_client() as client:
        await client.upload(path)
    form = parse_form(only_request(kie))
    match = UNIQUE_NAME.match(form["fileName"].content.decode())
    assert match is not None, form["fileName"]
    assert match["stem"] == "holiday"
    assert match["ext"] == ".png"
    assert form["file"].content_type == "image/png"


async def test_generated_name_keeps_a_correct_extension(
    kie: respx.MockRouter, tmp_path: Path
) -> None:
    path = tmp_path / "dance.mp4"
    path.write_bytes(mp4_head())
    async with make_client() as client:
        await client.upload(path)
    name = parse_form(only_request(kie))["fileName"].content.decode()
    assert re.fullmatch(r"dance-[0-9a-f]{12}\.mp4", name), name


async def test_generated_names_never_repeat(kie: respx.MockRouter, tmp_path: Path) -> None:
    path = tmp_path / "dance.mp4"
    path.write_bytes(mp4_head())
    async with make_client() as client:
        for _ in range(5):
            await client.upload(path)
    names = {parse_form(request)["fileName"].content for request in sent_requests(kie.calls)}
    assert len(names) == 5


async def test_bytes_get_a_generated_name_from_their_type(kie: respx.MockRouter) -> None:
    async with make_client() as client:
        await client.upload(png_bytes())
    name = parse_form(only_request(kie))["fileName"].content.decode()
    assert re.fullmatch(r"bytes-[0-9a-f]{12}\.png", name), name


async def test_odd_characters_in_a_file_name_are_replaced(
    kie: respx.MockRouter, tmp_path: Path
) -> None:
    path = tmp_path / 'my "best" take (final).mp4'
    path.write_bytes(mp4_head())
    async with make_client() as client:
        await client.upload(path)
    name = parse_form(only_request(kie))["fileName"].content.decode()
    assert re.fullmatch(r"my-best-take-final-[0-9a-f]{12}\.mp4", name), name


async def test_text_file_keeps_its_own_extension(kie: respx.MockRouter, tmp_path: Path) -> None:
    path = tmp_path / "table.csv"
    path.write_text("a,b\n1,2\n")
    async with make_client() as client:
        await client.upload(path)
    name = parse_form(only_request(kie))["fileName"].content.decode()
    assert re.fullmatch(r"table-[0-9a-f]{12}\.csv", name), name


async def test_explicit_file_name_is_sent_verbatim(kie: respx.MockRouter) -> None:
    async with make_client() as client:
        await client.upload(png_bytes(), file_name="avatar.jpg")
    form = parse_form(only_request(kie))
    assert form["fileName"].content == b"avatar.jpg"
    assert form["file"].content_type == "image/png"


async def test_non_seekable_stream_is_sniffed_without_losing_bytes(
    kie: respx.MockRouter,
) -> None:
    content = png_bytes()
    async with make_client() as client:
        await client.upload(io.BufferedReader(NonSeekable(content)))
    form = parse_form(only_request(kie))
    assert form["file"].content_type == "image/png"
    assert form["fileName"].content.endswith(b".png")
    assert form["file"].content == content


async def test_quote_in_an_explicit_file_name_does_not_break_the_form(
    kie: respx.MockRouter,
) -> None:
    async with make_client() as client:
        await client.upload(png_bytes(), file_name='say "hi".png')
    form = parse_form(only_request(kie))
    assert form["fileName"].content == b'say "hi".png'
    assert form["file"].content == png_bytes()
