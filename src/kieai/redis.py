"""``RedisCoordinator``: one account's pacing and upload reuse shared by a fleet, on Redis.

Kie's limits are per account (20 createTask per 10 s; recordInfo per second), so N worker
processes that each pace themselves send N times the limit. Give every client of the fleet
the same coordinator settings and they share one window per limit, measured on the Redis
server's clock (``TIME``; no skew between hosts), and upload each distinct input once::

    from kieai import KieClient
    from kieai.redis import RedisCoordinator    # pip install 'kieai[redis]'

    coordinator = RedisCoordinator("redis://127.0.0.1:6379/0")
    async with KieClient(coordinator=coordinator) as client:
        ...

How the window works (``_ACQUIRE``, one short Lua script, one round trip when a slot is free):
a send takes an *in-flight* entry (with a lease, so a process that dies mid-send frees it) and
its release turns it into a *done* entry that counts for the window's length from the moment
the attempt ended, exactly like the in-process `RateLimiter`. Waiters
queue in arrival order (one per process: a process's own coroutines queue locally first), the
script admits only the first waiters that fit, and it answers the others with how long to
wait. Every key expires.

Uploads: content is named by its sha256; the first process to take a short lease (``SET NX
PX``, renewed while the upload runs) uploads, the others wait for the stored
`UploadedFile`, which is reused while it has more than an hour of validity left.

Faults: Redis down, slow (each call has a deadline) or flushed never loses or duplicates a
task; the coordinator only decides *when* a request leaves, never whether it is resent. With
``on_unavailable="local"`` the client falls back to in-process pacing and reuse, says so once
at WARNING, retries Redis every second and goes back to it; with ``"raise"`` the call raises
`CoordinatorUnavailableError` before anything is sent.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import uuid
from collections.abc import Awaitable, Callable, Hashable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import urlsplit

import anyio

try:
    import coredis
    import coredis.exceptions
    from coredis.client import Client
    from coredis.commands import Script
except ImportError as _missing:  # pragma: no cover - exercised only without the extra
    raise ImportError("kieai.redis needs coredis: pip install 'kieai[redis]'") from _missing

from ._constants import UPLOAD_REUSE_MIN_VALIDITY_S
from ._coordination import LocalPacer, PacerKind, Slot
from ._errors import CoordinatorConfigurationError, CoordinatorUnavailableError, KieInputError
from ._logging import logger
from ._redis_journal import RedisJournal
from ._shared_redis import SharedRedis
from ._upload_cache import UploadCache
from .types import UploadedFile

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self

__all__ = ["RedisCoordinator", "RedisJournal"]

T = TypeVar("T")
OnUnavailable = Literal["local", "raise"]

#: Each Redis call must answer within this, else Redis counts as unavailable ("slow"). Not
#: shorter: a process whose event loop is busy (160 media checks at a batch's start) must not
#: mistake its own delay for Redis's and fall back to local pacing (429s for the fleet).
REDIS_CALL_TIMEOUT_S = 2.0
#: While Redis is unavailable, how often a call tries it again (the others go local at once).
REDIS_RETRY_INTERVAL_S = 1.0
#: An in-flight pacer slot whose process died stops counting after this. It must exceed the
#: longest createTask/recordInfo attempt (60 s by default) plus the window (10 s).
PACER_LEASE_S = 120.0
#: A queued waiter that stopped asking (its process died) loses its place after this.
PACER_WAITER_GRACE_S = 2.0
#: How often a waiter asks again while the window is full of sends still in flight (their
#: end, which opens the window, is not known in advance).
PACER_IN_FLIGHT_POLL_S = 0.01
#: An uploader that died mid-upload blocks the others at most this long; renewed every third.
UPLOAD_LEASE_S = 10.0
#: How often a process waiting for another's upload looks for it (from the first, growing
#: to the second): one GET each, and a batch's first createTask may be waiting on it.
UPLOAD_WAIT_POLL_S = (0.02, 0.1)

_MIN_VALIDITY = timedelta(seconds=UPLOAD_REUSE_MIN_VALIDITY_S)

#: KEYS: done, in-flight, queue, seen (sorted sets). ARGV: member, count, period_ms, lease_ms,
#: grace_ms, poll_ms. Scores are Redis TIME in ms: done = when it stops counting, in-flight =
#: its lease, queue = arrival, seen = by when the waiter will have asked again.
#: Returns {admitted (1/0), wait in microseconds}.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local member = ARGV[1]
local count = tonumber(ARGV[2])
local period = tonumber(ARGV[3])
local lease = tonumber(ARGV[4])
local grace = tonumber(ARGV[5])
local poll = tonumber(ARGV[6])
local ttl = math.ceil(period + lease + grace)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local gone = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now)
for _, m in ipairs(gone) do redis.call('ZREM', KEYS[3], m) end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
redis.call('ZADD', KEYS[3], 'NX', now, member)
local free = count - redis.call('ZCARD', KEYS[1]) - redis.call('ZCARD', KEYS[2])
local rank = redis.call('ZRANK', KEYS[3], member)
if rank < free then
  redis.call('ZREM', KEYS[3], member)
  redis.call('ZREM', KEYS[4], member)
  redis.call('ZADD', KEYS[2], now + lease, member)
  for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ttl) end
  return {1, 0}
end
local wait = poll
if free <= 0 then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if oldest[2] then
    local opens = tonumber(oldest[2]) - now
    if redis.call('ZCARD', KEYS[2]) == 0 or opens < poll then wait = opens end
  end
end
if wait < 0 then wait = 0 end
redis.call('ZADD', KEYS[4], now + wait + grace, member)
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ttl) end
return {0, math.ceil(wait * 1000)}
"""

