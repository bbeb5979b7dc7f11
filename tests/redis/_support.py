"""Helpers for the Redis coordinator tests: clients on a FakeKie, windows, motion inputs."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from kieai import KieClient
from kieai.redis import RedisCoordinator
from kieai.testing import FakeKie

KEY = "test-key"
MODEL = "kling-2.6/motion-control"


def mc_input(n: int = 0) -> dict[str, Any]:
    """A motion-control input the fake accepts (URLs it need not fetch); ``n`` tells tasks
    apart in the fake's records."""
    return {
        "prompt": f"task {n}",
        "input_urls": ["https://tempfile.redpandaai.co/kieai/person.png"],
        "video_urls": ["https://tempfile.redpandaai.co/kieai/dance.mp4"],
        "character_orientation": "video",
        "mode": "720p",
    }


def fake_kie(**overrides: Any) -> FakeKie:
    options: dict[str, Any] = {"api_key": KEY, "allow_external_urls": True}
    options.update(overrides)
    return FakeKie(**options)


@asynccontextmanager
async def client(
    fake: FakeKie, coordinator: RedisCoordinator | None, **overrides: Any
) -> AsyncGenerator[KieClient, None]:
    """An open client on ``fake`` (in-process) that does not sleep between retries."""
    async with fake.http_client() as http:
        options: dict[str, Any] = {
            "api_key": KEY,
            "http_client": http,
            "initial_retry_delay": 0,
            "max_retry_delay": 0,
            "coordinator": coordinator,
        }
        options.update(overrides)
        async with KieClient(**options) as kie:
            yield kie


def max_in_any_window(times: Iterable[float], period: float) -> int:
    """The most events found in any half-open window [t, t + period) starting at an event."""
    ordered = sorted(times)
    return max(
        (
            sum(1 for other in ordered[i:] if other < start + period)
            for i, start in enumerate(ordered)
        ),
        default=0,
    )


def statuses(fake: FakeKie, route: str) -> list[int | None]:
    return [r.status for r in fake.requests if r.route == route]
