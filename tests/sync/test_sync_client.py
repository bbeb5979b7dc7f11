"""Every method, on both clients: one test body runs against ``KieClient`` (awaited) and
``SyncKieClient`` (called from a plain worker thread, as sync code runs), both talking to
``FakeKie.serve_in_thread()`` over a real loopback socket."""

from __future__ import annotations

import math
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, Literal

import anyio
import anyio.to_thread
import pytest

from kieai import (
    KieClient,
    KieError,
    KieInputError,
    MotionControlResult,
    SyncKieClient,
    SyncMotionControlResult,
    Task,
    TaskFailedError,
    TaskState,
    TaskTimeoutError,
    UnprocessableEntityError,
    UploadedFile,
)
from kieai._assets import asset_bytes, asset_path
from kieai.testing import FakeKie, Outcome, Schedule

from .conftest import KEY

pytestmark = pytest.mark.anyio

PERSON = asset_path("person.png")
DANCE = asset_path("dance.mp4")
FAST: dict[str, Any] = {"poll_interval": 0.02, "max_poll_interval": 0.05, "timeout": 30.0}
Flavor = Literal["sync", "async"]


class Kie:
    """One client of either flavour, called the same way: ``await kie.call("get_task", id)``.

    The sync client runs in a worker thread with no event loop (a script, a Django view, a
    ComfyUI node); hooks it is given run in that same thread."""

    def __init__(self, flavor: Flavor, client: KieClient | SyncKieClient) -> None:
        self.flavor = flavor
        self.client = client

    def _method(self, path: str) -> Callable[..., Any]:
        target: Any = self.client
        for part in path.split("."):
            target = getattr(target, part)
        return target

    async def call(self, path: str, *args: Any, **kwargs: Any) -> Any:
        method = self._method(path)
        if self.flavor == "async":
            return await method(*args, **kwargs)
        return await anyio.to_thread.run_sync(lambda: method(*args, **kwargs))

    async def download(self, result: Any, dest: Path, **kwargs: Any) -> Path:
        if self.flavor == "async":
            return await result.download(dest, **kwargs)
        return await anyio.to_thread.run_sync(lambda: result.download(dest, **kwargs))


@pytest.fixture(params=["sync", "async"])
async def kie(request: pytest.FixtureRequest, base_url: str) -> AsyncIterator[Kie]:
    flavor: Flavor = request.param
    options: dict[str, Any] = {
        "api_key": KEY,
        "base_url": base_url,
        "upload_base_url": base_url,
        "initial_retry_delay": 0,
        "max_retry_delay": 0,
    }
    if flavor == "async":
        async with KieClient(**options) as client:
            yield Kie(flavor, client)
    else:
        client = await anyio.to_thread.run_sync(lambda: SyncKieClient(**options))
        try:
            yield Kie(flavor, client)
        finally:
            await anyio.to_thread.run_sync(client.close)


async def test_get_credits(kie: Kie, fake: FakeKie) -> None:
    fake.credits = 123.5
    assert await kie.call("get_credits") == 123.5


async def test_upload_a_path_with_progress_in_the_calling_thread(kie: Kie, fake: FakeKie) -> None:
    calls: list[tuple[int, int | None, str]] = []

    def on_progress(sent: int, total: int | None) -> None:
        calls.append((sent, total, threading.current_thread().name))

    uploaded = await kie.call("upload", DANCE, file_name="dance.mp4", on_progress=on_progress)
    assert isinstance(uploaded, UploadedFile)
    assert fake.uploads["kieai/dance.mp4"].data == DANCE.read_bytes()
    size = DANCE.stat().st_size
    assert calls[-1][:2] == (size, size)
    assert [sent for sent, *_ in calls] == sorted(sent for sent, *_ in calls)
    threads = {name for *_, name in calls}
    assert not any(name.startswith("kieai-sync-loop") for name in threads)


async def test_upload_bytes_and_from_url(kie: Kie, fake: FakeKie) -> None:
    first = await kie.call("upload", b"\x89PNG fake", file_name="a.png", upload_path="x")
    assert first.file_path == "x/a.png"
    fake.add_remote_file("https://example.com/b.png", PERSON.read_bytes())
    second = await kie.call("upload_from_url", "https://example.com/b.png", file_name="b.png")
    assert fake.uploads[second.file_path].data == PERSON.read_bytes()


