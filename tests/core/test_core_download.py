"""download: streamed to a temporary file beside dest, renamed when complete, never with the
API key, and leaving nothing behind when it fails or is cancelled."""

from __future__ import annotations

import gc
import os
import warnings
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx
import pytest
import respx

from kieai import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    InternalServerError,
    KieInputError,
    NotFoundError,
)
from kieai._constants import STREAM_CHUNK_BYTES

from ._support import TrackedStream, kie, record_sleeps

pytestmark = [pytest.mark.anyio, pytest.mark.respx(assert_all_called=False)]

VIDEO_URL = "https://tempfile.aiquickdraw.com/r/abc123/result.mp4"
MiB = 1024 * 1024


def _leftovers(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".part"))


async def test_download_writes_the_body_to_dest(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    respx_mock.get(VIDEO_URL).mock(return_value=httpx.Response(200, content=b"\x00mp4 bytes"))
    dest = tmp_path / "out.mp4"
    async with kie() as client:
        path = await client.download(VIDEO_URL, dest)

    assert path == dest
    assert dest.read_bytes() == b"\x00mp4 bytes"
    assert _leftovers(tmp_path) == []


async def test_download_streams_into_a_temporary_file_beside_dest(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    seen_while_streaming: list[list[str]] = []

    # A first piece as large as a write chunk: it is checked (media, not an error page) and
    # written before the second one is asked for.
    first_half = b"\x00" * STREAM_CHUNK_BYTES

    class Spy(TrackedStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield first_half
            seen_while_streaming.append(sorted(os.listdir(tmp_path)))
            yield b"second half"

    respx_mock.get(VIDEO_URL).mock(return_value=httpx.Response(200, stream=Spy([])))
    dest = tmp_path / "out.mp4"
    async with kie() as client:
        await client.download(VIDEO_URL, dest)

    [listing] = seen_while_streaming
    assert "out.mp4" not in listing
    [temp] = listing
    assert temp.startswith(".out.mp4.")
    assert temp.endswith(".part")
    assert dest.read_bytes() == first_half + b"second half"
    assert os.listdir(tmp_path) == ["out.mp4"]


async def test_download_never_sends_the_api_key(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    route = respx_mock.get(VIDEO_URL).mock(return_value=httpx.Response(200, content=b"v"))
    async with kie() as client:
        await client.download(VIDEO_URL, tmp_path / "out.mp4")

    request = route.calls.last.request
    assert "authorization" not in request.headers
    assert "sk-test-secret-123" not in str(request.headers)
    assert "sk-test-secret-123" not in str(request.url)


async def test_download_follows_redirects_without_the_api_key(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    respx_mock.get(VIDEO_URL).mock(
        return_value=httpx.Response(302, headers={"location": "https://cdn2.example.net/v.mp4"})
    )
    final = respx_mock.get("https://cdn2.example.net/v.mp4").mock(
        return_value=httpx.Response(200, content=b"moved")
    )
    async with kie() as client:
        path = await client.download(VIDEO_URL, tmp_path / "out.mp4")

    assert path.read_bytes() == b"moved"
    assert "authorization" not in final.calls.last.request.headers


async def test_download_into_a_directory_uses_the_url_file_name(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    url = "https://cdn.kie.ai/r/my%20clip.mp4?sig=abc&exp=1"
    respx_mock.get(url).mock(return_value=httpx.Response(200, content=b"v"))
    async with kie() as client:
        path = await client.download(url, tmp_path)

    assert path == tmp_path / "my clip.mp4"
    assert path.read_bytes() == b"v"


async def test_download_into_a_directory_without_a_file_name_in_the_url(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    respx_mock.get("https://cdn.kie.ai/").mock(return_value=httpx.Response(200, content=b"v"))
    async with kie() as client:
        path = await client.download("https://cdn.kie.ai/", tmp_path)

    assert path.parent == tmp_path
    assert path.read_bytes() == b"v"


async def test_download_creates_missing_parent_folders(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    respx_mock.get(VIDEO_URL).mock(return_value=httpx.Response(200, content=b"v"))
    dest = tmp_path / "a" / "b" / "out.mp4"
    async with kie() as client:
        await client.download(VIDEO_URL, dest)

    assert dest.read_bytes() == b"v"


async def test_download_replaces_an_existing_file(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    respx_mock.get(VIDEO_URL).mock(return_value=httpx.Response(200, content=b"new"))
    dest = tmp_path / "out.mp4"
    dest.write_bytes(b"old")
    async with kie() as client:
        await client.download(VIDEO_URL, str(dest))

    assert dest.read_bytes() == b"new"


# -- failures ---------------------------------------------------------------------------------


async def test_download_404_raises_and_leaves_nothing(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    route = respx_mock.get(VIDEO_URL).mock(
        return_value=httpx.Response(404, text="<Error><Code>NoSuchKey</Code></Error>")
    )
    dest = tmp_path / "out.mp4"
    async with kie(max_retries=2) as client:
        with pytest.raises(NotFoundError) as info:
            await client.download(VIDEO_URL, dest)

    assert route.call_count == 1
    assert info.value.status_code == 404
    assert "NoSuchKey" in str(info.value)
    assert not dest.exists()
    assert os.listdir(tmp_path) == []


async def test_download_500_is_retried_then_raises_and_leaves_nothing(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    route = respx_mock.get(VIDEO_URL).mock(return_value=httpx.Response(500))
    dest = tmp_path / "out.mp4"
    async with kie(max_retries=2) as client:
        with pytest.raises(InternalServerError):
            await client.download(VIDEO_URL, dest)

    assert route.call_count == 3
    assert os.listdir(tmp_path) == []


async def test_download_connection_drop_mid_body_leaves_nothing(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    bodies = [
        TrackedStream([b"x" * 1000], error=httpx.RemoteProtocolError("peer closed"))
        for _ in range(3)
    ]
    route = respx_mock.get(VIDEO_URL).mock(
        side_effect=[httpx.Response(200, stream=body) for body in bodies]
    )
    dest = tmp_path / "out.mp4"
    async with kie(max_retries=2) as client:
        with pytest.raises(APIConnectionError):
            await client.download(VIDEO_URL, dest)

    assert route.call_count == 3
    assert all(body.closed for body in bodies)
    assert os.listdir(tmp_path) == []


async def test_failed_download_keeps_an_existing_dest_untouched(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    body = TrackedStream([b"partial"], error=httpx.ReadError("reset"))
    respx_mock.get(VIDEO_URL).mock(return_value=httpx.Response(200, stream=body))
    dest = tmp_path / "out.mp4"
    dest.write_bytes(b"previous result")
    async with kie(max_retries=0) as client:
        with pytest.raises(APIConnectionError):
            await client.download(VIDEO_URL, dest)

    assert dest.read_bytes() == b"previous result"
    assert _leftovers(tmp_path) == []


async def test_download_retry_after_a_drop_writes_the_whole_body_once(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    broken = TrackedStream([b"abc"], error=httpx.ReadError("reset"))
    respx_mock.get(VIDEO_URL).mock(
        side_effect=[httpx.Response(200, stream=broken), httpx.Response(200, content=b"abcdef")]
    )
    dest = tmp_path / "out.mp4"
    async with kie(max_retries=1) as client:
        await client.download(VIDEO_URL, dest)

    assert dest.read_bytes() == b"abcdef"
    assert _leftovers(tmp_path) == []


async def test_download_rate_limit_honours_retry_after(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    respx_mock.get(VIDEO_URL).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "2"}),
            httpx.Response(200, content=b"v"),
        ]
    )
    async with kie(max_retries=1) as client:
        sleeps = record_sleeps(client)
        await client.download(VIDEO_URL, tmp_path / "out.mp4")

    assert sleeps.delays == [2.0]


async def test_download_redirect_loop_is_a_kie_error(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    respx_mock.get(VIDEO_URL).mock(
        return_value=httpx.Response(302, headers={"location": VIDEO_URL})
    )
    async with kie(max_retries=0) as client:
        with pytest.raises(APIConnectionError, match="redirect"):
            await client.download(VIDEO_URL, tmp_path / "out.mp4")

    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("url", ["ftp://cdn.kie.ai/a.mp4", "/local/a.mp4", "cdn.kie.ai/a.mp4"])
async def test_download_rejects_non_http_urls(
    respx_mock: respx.MockRouter, tmp_path: Path, url: str
) -> None:
    async with kie() as client:
        with pytest.raises(KieInputError, match="url"):
            await client.download(url, tmp_path / "out.mp4")

    assert len(respx_mock.calls) == 0


async def test_download_refuses_a_dest_that_resolves_to_a_directory(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    (tmp_path / "result.mp4").mkdir()
    route = respx_mock.get(VIDEO_URL).mock(return_value=httpx.Response(200, content=b"v"))
    async with kie() as client:
        with pytest.raises(KieInputError, match="dest"):
            await client.download(VIDEO_URL, tmp_path)

    assert route.call_count == 0


# -- progress ----------------------------------------------------------------------------------


async def test_download_progress_is_monotonic_and_ends_at_total(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    body = b"v" * (2 * MiB + 12345)
    respx_mock.get(VIDEO_URL).mock(return_value=httpx.Response(200, content=body))
    calls: list[tuple[int, int | None]] = []

    async def on_progress(sent: int, total: int | None) -> None:
        calls.append((sent, total))

    async with kie() as client:
        await client.download(VIDEO_URL, tmp_path / "out.mp4", on_progress=on_progress)

    assert len(calls) >= 3
    sent_values = [sent for sent, _ in calls]
    assert sent_values == sorted(sent_values)
    assert all(total == len(body) for _, total in calls)
    assert calls[-1] == (len(body), len(body))


async def test_download_progress_never_goes_back_when_a_retry_restarts(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    size = 3 * MiB
    headers = {"content-length": str(size)}
    broken = TrackedStream([b"a" * (2 * MiB)], error=httpx.ReadError("reset"))
    respx_mock.get(VIDEO_URL).mock(
        side_effect=[
            httpx.Response(200, headers=headers, stream=broken),
            httpx.Response(200, content=b"b" * size),
        ]
    )
    calls: list[tuple[int, int | None]] = []
    async with kie(max_retries=1) as client:
        await client.download(
            VIDEO_URL, tmp_path / "out.mp4", on_progress=lambda s, t: calls.append((s, t))
        )

    sent_values = [sent for sent, _ in calls]
    assert sent_values == sorted(sent_values)
    assert len(set(sent_values)) == len(sent_values)
    assert calls[-1] == (size, size)
    assert (tmp_path / "out.mp4").read_bytes() == b"b" * size


async def test_download_progress_without_content_length_ends_at_the_size(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    body = TrackedStream([b"12345", b"678"])
    respx_mock.get(VIDEO_URL).mock(return_value=httpx.Response(200, stream=body))
    calls: list[tuple[int, int | None]] = []
    async with kie() as client:
        await client.download(
            VIDEO_URL, tmp_path / "out.mp4", on_progress=lambda s, t: calls.append((s, t))
        )

    assert calls[-1] == (8, 8)


# -- cancellation ------------------------------------------------------------------------------


async def test_cancelled_download_leaves_no_temp_file_and_no_resource_warning(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    body = TrackedStream([b"x" * 4096], stall=30)
    respx_mock.get(VIDEO_URL).mock(return_value=httpx.Response(200, stream=body))
    dest = tmp_path / "out.mp4"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with kie() as client:
            with anyio.move_on_after(0.05) as scope:
                await client.download(VIDEO_URL, dest)
        gc.collect()

    assert scope.cancelled_caught
    assert body.sent == 4096  # the cancellation landed mid-body
    assert body.closed
    assert os.listdir(tmp_path) == []
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


async def test_cancelled_download_before_the_answer_leaves_nothing(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    async def hang(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(30)
        return httpx.Response(200)  # pragma: no cover

    respx_mock.get(VIDEO_URL).mock(side_effect=hang)
    async with kie() as client:
        with anyio.move_on_after(0.03) as scope:
            await client.download(VIDEO_URL, tmp_path / "out.mp4")

    assert scope.cancelled_caught
    assert os.listdir(tmp_path) == []


async def test_cancel_requested_between_chunks_unwinds_cleanly(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    # One big network read yields several file chunks with no await in between: the next
    # checkpoint after the cancel request is a file write, not the network.
    body = TrackedStream([b"x" * (3 * MiB)], stall=30)
    respx_mock.get(VIDEO_URL).mock(return_value=httpx.Response(200, stream=body))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with kie() as client:
            with anyio.CancelScope() as scope:
                await client.download(
                    VIDEO_URL, tmp_path / "out.mp4", on_progress=lambda s, t: scope.cancel()
                )
        gc.collect()

    assert scope.cancelled_caught
    assert body.closed
    assert os.listdir(tmp_path) == []
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


NOT_MEDIA = [
    pytest.param(
        {"content-type": "application/json"}, b'{"code": 404, "msg": "expired"}', id="json"
    ),
    pytest.param(
        {"content-type": "text/html; charset=utf-8"}, b"<html><body>Oops</body></html>", id="html"
    ),
    pytest.param(
        {"content-type": "video/mp4"}, b"\xef\xbb\xbf \n<!DOCTYPE html><html>", id="html-as-mp4"
    ),
    pytest.param({}, b'  {"error": "AccessDenied"}', id="json-untyped"),
    pytest.param({"content-type": "application/xml"}, b"<Error>AccessDenied</Error>", id="xml"),
]


@pytest.mark.parametrize(("headers", "body"), NOT_MEDIA)
async def test_a_2xx_that_is_not_media_is_refused_and_nothing_is_written(
    respx_mock: respx.MockRouter, tmp_path: Path, headers: dict[str, str], body: bytes
) -> None:
    stream = TrackedStream([body, b"more of the page"])
    respx_mock.get(VIDEO_URL).mock(return_value=httpx.Response(200, headers=headers, stream=stream))
    dest = tmp_path / "out.mp4"
    async with kie() as client:
        with pytest.raises(APIResponseValidationError, match="not media") as info:
            await client.download(VIDEO_URL, dest)

    assert "nothing was written" in str(info.value)
    assert not dest.exists()
    assert os.listdir(tmp_path) == []
    assert stream.closed


async def test_a_media_answer_with_a_generic_content_type_is_downloaded(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    mp4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100
    respx_mock.get(VIDEO_URL).mock(
        return_value=httpx.Response(
            200, headers={"content-type": "application/octet-stream"}, content=mp4
        )
    )
    async with kie() as client:
        path = await client.download(VIDEO_URL, tmp_path)

    assert path.read_bytes() == mp4


async def test_a_huge_error_page_is_read_with_a_bound(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    page = b"<html>" + b"x" * (17 * MiB)
    respx_mock.get(VIDEO_URL).mock(return_value=httpx.Response(503, content=page))
    async with kie(max_retries=0) as client:
        with pytest.raises(APIStatusError) as info:
            await client.download(VIDEO_URL, tmp_path / "out.mp4")

    assert info.value.status_code == 503
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "headers", [pytest.param({}, id="no-length"), pytest.param({"content-length": "0"}, id="0")]
)
async def test_an_empty_2xx_is_refused_and_nothing_is_written(
    respx_mock: respx.MockRouter, tmp_path: Path, headers: dict[str, str]
) -> None:
    route = respx_mock.get(VIDEO_URL).mock(
        return_value=httpx.Response(200, headers={"content-type": "video/mp4", **headers})
    )
    dest = tmp_path / "out.mp4"
    async with kie() as client:
        with pytest.raises(APIResponseValidationError, match="empty body"):
            await client.download(VIDEO_URL, dest)

    assert os.listdir(tmp_path) == []  # no 0-byte video, no temporary file
    assert route.call_count == 1  # the host's answer, not a connection fault: not retried


async def test_downloads_ask_for_the_bytes_as_stored(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    route = respx_mock.get(VIDEO_URL).mock(return_value=httpx.Response(200, content=b"\x00mp4"))
    async with kie() as client:
        await client.download(VIDEO_URL, tmp_path / "out.mp4")

    assert route.calls.last.request.headers["accept-encoding"] == "identity"


def _gzip_bomb(inflated_bytes: int) -> bytes:
    """A gzip stream of ``inflated_bytes`` zeros (about 1000x smaller than that)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(MiB)
    parts = [packer.compress(block) for _ in range(inflated_bytes // MiB)]
    return b"".join(parts) + packer.flush()


async def test_a_compressed_download_is_refused_not_inflated(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    # 64 MiB of zeros in about 64 KB: inflated, it used to land on disk as a 64 MiB "video"
    # (a 1 GiB bomb, as 1 GiB and 250 MiB of RSS).
    bomb = _gzip_bomb(64 * MiB)
    stream = TrackedStream([bomb])
    route = respx_mock.get(VIDEO_URL).mock(
        return_value=httpx.Response(
            200, headers={"content-type": "video/mp4", "content-encoding": "gzip"}, stream=stream
        )
    )
    dest = tmp_path / "out.mp4"
    async with kie() as client:
        with pytest.raises(APIResponseValidationError, match=r"Content-Encoding: gzip"):
            await client.download(VIDEO_URL, dest)

    assert os.listdir(tmp_path) == []
    assert stream.sent == 0  # not a byte of it was read
    assert stream.closed
    assert route.call_count == 1


async def test_garbled_compression_on_a_download_is_refused_not_retried(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    route = respx_mock.get(VIDEO_URL).mock(
        return_value=httpx.Response(
            200,
            headers={"content-type": "video/mp4", "content-encoding": "gzip"},
            stream=TrackedStream([b"\x1f\x8b\x08\x00 this is not deflate data at all"]),
        )
    )
    async with kie() as client:
        with pytest.raises(APIResponseValidationError) as info:
            await client.download(VIDEO_URL, tmp_path / "out.mp4")

    assert not isinstance(info.value, APIConnectionError)
    assert route.call_count == 1  # not retried as a connection error
    assert os.listdir(tmp_path) == []
