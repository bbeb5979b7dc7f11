"""The shared window: clients with their own coordinators (as separate processes have) on one
Redis pace together, fairly, on both of Kie's windows; keys expire and never hold the key."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
import pytest

from kieai import KieClient, KieInputError, RateLimitError
from kieai._files import LocalFile, open_local
from kieai.redis import RedisCoordinator

from .._liveness import FOREVER_S, HANG_GUARD_S
from ._support import KEY, MODEL, client, fake_kie, max_in_any_window, mc_input, statuses
from .conftest import RedisServer

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.anyio

#: Three sends, then nothing for an hour.
FULL_FOR_AN_HOUR = (3, FOREVER_S)


async def test_two_coordinators_share_one_create_window(redis_server: RedisServer) -> None:
    fake = fake_kie(create_rate_limit=(5, 0.3))
    rate = (5, 0.3)
    async with (
        client(fake, RedisCoordinator(redis_server.url), create_task_rate=rate) as a,
        client(fake, RedisCoordinator(redis_server.url), create_task_rate=rate) as b,
    ):
        with anyio.fail_after(HANG_GUARD_S):
            async with anyio.create_task_group() as group:
                for n in range(10):
                    group.start_soon(a.create_task, MODEL, mc_input(n))
                    group.start_soon(b.create_task, MODEL, mc_input(100 + n))

    assert statuses(fake, "createTask") == [200] * 20  # not one 429: one window, not two
    created = [t.created_at for t in fake.tasks.values()]
    assert max_in_any_window(created, 0.3) <= 5
    # 20 sends at 5 per 0.3 s need three more windows after the first batch. (No upper bound:
    # sends per window are counted from the fake's timestamps, which load cannot make wrong.)
    assert max(created) - min(created) >= 0.9


async def test_without_a_coordinator_two_clients_collect_429s(redis_server: RedisServer) -> None:
    """The reference the shared window is for: each client paces only itself."""
    fake = fake_kie(create_rate_limit=(5, 0.3))
    async with (
        client(fake, None, create_task_rate=(5, 0.3), max_retries=0) as a,
        client(fake, None, create_task_rate=(5, 0.3), max_retries=0) as b,
    ):
        async with anyio.create_task_group() as group:
            for n in range(5):
                group.start_soon(a.create_task, MODEL, mc_input(n))
        async with anyio.create_task_group() as group:
            for n in range(5):
                group.start_soon(_refused, b, n)
    assert statuses(fake, "createTask").count(429) == 5


async def _refused(kie: KieClient, n: int) -> None:
    with pytest.raises(RateLimitError):
        await kie.create_task(MODEL, mc_input(n))


async def test_get_task_window_is_shared_too(redis_server: RedisServer) -> None:
    fake = fake_kie(record_rate_limit=(4, 0.25))
    async with client(fake, None, create_task_rate=None) as setup:
        task_id = await setup.create_task(MODEL, mc_input())
    async with (
        client(fake, RedisCoordinator(redis_server.url), get_task_rate=(4, 0.25)) as a,
        client(fake, RedisCoordinator(redis_server.url), get_task_rate=(4, 0.25)) as b,
    ):
        started = anyio.current_time()
        with anyio.fail_after(HANG_GUARD_S):
            async with anyio.create_task_group() as group:
                for _ in range(6):
                    group.start_soon(a.get_task, task_id)
                    group.start_soon(b.get_task, task_id)
        elapsed = anyio.current_time() - started
    # Not one 429: the fake counted at most 4 per 0.25 s as they arrived (one window, not two).
    assert statuses(fake, "recordInfo") == [200] * 12
    assert elapsed >= 0.5  # 12 reads at 4 per 0.25 s: two more windows (no upper bound)


async def test_accounts_have_separate_windows(redis_server: RedisServer) -> None:
    fake = fake_kie(create_rate_limit=None)
    async with (
        client(
            fake,
            RedisCoordinator(redis_server.url, account="team-a"),
            create_task_rate=FULL_FOR_AN_HOUR,
        ) as a,
        client(
            fake,
            RedisCoordinator(redis_server.url, account="team-b"),
            create_task_rate=FULL_FOR_AN_HOUR,
        ) as b,
    ):
        with anyio.fail_after(HANG_GUARD_S):  # sharing one window, the last three would wait
            async with anyio.create_task_group() as group:
                for n in range(3):
                    group.start_soon(a.create_task, MODEL, mc_input(n))
                    group.start_soon(b.create_task, MODEL, mc_input(n))
    assert statuses(fake, "createTask") == [200] * 6


async def test_namespaces_have_separate_windows(redis_server: RedisServer) -> None:
    fake = fake_kie(create_rate_limit=None)
    async with (
        client(
            fake,
            RedisCoordinator(redis_server.url, namespace="one"),
            create_task_rate=(2, FOREVER_S),
        ) as a,
        client(
            fake,
            RedisCoordinator(redis_server.url, namespace="two"),
            create_task_rate=(2, FOREVER_S),
        ) as b,
    ):
        with anyio.fail_after(HANG_GUARD_S):  # sharing one window, the last two would wait
            for n in range(2):
                await a.create_task(MODEL, mc_input(n))
                await b.create_task(MODEL, mc_input(n))
    async with RedisCoordinator(redis_server.url) as probe:
        keys = [k.decode() for k in await probe.redis.keys("*")]
    assert {k.split(":", 1)[0] for k in keys} == {"one", "two"}


async def test_every_key_expires_and_none_holds_the_api_key(redis_server: RedisServer) -> None:
    fake = fake_kie()
    async with client(fake, RedisCoordinator(redis_server.url), create_task_rate=(5, 1.0)) as kie:
        task_id = await kie.create_task(MODEL, mc_input())
        await kie.get_task(task_id)
        await kie.upload(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
        await kie._upload_reused(  # pyright: ignore[reportPrivateUsage]
            _local(b"some bytes to reuse")
        )
    async with RedisCoordinator(redis_server.url) as probe:
        keys = await probe.redis.keys("*")
        assert keys, "the clients left no state in Redis"
        for key in keys:
            assert await probe.redis.pttl(key) > 0, key
            assert KEY.encode() not in key
            kind = await probe.redis.type(key)
            if kind in (b"string", "string"):
                value = await probe.redis.get(key)
                assert value is not None and KEY.encode() not in value
            else:
                members = await probe.redis.zrange(key, 0, -1)
                assert all(KEY.encode() not in m for m in members)
    names = {k.decode().split(":")[1] for k in keys}
    assert len(names) == 1 and KEY not in next(iter(names))


def _local(data: bytes) -> LocalFile:
    return open_local(data)


async def test_waiters_from_two_processes_are_served_in_turn(redis_server: RedisServer) -> None:
    """Neither coordinator's queue of waiters starves the other's: admissions alternate."""
    fake = fake_kie(create_rate_limit=None)
    order: list[str] = []
    rate = (2, 0.1)

    async def create(kie: KieClient, name: str, n: int) -> None:
        await kie.create_task(MODEL, mc_input(n))
        order.append(name)

    async with (
        client(fake, RedisCoordinator(redis_server.url), create_task_rate=rate) as a,
        client(fake, RedisCoordinator(redis_server.url), create_task_rate=rate) as b,
    ):
        async with anyio.create_task_group() as group:
            for n in range(8):
                group.start_soon(create, a, "a", n)
            await anyio.sleep(0.02)  # a's eight are all queued before b's first arrives
            for n in range(8):
                group.start_soon(create, b, "b", n)
    first_half = order[:8]
    assert first_half.count("b") >= 3, order


async def test_a_cancelled_waiter_gives_its_place_up(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kieai.redis

    # An abandoned place would lapse only after this: b would wait past the hang guard.
    monkeypatch.setattr(kieai.redis, "PACER_WAITER_GRACE_S", FOREVER_S)
    fake = fake_kie(create_rate_limit=None)
    rate = (1, 0.2)
    async with (
        client(fake, RedisCoordinator(redis_server.url), create_task_rate=rate) as a,
        client(fake, RedisCoordinator(redis_server.url), create_task_rate=rate) as b,
    ):
        await a.create_task(MODEL, mc_input(0))
        with anyio.move_on_after(0.05):
            await a.create_task(MODEL, mc_input(1))  # queued first, then cancelled
        # b waits for the window only (0.15 s more), not for a's abandoned place to lapse.
        with anyio.fail_after(HANG_GUARD_S):
            await b.create_task(MODEL, mc_input(2))
    assert statuses(fake, "createTask") == [200, 200]


def test_coordinator_arguments_are_checked() -> None:
    with pytest.raises(KieInputError) as caught:
        RedisCoordinator(
            "redis://127.0.0.1:1/0",
            namespace="has space",
            account="",
            on_unavailable="ignore",  # pyright: ignore[reportArgumentType]  (deliberately wrong)
        )
    text = str(caught.value)
    assert "namespace" in text and "account" in text and "on_unavailable" in text
    with pytest.raises(KieInputError, match="redis: must be"):
        RedisCoordinator(42)  # pyright: ignore[reportArgumentType]  (deliberately wrong)


def test_repr_never_shows_the_password() -> None:
    coordinator = RedisCoordinator("redis://user:hunter2@127.0.0.1:6390/3")
    assert "hunter2" not in repr(coordinator)
    assert "127.0.0.1:6390/3" in repr(coordinator)


async def test_a_slot_held_by_a_dead_process_frees_at_its_lease(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kieai.redis

    monkeypatch.setattr(kieai.redis, "PACER_LEASE_S", 0.3)
    async with (
        RedisCoordinator(redis_server.url) as dying,
        RedisCoordinator(redis_server.url) as alive,
    ):
        await dying.bind("acct").pacer("create", 1, 0.1).acquire()  # never released
        started = anyio.current_time()
        with anyio.fail_after(HANG_GUARD_S):  # held for ever, were it not for the lease
            slot = await alive.bind("acct").pacer("create", 1, 0.1).acquire()
        waited = anyio.current_time() - started
        await slot.release()
    assert waited >= 0.25


@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # the senders are subprocesses
async def test_children_forked_after_import_share_the_window_exactly(
    redis_server: RedisServer,
) -> None:
    """A prefork pool imports kieai.redis in the parent, then forks: each child must still
    send fleet-unique members (children sharing the parent's would be counted once)."""
    fake = fake_kie(create_rate_limit=(8, 1.0))
    async with fake.serve() as base_url:
        command = [sys.executable, "-m", "tests.redis._forked_senders", base_url]
        command += [redis_server.url, "4", "3", "8", "1.0"]
        done = await anyio.run_process(command, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    assert statuses(fake, "createTask") == [200] * 12  # not one 429
    assert max_in_any_window((t.created_at for t in fake.tasks.values()), 1.0) <= 8
