"""Fleet-wide upload reuse: the same bytes (at different paths, in different processes) are
uploaded once; a dead uploader's lease lapses; an expiring stored upload is not reused."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import anyio
import pytest

from kieai import KieClient, UploadedFile
from kieai._files import open_local
from kieai.redis import RedisCoordinator, RedisUploadReuse

from .._liveness import FOREVER_S, HANG_GUARD_S
from ..motion._media import png_bytes
from ._support import client, fake_kie
from .conftest import RedisServer

pytestmark = pytest.mark.anyio


def _uploads_of(fake_uploads: object, data: bytes) -> int:
    assert isinstance(fake_uploads, dict)
    return sum(1 for stored in fake_uploads.values() if stored.data == data)  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType, reportUnknownArgumentType]


def png_file(tmp_path: Path, width: int, height: int) -> tuple[bytes, Path]:
    """A PNG of that size written to ``tmp_path/p.png``: (its bytes, its path)."""
    data = png_bytes(width, height)
    path = tmp_path / "p.png"
    path.write_bytes(data)
    return data, path


async def reuse(kie: KieClient, path: Path) -> tuple[UploadedFile, list[tuple[int, int | None]]]:
    progress: list[tuple[int, int | None]] = []
    local = await anyio.to_thread.run_sync(open_local, path)
    uploaded = await kie._upload_reused(  # pyright: ignore[reportPrivateUsage]
        local, on_progress=lambda sent, total: progress.append((sent, total))
    )
    return uploaded, progress


async def stored_key(kie: KieClient, path: Path) -> str:
    """The Redis key under which the fleet stores ``path``'s upload."""
    key = await kie._content_hasher.key(open_local(path))  # pyright: ignore[reportPrivateUsage]
    assert key is not None
    uploads = kie._coordination.uploads  # pyright: ignore[reportPrivateUsage]
    assert isinstance(uploads, RedisUploadReuse)
    return f"{uploads._prefix}:{key[1]}"  # pyright: ignore[reportPrivateUsage]


async def test_same_bytes_at_two_paths_upload_once_across_coordinators(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    data = png_bytes(400, 600)
    here, there = tmp_path / "a" / "person.png", tmp_path / "b" / "copy.png"
    for path in (here, there):
        path.parent.mkdir()
        path.write_bytes(data)
    fake = fake_kie()
    results: list[UploadedFile] = []
    async with (
        client(fake, RedisCoordinator(redis_server.url)) as a,
        client(fake, RedisCoordinator(redis_server.url)) as b,
    ):

        async def one(kie: KieClient, path: Path) -> None:
            results.append((await reuse(kie, path))[0])

        async with anyio.create_task_group() as group:
            for _ in range(5):
                group.start_soon(one, a, here)
                group.start_soon(one, b, there)
        # A later call, after both finished, finds the stored upload too.
        again, progress = await reuse(b, here)
    assert _uploads_of(fake.uploads, data) == 1
    assert {r.url for r in results} == {again.url}
    assert progress == [(len(data), len(data))]  # a reused file reports itself complete


async def test_a_dead_uploaders_lease_lapses(
    redis_server: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process took the lease and died: this one uploads once the lease is over."""
    data, path = png_file(tmp_path, 300, 300)
    fake = fake_kie()
    coordinator = RedisCoordinator(redis_server.url)
    async with client(fake, coordinator) as kie:
        stored = await stored_key(kie, path)
        keys = await coordinator.redis.keys("*")
        assert not keys
        await coordinator.redis.set(f"{stored}:lease", "dead-process", px=400)
        started = anyio.current_time()
        with anyio.fail_after(HANG_GUARD_S):  # the lease lapses; only a hang trips this
            await reuse(kie, path)
        waited = anyio.current_time() - started
    assert waited >= 0.3
    assert _uploads_of(fake.uploads, data) == 1


async def test_a_stored_upload_with_under_an_hour_left_is_uploaded_again(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    data, path = png_file(tmp_path, 200, 300)
    fake = fake_kie()
    coordinator = RedisCoordinator(redis_server.url)
    async with client(fake, coordinator) as kie:
        stored = await stored_key(kie, path)
        expiring = {
            "url": "https://tempfile.redpandaai.co/kieai/old.png",
            "expires_at": (datetime.now(timezone.utc) + timedelta(minutes=50)).isoformat(),
        }
        await coordinator.redis.set(stored, json.dumps(expiring), px=60_000)
        uploaded, _ = await reuse(kie, path)
    assert uploaded.url != expiring["url"]
    assert _uploads_of(fake.uploads, data) == 1


async def test_a_failed_upload_is_not_stored_and_frees_the_lease(
    redis_server: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kieai.redis

    # A lease left behind would hold the next upload for ever (past the hang guard).
    monkeypatch.setattr(kieai.redis, "UPLOAD_LEASE_S", FOREVER_S)
    data, path = png_file(tmp_path, 250, 250)
    fake = fake_kie()
    fake.inject("stream-upload", status=400)
    coordinator = RedisCoordinator(redis_server.url)
    async with client(fake, coordinator) as kie:
        with pytest.raises(Exception, match="400"):
            await reuse(kie, path)
        assert not await coordinator.redis.keys("*upload*")
        with anyio.fail_after(HANG_GUARD_S):  # no lease left behind to wait for
            await reuse(kie, path)
    assert _uploads_of(fake.uploads, data) == 1


async def test_reuse_turned_off_uploads_every_time(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    data, path = png_file(tmp_path, 240, 240)
    fake = fake_kie()
    async with client(fake, RedisCoordinator(redis_server.url), reuse_uploads=False) as kie:
        await reuse(kie, path)
        await reuse(kie, path)
    assert _uploads_of(fake.uploads, data) == 2
