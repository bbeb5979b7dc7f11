"""Opening and closing: nothing left behind, clear errors after close, across fork(), and for
the async client used the sync way or from a second event loop."""

from __future__ import annotations

import asyncio
import math
import os
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import TypedDict

import httpx
import pytest

from kieai import KieClient, KieError, KieInputError, SyncKieClient
from kieai._assets import asset_path
from kieai.testing import FakeKie, Outcome, Schedule

from .._liveness import HANG_GUARD_S
from .conftest import KEY

PERSON = asset_path("person.png")
DANCE = asset_path("dance.mp4")
#: How long anyio's idle worker threads may take to exit after the loop stopped.
WORKER_THREADS_EXIT_S = HANG_GUARD_S  # a guard: they exit in milliseconds


class Fast(TypedDict):
    poll_interval: float
    max_poll_interval: float


FAST = Fast(poll_interval=0.02, max_poll_interval=0.05)


def open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def sync_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("kieai-sync")]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/fd")
def test_close_leaves_no_thread_socket_or_file(base_url: str, tmp_path: Path) -> None:
    # Only what this test started counts: threads and descriptors of earlier tests (anyio's
    # idle worker threads of their loops linger for seconds) may end meanwhile.
    threads, fds = set(threading.enumerate()), open_fds()

    def new_threads() -> list[str]:
        return [t.name for t in threading.enumerate() if t not in threads]

    with SyncKieClient(api_key=KEY, base_url=base_url, upload_base_url=base_url) as client:
        assert len(sync_threads()) == 1
        result = client.motion_control.generate(image=PERSON, video=DANCE, **FAST)
        result.download(tmp_path)
        client.get_credits()
        assert open_fds() - fds  # keep-alive connections are open meanwhile
    assert sync_threads() == []
    # The loop's idle "AnyIO worker thread"s (media checks ran there) are told to stop when
    # the loop ends but not joined by anyio; on a busy machine they take a few ms more.
    deadline = time.monotonic() + WORKER_THREADS_EXIT_S
    while new_threads() and time.monotonic() < deadline:
        time.sleep(0.005)
    assert new_threads() == []
    # The fake serves in this process: its side of a connection closes once it reads the
    # client's end, a moment after close() returned.
    while open_fds() - fds and time.monotonic() < deadline:
        time.sleep(0.005)
    assert open_fds() - fds == set()


def test_close_is_idempotent_and_later_calls_say_closed(base_url: str) -> None:
    client = SyncKieClient(api_key=KEY, base_url=base_url, upload_base_url=base_url)
    motion_control = client.motion_control
    client.close()
    client.close()
    with pytest.raises(KieError, match=r"SyncKieClient is closed \(after close\(\)"):
        client.get_credits()
    with pytest.raises(KieError, match="closed"):
        motion_control.create(image=PERSON, video=DANCE)


