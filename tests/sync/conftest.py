"""Fixtures for the sync client's tests: a FakeKie on a loopback port, served from a thread."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kieai.testing import FakeKie

KEY = "test-key"


@pytest.fixture
def anyio_backend() -> str:
    """The sync suite's async tests drive the sync client from a worker thread; one backend
    is enough for that (the async client's own suite runs both)."""
    return "asyncio"


@pytest.fixture
def fake() -> FakeKie:
    return FakeKie(api_key=KEY)


@pytest.fixture
def base_url(fake: FakeKie) -> Iterator[str]:
    with fake.serve_in_thread() as url:
        yield url
