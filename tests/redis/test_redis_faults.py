"""Redis down at start, killed mid-batch, restarted, slow (paused), flushed; "raise" mode.

Whatever Redis does, every task is created exactly once: the coordinator only decides when
a request leaves, never whether it is sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import anyio
import pytest

from kieai import (
    CoordinatorConfigurationError,
    CoordinatorUnavailableError,
    KieClient,
    KieError,
    MotionControlResult,
)
from kieai._assets import asset_path
from kieai.redis import RedisCoordinator
from kieai.testing import FakeKie

from .._liveness import HANG_GUARD_S
from ..motion._media import write_png
from ._support import MODEL, client, fake_kie, max_in_any_window, mc_input, statuses
from .conftest import RedisServer, free_port

pytestmark = pytest.mark.anyio

PERSON = asset_path("person.png")
DANCE = asset_path("dance.mp4")


def _warnings(
    caplog: pytest.LogCaptureFixture, text: str, level: int = logging.WARNING
) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "kieai" and r.levelno == level and text in r.getMessage()
    ]


def _prompts(fake: FakeKie) -> list[str]:
    return [str(t.body["input"]["prompt"]) for t in fake.tasks.values()]


async def test_redis_down_at_start_paces_locally_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="kieai")
    fake = fake_kie(create_rate_limit=(3, 0.2))
    dead = RedisCoordinator(f"redis://127.0.0.1:{free_port()}/0")
    async with client(fake, dead, create_task_rate=(3, 0.2)) as kie:
        started = anyio.current_time()
        async with anyio.create_task_group() as group:
            for n in range(9):
                group.start_soon(kie.create_task, MODEL, mc_input(n))
        elapsed = anyio.current_time() - started
    assert statuses(fake, "createTask") == [200] * 9
    assert elapsed >= 0.4  # still paced (locally): two more windows
    assert len(_warnings(caplog, "unavailable")) == 1
    assert not dead.available


async def test_raise_mode_raises_before_anything_is_sent() -> None:
    fake = fake_kie()
    dead = RedisCoordinator(f"redis://127.0.0.1:{free_port()}/0", on_unavailable="raise")
    async with client(fake, dead) as kie:
        with pytest.raises(CoordinatorUnavailableError, match="nothing was sent") as caught:
            await kie.create_task(MODEL, mc_input())
        with pytest.raises(CoordinatorUnavailableError):
            await kie.motion_control.create(image=PERSON, video=DANCE)
    assert isinstance(caught.value, CoordinatorUnavailableError)
    assert [r.route for r in fake.requests] == []


async def test_redis_killed_mid_batch_every_task_exactly_once(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="kieai")
    fake = fake_kie(create_rate_limit=(5, 0.2), record_rate_limit=None)
    coordinator = RedisCoordinator(redis_server.url)
    results: dict[int, MotionControlResult] = {}

    created: list[str] = []

    def kill_after_eight(task_id: str) -> None:
        created.append(task_id)
        if len(created) == 8:
            redis_server.kill()

    async def generate(kie: KieClient, n: int) -> None:
        results[n] = await kie.motion_control.generate(
            image=PERSON,
            video=DANCE,
            prompt=f"task {n}",
            poll_interval=0.05,
            max_poll_interval=0.1,
            on_created=kill_after_eight,
        )

    async with client(fake, coordinator, create_task_rate=(5, 0.2), get_task_rate=None) as kie:
        async with anyio.create_task_group() as group:
            for n in range(20):
                group.start_soon(generate, kie, n)
    assert sorted(results) == list(range(20))
    assert sorted(_prompts(fake)) == sorted(f"task {n}" for n in range(20))  # once each
    assert statuses(fake, "createTask") == [200] * 20  # nothing refused, nothing resent
    assert max_in_any_window((t.created_at for t in fake.tasks.values()), 0.2) <= 5
    assert len(_warnings(caplog, "unavailable")) == 1


async def test_restarted_redis_is_shared_again(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kieai")
    fake = fake_kie(create_rate_limit=None)
    coordinator = RedisCoordinator(redis_server.url)
    coordinator.retry_interval = 0.1
    async with client(fake, coordinator, create_task_rate=(50, 1.0)) as kie:
        await kie.create_task(MODEL, mc_input(0))
        redis_server.kill()
        await kie.create_task(MODEL, mc_input(1))
        assert not coordinator.available
        redis_server.start()  # same port, empty
        await anyio.sleep(0.15)
        await kie.create_task(MODEL, mc_input(2))
        assert coordinator.available
        keys = await coordinator.redis.keys("*:pace:create:done")
    assert len(keys) == 1
    assert len(_warnings(caplog, "unavailable")) == 1
    assert len(_warnings(caplog, "is back", logging.INFO)) == 1  # the warning was once
    assert statuses(fake, "createTask") == [200] * 3


async def test_a_paused_redis_times_out_to_local_pacing(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="kieai")
    fake = fake_kie(create_rate_limit=None)
    coordinator = RedisCoordinator(redis_server.url)
    coordinator.call_timeout = 0.2
    async with client(fake, coordinator, create_task_rate=(50, 1.0)) as kie:
        await kie.create_task(MODEL, mc_input(0))
        redis_server.pause()
        try:
            # A paused Redis never answers: the call ends only through the call timeout.
            with anyio.fail_after(HANG_GUARD_S):
                await kie.create_task(MODEL, mc_input(1))
        finally:
            redis_server.resume()
    assert statuses(fake, "createTask") == [200, 200]
    assert len(_warnings(caplog, "unavailable")) == 1


async def test_a_flushed_redis_keeps_working_without_a_warning(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="kieai")
    fake = fake_kie(create_rate_limit=None)
    coordinator = RedisCoordinator(redis_server.url)
    async with client(fake, coordinator, create_task_rate=(3, 0.2)) as kie:
        for n in range(3):
            await kie.create_task(MODEL, mc_input(n))
        await coordinator.redis.flushall()
        await coordinator.redis.script_flush()
        for n in range(3, 9):
            await kie.create_task(MODEL, mc_input(n))
        assert await coordinator.redis.keys("*:pace:create:done")
    assert statuses(fake, "createTask") == [200] * 9
    assert _warnings(caplog, "") == []


async def test_uploads_fall_back_to_local_reuse_while_redis_is_down() -> None:
    fake = fake_kie()
    dead = RedisCoordinator(f"redis://127.0.0.1:{free_port()}/0")
    async with client(fake, dead) as kie:
        async with anyio.create_task_group() as group:
            for _ in range(3):
                group.start_soon(lambda: kie.motion_control.create(image=PERSON, video=DANCE))
    assert len(fake.uploads) == 2  # still once per content within the process
    assert statuses(fake, "createTask") == [200] * 3


async def test_an_unopened_coordinator_says_how_to_open_it() -> None:
    fake = fake_kie()
    coordinator = RedisCoordinator(f"redis://127.0.0.1:{free_port()}/0", on_unavailable="raise")
    async with fake.http_client() as http:
        kie = KieClient(api_key="test-key", http_client=http, coordinator=coordinator)
        try:
            with pytest.raises(CoordinatorUnavailableError, match="async with"):
                await kie.create_task(MODEL, mc_input())
        finally:
            await kie.aclose()


async def test_redis_never_up_keeps_a_batch_of_clients_whole(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The audit's run (issue #19): 120 generates on 3 clients sharing one coordinator whose
    Redis never answers, with Kie's limits on in the fake. The local fallback is the
    coordinator's, shared by its clients as Redis would have been: no 429, nothing failed, and
    each of the 9 images uploaded once (before: 28 RateLimitErrors, 27 uploads)."""
    caplog.set_level(logging.WARNING, logger="kieai")
    create_rate, get_rate = (20, 0.5), (10, 0.1)  # Kie's limits, 20x faster
    fake = fake_kie(create_rate_limit=create_rate, record_rate_limit=get_rate)
    images = [write_png(tmp_path / f"image-{n}.png", 400 + n, 400) for n in range(9)]
    dead = RedisCoordinator(f"redis://127.0.0.1:{free_port()}/0")
    failures: list[BaseException] = []
    done: list[str] = []

    async def generate(kie: KieClient, n: int) -> None:
        try:
            result = await kie.image_to_video.generate(
                image=images[n % 9], prompt=f"task {n}", poll_interval=0.05, max_poll_interval=0.1
            )
        except KieError as exc:
            failures.append(exc)
        else:
            done.append(result.task_id)

    options = {"create_task_rate": create_rate, "get_task_rate": get_rate}
    async with (
        client(fake, dead, **options) as first,
        client(fake, dead, **options) as second,
        client(fake, dead, **options) as third,
    ):
        async with anyio.create_task_group() as group:
            for n in range(120):
                group.start_soon(generate, (first, second, third)[n % 3], n)

    assert failures == []
    assert len(set(done)) == 120
    assert set(statuses(fake, "createTask")) == {200}  # the fake refused nothing
    assert set(statuses(fake, "recordInfo")) == {200}
    assert len(fake.uploads) == 9
    assert max_in_any_window((t.created_at for t in fake.tasks.values()), create_rate[1]) <= 20
    assert len(_warnings(caplog, "unavailable")) == 1


