"""Every journal test runs against both journals: a real SQLite file and a real redis-server
on a free loopback port (the tests/redis fixture's server)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..redis.conftest import COREDIS_STREAM_LEAK, RedisServer
from ._journals import JournalKind, JournalSpec


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.filterwarnings(COREDIS_STREAM_LEAK))


@pytest.fixture(params=["sqlite", "redis"])
def journal_spec(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JournalSpec]:
    """Where a journal's data lives; open it with ``open_journal`` (as often as needed)."""
    kind: JournalKind = request.param
    if kind == "sqlite":
        yield ("sqlite", str(tmp_path / "journal.sqlite3"))
        return
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield ("redis", server.url)
    finally:
        server.kill()
        gc.collect()
