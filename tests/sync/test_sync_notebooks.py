"""Where sync code really runs: inside a thread whose event loop is already running (a Jupyter
cell is a coroutine on the kernel's asyncio loop), and under trio."""

from __future__ import annotations

import asyncio
import threading

import trio

from kieai import SyncKieClient, Task
from kieai._assets import asset_path
from kieai.testing import FakeKie

from .conftest import KEY

PERSON = asset_path("person.png")
DANCE = asset_path("dance.mp4")


def test_a_call_from_inside_a_running_asyncio_loop_works(fake: FakeKie, base_url: str) -> None:
    updates: list[str] = []

    async def cell() -> str:
        asyncio.get_running_loop()  # this thread's loop is running, as in a notebook
        with SyncKieClient(api_key=KEY, base_url=base_url, upload_base_url=base_url) as client:

            def on_update(task: Task) -> None:
                updates.append(threading.current_thread().name)

            result = client.motion_control.generate(
                image=PERSON, video=DANCE, poll_interval=0.02, on_update=on_update
            )
            return result.task_id

    task_id = asyncio.run(cell())
    assert fake.task(task_id).state == "success"
    assert set(updates) == {threading.current_thread().name}  # hooks ran in the cell's thread


def test_a_module_level_client_survives_several_asyncio_runs(fake: FakeKie, base_url: str) -> None:
    """The notebook pattern that breaks a KieClient: one client, a new loop per cell."""
    with SyncKieClient(api_key=KEY, base_url=base_url, upload_base_url=base_url) as client:

        async def cell() -> float:
            return client.get_credits()

        assert asyncio.run(cell()) == asyncio.run(cell()) == fake.credits


def test_a_call_from_inside_a_trio_run_works(fake: FakeKie, base_url: str) -> None:
    async def main() -> str:
        with SyncKieClient(api_key=KEY, base_url=base_url, upload_base_url=base_url) as client:
            return client.motion_control.create(image=PERSON, video=DANCE)

    assert trio.run(main) in fake.tasks