#: KEYS: done, in-flight. ARGV: member, period_ms, ttl_ms. The send is over: it counts for
#: the window's length from now (also if its in-flight entry was lost to a flush).
_RELEASE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1
"""

#: KEYS: queue, seen. ARGV: member. A cancelled waiter gives its place up at once.
_LEAVE = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
"""

#: KEYS: lease. ARGV: token, lease_ms. Renew (with ms) or drop (without) the lease if ours.
_LEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return redis.call('DEL', KEYS[1])
"""


class _Unavailable(Exception):
    """Redis could not answer; the caller falls back to local pacing or reuse."""


#: What a call that must never raise (a release, giving a lease back) shrugs off: the next
#: call that matters raises it again, or Redis's expiry cleans up.
_IGNORED_AFTERWARDS = (_Unavailable, CoordinatorUnavailableError, CoordinatorConfigurationError)


#: What Redis answers when kieai's credentials or commands are refused: a wrong password or
#: user, no password where one is required, an ACL user lacking a command. Not an outage:
#: waiting will not help, so these raise `CoordinatorConfigurationError` at once.
_CONFIGURATION_FAULTS: tuple[type[BaseException], ...] = (
    coredis.exceptions.AuthenticationError,
    coredis.exceptions.AuthorizationError,
)
#: What a Redis call may raise when Redis is down, slow, flushed mid-script or the client
#: not entered (coredis raises RuntimeError for a pool that is not open).
_REDIS_FAULTS: tuple[type[BaseException], ...] = (
    coredis.exceptions.RedisError,
    OSError,
    TimeoutError,
    RuntimeError,
)


def _tag_process() -> None:
    """A fresh tag for this process. Run at import and again in every forked child: a prefork
    pool (Celery, gunicorn --preload, multiprocessing's fork) imports kieai.redis once in the
    parent, and children sharing the parent's tag and counter would send the same members,
    which Redis's sorted sets count once (the window would admit more than its limit)."""
    global _process_tag
    _process_tag = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"


_process_tag = ""
_tag_process()
if hasattr(os, "register_at_fork"):  # POSIX; Windows has no fork
    os.register_at_fork(after_in_child=_tag_process)
_member_numbers = itertools.count()


def _new_member() -> str:
    """Fleet-wide unique: this process's tag (pid + random) and a counter."""
    return f"{_process_tag}-{next(_member_numbers)}"


class RedisCoordinator:
    """Share one account's createTask/recordInfo windows and uploads across processes.

    Args:
        redis: A ``redis://`` (or ``rediss://``, ``unix://``) URL, or a coredis client the
            caller owns and has entered (``coredis.Redis``, ``coredis.RedisCluster``, or one
            from ``coredis.Sentinel(...).primary_for(name)``).
        namespace: Prefix of every key.
        account: Names the account whose windows are shared. Default: a stable hash of the
            client's API key (the key never reaches Redis), so clients on the same key share.
            Set it when several keys belong to one account (Kie counts per account).
        on_unavailable: ``"local"``: pace and reuse uploads in-process while Redis is down,
            slow or unreachable, warn once, and go back to Redis when it answers again;
            ``"raise"``: raise `CoordinatorUnavailableError` instead.
    """

    def __init__(
        self,
        redis: str | Client[Any],
        *,
        namespace: str = "kieai",
        account: str | None = None,
        on_unavailable: OnUnavailable = "local",
    ) -> None:
        problems: list[str] = []
        if isinstance(redis, str):
            self._redis: Client[Any] = coredis.Redis.from_url(
                redis,
                stream_timeout=REDIS_CALL_TIMEOUT_S,
                connect_timeout=REDIS_CALL_TIMEOUT_S,
            )
            self._shared = SharedRedis(self._redis, owned=True)
            self._where = _describe_url(redis)
            self._probe_address = _tcp_address(redis)
        elif isinstance(redis, Client):  # pyright: ignore[reportUnnecessaryIsInstance]
            self._redis = redis
            self._shared = SharedRedis(redis, owned=False)
            self._where = type(redis).__name__
            self._probe_address = None
        else:
            raise KieInputError(
                f"redis: must be a redis:// URL or a coredis client, got {type(redis).__name__}"
            )
        for name, value in (("namespace", namespace), ("account", account)):
            if value is not None and (
                not isinstance(value, str)  # pyright: ignore[reportUnnecessaryIsInstance]
                or not value
                or any(c.isspace() or c in "{}" for c in value)
            ):
                problems.append(
                    f"{name}: must be a non-empty string without spaces or braces, got {value!r}"
                )
        if on_unavailable not in ("local", "raise"):
            problems.append(f'on_unavailable: must be "local" or "raise", got {on_unavailable!r}')
        if problems:
            raise KieInputError(problems)
        self.namespace = namespace
        self.account = account
        self.on_unavailable: OnUnavailable = on_unavailable
        #: Tunables (tests shorten them); see the module constants.
        self.call_timeout = REDIS_CALL_TIMEOUT_S
        self.retry_interval = REDIS_RETRY_INTERVAL_S
        self._acquire = self._redis.register_script(_ACQUIRE)
        self._release = self._redis.register_script(_RELEASE)
        self._leave = self._redis.register_script(_LEAVE)
        self._lease = self._redis.register_script(_LEASE)
        # One account's pacers and upload store, shared by every client bound to this
        # coordinator in this process: so are their local fallbacks, and N clients on one
        # coordinator pace (and reuse uploads) as one also while Redis is unavailable. They
        # live while the coordinator is open (their locks belong to that event loop).
        self._pacers: dict[tuple[str, PacerKind, int, float], RedisPacer] = {}
        self._uploads: dict[str, RedisUploadReuse] = {}
        self._down_since: float | None = None
        self._retry_at = 0.0
        self._answered_once = False
        #: How many times Redis became unavailable (each time: local pacing until it is back).
        self.outages: int = 0

    def __repr__(self) -> str:
        return (
            f"RedisCoordinator({self._where}, namespace={self.namespace!r}, "
            f"on_unavailable={self.on_unavailable!r})"
        )

    @property
    def redis(self) -> Client[Any]:
        """The coredis client (the caller's, or the one built from the URL)."""
        return self._redis

    @property
    def available(self) -> bool:
        """False while Redis is considered down (the clients pace locally meanwhile)."""
        return self._down_since is None

    # -- lifecycle: a coredis client must be entered (in the task that later exits it) --------

    async def __aenter__(self) -> Self:
        await self._enter()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._exit()

    async def _enter(self) -> None:
        await self._shared.enter()  # each bound client enters; see SharedRedis

    async def _exit(self) -> None:
        if self._shared.holders == 1:
            # The last client leaves. The next ones may run on another event loop (or
            # backend): fresh state.
            self._pacers.clear()
            self._uploads.clear()
        await self._shared.exit()

    # -- the coordinator protocol -------------------------------------------------------------

    def bind(self, account: str) -> _RedisCoordination:
        return _RedisCoordination(self, self.account or account)

    def _pacer(
        self, account: str, prefix: str, kind: PacerKind, count: int, period: float
    ) -> RedisPacer:
        key = (account, kind, count, period)
        pacer = self._pacers.get(key)
        if pacer is None:
            pacer = self._pacers[key] = RedisPacer(self, f"{prefix}:pace:{kind}", count, period)
        return pacer

    def _upload_reuse(self, account: str, prefix: str) -> RedisUploadReuse:
        uploads = self._uploads.get(account)
        if uploads is None:
            uploads = self._uploads[account] = RedisUploadReuse(self, f"{prefix}:upload")
        return uploads

    # -- calls, with the fault policy -----------------------------------------------------------

    async def call(self, what: str, op: Callable[[], Awaitable[T]]) -> T:
        """Run one Redis call with a deadline. Raises `_Unavailable` (local mode) or
        `CoordinatorUnavailableError` (raise mode) when Redis cannot answer."""
        now = anyio.current_time()
        local = self.on_unavailable == "local"
        if local and self._down_since is not None and now < self._retry_at:
            raise _Unavailable(what)
        if not self._shared.ready:
            return self._fault(
                what,
                RuntimeError(
                    "the coordinator is not open: use `async with KieClient(coordinator=...)` "
                    "or `async with coordinator:` around its clients"
                ),
            )
        try:
            with anyio.fail_after(self.call_timeout):
                if self._probe_address is not None and (
                    self._down_since is not None or not self._answered_once
                ):
                    await self._probe(*self._probe_address)
                result = await op()
        except _CONFIGURATION_FAULTS as exc:
            raise self._misconfigured(what, exc) from None
        except _REDIS_FAULTS as exc:
            return self._fault(what, exc)
        self._answered_once = True
        if self._down_since is not None:
            logger.info(
                "Redis coordinator %s is back after %.1f s: pacing and upload reuse are shared "
                "again",
                self._where,
                anyio.current_time() - self._down_since,
            )
            self._down_since = None
        return result

    @staticmethod
    async def _probe(host: str, port: int) -> None:
        """Is anything listening? Asked before coredis connects to a server that was down (or
        never seen): a refused connection inside coredis 6.9 leaves its internal streams
        unclosed (ResourceWarnings at garbage collection), a plain TCP probe does not."""
        stream = await anyio.connect_tcp(host, port)
        await stream.aclose()

    def _misconfigured(self, what: str, exc: BaseException) -> CoordinatorConfigurationError:
        detail = str(exc) or type(exc).__name__
        if isinstance(exc, coredis.exceptions.AuthorizationError):
            fix = (
                "the Redis user lacks a command kieai needs (EVALSHA, EVAL, SCRIPT LOAD, GET, "
                "SET on the coordinator's keys): grant them in its ACL"
            )
        elif isinstance(exc, coredis.exceptions.AuthenticationRequiredError):
            fix = "the server requires a password: put it in the URL (redis://:PASSWORD@host)"
        else:
            fix = "the user or password in the URL is wrong (or the user is disabled)"
        return CoordinatorConfigurationError(
            f"Redis coordinator {self._where} refused kieai while {what}: {detail.rstrip('.')}. This is "
            f"configuration, not an outage: {fix}. Nothing was sent."
        )

    def _fault(self, what: str, exc: BaseException) -> Any:
        detail = str(exc) or type(exc).__name__
        if self.on_unavailable == "raise":
            raise CoordinatorUnavailableError(
                f"Redis coordinator {self._where} unavailable while {what}: {detail}; nothing "
                'was sent (on_unavailable="raise")'
            ) from exc
        now = anyio.current_time()
        self._retry_at = now + self.retry_interval
        if self._down_since is None:
            self._down_since = now
            self.outages += 1
            logger.warning(
                "Redis coordinator %s unavailable while %s (%s): pacing and upload reuse are "
                "local to this process until it answers again (retrying every %g s)",
                self._where,
                what,
                detail,
                self.retry_interval,
            )
        raise _Unavailable(what) from exc


class _RedisCoordination:
    """One client's view: its account's shared pacers and upload store, plus local fallbacks."""

    def __init__(self, coordinator: RedisCoordinator, account: str) -> None:
        self.coordinator = coordinator
        self.account = account
        self.prefix: str = f"{coordinator.namespace}:{{{account}}}"
        self._opened = False

    def pacer(self, kind: PacerKind, count: int, period: float) -> _SharedPacer:
        return _SharedPacer(self, kind, count, period)

    def shared_pacer(self, kind: PacerKind, count: int, period: float) -> RedisPacer:
        return self.coordinator._pacer(self.account, self.prefix, kind, count, period)  # pyright: ignore[reportPrivateUsage]

    @property
    def uploads(self) -> RedisUploadReuse:
        return self.coordinator._upload_reuse(self.account, self.prefix)  # pyright: ignore[reportPrivateUsage]

    async def open(self) -> None:
        if not self._opened:
            await self.coordinator._enter()  # pyright: ignore[reportPrivateUsage]
            self._opened = True

    async def close(self) -> None:
        """Leave the coordinator if `open` entered it (a client closed without ever
        being entered leaves it alone)."""
        if self._opened:
            self._opened = False
            await self.coordinator._exit()  # pyright: ignore[reportPrivateUsage]


class _SharedPacer:
    """A client's handle on its account's `RedisPacer`, looked up at each acquire: a client
    asks for its pacers when it is built, the coordinator's shared ones exist while it is
    open."""

    __slots__ = ("_coordination", "_count", "_kind", "_period")

    def __init__(
        self, coordination: _RedisCoordination, kind: PacerKind, count: int, period: float
    ) -> None:
        self._coordination = coordination
        self._kind: PacerKind = kind
        self._count = count
        self._period = period

    def __repr__(self) -> str:
        return repr(self._coordination.shared_pacer(self._kind, self._count, self._period))

    async def acquire(self) -> Slot:
        pacer = self._coordination.shared_pacer(self._kind, self._count, self._period)
        return await pacer.acquire()


class _RedisSlot:
    __slots__ = ("_local", "_member", "_pacer")

    def __init__(self, pacer: RedisPacer, local: Slot, member: str | None) -> None:
        self._pacer = pacer
        self._local = local
        self._member = member

    async def release(self) -> None:
        await self._local.release()
        member, self._member = self._member, None
        if member is not None:
            # Shielded and bounded: runs after a cancelled send too, and never raises (the
            # request's outcome is decided; a lost release only keeps the slot to its lease).
            with anyio.CancelScope(shield=True):
                await self._pacer.release_shared(member)


class RedisPacer:
    """A window shared through Redis, with the in-process pacer as fallback and local queue.

    This process's coroutines take turns (first come, first served) to queue in Redis, so the
    fleet's queue holds one waiter per process and admits them in arrival order. Every send
    then also passes a local `LocalPacer` of the same rate, *after* Redis admitted it:
    it never waits then (this process's sends are a subset of the fleet's), it keeps this
    process's own history for when Redis goes away mid-window, and it is the pacing while
    Redis is unavailable.
    """

    def __init__(self, coordinator: RedisCoordinator, key: str, count: int, period: float) -> None:
        self._coordinator = coordinator
        self.count = count
        self.period = period
        self._keys = [f"{key}:done", f"{key}:inflight", f"{key}:queue", f"{key}:seen"]
        self._local = LocalPacer(count, period)
        self._turn = anyio.Lock()  # one waiter per process at a time talks to Redis
        self._what = f"pacing {key.rsplit(':', 1)[-1]}"

    def __repr__(self) -> str:
        return f"RedisPacer({self.count} per {self.period:g} s, {self._keys[0][:-5]})"

    async def acquire(self) -> Slot:
        async with self._turn:
            member = await self._acquire_shared()
        try:
            # Admitted fleet-wide, this never waits (this process's sends are a subset of the
            # fleet's); with Redis unavailable (member None) it is the pacing.
            local = await self._local.acquire()
        except BaseException:
            if member is not None:
                with anyio.CancelScope(shield=True):
                    await self.release_shared(member)
            raise
        return _RedisSlot(self, local, member)

    async def _acquire_shared(self) -> str | None:
        """The member admitted to the shared window, or None: Redis unavailable, go local."""
        member = _new_member()
        args: list[str | int | float] = [
            member,
            self.count,
            self.period * 1000.0,
            PACER_LEASE_S * 1000.0,
            PACER_WAITER_GRACE_S * 1000.0,
            PACER_IN_FLIGHT_POLL_S * 1000.0,
        ]
        script = self._coordinator._acquire  # pyright: ignore[reportPrivateUsage]

        async def ask() -> tuple[int, int]:
            return _two_ints(await _eval(script, self._keys, args))

        queued = False
        try:
            while True:
                try:
                    admitted, wait_us = await self._coordinator.call(self._what, ask)
                except _Unavailable:
                    return None
                if admitted:
                    return member
                queued = True
                await anyio.sleep(wait_us / 1_000_000)
        except BaseException:
            if queued:  # cancelled while queued: let the next waiter in without the grace
                with anyio.CancelScope(shield=True):
                    await self._leave(member)
            raise

    async def _leave(self, member: str) -> None:
        leave = self._coordinator._leave  # pyright: ignore[reportPrivateUsage]
        with contextlib.suppress(*_IGNORED_AFTERWARDS):
            # Else the place lapses after PACER_WAITER_GRACE_S.
            await self._coordinator.call(
                f"{self._what} (leaving the queue)", lambda: _eval(leave, self._keys[2:], [member])
            )

    async def release_shared(self, member: str) -> None:
        ttl_ms = math.ceil((self.period + PACER_LEASE_S + PACER_WAITER_GRACE_S) * 1000)
        release = self._coordinator._release  # pyright: ignore[reportPrivateUsage]
        with contextlib.suppress(*_IGNORED_AFTERWARDS):
            # Else the in-flight entry stops counting at its lease.
            await self._coordinator.call(
                f"{self._what} (release)",
                lambda: _eval(release, self._keys[:2], [member, self.period * 1000.0, ttl_ms]),
            )


class RedisUploadReuse:
    """Fleet-wide single-flight upload reuse keyed by content hash, over a local cache."""

    content_addressed = True

    def __init__(self, coordinator: RedisCoordinator, prefix: str) -> None:
        self._coordinator = coordinator
        self._prefix = prefix
        self._local = UploadCache()

    async def get_or_upload(
        self, key: Hashable, upload: Callable[[], Awaitable[UploadedFile]]
    ) -> tuple[UploadedFile, bool]:
        async def load() -> tuple[UploadedFile, bool]:
            return await self._fleet(key, upload)

        return await self._local.get_or_load(key, load)

    async def _fleet(
        self, key: Hashable, upload: Callable[[], Awaitable[UploadedFile]]
    ) -> tuple[UploadedFile, bool]:
        digest = key[-1] if isinstance(key, tuple) else str(key)  # pyright: ignore[reportUnknownVariableType]
        file_key = f"{self._prefix}:{digest}"
        lease_key = f"{file_key}:lease"
        token = uuid.uuid4().hex
        call = self._coordinator.call
        redis = self._coordinator.redis
        poll, max_poll = UPLOAD_WAIT_POLL_S
        while True:
            try:
                stored = await call("looking up an upload", lambda: redis.get(file_key))
                found = _stored_file(stored)
                if found is not None:
                    return found, True
                taken = await call(
                    "taking the upload lease",
                    lambda: redis.set(
                        lease_key,
                        token,
                        condition=coredis.PureToken.NX,
                        px=int(UPLOAD_LEASE_S * 1000),
                    ),
                )
            except _Unavailable:
                return await upload(), False
            if taken:
                # Looked up before the lease was ours: the previous holder may have stored
                # its upload (and let the lease go) in between.
                try:
                    found = _stored_file(
                        await call("looking up an upload", lambda: redis.get(file_key))
                    )
                except _Unavailable:
                    found = None
                if found is not None:
                    await self._lease_call("giving the upload lease back", lease_key, [token])
                    return found, True
                break
            await anyio.sleep(poll)
            poll = min(poll * 1.5, max_poll)
        return await self._upload_holding(file_key, lease_key, token, upload), False

    async def _upload_holding(
        self,
        file_key: str,
        lease_key: str,
        token: str,
        upload: Callable[[], Awaitable[UploadedFile]],
    ) -> UploadedFile:
        results: list[UploadedFile] = []
        errors: list[Exception] = []

        async def run(scope: anyio.CancelScope) -> None:
            try:
                results.append(await upload())
            except Exception as exc:  # re-raised below as itself, not in an ExceptionGroup
                errors.append(exc)
            finally:
                scope.cancel()

        try:
            async with anyio.create_task_group() as group:
                group.start_soon(self._keep_lease, lease_key, token)
                group.start_soon(run, group.cancel_scope)
        finally:
            with anyio.CancelScope(shield=True):
                if results:
                    await self._store(file_key, results[0])
                await self._lease_call("giving the upload lease back", lease_key, [token])
        if errors:
            raise errors[0]
        return results[0]

    async def _keep_lease(self, lease_key: str, token: str) -> None:
        while True:
            await anyio.sleep(UPLOAD_LEASE_S / 3)
            await self._lease_call(
                "renewing the upload lease", lease_key, [token, int(UPLOAD_LEASE_S * 1000)]
            )

    async def _lease_call(self, what: str, lease_key: str, args: list[str | int]) -> None:
        lease = self._coordinator._lease  # pyright: ignore[reportPrivateUsage]
        with contextlib.suppress(*_IGNORED_AFTERWARDS):
            # Else the lease lapses by itself.
            await self._coordinator.call(what, lambda: _eval(lease, [lease_key], args))

    async def _store(self, file_key: str, uploaded: UploadedFile) -> None:
        ttl_ms = int((uploaded.valid_for() - _MIN_VALIDITY).total_seconds() * 1000)
        if ttl_ms <= 0:
            return
        redis = self._coordinator.redis
        with contextlib.suppress(*_IGNORED_AFTERWARDS):
            # Else the others upload it themselves.
            await self._coordinator.call(
                "storing an upload",
                lambda: redis.set(file_key, uploaded.model_dump_json(), px=ttl_ms),
            )


def _stored_file(stored: object) -> UploadedFile | None:
    """A stored upload still worth reusing, else None (absent, expiring, or unreadable)."""
    if not isinstance(stored, (str, bytes)):
        return None
    try:
        found = UploadedFile.model_validate_json(stored)
    except ValueError:
        return None
    return found if found.valid_for() > _MIN_VALIDITY else None


async def _eval(script: Script[Any], keys: list[str], args: Sequence[str | int | float]) -> object:
    """Run a registered script (EVALSHA, loading it again after a SCRIPT FLUSH)."""
    # coredis types the default response callback of Script.__call__ generically (Unknown).
    return await script(keys, list(args))  # pyright: ignore[reportUnknownArgumentType, reportUnknownVariableType]


def _two_ints(answer: object) -> tuple[int, int]:
    if isinstance(answer, (list, tuple)) and len(answer) == 2:  # pyright: ignore[reportUnknownArgumentType]
        first, second = answer  # pyright: ignore[reportUnknownVariableType]
        if isinstance(first, int) and isinstance(second, int):
            return first, second
    raise coredis.exceptions.InvalidResponse(f"unexpected pacer answer {answer!r}")


def _tcp_address(url: str) -> tuple[str, int] | None:
    """(host, port) of a redis:// or rediss:// URL; None for a unix socket."""
    try:
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss") or not parts.hostname:
            return None
        return parts.hostname, parts.port or 6379
    except ValueError:
        return None


def _describe_url(url: str) -> str:
    """The URL without its password (it goes into log messages)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or parts.path or "?"
        port = f":{parts.port}" if parts.port else ""
        db = parts.path if parts.hostname and parts.path not in ("", "/") else ""
    except ValueError:
        return "redis"
    return f"{parts.scheme}://{host}{port}{db}"