def test_a_result_downloaded_after_close_says_closed(base_url: str, tmp_path: Path) -> None:
    with SyncKieClient(api_key=KEY, base_url=base_url, upload_base_url=base_url) as client:
        result = client.motion_control.generate(image=PERSON, video=DANCE, **FAST)
    with pytest.raises(KieError, match="closed"):
        result.download(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_result_not_made_by_generate_is_not_bound(base_url: str) -> None:
    with SyncKieClient(api_key=KEY, base_url=base_url, upload_base_url=base_url) as client:
        result = client.motion_control.generate(image=PERSON, video=DANCE, **FAST)
    copy = type(result).model_validate(result.model_dump())
    assert copy == type(result).model_validate(result.model_dump())
    assert copy.video_url == result.video_url
    with pytest.raises(KieError, match="not bound to a client"):
        copy.download(".")


def test_a_forgotten_client_warns_and_stops_its_thread(base_url: str) -> None:
    def use_and_forget() -> None:
        SyncKieClient(api_key=KEY, base_url=base_url, upload_base_url=base_url).get_credits()

    with pytest.warns(ResourceWarning, match="unclosed SyncKieClient"):
        use_and_forget()
    assert sync_threads() == []


def test_construction_errors_are_kieclients_and_leave_no_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("KIE_API_KEY", raising=False)
    with pytest.raises(KieError, match="KIE_API_KEY"):
        SyncKieClient()
    with pytest.raises(KieInputError, match="max_retries"):
        SyncKieClient(api_key=KEY, max_retries=-1)
    assert sync_threads() == []


def test_an_async_http_client_is_refused_naming_kieclient() -> None:
    with pytest.raises(KieInputError, match=r"must be an httpx\.Client.*belongs to KieClient"):
        SyncKieClient(api_key=KEY, http_client=httpx.AsyncClient())  # type: ignore[arg-type]  # the mistake under test


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_a_forked_child_gets_a_clear_error_and_the_parent_keeps_working(base_url: str) -> None:
    with SyncKieClient(api_key=KEY, base_url=base_url, upload_base_url=base_url) as client:
        client.get_credits()
        read_end, write_end = os.pipe()
        with warnings.catch_warnings():  # 3.12+: "multi-threaded process ... fork()"
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child: report what using the parent's client does, then leave
            try:
                client.get_credits()
                message = "no error"
            except KieError as exc:
                message = str(exc)
            os.write(write_end, message.encode())
            os._exit(0)
        os.close(write_end)
        _, status = os.waitpid(pid, 0)
        with os.fdopen(read_end, "rb") as pipe:
            message = pipe.read().decode()
        assert os.waitstatus_to_exitcode(status) == 0
        assert "cannot be used after fork()" in message
        assert "Create a new SyncKieClient in the child" in message
        assert client.get_credits() > 0


def test_with_kieclient_names_synckieclient() -> None:
    client = KieClient(api_key=KEY)
    with pytest.raises(TypeError, match=r"async with KieClient\(\).*SyncKieClient"):
        with client:  # pyright: ignore[reportGeneralTypeIssues]  # the mistake under test
            pass


def test_a_kieclient_used_from_a_second_event_loop_says_one_client_per_loop(
    fake: FakeKie, base_url: str
) -> None:
    client = KieClient(api_key=KEY, base_url=base_url, upload_base_url=base_url)
    first = asyncio.new_event_loop()
    try:
        assert first.run_until_complete(client.get_credits()) == fake.credits
        with pytest.raises(KieError, match="one client per event loop"):
            asyncio.run(client.get_credits())  # a second loop, e.g. the next notebook cell
        assert first.run_until_complete(client.get_credits()) == fake.credits
    finally:
        first.run_until_complete(client.aclose())  # its connections belong to the first loop
        first.close()


async def _credits_twice(client: KieClient) -> tuple[float, float]:
    return await client.get_credits(), await client.get_credits()


def test_a_kieclient_keeps_working_within_one_loop(fake: FakeKie, base_url: str) -> None:
    async def main() -> tuple[float, float]:
        async with KieClient(api_key=KEY, base_url=base_url, upload_base_url=base_url) as client:
            return await _credits_twice(client)

    assert asyncio.run(main()) == (fake.credits, fake.credits)


def test_close_from_another_thread_ends_a_running_call_with_kie_error(
    fake: FakeKie, base_url: str
) -> None:
    fake.queue_outcomes(Outcome.success(schedule=Schedule(generating=math.inf)))
    client = SyncKieClient(api_key=KEY, base_url=base_url, upload_base_url=base_url)
    task_id = client.motion_control.create(image=PERSON, video=DANCE)
    errors: list[BaseException] = []
    polling = threading.Event()

    def wait() -> None:
        try:
            client.wait_for_task(task_id, poll_interval=0.02, on_update=lambda _t: polling.set())
        except BaseException as exc:
            errors.append(exc)

    waiter = threading.Thread(target=wait)
    waiter.start()
    assert polling.wait(10)
    client.close()
    waiter.join(10)
    assert not waiter.is_alive()
    assert [type(e) for e in errors] == [type(errors[0])] and isinstance(errors[0], KieError)
    assert "closed while the call was running" in str(errors[0])
    assert sync_threads() == []


def test_an_async_hook_calling_the_client_on_its_own_loop_gets_a_clear_error(
    base_url: str,
) -> None:
    with SyncKieClient(api_key=KEY, base_url=base_url, upload_base_url=base_url) as client:

        async def reentrant(_task_id: str) -> None:
            client.get_credits()  # runs on the client's loop thread: would wait for itself

        with pytest.raises(KieError, match="own event-loop thread"):
            client.motion_control.create(image=PERSON, video=DANCE, on_created=reentrant)
        assert client.get_credits() > 0  # the client is still fine
