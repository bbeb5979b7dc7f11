"""The coordination seam: ``KieClient(coordinator=...)`` swaps the in-process pacers and upload
cache; the default keeps them per client; the core never imports coredis."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
from collections.abc import Awaitable, Callable, Hashable
from pathlib import Path

import anyio
import pytest
import respx

import kieai._coordination as coordination
from kieai import KieClient, KieInputError, UploadedFile
from kieai._coordination import (
    ContentHasher,
    LocalCoordinator,
    PacerKind,
    Slot,
    account_fingerprint,
)
from kieai._files import open_local

from .._liveness import FOREVER_S, HANG_GUARD_S
from ._support import API_KEY, CREATE_URL, INPUT, MODEL, RECORD_URL, created, kie, ok, task_data

pytestmark = [pytest.mark.anyio, pytest.mark.respx(assert_all_called=False)]


class RecordingSlot:
    def __init__(self, log: list[str], kind: str) -> None:
        self.log = log
        self.kind = kind

    async def release(self) -> None:
        self.log.append(f"release {self.kind}")


class RecordingPacer:
    def __init__(self, log: list[str], kind: str) -> None:
        self.log = log
        self.kind = kind

    async def acquire(self) -> Slot:
        self.log.append(f"acquire {self.kind}")
        return RecordingSlot(self.log, self.kind)


class RecordingUploads:
    content_addressed = True

    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def get_or_upload(
        self, key: Hashable, upload: Callable[[], Awaitable[UploadedFile]]
    ) -> tuple[UploadedFile, bool]:
        self.log.append(f"upload {key}")
        return await upload(), False


class RecordingCoordination:
    def __init__(self, log: list[str]) -> None:
        self.log = log
        self._uploads = RecordingUploads(log)

    def pacer(self, kind: PacerKind, count: int, period: float) -> RecordingPacer:
        self.log.append(f"pacer {kind} {count}/{period:g}")
        return RecordingPacer(self.log, kind)

    @property
    def uploads(self) -> RecordingUploads:
        return self._uploads

    async def open(self) -> None:
        self.log.append("open")

    async def close(self) -> None:
        self.log.append("close")


class RecordingCoordinator:
    def __init__(self) -> None:
        self.log: list[str] = []
        self.accounts: list[str] = []

    def bind(self, account: str) -> RecordingCoordination:
        self.accounts.append(account)
        return RecordingCoordination(self.log)


async def test_a_coordinator_paces_both_windows_and_lives_with_the_client(
    respx_mock: respx.MockRouter,
) -> None:
    respx_mock.post(CREATE_URL).mock(return_value=created())
    respx_mock.get(RECORD_URL).mock(return_value=ok(task_data()))
    coordinator = RecordingCoordinator()
    async with kie(
        coordinator=coordinator, create_task_rate=(20, 10.0), get_task_rate=(10, 1.0)
    ) as client:
        task_id = await client.create_task(MODEL, INPUT)
        await client.get_task(task_id)
    assert coordinator.log == [
        "pacer create 20/10",
        "pacer get 10/1",
        "open",
        "acquire create",
        "release create",
        "acquire get",
        "release get",
        "close",
    ]


async def test_the_coordinator_sees_a_fingerprint_never_the_key() -> None:
    coordinator = RecordingCoordinator()
    async with kie(coordinator=coordinator):
        pass
    (account,) = coordinator.accounts
    assert account == account_fingerprint(API_KEY)
    assert API_KEY not in account and len(account) == 24
    assert account_fingerprint(API_KEY) != account_fingerprint(API_KEY + "x")


async def test_pacing_off_asks_the_coordinator_for_no_pacer() -> None:
    coordinator = RecordingCoordinator()
    async with kie(coordinator=coordinator, create_task_rate=None, get_task_rate=None):
        pass
    assert coordinator.log == ["open", "close"]


async def test_a_content_addressed_store_gets_the_sha256_of_a_path(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    respx_mock.post("https://kieai.redpandaai.co/api/file-stream-upload").mock(
        return_value=ok({"downloadUrl": "https://tempfile.redpandaai.co/kieai/a.png"})
    )
    path = tmp_path / "a.bin"
    path.write_bytes(b"same bytes")
    coordinator = RecordingCoordinator()
    async with kie(coordinator=coordinator) as client:
        await client._upload_reused(open_local(path))  # pyright: ignore[reportPrivateUsage]
    digest = hashlib.sha256(b"same bytes").hexdigest()
    assert f"upload ('sha256', '{digest}')" in coordinator.log


def test_a_coordinator_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(KieInputError, match="coordinator: must be a coordinator"):
        KieClient(api_key=API_KEY, coordinator="redis://localhost")  # pyright: ignore[reportArgumentType]  (deliberately wrong)


async def test_the_default_paces_each_client_on_its_own() -> None:
    coordinator = LocalCoordinator()
    one = coordinator.bind("acct").pacer("create", 1, FOREVER_S)
    other = coordinator.bind("acct").pacer("create", 1, FOREVER_S)
    slot = await one.acquire()
    with anyio.fail_after(HANG_GUARD_S):  # a second client's window is its own: no wait
        await (await other.acquire()).release()
    await slot.release()
    await slot.release()  # a second release is a no-op, not a second send


async def test_content_hasher_reads_a_path_once_for_concurrent_callers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "v.bin"
    path.write_bytes(b"x" * 3_000_000)
    calls: list[Path] = []
    real = coordination._sha256_of_path  # pyright: ignore[reportPrivateUsage]

    def counting(local: object) -> str:
        calls.append(path)
        return real(local)  # pyright: ignore[reportArgumentType]

    monkeypatch.setattr(coordination, "_sha256_of_path", counting)
    digests = coordination._DigestCache(16)  # pyright: ignore[reportPrivateUsage]
    hasher = ContentHasher(digests)
    keys: list[tuple[str, str] | None] = []

    async def one() -> None:
        keys.append(await hasher.key(open_local(path)))

    async with anyio.create_task_group() as group:
        for _ in range(10):
            group.start_soon(one)
    assert len(calls) == 1
    assert len(set(keys)) == 1
    # A changed file (size/mtime) is hashed again.
    path.write_bytes(b"y" * 10)
    changed = await hasher.key(open_local(path))
    assert len(calls) == 2 and changed != keys[0]
    # Another client of the process finds the digest without reading the file again.
    assert await ContentHasher(digests).key(open_local(path)) == changed
    assert len(calls) == 2


async def test_content_hasher_hashes_bytes_and_refuses_pipes() -> None:
    hasher = ContentHasher()
    assert await hasher.key(open_local(b"abc")) == ("sha256", hashlib.sha256(b"abc").hexdigest())

    class Pipe(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

    assert await hasher.key(open_local(Pipe())) is None  # pyright: ignore[reportArgumentType]


def test_import_kieai_does_not_import_coredis() -> None:
    code = "import sys, kieai; sys.exit(1 if 'coredis' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
