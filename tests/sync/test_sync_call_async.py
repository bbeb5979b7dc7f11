"""``SyncKieClient._call_async``: the entry point generated sync code calls for any
``KieClient`` method by name, with hooks served in the calling thread as the mirrored
methods serve them."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from kieai import SyncKieClient, Task, UnprocessableEntityError, UploadedFile
from kieai._assets import asset_path
from kieai.testing import FakeKie

from .conftest import KEY

PERSON = asset_path("person.png")
DANCE = asset_path("dance.mp4")


@pytest.fixture
def client(base_url: str) -> Iterator[SyncKieClient]:
    with SyncKieClient(api_key=KEY, base_url=base_url, upload_base_url=base_url) as client:
        yield client


def test_a_hook_runs_in_the_calling_thread_and_the_value_comes_back(
    client: SyncKieClient,
) -> None:
    seen: list[tuple[int, int | None, int]] = []

    def on_progress(sent: int, total: int | None) -> None:
        seen.append((sent, total, threading.get_ident()))

    uploaded = client._call_async("upload", PERSON, on_progress=on_progress)  # pyright: ignore[reportPrivateUsage]

    assert isinstance(uploaded, UploadedFile)
    size = PERSON.stat().st_size
    assert seen[-1][:2] == (size, size)
    assert {thread for _, _, thread in seen} == {threading.get_ident()}


def test_keyword_hooks_of_a_wait_are_served_here_too(fake: FakeKie, client: SyncKieClient) -> None:
    task_id = client.motion_control.create(image=PERSON, video=DANCE)
    updates: list[int] = []

    def on_update(task: Task) -> None:
        updates.append(threading.get_ident())

    task = client._call_async(  # pyright: ignore[reportPrivateUsage]
        "wait_for_task", task_id, poll_interval=0.01, max_poll_interval=0.02, on_update=on_update
    )

    assert isinstance(task, Task) and task.is_success
    assert updates and set(updates) == {threading.get_ident()}


def test_errors_come_back_as_the_async_method_raises_them(client: SyncKieClient) -> None:
    with pytest.raises(UnprocessableEntityError, match="recordInfo is null"):
        client._call_async("get_task", "no-such-task")  # pyright: ignore[reportPrivateUsage]
    with pytest.raises(AttributeError, match="no_such_method"):
        client._call_async("no_such_method")  # pyright: ignore[reportPrivateUsage]
