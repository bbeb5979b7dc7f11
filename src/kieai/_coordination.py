"""The seam between a client and whatever it shares pacing and upload reuse with.

A `KieClient` needs two things that may be shared beyond itself: pacers for Kie's
createTask and recordInfo windows, and a store of reusable uploads. By default both live in
the client (`LocalCoordinator`: the in-process `RateLimiter` and
`UploadCache`). ``KieClient(coordinator=...)`` swaps both for an
implementation shared by many processes, such as `kieai.redis.RedisCoordinator`; the
core never imports what such an implementation is built on.

The client calls `Coordinator.bind` once, with a fingerprint of its API key (never the
key), and gets a `Coordination`: the pacers and upload store for that account.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Literal, Protocol, runtime_checkable

import anyio

from ._constants import STREAM_CHUNK_BYTES
from ._files import LocalFile
from ._pacing import RateLimiter
from ._single_flight import SingleFlight
from ._upload_cache import UploadCache
from .types import UploadedFile

__all__ = [
    "ContentHasher",
    "Coordination",
    "Coordinator",
    "LocalCoordination",
    "LocalCoordinator",
    "Pacer",
    "PacerKind",
    "Slot",
    "UploadReuse",
    "account_fingerprint",
]

#: Which of Kie's windows a pacer guards: createTask or recordInfo.
PacerKind = Literal["create", "get"]

#: Paths whose content hash a process remembers (an entry is ~200 bytes).
CONTENT_HASH_CACHE_ENTRIES = 4096


class Slot(Protocol):
    """A send's place in a window, taken by `Pacer.acquire`. ``release`` is awaited once
    the attempt is over (also after a failure or a cancellation, so it must not block on a
    cancelled scope and must never raise: the request's outcome is already decided)."""

    async def release(self) -> None: ...


class Pacer(Protocol):
    """At most N sends in any window of T seconds; a slot counts until its attempt ended."""

    async def acquire(self) -> Slot: ...


class UploadReuse(Protocol):
    """Single-flight reuse of uploads, keyed by what makes two inputs the same content."""

    #: True when keys must be content hashes (``("sha256", hex)``): paths differ between
    #: machines. False lets a path's (path, size, mtime) stand for its content.
    content_addressed: bool

    async def get_or_upload(
        self, key: Hashable, upload: Callable[[], Awaitable[UploadedFile]]
    ) -> tuple[UploadedFile, bool]:
        """(file, reused): a stored upload with more than an hour of validity left, else the
        result of ``upload()``, run by one caller at a time per key."""
        ...


class Coordination(Protocol):
    """What one client uses: its account's pacers and upload store, with a lifecycle bound
    to the client's (``open`` in ``async with KieClient``, ``close`` in ``aclose``)."""

    def pacer(self, kind: PacerKind, count: int, period: float) -> Pacer: ...

    @property
    def uploads(self) -> UploadReuse: ...

    async def open(self) -> None: ...

    async def close(self) -> None: ...


@runtime_checkable
class Coordinator(Protocol):
    """Hands each client a `Coordination` for its account."""

    def bind(self, account: str) -> Coordination:
        """``account`` is the client's `account_fingerprint` (a coordinator configured
        with an explicit account uses that instead)."""
        ...


def account_fingerprint(api_key: str) -> str:
    """A stable, non-reversible name for the account behind ``api_key``: shared keys end up
    on the same windows, and the key itself never leaves the client."""
    return hashlib.sha256(b"kieai-account\x00" + api_key.encode()).hexdigest()[:24]


# -- the in-process default ---------------------------------------------------------------


class _LocalSlot:
    """A slot of a `RateLimiter`."""

    __slots__ = ("_limiter", "_released")

    def __init__(self, limiter: RateLimiter) -> None:
        self._limiter = limiter
        self._released = False

    async def release(self) -> None:
        # No await inside: runs to the end even in a cancelled scope.
        if not self._released:
            self._released = True
            self._limiter.release()


class LocalPacer:
    """`Pacer` over the in-process `RateLimiter` (its fairness and its "a slot
    counts until the attempt ends" rule)."""

    def __init__(
        self, count: int, period: float, *, clock: Callable[[], float] = anyio.current_time
    ) -> None:
        self.limiter = RateLimiter(count, period, clock=clock)

    def __repr__(self) -> str:
        return f"LocalPacer({self.limiter.count} per {self.limiter.period:g} s)"

    async def acquire(self) -> Slot:
        await self.limiter.acquire()
        return _LocalSlot(self.limiter)


class LocalUploadReuse:
    """`UploadReuse` over the in-process `UploadCache`."""

    content_addressed = False

    def __init__(self) -> None:
        self.cache = UploadCache()

    async def get_or_upload(
        self, key: Hashable, upload: Callable[[], Awaitable[UploadedFile]]
    ) -> tuple[UploadedFile, bool]:
        return await self.cache.get_or_upload(key, upload)


class LocalCoordination:
    """Pacers and upload reuse that live in one client (or, shared, in one process)."""

    def __init__(self, clock: Callable[[], float] = anyio.current_time) -> None:
        self._clock = clock
        self._pacers: dict[tuple[PacerKind, int, float], LocalPacer] = {}
        self._uploads = LocalUploadReuse()

    def pacer(self, kind: PacerKind, count: int, period: float) -> LocalPacer:
        key = (kind, count, period)
        pacer = self._pacers.get(key)
        if pacer is None:
            pacer = self._pacers[key] = LocalPacer(count, period, clock=self._clock)
        return pacer

    @property
    def uploads(self) -> LocalUploadReuse:
        return self._uploads

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None


class LocalCoordinator:
    """The default: each client paces and reuses uploads on its own. ``clock``: what its
    pacers measure windows with (the event loop's clock by default)."""

    def __init__(self, clock: Callable[[], float] = anyio.current_time) -> None:
        self._clock = clock

    def bind(self, account: str) -> LocalCoordination:
        del account  # one client, one account: nothing to tell apart
        return LocalCoordination(self._clock)


# -- content identity ---------------------------------------------------------------------


class _DigestCache:
    """(path, size, mtime) -> sha256, shared by every client of the process (and thread-safe:
    a sync client's loop runs in its own thread)."""

    def __init__(self, max_entries: int) -> None:
        self._max_entries = max_entries
        self._digests: OrderedDict[tuple[str, ...], str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, identity: tuple[str, ...]) -> str | None:
        with self._lock:
            digest = self._digests.get(identity)
            if digest is not None:
                self._digests.move_to_end(identity)
            return digest

    def put(self, identity: tuple[str, ...], digest: str) -> None:
        with self._lock:
            self._digests[identity] = digest
            while len(self._digests) > self._max_entries:
                self._digests.popitem(last=False)


_PROCESS_DIGESTS = _DigestCache(CONTENT_HASH_CACHE_ENTRIES)


class ContentHasher:
    """sha256 of an input's bytes, for reuse across machines (where paths mean nothing).

    A path is hashed in a worker thread, once per (path, size, mtime) per process (the digests
    are shared by the process's clients): a batch applying one 100 MB motion video to 500
    images reads it once, also when the 500 calls ask at the same moment (the first hashes, the
    others wait for its answer).
    """

    def __init__(self, digests: _DigestCache | None = None) -> None:
        self._digests = digests if digests is not None else _PROCESS_DIGESTS
        #: Hashing in progress in this client (one event loop's).
        self._flights = SingleFlight()

    async def key(self, local: LocalFile) -> tuple[str, str] | None:
        """``("sha256", hex)``, or None for content that cannot be read twice (a pipe)."""
        identity = local.identity() if local.path is not None else None
        if identity is None:
            digest = await anyio.to_thread.run_sync(local.identity)
            return None if digest is None else ("sha256", digest[-1])

        async def hash_and_keep() -> str:
            digest = await anyio.to_thread.run_sync(_sha256_of_path, local)
            self._digests.put(identity, digest)
            return digest

        digest = await self._flights.run(
            identity, lambda: self._digests.get(identity), hash_and_keep
        )
        return ("sha256", digest)


def _sha256_of_path(local: LocalFile) -> str:
    assert local.path is not None
    digest = hashlib.sha256()
    with open(local.path, "rb") as f:
        while chunk := f.read(STREAM_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()
