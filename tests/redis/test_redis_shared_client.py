"""A `RedisCoordinator` or `RedisJournal` built from a URL owns its coredis client: the first
`KieClient` to enter opens it, the last to close closes it (the server sees the connection
go), and a close called twice never closes it under another client."""

from __future__ import annotations

import socket
import time

import pytest

from kieai import CoordinatorUnavailableError, KieClient, KieError
from kieai.redis import RedisCoordinator, RedisJournal

from .._liveness import HANG_GUARD_S
from ._support import KEY, MODEL, fake_kie, mc_input, statuses
from .conftest import RedisServer

pytestmark = pytest.mark.anyio

ANY_MODEL: str = MODEL  # any model id (the typed overloads want a TypedDict input)


def other_connections(server: RedisServer) -> int:
    """How many clients the server holds besides this probe (its own INFO connection)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"INFO clients\r\n")
        reply = b""
        while b"connected_clients:" not in reply or not reply.endswith(b"\r\n"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    for line in reply.decode().splitlines():
        if line.startswith("connected_clients:"):
            return int(line.split(":", 1)[1]) - 1
    raise AssertionError(f"no connected_clients in {reply!r}")


def settled_connections(server: RedisServer, expected: int) -> int:
    """The count once the server has seen closed sockets go (it notices them a moment later)."""
    deadline = time.monotonic() + HANG_GUARD_S
    count = other_connections(server)
    while count != expected and time.monotonic() < deadline:
        time.sleep(0.01)
        count = other_connections(server)
    return count


async def test_a_coordinator_stays_open_until_its_last_client_closes(
    redis_server: RedisServer,
) -> None:
    fake = fake_kie()
    coordinator = RedisCoordinator(redis_server.url, on_unavailable="raise")
    async with fake.http_client() as http:
        first = KieClient(api_key=KEY, http_client=http, coordinator=coordinator)
        second = KieClient(api_key=KEY, http_client=http, coordinator=coordinator)
        async with second:
            async with first:
                await first.create_task(MODEL, mc_input(0))
            await first.aclose()  # closed twice: still one exit
            # "raise" mode: a closed coredis client would raise CoordinatorUnavailableError.
            await second.create_task(MODEL, mc_input(1))
            assert settled_connections(redis_server, 1) >= 1
        assert settled_connections(redis_server, 0) == 0

        third = KieClient(api_key=KEY, http_client=http, coordinator=coordinator)
        try:
            with pytest.raises(CoordinatorUnavailableError, match="not open"):
                await third.create_task(MODEL, mc_input(2))  # never entered
        finally:
            await third.aclose()
    assert statuses(fake, "createTask") == [200, 200]
    assert coordinator.outages == 0


async def test_a_journal_stays_open_until_its_last_client_closes(
    redis_server: RedisServer,
) -> None:
    fake = fake_kie()
    journal = RedisJournal(redis_server.url)
    async with fake.http_client() as http:
        first = KieClient(api_key=KEY, http_client=http, journal=journal)
        second = KieClient(api_key=KEY, http_client=http, journal=journal)
        async with second:
            async with first:
                await first.create(ANY_MODEL, mc_input(0), idempotency_key="fox")
            await first.aclose()
            assert [e.idempotency_key for e in await second.tasks.list()] == ["fox"]
            assert settled_connections(redis_server, 1) >= 1
        assert settled_connections(redis_server, 0) == 0

    with pytest.raises(KieError, match="not open"):
        await journal.list()


async def test_a_journal_closed_twice_opens_again(redis_server: RedisServer) -> None:
    journal = RedisJournal(redis_server.url)
    async with journal:
        async with journal:  # two holders
            assert await journal.list() == []
        await journal.aclose()  # the outer holder's close, early
        await journal.aclose()  # and once more: nothing left to close
        assert settled_connections(redis_server, 0) == 0
    async with journal:
        assert await journal.spent_total() == 0.0
