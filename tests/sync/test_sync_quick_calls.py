"""Quick reads (``get_task``, ``get_credits``, ``get_download_url``) run in the calling thread:
same answers and errors, the shared pacing window, retries counted once, and the event loop
taking over whatever needs waiting."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from kieai import (
    APIConnectionError,
    InternalServerError,
    KieClient,
    KieError,
    SyncKieClient,
    Task,
    UnprocessableEntityError,
)
from kieai._assets import asset_path
from kieai.testing import FakeKie, Schedule

from .conftest import KEY

PERSON = asset_path("person.png")
DANCE = asset_path("dance.mp4")
RETRY_HEADER = "x-kieai-retry-count"


class ThreadLog:
    """An ``httpx.Client`` event hook noting which thread sent each request: a request hook
    runs in the thread that calls ``Client.send``."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def __call__(self, request: httpx.Request) -> None:
        self.sent.append((request.url.path, threading.current_thread().name))

    def threads(self, path: str) -> list[str]:
        return [thread for sent_path, thread in self.sent if sent_path == path]


@pytest.fixture
def log() -> ThreadLog:
    return ThreadLog()


@pytest.fixture
def client(base_url: str, log: ThreadLog) -> Iterator[SyncKieClient]:
    with (
        httpx.Client(event_hooks={"request": [log]}) as http,
        SyncKieClient(
            api_key=KEY,
            base_url=base_url,
            upload_base_url=base_url,
            http_client=http,
            get_task_rate=None,  # a window filled by earlier polls would send reads to the loop
        ) as client,
    ):
        yield client


def recordinfo(fake: FakeKie) -> list[str]:
    """The retry counter of each recordInfo request the fake saw, in order."""
    return [r.headers[RETRY_HEADER] for r in fake.requests if r.route == "recordInfo"]


def test_quick_reads_are_sent_from_the_calling_thread(
    client: SyncKieClient, log: ThreadLog
) -> None:
    task_id = client.motion_control.create(image=PERSON, video=DANCE)
    done = client.wait_for_task(task_id, poll_interval=0.01, max_poll_interval=0.02)
    me = threading.current_thread().name
    # Everything but the quick reads goes through the event loop (its worker threads send).
    assert log.sent and all(thread != me for _path, thread in log.sent)
    log.sent.clear()

    task = client.get_task(task_id)
    credits = client.get_credits()
    link = client.get_download_url(done.result_urls[0])

    assert isinstance(task, Task) and task.task_id == task_id
    assert credits > 0 and link.startswith("http")
    assert log.sent == [
        ("/api/v1/jobs/recordInfo", me),
        ("/api/v1/chat/credit", me),
        ("/api/v1/common/download-url", me),
    ]


def test_a_full_window_hands_the_read_to_the_loop_which_waits_its_turn(log: ThreadLog) -> None:
    rate = (2, 0.3)
    paced = FakeKie(api_key=KEY, record_rate_limit=rate)
    with (
        paced.serve_in_thread() as url,
        httpx.Client(event_hooks={"request": [log]}) as http,
        SyncKieClient(
            api_key=KEY, base_url=url, upload_base_url=url, get_task_rate=rate, http_client=http
        ) as client,
    ):
        task_id = client.motion_control.create(image=PERSON, video=DANCE)
        tasks = [client.get_task(task_id) for _ in range(5)]

    assert [t.task_id for t in tasks] == [task_id] * 5
    assert [r.status for r in paced.requests if r.route == "recordInfo"] == [200] * 5
    me = threading.current_thread().name
    threads = log.threads("/api/v1/jobs/recordInfo")
    assert threads[:2] == [me, me]  # room in the window: sent at once, from here
    assert threads[2] != me  # the window was full: the loop waited for room, then sent


def test_a_failed_quick_read_is_retried_on_the_loop_with_its_attempt_counted(
    fake: FakeKie, client: SyncKieClient
) -> None:
    task_id = client.motion_control.create(image=PERSON, video=DANCE)
    fake.inject("recordInfo", status=500, times=2)

    task = client.get_task(task_id)

    assert task.task_id == task_id
    assert recordinfo(fake) == ["0", "1", "2"]  # one first attempt, two retries


@pytest.mark.parametrize(("max_retries", "attempts"), [(2, ["0", "1", "2"]), (0, ["0"])])
def test_a_quick_read_that_keeps_failing_makes_max_retries_plus_one_attempts(
    fake: FakeKie, base_url: str, max_retries: int, attempts: list[str]
) -> None:
    with SyncKieClient(
        api_key=KEY, base_url=base_url, upload_base_url=base_url, max_retries=max_retries
    ) as client:
        task_id = client.motion_control.create(image=PERSON, video=DANCE)
        fake.inject("recordInfo", status=500, times=None)
        with pytest.raises(InternalServerError):
            client.get_task(task_id)

    assert recordinfo(fake) == attempts  # with no retries, the first failure is the answer


def test_errors_that_are_not_retried_come_straight_back(
    fake: FakeKie, client: SyncKieClient
) -> None:
    with pytest.raises(UnprocessableEntityError, match="recordInfo is null"):
        client.get_task("no-such-task")
    with pytest.raises(KieError, match="task_id: must be a non-empty string"):
        client.get_task("  ")
    assert recordinfo(fake) == ["0"]  # the blank id was refused before anything was sent


