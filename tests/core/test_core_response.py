"""Reading Kie's answers with bounds: decompressed size, garbled compression, Content-Length.

A 1 MB gzip answer that inflates to hundreds of MiB must cost neither the memory nor the time
to inflate it; garbled compression is a malformed answer, never a connection error retried
until a deadline.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import tracemalloc
import zlib
from collections.abc import Awaitable, Callable

import httpx
import pytest
import respx

from kieai import APIConnectionError, APIResponseValidationError, NotFoundError
from kieai._response import MAX_RESPONSE_BYTES

from ._support import (
    RECORD_URL,
    TASK_ID,
    TrackedStream,
    envelope,
    kie,
    ok,
    task_data,
)
from .test_core_polling import PollClock

pytestmark = [pytest.mark.anyio, pytest.mark.respx(assert_all_called=False)]

MiB = 1024 * 1024


def _bomb(expanded_bytes: int) -> bytes:
    """A gzip body that inflates to ``expanded_bytes`` of spaces (built a MiB at a time)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = b" " * MiB
    parts = [packer.compress(b'{"code": 200, "data": {"pad": "')]
    parts += [packer.compress(block) for _ in range(expanded_bytes // MiB)]
    parts.append(packer.flush())
    return b"".join(parts)


BOMB = _bomb(256 * MiB)


def _raw(body: bytes, *, status: int = 200, **headers: str) -> httpx.Response:
    """An answer whose body is sent as is (respx would decode ``content=`` up front)."""
    named = {name.replace("_", "-"): value for name, value in headers.items()}
    return httpx.Response(status, headers=named, stream=TrackedStream([body]))


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data)


async def test_a_compression_bomb_fails_fast_with_bounded_memory(
    respx_mock: respx.MockRouter,
) -> None:
    assert len(BOMB) < 2 * MiB
    route = respx_mock.get(RECORD_URL).mock(return_value=_raw(BOMB, content_encoding="gzip"))
    async with kie(max_retries=3) as client:
        tracemalloc.start()
        try:
            with pytest.raises(APIResponseValidationError, match="larger than") as info:
                await client.get_task(TASK_ID)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert route.call_count == 1  # not retried as a connection error
    assert not isinstance(info.value, APIConnectionError)
    # Bounded memory is also bounded time: only the cap was inflated, not the 256 MiB.
    assert peak < 3 * MAX_RESPONSE_BYTES


async def test_an_identity_body_over_the_cap_is_refused_before_reading(
    respx_mock: respx.MockRouter,
) -> None:
    body = TrackedStream([b"{" * 1024])
    respx_mock.get(RECORD_URL).mock(
        return_value=httpx.Response(
            200, headers={"content-length": str(MAX_RESPONSE_BYTES + 1)}, stream=body
        )
    )
    async with kie() as client:
        with pytest.raises(APIResponseValidationError, match="larger than"):
            await client.get_task(TASK_ID)

    assert body.sent == 0
    assert body.closed


async def test_an_identity_body_over_the_cap_without_length_is_cut_off(
    respx_mock: respx.MockRouter,
) -> None:
    body = TrackedStream([b" " * MiB for _ in range(40)])
    respx_mock.get(RECORD_URL).mock(return_value=httpx.Response(200, stream=body))
    async with kie() as client:
        tracemalloc.start()
        try:
            with pytest.raises(APIResponseValidationError, match="larger than"):
                await client.get_task(TASK_ID)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert peak < 3 * MAX_RESPONSE_BYTES
    assert body.closed


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage", id="bad-deflate"),
        pytest.param(b"this is not gzip at all", id="not-gzip"),
        pytest.param(_gzip(b'{"code": 200, "data": {"taskId": "x"}}')[:-12], id="truncated"),
    ],
)
async def test_garbled_compression_is_a_malformed_answer_not_a_connection_error(
    respx_mock: respx.MockRouter, body: bytes
) -> None:
    route = respx_mock.get(RECORD_URL).mock(return_value=_raw(body, content_encoding="gzip"))
    async with kie(max_retries=3) as client:
        with pytest.raises(APIResponseValidationError, match="gzip compression"):
            await client.get_task(TASK_ID)

    assert route.call_count == 1


async def test_garbled_compression_counts_toward_the_three_strikes_while_waiting(
    respx_mock: respx.MockRouter,
) -> None:
    def garbled() -> httpx.Response:
        return _raw(b"\x1f\x8b\x08\x00garbage", content_encoding="gzip")

    # Fresh streams for each poll (a stream is read once).
    clock = PollClock(ok(task_data("generating")), garbled(), garbled(), garbled())
    respx_mock.get(RECORD_URL).mock(side_effect=clock)
    async with kie(max_retries=3) as client:
        with pytest.raises(APIResponseValidationError, match="gzip compression"):
            await client.wait_for_task(TASK_ID, poll_interval=0.001, max_poll_interval=0.001)

    assert len(clock.times) == 4


