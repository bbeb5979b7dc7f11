"""``on_progress(sent, total)``: sync or async, monotonic, ending with ``(total, total)``, also
across a retry that replays the body from byte 0."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import respx

from kieai import APIConnectionError

from .upload_helpers import (
    NonSeekable,
    ReadingTransport,
    client_over,
    make_client,
    patterned,
    png_bytes,
)

pytestmark = pytest.mark.anyio

MIB = 1024 * 1024
SIZE = 3 * MIB + 4321

Calls = list[tuple[int, int | None]]


def assert_monotonic(calls: Calls) -> None:
    sent = [s for s, _ in calls]
    assert sent == sorted(sent), f"sent went backwards: {sent}"
    assert len(set(sent)) == len(sent), f"sent repeated: {sent}"


async def test_progress_never_goes_backwards_when_a_retry_replays_the_body(
    tmp_path: Path,
) -> None:
    path = tmp_path / "clip.bin"
    path.write_bytes(patterned(SIZE))
    calls: Calls = []
    transport = ReadingTransport(failures=1, break_after=2 * MIB)
    async with client_over(transport) as client:
        await client.upload(path, on_progress=lambda s, t: calls.append((s, t)))
    assert transport.attempts == 2
    assert_monotonic(calls)
    assert calls[-1] == (SIZE, SIZE)
    assert {t for _, t in calls} == {SIZE}


async def test_replayed_upload_after_a_drop_reports_no_progress_until_past_the_old_mark(
    tmp_path: Path,
) -> None:
    path = tmp_path / "clip.bin"
    path.write_bytes(patterned(SIZE))
    calls: Calls = []
    transport = ReadingTransport(failures=1, break_after=3 * MIB)
    async with client_over(transport) as client:
        await client.upload(path, on_progress=lambda s, t: calls.append((s, t)))
    # First attempt: 1 and 2 MiB were confirmed before the drop; the replay stays quiet until
    # it passes 2 MiB.
    assert calls == [(MIB, SIZE), (2 * MIB, SIZE), (3 * MIB, SIZE), (SIZE, SIZE)]


async def test_progress_hook_error_propagates_and_stops_the_upload(
    kie: respx.MockRouter,
) -> None:
    def hook(sent: int, total: int | None) -> None:
        raise RuntimeError("progress bar closed")

    async with make_client() as client:
        with pytest.raises(RuntimeError, match="progress bar closed"):
            await client.upload(patterned(SIZE), on_progress=hook)
    assert kie.routes["stream"].call_count == 0


async def test_non_seekable_stream_reports_unknown_total_then_the_final_length(
    kie: respx.MockRouter,
) -> None:
    calls: Calls = []
    async with make_client() as client:
        await client.upload(
            io.BufferedReader(NonSeekable(patterned(SIZE))),
            on_progress=lambda s, t: calls.append((s, t)),
        )
    assert calls[:-1] == [(MIB, None), (2 * MIB, None), (3 * MIB, None), (SIZE, None)]
    assert calls[-1] == (SIZE, SIZE)


async def test_progress_ends_with_total_total_for_a_path(
    kie: respx.MockRouter, tmp_path: Path
) -> None:
    path = tmp_path / "clip.bin"
    path.write_bytes(patterned(SIZE))
    calls: Calls = []
    async with make_client() as client:
        await client.upload(path, on_progress=lambda s, t: calls.append((s, t)))
    assert calls == [(MIB, SIZE), (2 * MIB, SIZE), (3 * MIB, SIZE), (SIZE, SIZE)]


async def test_progress_total_is_the_size_of_a_small_file(kie: respx.MockRouter) -> None:
    content = png_bytes()
    calls: Calls = []
    async with make_client() as client:
        await client.upload(content, on_progress=lambda s, t: calls.append((s, t)))
    assert calls == [(len(content), len(content))]


async def test_progress_total_counts_a_stream_from_its_current_position(
    kie: respx.MockRouter,
) -> None:
    stream = io.BytesIO(b"x" * 100 + patterned(SIZE))
    stream.seek(100)
    calls: Calls = []
    async with make_client() as client:
        await client.upload(stream, on_progress=lambda s, t: calls.append((s, t)))
    assert calls[-1] == (SIZE, SIZE)
    assert_monotonic(calls)


async def test_async_progress_hook_is_awaited(kie: respx.MockRouter) -> None:
    calls: Calls = []

    async def hook(sent: int, total: int | None) -> None:
        calls.append((sent, total))

    async with make_client() as client:
        await client.upload(patterned(SIZE), on_progress=hook)
    assert calls[-1] == (SIZE, SIZE)
    assert_monotonic(calls)


async def test_failed_upload_of_a_non_seekable_stream_ends_without_a_final_call() -> None:
    calls: Calls = []
    transport = ReadingTransport(failures=1, break_after=2 * MIB)
    async with client_over(transport) as client:
        with pytest.raises(APIConnectionError):
            await client.upload(
                io.BufferedReader(NonSeekable(patterned(SIZE))),
                on_progress=lambda s, t: calls.append((s, t)),
            )
    assert all(total is None for _, total in calls)
    assert calls[-1][0] < SIZE