def test_many_threads_reading_and_generating_share_one_window_without_a_429(
    base_url: str,
) -> None:
    rate = (10, 0.05)  # Kie's 10 recordInfo per second, 20x faster
    fake = FakeKie(
        api_key=KEY,
        record_rate_limit=rate,
        schedule=Schedule(waiting=0, queuing=0, generating=0.05),
    )
    with (
        fake.serve_in_thread() as url,
        SyncKieClient(api_key=KEY, base_url=url, upload_base_url=url, get_task_rate=rate) as client,
    ):
        task_id = client.motion_control.create(image=PERSON, video=DANCE)

        def poll(_: int) -> list[str]:
            return [client.get_task(task_id).task_id for _ in range(15)]

        def generate(_: int) -> str:
            return client.motion_control.generate(
                image=PERSON, video=DANCE, poll_interval=0.01, max_poll_interval=0.02
            ).task_id

        with ThreadPoolExecutor(12) as pool:
            polled = pool.map(poll, range(10))
            generated = pool.map(generate, range(2))
            ids = [i for batch in polled for i in batch] + list(generated)

    assert len(ids) == 10 * 15 + 2
    records = [r for r in fake.requests if r.route == "recordInfo"]
    assert len(records) > 150
    assert [r for r in records if r.status != 200] == []


def test_a_quick_read_inside_a_running_event_loop_leaves_the_client_whole(
    fake: FakeKie, base_url: str
) -> None:
    with SyncKieClient(api_key=KEY, base_url=base_url, upload_base_url=base_url) as client:
        task_id = client.motion_control.create(image=PERSON, video=DANCE)

        async def cell() -> Task:  # a notebook cell: this thread's own loop is running
            return client.get_task(task_id)

        assert asyncio.run(cell()).task_id == task_id
        # The loop-side calls still work: the read from another loop did not claim the client.
        done = client.wait_for_task(task_id, poll_interval=0.01, max_poll_interval=0.02)
        assert done.is_finished


def test_quick_reads_use_the_proxy_the_environment_names(
    monkeypatch: pytest.MonkeyPatch, base_url: str
) -> None:
    # A proxy that refuses connections: a read that honoured it fails to connect, as the
    # loop's client (httpx.AsyncClient, trust_env) does for every other call.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with SyncKieClient(
        api_key=KEY, base_url=base_url, upload_base_url=base_url, max_retries=0
    ) as client:
        with pytest.raises(APIConnectionError):
            client.get_credits()
        with pytest.raises(APIConnectionError):
            client.upload(b"\x89PNG\r\n\x1a\n", file_name="a.png")


@pytest.mark.parametrize("own_pool", [True, False], ids=["own pool", "caller's client"])
def test_a_quick_read_under_way_when_another_thread_closes_ends_with_kie_error(
    fake: FakeKie, base_url: str, own_pool: bool
) -> None:
    # kieai's own pool is closed under the read (its answer then breaks off); a caller's
    # client stays open (the answer arrives). Either way the call ends as "closed".
    http = httpx.Client()
    client = SyncKieClient(
        api_key=KEY,
        base_url=base_url,
        upload_base_url=base_url,
        http_client=None if own_pool else http,
    )
    task_id = client.motion_control.create(image=PERSON, video=DANCE)
    stall = fake.inject("recordInfo", delay=0.5)
    errors: list[BaseException] = []

    def read() -> None:
        try:
            client.get_task(task_id)
        except BaseException as exc:
            errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    while stall.hits == 0 and reader.is_alive():  # the read reached the fake, which stalls
        threading.Event().wait(0.01)
    client.close()
    reader.join(10)
    http.close()

    assert not reader.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], KieError)
    assert "closed while the call was running" in str(errors[0])


def test_a_call_made_from_inside_a_quick_read_runs_where_it_belongs(base_url: str) -> None:
    """An httpx event hook of a quick read runs in the calling thread: a loop call made there
    runs on the loop as usual, and another client used there sends through its own pool."""
    log = ThreadLog()
    nested: dict[str, object] = {}
    other_client_hook: list[str] = []

    def on_request(request: httpx.Request) -> None:
        log(request)
        if request.url.path != "/api/v1/chat/credit" or nested:
            return
        nested["uploaded"] = client.upload(b"\x89PNG\r\n\x1a\n" + bytes(64), file_name="n.png")

        async def other() -> float:
            async def note(_request: httpx.Request) -> None:
                other_client_hook.append(_request.url.path)

            async with (
                httpx.AsyncClient(event_hooks={"request": [note]}) as http,
                KieClient(api_key=KEY, base_url=base_url, http_client=http) as kie,
            ):
                return await kie.get_credits()

        nested["credits"] = asyncio.run(other())

    with (
        httpx.Client(event_hooks={"request": [on_request]}) as http,
        SyncKieClient(
            api_key=KEY, base_url=base_url, upload_base_url=base_url, http_client=http
        ) as client,
    ):
        assert client.get_credits() > 0

    me = threading.current_thread().name
    upload_threads = log.threads("/api/file-stream-upload")
    assert len(upload_threads) == 1 and upload_threads[0] not in (me, "")
    assert not upload_threads[0].startswith("kieai-sync-loop")  # a worker thread, as always
    assert isinstance(nested["credits"], float)
    assert other_client_hook == ["/api/v1/chat/credit"]  # its own client, not ours