def _raw_deflate(data: bytes) -> bytes:
    """Deflate without the zlib wrapper, as old IIS sends ``deflate``."""
    return zlib.compress(data)[2:-4]


def _gzip_then_deflate(data: bytes) -> bytes:
    return zlib.compress(_gzip(data))


def _as_is(data: bytes) -> bytes:
    return data


ENCODINGS: list[tuple[str, Callable[[bytes], bytes]]] = [
    ("gzip", _gzip),
    ("x-gzip", _gzip),
    ("deflate", zlib.compress),
    ("deflate", _raw_deflate),
    ("gzip, deflate", _gzip_then_deflate),
    ("identity", _as_is),
    ("UTF-8", _as_is),  # a misconfigured server: passed through, as httpx does
]


@pytest.mark.parametrize(("encoding", "encode"), ENCODINGS)
async def test_compressed_answers_are_decoded(
    respx_mock: respx.MockRouter, encoding: str, encode: Callable[[bytes], bytes]
) -> None:
    raw = json.dumps(envelope(task_data("success"))).encode()
    respx_mock.get(RECORD_URL).mock(return_value=_raw(encode(raw), content_encoding=encoding))
    async with kie() as client:
        task = await client.get_task(TASK_ID)

    assert task.is_success


async def test_api_requests_ask_only_for_encodings_read_with_a_bound(
    respx_mock: respx.MockRouter,
) -> None:
    route = respx_mock.get(RECORD_URL).mock(return_value=ok(task_data()))
    async with kie() as client:
        await client.get_task(TASK_ID)

    assert route.calls.last.request.headers["accept-encoding"] == "gzip, deflate"


async def test_an_answer_just_under_the_cap_is_read(respx_mock: respx.MockRouter) -> None:
    head = json.dumps(envelope(task_data("success")))[:-1] + ', "pad": "'
    pad = MAX_RESPONSE_BYTES - len(head) - 2
    body = (head + " " * pad + '"}').encode()
    assert len(body) == MAX_RESPONSE_BYTES
    respx_mock.get(RECORD_URL).mock(return_value=_raw(_gzip(body), content_encoding="gzip"))
    async with kie() as client:
        task = await client.get_task(TASK_ID)

    assert task.is_success


async def _peak_bytes(call: Callable[[], Awaitable[object]]) -> int:
    """The most memory Python held at once while ``call()`` ran (a refusal is expected)."""
    tracemalloc.start()
    try:
        with contextlib.suppress(APIResponseValidationError):
            await call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


async def test_an_answer_of_too_many_values_is_refused_unparsed(
    respx_mock: respx.MockRouter,
) -> None:
    # The audit's record: 16.2 MB, under the byte cap, but 250,000 result URLs. Parsed, it
    # cost 61 MiB of objects (90 MiB of RSS); tiny values cost up to 10x their bytes.
    urls = [f"https://tempfile.aiquickdraw.com/r/{n:020d}.mp4" for n in range(250_000)]
    data = task_data("success", resultJson=json.dumps({"resultUrls": urls}))
    body = json.dumps(envelope(data)).encode()
    assert len(body) < MAX_RESPONSE_BYTES
    route = respx_mock.get(RECORD_URL).mock(return_value=_raw(body))
    async with kie(max_retries=3) as client:
        with pytest.raises(APIResponseValidationError, match="more than 100,000 JSON values"):
            await client.get_task(TASK_ID)
        route.mock(return_value=_raw(body))
        peak = await _peak_bytes(lambda: client.get_task(TASK_ID))

    assert route.call_count == 2  # one per call: not retried
    assert peak < 3 * MAX_RESPONSE_BYTES  # the bytes, read; no objects


async def test_an_error_answer_of_too_many_values_keeps_its_status(
    respx_mock: respx.MockRouter,
) -> None:
    body = b"[" + b"0," * 200_000 + b"0]"
    respx_mock.get(RECORD_URL).mock(return_value=_raw(body, status=404))
    async with kie() as client:
        with pytest.raises(NotFoundError):
            await client.get_task(TASK_ID)


async def test_parsing_an_answer_near_both_caps_costs_bounded_memory(
    respx_mock: respx.MockRouter,
) -> None:
    # The costliest answer accepted: about 16 MiB in 99,000 pairs of 78-character strings.
    extra = {f"{n:078d}": "v" * 78 for n in range(99_000)}
    body = json.dumps(envelope(task_data("success", extra=extra))).encode()
    del extra
    assert MAX_RESPONSE_BYTES * 0.9 < len(body) < MAX_RESPONSE_BYTES
    respx_mock.get(RECORD_URL).mock(return_value=_raw(body))
    async with kie() as client:
        peak = await _peak_bytes(lambda: client.get_task(TASK_ID))

    # The bytes, their text while json parses them, the values: measured 62 MiB; the docs
    # say "about 64 MiB" (4x the byte cap).
    assert peak < 5 * MAX_RESPONSE_BYTES
