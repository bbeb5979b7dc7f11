"""Bad inputs to ``upload``/``upload_from_url``: a ``KieInputError`` naming the input, the rule
and the value, and not a single request sent."""

from __future__ import annotations

import io
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import respx

from kieai import KieClient, KieInputError

from .upload_helpers import NonBlockingEmpty, NonSeekable, make_client, png_bytes

pytestmark = pytest.mark.anyio

Call = Callable[[KieClient], Awaitable[Any]]


async def refused(kie: respx.MockRouter, call: Call) -> str:
    """Run ``call`` and return the KieInputError's message, checking nothing was sent."""
    async with make_client() as client:
        with pytest.raises(KieInputError) as caught:
            await call(client)
    assert kie.calls.call_count == 0
    assert isinstance(caught.value, ValueError)  # KieInputError is also a ValueError
    return str(caught.value)


async def test_missing_file_is_refused_naming_the_path(
    kie: respx.MockRouter, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.png"
    message = await refused(kie, lambda c: c.upload(missing))
    assert message.startswith("file: ")
    assert "not found" in message
    assert str(missing) in message


async def test_fifo_is_refused_as_not_a_regular_file(kie: respx.MockRouter, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    message = await refused(kie, lambda c: c.upload(fifo))
    assert message == f"file: {str(fifo)!r} is not a regular file"


async def test_path_the_os_cannot_stat_is_refused_with_its_reason(kie: respx.MockRouter) -> None:
    too_long = "x" * 5000
    message = await refused(kie, lambda c: c.upload(too_long))
    assert message.startswith("file: cannot access 'xxx")
    assert "too long" in message


async def test_empty_pipe_is_refused(kie: respx.MockRouter) -> None:
    message = await refused(kie, lambda c: c.upload(io.BufferedReader(NonSeekable(b""))))
    assert message == "file: 'stream' is empty (nothing left to read)"


async def test_empty_unbuffered_stream_is_refused(
    kie: respx.MockRouter,
) -> None:
    message = await refused(kie, lambda c: c.upload(NonSeekable(b"")))  # pyright: ignore[reportArgumentType]
    assert message == "file: 'stream' is empty"


async def test_non_blocking_stream_is_refused(kie: respx.MockRouter) -> None:
    message = await refused(kie, lambda c: c.upload(NonBlockingEmpty()))  # pyright: ignore[reportArgumentType]
    assert "is a non-blocking stream" in message


async def test_directory_is_refused(kie: respx.MockRouter, tmp_path: Path) -> None:
    message = await refused(kie, lambda c: c.upload(str(tmp_path)))
    assert "is a directory" in message
    assert str(tmp_path) in message


async def test_empty_file_is_refused(kie: respx.MockRouter, tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    message = await refused(kie, lambda c: c.upload(empty))
    assert "empty (0 bytes)" in message
    assert "empty.mp4" in message


async def test_empty_bytes_are_refused(kie: respx.MockRouter) -> None:
    message = await refused(kie, lambda c: c.upload(b""))
    assert message == "file: bytes input is empty"


async def test_seekable_stream_at_its_end_is_refused_as_empty(kie: respx.MockRouter) -> None:
    stream = io.BytesIO(png_bytes())
    stream.seek(0, io.SEEK_END)
    message = await refused(kie, lambda c: c.upload(stream))
    assert "empty (0 bytes from its current position)" in message


async def test_text_mode_file_object_is_refused(kie: respx.MockRouter, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with open(path) as text_file:  # noqa: ASYNC230  (the test is about a file object)
        message = await refused(kie, lambda c: c.upload(text_file))  # pyright: ignore[reportArgumentType]
    assert "binary mode ('rb')" in message
    assert "text mode" in message


async def test_string_io_is_refused_as_text(kie: respx.MockRouter) -> None:
    message = await refused(kie, lambda c: c.upload(io.StringIO("hello")))  # pyright: ignore[reportArgumentType]
    assert "binary mode" in message


async def test_closed_file_object_is_refused(kie: respx.MockRouter, tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(png_bytes())
    with open(path, "rb") as f:  # noqa: ASYNC230  (the test is about a file object)
        pass
    message = await refused(kie, lambda c: c.upload(f))
    assert message == "file: file object 'photo.png' is closed"


async def test_write_only_file_object_is_refused(kie: respx.MockRouter, tmp_path: Path) -> None:
    with open(tmp_path / "out.png", "wb") as f:  # noqa: ASYNC230  (the test is about a file object)
        f.write(png_bytes())
        message = await refused(kie, lambda c: c.upload(f))
    assert "'out.png' is not readable" in message


async def test_url_passed_to_upload_points_to_upload_from_url(kie: respx.MockRouter) -> None:
    url = "https://example.com/dance.mp4"
    message = await refused(kie, lambda c: c.upload(url))
    assert url in message
    assert "upload_from_url" in message


async def test_blank_path_string_is_refused(kie: respx.MockRouter) -> None:
    message = await refused(kie, lambda c: c.upload("  "))
    assert message == "file: empty path"


async def test_unsupported_argument_type_is_refused(kie: respx.MockRouter) -> None:
    message = await refused(kie, lambda c: c.upload(42))  # pyright: ignore[reportArgumentType]
    assert "expected a path, bytes or a binary file object, got int" in message


@pytest.mark.parametrize("upload_path", ["/a", "a/", "", "/", "a//b", "a/../b", "./a", " "])
async def test_bad_upload_path_is_refused(kie: respx.MockRouter, upload_path: str) -> None:
    message = await refused(kie, lambda c: c.upload(png_bytes(), upload_path=upload_path))
    assert message.startswith("upload_path: ")
    assert repr(upload_path) in message


async def test_upload_path_with_a_newline_is_refused(kie: respx.MockRouter) -> None:
    message = await refused(kie, lambda c: c.upload(png_bytes(), upload_path="a\r\nb"))
    assert "control characters" in message


@pytest.mark.parametrize("file_name", ["a/b", "a\\b", "", "..", "a\r\nb.png", "x" * 256])
async def test_bad_file_name_is_refused(kie: respx.MockRouter, file_name: str) -> None:
    message = await refused(kie, lambda c: c.upload(png_bytes(), file_name=file_name))
    assert message.startswith("file_name: must be a plain file name")
    assert repr(file_name) in message


async def test_upload_from_url_refuses_a_local_path(kie: respx.MockRouter) -> None:
    message = await refused(kie, lambda c: c.upload_from_url("photo.png"))
    assert message == "url: must be an http(s) URL, got 'photo.png'"


async def test_upload_from_url_refuses_a_bad_upload_path(kie: respx.MockRouter) -> None:
    message = await refused(
        kie, lambda c: c.upload_from_url("https://example.com/a.png", upload_path="/a")
    )
    assert "upload_path: " in message
    assert "'/a'" in message


async def test_upload_from_url_refuses_a_bad_file_name(kie: respx.MockRouter) -> None:
    message = await refused(
        kie, lambda c: c.upload_from_url("https://example.com/a.png", file_name="a/b")
    )
    assert "file_name: " in message
    assert "'a/b'" in message