PASSWORD = "s3cret-redis-password"


@pytest.fixture
def redis_with_password(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server that requires ``PASSWORD``, and has a user ``noeval`` (password ``pw``)
    who may run everything but EVAL and EVALSHA."""
    server = RedisServer(
        tmp_path,
        "--requirepass",
        PASSWORD,
        "--user",
        "noeval",
        "on",
        ">pw",
        "~*",
        "+@all",
        "-eval",
        "-evalsha",
    )
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.mark.parametrize("on_unavailable", ["local", "raise"])
@pytest.mark.parametrize(
    ("credentials", "says"),
    [
        pytest.param(":wrong-password@", "password in the URL is wrong", id="wrong-password"),
        pytest.param("", "requires a password", id="no-password"),
        pytest.param("nobody:pw@", "password in the URL is wrong", id="unknown-user"),
        pytest.param("noeval:pw@", "ACL", id="acl-user-without-eval"),
    ],
)
async def test_refused_credentials_are_a_configuration_error_at_once(
    redis_with_password: RedisServer,
    credentials: str,
    says: str,
    on_unavailable: Literal["local", "raise"],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="kieai")
    fake = fake_kie()
    url = f"redis://{credentials}127.0.0.1:{redis_with_password.port}/0"
    coordinator = RedisCoordinator(url, on_unavailable=on_unavailable)
    errors: list[CoordinatorConfigurationError] = []
    async with client(fake, coordinator) as kie:
        for n in range(2):  # every call, not once and then an "outage"
            with pytest.raises(CoordinatorConfigurationError, match=says) as caught:
                await kie.create_task(MODEL, mc_input(n))
            errors.append(caught.value)
    for error in errors:
        assert "not an outage" in str(error)
        assert "Nothing was sent" in str(error)
        assert not isinstance(error, CoordinatorUnavailableError)
        assert PASSWORD not in str(error)
    assert [r.route for r in fake.requests] == []
    assert coordinator.outages == 0
    assert _warnings(caplog, "unavailable") == []


async def test_the_right_password_is_shared_pacing(redis_with_password: RedisServer) -> None:
    fake = fake_kie(create_rate_limit=None)
    coordinator = RedisCoordinator(f"redis://:{PASSWORD}@127.0.0.1:{redis_with_password.port}/0")
    async with client(fake, coordinator, create_task_rate=(50, 1.0)) as kie:
        await kie.create_task(MODEL, mc_input())
        assert await coordinator.redis.keys("*:pace:create:done")
    assert coordinator.outages == 0


def test_one_coordinator_serves_one_event_loop_after_another() -> None:
    """The shared local fallback lives while the coordinator is open: clients on a later event
    loop start afresh. (trio's clock starts at a random offset in each run: the last run's
    window, read on the new clock, could lie days in the future and hold every send.)"""
    fake = fake_kie(create_rate_limit=None)
    dead = RedisCoordinator(f"redis://127.0.0.1:{free_port()}/0")

    async def batch(first: int) -> None:
        with anyio.fail_after(HANG_GUARD_S):
            async with client(fake, dead, create_task_rate=(2, 0.05)) as kie:
                async with anyio.create_task_group() as group:
                    for n in range(first, first + 6):  # more than a window: some wait
                        group.start_soon(kie.create_task, MODEL, mc_input(n))

    for run in range(3):
        anyio.run(batch, 6 * run, backend="trio")
    assert statuses(fake, "createTask") == [200] * 18