async def test_create_get_wait_and_download(kie: Kie, fake: FakeKie, tmp_path: Path) -> None:
    image = await kie.call("upload", PERSON)
    video = await kie.call("upload", DANCE)
    task_id = await kie.call(
        "create_task",
        "kling-2.6/motion-control",
        {
            "input_urls": [image.url],
            "video_urls": [video.url],
            "character_orientation": "video",
            "mode": "720p",
        },
    )
    assert task_id in fake.tasks
    snapshot = await kie.call("get_task", task_id)
    assert isinstance(snapshot, Task) and snapshot.task_id == task_id
    states: list[TaskState | str] = []

    def on_update(task: Task) -> None:
        states.append(task.state)

    task = await kie.call("wait_for_task", task_id, on_update=on_update)
    assert task.is_success and states[-1] == TaskState.SUCCESS
    direct = await kie.call("get_download_url", task.result_urls[0])
    assert direct.startswith("http")
    seen: list[int] = []

    def on_progress(sent: int, _total: int | None) -> None:
        seen.append(sent)

    path = await kie.call("download", task.result_urls[0], tmp_path, on_progress=on_progress)
    assert path.read_bytes() == asset_bytes("result.mp4")
    assert seen[-1] == len(asset_bytes("result.mp4"))


async def test_motion_control_check_create_generate_and_download(
    kie: Kie, fake: FakeKie, tmp_path: Path
) -> None:
    report = await kie.call("motion_control.check", image=PERSON, video=DANCE)
    assert report.ok and report.image is not None and report.video is not None
    created: list[str] = []
    task_id = await kie.call(
        "motion_control.create", image=PERSON, video=DANCE, on_created=created.append
    )
    assert created == [task_id]
    progress: list[tuple[int, int | None]] = []

    def on_upload_progress(sent: int, total: int | None) -> None:
        progress.append((sent, total))

    result = await kie.call(
        "motion_control.generate",
        image=PERSON,
        video=DANCE,
        prompt="The character dances.",
        on_created=created.append,
        on_upload_progress=on_upload_progress,
        **FAST,
    )
    expected = MotionControlResult if kie.flavor == "async" else SyncMotionControlResult
    assert type(result) is expected and isinstance(result, MotionControlResult)
    assert created[-1] == result.task_id and result.video_url == result.video_urls[0]
    assert progress  # reused uploads still report (size, size)
    path = await kie.download(result, tmp_path / "out.mp4")
    assert path.read_bytes() == asset_bytes("result.mp4")
    assert len([u for u in fake.uploads.values() if u.data == DANCE.read_bytes()]) == 1


async def test_a_three_argument_progress_hook_gets_the_label(kie: Kie) -> None:
    labels: set[str] = set()

    def on_upload_progress(_sent: int, _total: int | None, label: str) -> None:
        labels.add(label)

    await kie.call(
        "motion_control.create", image=PERSON, video=DANCE, on_upload_progress=on_upload_progress
    )
    assert labels == {"image", "video"}


async def test_local_check_errors_are_the_same(kie: Kie, fake: FakeKie) -> None:
    with pytest.raises(KieInputError, match="character_orientation") as caught:
        await kie.call(
            "motion_control.create",
            image=PERSON,
            video=DANCE,
            character_orientation="sideways",
        )
    assert caught.value.problems
    assert fake.requests == []


async def test_a_failed_task_raises_task_failed_error(kie: Kie, fake: FakeKie) -> None:
    fake.fail_next_task("500", "Internal server error")
    with pytest.raises(TaskFailedError) as caught:
        await kie.call("motion_control.generate", image=PERSON, video=DANCE, **FAST)
    assert caught.value.fail_code == "500"


async def test_an_unknown_task_raises_the_same_status_error(kie: Kie) -> None:
    with pytest.raises(UnprocessableEntityError, match="recordInfo is null"):
        await kie.call("get_task", "task_missing")


async def test_waiting_past_the_deadline_raises_task_timeout_error(kie: Kie, fake: FakeKie) -> None:
    fake.queue_outcomes(Outcome.success(schedule=Schedule(generating=math.inf)))
    fake_task = await kie.call("motion_control.create", image=PERSON, video=DANCE)
    with pytest.raises(TaskTimeoutError) as caught:
        await kie.call("wait_for_task", fake_task, timeout=0.2, poll_interval=0.05)
    assert caught.value.task_id == fake_task


async def test_an_exception_in_a_hook_reaches_the_caller(kie: Kie) -> None:
    class Boom(Exception):
        pass

    def explode(_task_id: str) -> None:
        raise Boom("from the hook")

    with pytest.raises(Boom, match="from the hook"):
        await kie.call("motion_control.create", image=PERSON, video=DANCE, on_created=explode)


async def test_async_hooks_are_awaited(kie: Kie) -> None:
    seen: list[str] = []

    async def remember(task_id: str) -> None:
        seen.append(task_id)

    task_id = await kie.call(
        "motion_control.create", image=PERSON, video=DANCE, on_created=remember
    )
    assert seen == [task_id]


async def test_calls_after_close_raise_kie_error(kie: Kie) -> None:
    if kie.flavor == "async":
        assert isinstance(kie.client, KieClient)
        await kie.client.aclose()
    else:
        await anyio.to_thread.run_sync(kie.client.close)  # pyright: ignore[reportAttributeAccessIssue, reportUnknownArgumentType, reportUnknownMemberType]
    with pytest.raises(KieError, match="closed"):
        await kie.call("get_credits")
