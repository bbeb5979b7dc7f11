"""Fixtures for the FakeKie tests: a fake on a manual clock and an in-process client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from kieai.testing import FakeKie, ManualClock

#: 2026-11-18T22:13:20Z: a round start keeps millisecond arithmetic in the tests exact.
START_S = 1_795_040_000.0


@pytest.fixture
def fake() -> FakeKie:
    return FakeKie(api_key="test-key", clock=ManualClock(start=START_S))


@pytest.fixture
async def client(fake: FakeKie) -> AsyncIterator[httpx.AsyncClient]:
    async with fake.http_client() as http:
        yield http
