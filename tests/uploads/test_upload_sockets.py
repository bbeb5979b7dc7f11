"""Uploads through httpx's real transport over a loopback socket (not respx): the body really
goes through h11, and a server that hangs up mid-body really abandons it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kieai import APIConnectionError

from .._warnings import no_resource_warnings
from .upload_helpers import make_client, patterned
from .upload_sink import sink

pytestmark = pytest.mark.anyio

MIB = 1024 * 1024
SIZE = 8 * MIB + 7


async def test_dropped_upload_leaves_no_unfinished_async_generator(tmp_path: Path) -> None:
    path = tmp_path / "clip.bin"
    path.write_bytes(patterned(SIZE))
    with no_resource_warnings(), sink(drop_after=2 * MIB) as base_url:
        async with make_client(upload_base_url=base_url, max_retries=0) as client:
            with pytest.raises(APIConnectionError):
                await client.upload(path)


async def test_upload_is_replayed_over_a_new_connection_after_a_drop(tmp_path: Path) -> None:
    path = tmp_path / "clip.bin"
    path.write_bytes(patterned(SIZE))
    calls: list[tuple[int, int | None]] = []
    with no_resource_warnings(), sink(drop_after=2 * MIB, drops=1) as base_url:
        async with make_client(upload_base_url=base_url) as client:
            uploaded = await client.upload(path, on_progress=lambda s, t: calls.append((s, t)))
    assert uploaded.url.startswith("https://tempfile.redpandaai.co/")
    sent = [s for s, _ in calls]
    assert sent == sorted(set(sent))
    assert calls[-1] == (SIZE, SIZE)


async def test_upload_over_a_socket_reports_every_byte(tmp_path: Path) -> None:
    path = tmp_path / "clip.bin"
    path.write_bytes(patterned(SIZE))
    calls: list[tuple[int, int | None]] = []
    with no_resource_warnings(), sink() as base_url:
        async with make_client(upload_base_url=base_url) as client:
            await client.upload(path, on_progress=lambda s, t: calls.append((s, t)))
    assert [s for s, _ in calls] == [*range(MIB, SIZE, MIB), SIZE]
    assert {t for _, t in calls} == {SIZE}
