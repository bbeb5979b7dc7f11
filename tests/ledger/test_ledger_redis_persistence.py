"""What docs/ledger.md says about Redis persistence, on a real redis-server killed with SIGKILL
and started again on the same directory: with AOF (``appendfsync always``) the journal's
entries survive, without persistence they are gone."""

from __future__ import annotations

import gc
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from kieai import KieError
from kieai.redis import RedisJournal

from ..redis.conftest import START_TIMEOUT_S, RedisServer
from ._workers import INPUT, MODEL


class PersistentRedisServer(RedisServer):
    """A redis-server with the given persistence settings, restartable on its directory."""

    def __init__(self, directory: Path, settings: list[str]) -> None:
        super().__init__(directory)
        self.settings = settings

    def start(self) -> None:
        assert self.process is None, "already running"
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--logfile",
                str(self.directory / "redis.log"),
                *self.settings,
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"redis-server did not start on port {self.port}")
            time.sleep(0.01)


AOF_ALWAYS = ["--save", "", "--appendonly", "yes", "--appendfsync", "always"]
NO_PERSISTENCE = ["--save", "", "--appendonly", "no"]


@pytest.fixture
def server_factory() -> Iterator[list[PersistentRedisServer]]:
    servers: list[PersistentRedisServer] = []
    yield servers
    for server in servers:
        server.kill()
    gc.collect()


async def _write(url: str) -> None:
    async with RedisJournal(url) as journal:
        claim = await journal.begin(MODEL, INPUT, idempotency_key="order-1", estimate=330.0)
        await journal.record_task_id(claim.entry.id, "task-1")


async def _read(url: str) -> tuple[str | None, float]:
    async with RedisJournal(url) as journal:
        entry = await journal.get_by_key("order-1")
        return (None if entry is None else entry.task_id), await journal.spent_total()


@pytest.mark.parametrize(
    ("settings", "kept"),
    [(AOF_ALWAYS, ("task-1", 330.0)), (NO_PERSISTENCE, (None, 0.0))],
    ids=["aof-always", "no-persistence"],
)
def test_entries_survive_a_redis_crash_only_with_persistence(
    tmp_path: Path,
    server_factory: list[PersistentRedisServer],
    settings: list[str],
    kept: tuple[str | None, float],
) -> None:
    server = PersistentRedisServer(tmp_path, settings)
    server_factory.append(server)
    server.start()
    anyio.run(_write, server.url)

    server.kill()  # SIGKILL: no shutdown save
    server.start()

    assert anyio.run(_read, server.url) == kept


def test_a_journal_call_with_redis_down_raises_a_kie_error_and_writes_nothing(
    tmp_path: Path, server_factory: list[PersistentRedisServer]
) -> None:
    server = PersistentRedisServer(tmp_path, NO_PERSISTENCE)
    server_factory.append(server)
    server.start()
    url = server.url
    server.kill()

    async def begin() -> None:
        async with RedisJournal(url) as journal:
            await journal.begin(MODEL, INPUT, idempotency_key="order-1")

    with pytest.raises(KieError, match="journal: Redis did not answer while writing the intent"):
        anyio.run(begin)
