"""Cancellation sweeps over a real loopback socket: a cancellation anywhere never loses a billed
task (its id reaches ``on_created``), leaves no socket, file or temporary file behind, and
produces no ResourceWarning (trio reports abandoned async generators; asyncio does not)."""

from __future__ import annotations

import os
import random
import tempfile
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from kieai import KieClient
from kieai._assets import asset_path
from kieai.testing import FakeKie, Schedule

from .._warnings import no_resource_warnings

pytestmark = pytest.mark.anyio

KEY = "test-key"
PERSON = asset_path("person.png")
DANCE = asset_path("dance.mp4")
MODEL = "kling-2.6/motion-control"
INPUT = {
    "prompt": "The character dances.",
    "input_urls": ["https://cdn.example/person.png"],
    "video_urls": ["https://cdn.example/dance.mp4"],
    "character_orientation": "video",
    "mode": "720p",
}
#: How many cancel points each sweep tries (the issue's sweep found losses with 31).
SWEEP_POINTS = 31
RANDOM_CANCELLATIONS = 150


def _open_fds() -> set[str]:
    """This process's open file descriptors that are sockets or files (Linux /proc)."""
    fds: set[str] = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # closed between listdir and readlink (the listing itself)
            continue
        if target.startswith(("socket:", "/")):
            fds.add(f"{fd}:{target}")
    return fds


@pytest.fixture(name="no_resource_warnings")
def _no_resource_warnings() -> Iterator[None]:
    with no_resource_warnings():
        yield


def _fake() -> FakeKie:
    return FakeKie(
        api_key=KEY,
        schedule=Schedule(0.02, 0.02, 0.02),
        create_rate_limit=None,
        record_rate_limit=None,
        allow_external_urls=True,
    )


def _client(base_url: str) -> KieClient:
    return KieClient(
        api_key=KEY,
        base_url=base_url,
        upload_base_url=base_url,
        create_task_rate=None,
        get_task_rate=None,
        initial_retry_delay=0,
        max_retry_delay=0,
    )


async def test_random_cancellations_of_create_task_in_flight_lose_nothing_and_warn_nothing(
    no_resource_warnings: None,
) -> None:
    fake = _fake()
    rng = random.Random(20261201)
    handed: list[str] = []
    async with fake.serve() as base_url, _client(base_url) as client:
        for _ in range(RANDOM_CANCELLATIONS):
            with anyio.move_on_after(rng.uniform(0.0, 0.004)):
                await client._create_task(MODEL, INPUT, on_created=handed.append)  # pyright: ignore[reportPrivateUsage]
        # Every createTask the fake saw (billed) was answered and its id handed on.
        assert sorted(fake.tasks) == sorted(handed)
        assert await client.create_task(MODEL, INPUT)  # still usable


async def test_a_cancellation_sweep_across_generate_loses_no_task_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_resource_warnings: None
) -> None:
    fake = _fake()
    # The library's own temporary files land in a directory of this test's (not the shared
    # /tmp, where other processes on the machine come and go).
    temp_dir = tmp_path / "tempdir"
    temp_dir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp_dir))
    files_before = set(os.listdir(tmp_path))
    fds_before = _open_fds()
    handed: list[str] = []
    finished = 0
    async with fake.serve() as base_url:
        async with _client(base_url) as client:

            async def generate() -> None:
                await client.motion_control.generate(
                    image=PERSON,
                    video=DANCE,
                    poll_interval=0.01,
                    max_poll_interval=0.02,
                    on_created=handed.append,
                )

            # How long one whole generate takes here: the sweep spans it, and a little more.
            started = anyio.current_time()
            await generate()
            whole = anyio.current_time() - started
            for point in range(SWEEP_POINTS):
                with anyio.move_on_after(whole * 1.2 * point / (SWEEP_POINTS - 1)) as scope:
                    await generate()
                finished += not scope.cancelled_caught
            created_ids = sorted(fake.tasks)
    # Every task the fake created (and billed) was handed to on_created, exactly once.
    assert created_ids == sorted(handed)
    assert len(set(handed)) == len(handed)
    assert finished < SWEEP_POINTS  # the sweep did cancel
    assert _open_fds() - fds_before == set()
    assert set(os.listdir(tmp_path)) == files_before
    assert os.listdir(temp_dir) == []
