"""``RedisJournal``: the journal of paid work shared by a fleet, on Redis (extra: coredis).

The same states and promises as `SQLiteJournal` (see `kieai._journal`), for processes on many
machines: claiming an idempotency key and reserving the estimate against the day and total
budget limits is one Lua script, so exactly one caller creates per key and concurrent creates
never push spending over a limit. Every key expires with the retention (30 days by default).

Keys, all under one hash tag (``{account}``) so a Redis Cluster keeps them in one slot:
``<ns>:{<account>}:journal:e:<entry id>`` (a hash: the entry), ``...:k:<idempotency key>`` and
``...:t:<task id>`` (the entry id), ``...:idx`` (entry ids by creation time),
``...:spend:<UTC day number>`` and ``...:spend:total`` (credits counted).

Durability is Redis's: entries survive a Redis restart only with persistence on (docs/ledger.md:
``appendonly yes`` with ``appendfsync everysec`` or ``always``) and never under an eviction
policy other than ``noeviction`` (an evicted intent is a paid task forgotten).
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import anyio

try:
    import coredis
    import coredis.exceptions
    from coredis.client import Client
    from coredis.commands import Script
except ImportError as _missing:  # pragma: no cover - exercised only without the extra
    raise ImportError("kieai.redis needs coredis: pip install 'kieai[redis]'") from _missing

from ._errors import BudgetExceededError, KieError, KieInputError
from ._estimate import Budget, check_budget
from ._journal import (
    CREATING,
    DEFAULT_CREATE_LEASE_S,
    DEFAULT_RETENTION_S,
    NOT_SENT,
    Claim,
    ClaimOutcome,
    JournalEntry,
    ListState,
    check_key,
    check_list_state,
    creator_tag,
    input_json,
    key_conflict,
    matches_state,
    request_fingerprint,
    since_timestamp,
    stored_entry,
)
from ._shared_redis import SharedRedis

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self


__all__ = ["RedisJournal"]

T = TypeVar("T")

#: Each Redis call must answer within this; else the journal call fails (nothing is sent).
REDIS_JOURNAL_CALL_TIMEOUT_S = 5.0
_SECONDS_PER_DAY = 86400

#: KEYS: key claim, entry, index, spend day, spend total.
#: ARGV: has key (1/0), entry id, fingerprint, counted, per_day limit ('' none), total limit
#: ('' none), retention ms, now (s), then the entry's fields as name/value pairs.
#: Returns {'create'} | {'existing', entry id} | {'over', limit, spent}.
_BEGIN = """
if ARGV[1] == '1' then
  local held = redis.call('GET', KEYS[1])
  if held then return {'existing', held} end
end
local counted = tonumber(ARGV[4])
if ARGV[5] ~= '' then
  local spent = tonumber(redis.call('GET', KEYS[4]) or '0')
  if spent + counted > tonumber(ARGV[5]) + 1e-6 then return {'over', 'per_day', tostring(spent)} end
end
if ARGV[6] ~= '' then
  local spent = tonumber(redis.call('GET', KEYS[5]) or '0')
  if spent + counted > tonumber(ARGV[6]) + 1e-6 then return {'over', 'total', tostring(spent)} end
end
local ttl = tonumber(ARGV[7])
redis.call('HSET', KEYS[2], unpack(ARGV, 9))
redis.call('PEXPIRE', KEYS[2], ttl)
if ARGV[1] == '1' then redis.call('SET', KEYS[1], ARGV[2], 'PX', ttl) end
redis.call('ZADD', KEYS[3], ARGV[8], ARGV[2])
redis.call('PEXPIRE', KEYS[3], ttl)
redis.call('INCRBYFLOAT', KEYS[4], ARGV[4])
redis.call('PEXPIRE', KEYS[4], ttl)
redis.call('INCRBYFLOAT', KEYS[5], ARGV[4])
redis.call('PEXPIRE', KEYS[5], ttl)
return {'create'}
"""

#: KEYS: entry, task-id pointer. ARGV: entry id, task id, now. The pointer lives as long as
#: the entry.
_RECORD_TASK_ID = """
local ttl = redis.call('PTTL', KEYS[1])
if ttl <= 0 then return 0 end
redis.call('HSET', KEYS[1], 'task_id', ARGV[2], 'state', 'waiting', 'updated_at', ARGV[3],
  'lease_until', '')
redis.call('SET', KEYS[2], ARGV[1], 'PX', ttl)
return 1
"""

#: KEYS: entry, spend day, spend total. ARGV: now, then field/value pairs to set; a 'credits'
#: pair moves the counted credits from the estimate to Kie's figure.
_RECORD_UPDATE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 2, #ARGV, 2 do
  if ARGV[i] == 'credits' then
    local counted = tonumber(redis.call('HGET', KEYS[1], 'counted') or '0')
    local delta = tonumber(ARGV[i + 1]) - counted
    redis.call('INCRBYFLOAT', KEYS[2], tostring(delta))
    redis.call('INCRBYFLOAT', KEYS[3], tostring(delta))
    redis.call('HSET', KEYS[1], 'counted', ARGV[i + 1])
  end
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('HSET', KEYS[1], 'updated_at', ARGV[1])
return 1
"""

#: KEYS: entry, key claim, spend day, spend total. ARGV: entry id, now.
_RELEASE = """
if redis.call('HGET', KEYS[1], 'state') ~= 'creating' then return 0 end
local counted = redis.call('HGET', KEYS[1], 'counted') or '0'
redis.call('INCRBYFLOAT', KEYS[3], '-' .. counted)
redis.call('INCRBYFLOAT', KEYS[4], '-' .. counted)
redis.call('HSET', KEYS[1], 'state', 'not_sent', 'counted', '0', 'updated_at', ARGV[2],
  'ended_at', ARGV[2], 'lease_until', '')
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return 1
"""


class RedisJournal:
    """A journal shared by every process (on any machine) using the same Redis, namespace and
    account. See `kieai._journal.Journal` for the methods and their promises.

    Args:
        redis: A ``redis://`` (``rediss://``, ``unix://``) URL, or a coredis client the caller
            owns and has entered.
        namespace: Prefix of every key.
        account: Names whose journal this is (several journals can share one Redis). Default
            ``"default"``.
        retention: Entries (and their keys) expire after this (seconds or a timedelta; 30 days).

    Use it as ``async with RedisJournal(url) as journal:`` (that opens a client built from a
    URL and closes it on exit).
    """

    def __init__(
        self,
        redis: str | Client[Any],
        *,
        namespace: str = "kieai",
        account: str | None = None,
        retention: float | timedelta = DEFAULT_RETENTION_S,
    ) -> None:
        problems: list[str] = []
        if isinstance(redis, str):
            self._redis: Client[Any] = coredis.Redis.from_url(
                redis,
                decode_responses=True,
                stream_timeout=REDIS_JOURNAL_CALL_TIMEOUT_S,
                connect_timeout=REDIS_JOURNAL_CALL_TIMEOUT_S,
            )
            self._shared = SharedRedis(self._redis, owned=True)
        elif isinstance(redis, Client):  # pyright: ignore[reportUnnecessaryIsInstance]
            self._redis = redis
            self._shared = SharedRedis(redis, owned=False)
        else:
            raise KieInputError(
                f"redis: must be a redis:// URL or a coredis client, got {type(redis).__name__}"
            )
        account = "default" if account is None else account
        for name, value in (("namespace", namespace), ("account", account)):
            if (
                not isinstance(value, str)  # pyright: ignore[reportUnnecessaryIsInstance]
                or not value
                or any(c.isspace() or c in "{}" for c in value)
            ):
                problems.append(
                    f"{name}: must be a non-empty string without spaces or braces, got {value!r}"
                )
        retention_s = (
            retention.total_seconds() if isinstance(retention, timedelta) else float(retention)
        )
        if not retention_s > 0:
            problems.append(f"retention: must be > 0 seconds, got {retention!r}")
        if problems:
            raise KieInputError(problems)
        self.namespace = namespace
        self.account = account
        self.retention_s = retention_s
        self._prefix = f"{namespace}:{{{account}}}:journal"
        self._begin = self._redis.register_script(_BEGIN)
        self._record_task_id = self._redis.register_script(_RECORD_TASK_ID)
        self._record_update = self._redis.register_script(_RECORD_UPDATE)
        self._release = self._redis.register_script(_RELEASE)

    def __repr__(self) -> str:
        return f"RedisJournal(namespace={self.namespace!r}, account={self.account!r})"

    # -- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self._shared.enter()  # each client using the journal enters it; see SharedRedis
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Leave the journal; the last holder closes a connection built from a URL. Closing
        more often than entering does nothing."""
        await self._shared.exit()

    # -- keys and calls ---------------------------------------------------------------------

    def _key(self, kind: str, name: str = "") -> str:
        return f"{self._prefix}:{kind}:{name}" if name else f"{self._prefix}:{kind}"

    def _day_key(self, day_number: int) -> str:
        return self._key("spend", str(day_number))

    async def _call(self, what: str, op: Callable[[], Awaitable[T]]) -> T:
        if not self._shared.ready:
            raise KieError(
                "RedisJournal is not open: use `async with RedisJournal(...) as journal:`"
            )
        try:
            with anyio.fail_after(REDIS_JOURNAL_CALL_TIMEOUT_S):
                return await op()
        except (coredis.exceptions.RedisError, OSError, TimeoutError) as exc:
            raise KieError(
                f"journal: Redis did not answer while {what}: {exc or type(exc).__name__}"
            ) from exc

    async def _script(
        self, what: str, script: Script[Any], keys: list[str], args: list[Any]
    ) -> list[object]:
        async def run() -> list[object]:
            # coredis types a script's default answer generically (Unknown).
            answer: object = await script(keys, args)  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
            return list(answer) if isinstance(answer, (list, tuple)) else [answer]  # pyright: ignore[reportUnknownArgumentType]

        return await self._call(what, run)

    async def _load(self, entry_id: str) -> dict[str, str] | None:
        raw: Mapping[Any, Any] = await self._call(
            "reading an entry", lambda: self._redis.hgetall(self._key("e", entry_id))
        )
        if not raw:
            return None
        return {_text(k): _text(v) for k, v in raw.items()}

    async def _pointer(self, kind: str, name: str) -> str | None:
        value = await self._call("reading an index", lambda: self._redis.get(self._key(kind, name)))
        return None if value is None else _text(value)

    # -- the Journal methods ----------------------------------------------------------------

    async def begin(
        self,
        model: str,
        input: Mapping[str, Any],
        *,
        family: str = "market",
        idempotency_key: str | None = None,
        fingerprint: str | None = None,
        estimate: float | None = None,
        budget: Budget | None = None,
        lease_s: float = DEFAULT_CREATE_LEASE_S,
    ) -> Claim:
        check_key(idempotency_key)
        stored_input = input_json(input)
        digest = fingerprint or request_fingerprint(model, input)
        now = time.time()
        day_number = int(now // _SECONDS_PER_DAY)
        if budget is not None:
            # Per task and "no known price" need no counts; the day and total limits are
            # checked by the script that writes the intent (atomic with the other creates).
            if estimate is not None:
                check_budget(Budget(per_task=budget.per_task), estimate)
            elif budget.has_limit and not budget.allow_unpriced:
                check_budget(
                    budget,
                    None,
                    spent_today=await self._spent(self._day_key(day_number)),
                    spent_total=await self._spent(self._key("spend", "total")),
                )
        entry_id = uuid.uuid4().hex
        counted = estimate or 0.0
        fields: dict[str, str] = {
            "id": entry_id,
            "model": model,
            "family": family,
            "state": CREATING,
            "created_at": repr(now),
            "updated_at": repr(now),
            "idempotency_key": idempotency_key or "",
            "fingerprint": digest,
            "estimate": "" if estimate is None else repr(float(estimate)),
            "counted": repr(float(counted)),
            "day": str(day_number),
            "result_urls": "[]",
            "input": stored_input,
            "creator": creator_tag(),
            "lease_until": repr(now + lease_s),
        }
        pairs = [item for pair in fields.items() for item in pair]
        limits = (
            ("", "")
            if budget is None or estimate is None
            else (
                "" if budget.per_day is None else repr(float(budget.per_day)),
                "" if budget.total is None else repr(float(budget.total)),
            )
        )
        answer = await self._script(
            "writing the intent",
            self._begin,
            [
                self._key("k", idempotency_key or ""),
                self._key("e", entry_id),
                self._key("idx"),
                self._day_key(day_number),
                self._key("spend", "total"),
            ],
            [
                "1" if idempotency_key is not None else "0",
                entry_id,
                digest,
                repr(float(counted)),
                *limits,
                int(self.retention_s * 1000),
                repr(now),
                *pairs,
            ],
        )
        reply = [_text(part) for part in answer]
        if reply[0] == "over":
            assert budget is not None
            allowed = budget.per_day if reply[1] == "per_day" else budget.total
            assert allowed is not None
            raise BudgetExceededError(
                reply[1], allowed=allowed, estimate=estimate, spent=float(reply[2])
            )
        if reply[0] == "existing":
            assert idempotency_key is not None
            stored = await self._load(reply[1])
            if stored is None:
                raise KieError(
                    f"journal: idempotency_key {idempotency_key!r} points to a missing entry "
                    "(evicted? see docs/ledger.md on Redis persistence); refusing to create again"
                )
            if stored.get("fingerprint") != digest:
                raise key_conflict(idempotency_key, stored.get("model", "?"))
            existing = _entry(stored, time.time())
            return Claim(_outcome(existing), existing)
        return Claim("create", _entry(fields, now))

    async def record_task_id(self, entry_id: str, task_id: str) -> None:
        await self._script(
            "recording the task id",
            self._record_task_id,
            [self._key("e", entry_id), self._key("t", task_id)],
            [entry_id, task_id, repr(time.time())],
        )

    async def record_update(
        self,
        task_id: str,
        *,
        state: str | None = None,
        result_urls: Sequence[str] | None = None,
        credits: float | None = None,
        fail_code: str | None = None,
        fail_msg: str | None = None,
    ) -> None:
        entry_id = await self._pointer("t", task_id)
        if entry_id is None:
            return
        stored = await self._load(entry_id)
        if stored is None:
            return
        now = time.time()
        pairs: list[str] = []
        if state is not None:
            pairs += ["state", str(state)]
            if str(state) in ("success", "fail"):
                pairs += ["ended_at", repr(now)]
        if result_urls is not None:
            pairs += ["result_urls", json.dumps(list(result_urls))]
        if credits is not None:
            pairs += ["credits", repr(float(credits))]
        if fail_code is not None:
            pairs += ["fail_code", fail_code]
        if fail_msg is not None:
            pairs += ["fail_msg", fail_msg]
        await self._script(
            "recording an update",
            self._record_update,
            [
                self._key("e", entry_id),
                self._day_key(int(stored["day"])),
                self._key("spend", "total"),
            ],
            [repr(now), *pairs],
        )

    async def record_input(self, entry_id: str, input: Mapping[str, Any]) -> None:
        stored_input = input_json(input)
        key = self._key("e", entry_id)
        await self._call(
            "recording an input",
            lambda: self._redis.hset(key, {"input": stored_input, "updated_at": repr(time.time())}),
        )

    async def release(self, entry_id: str) -> None:
        stored = await self._load(entry_id)
        if stored is None:
            return
        await self._script(
            "releasing an intent",
            self._release,
            [
                self._key("e", entry_id),
                self._key("k", stored.get("idempotency_key", "")),
                self._day_key(int(stored["day"])),
                self._key("spend", "total"),
            ],
            [entry_id, repr(time.time())],
        )

    async def get(self, task_id: str) -> JournalEntry | None:
        entry_id = await self._pointer("t", task_id)
        stored = None if entry_id is None else await self._load(entry_id)
        return None if stored is None else _entry(stored, time.time())

    async def get_by_key(self, idempotency_key: str) -> JournalEntry | None:
        entry_id = await self._pointer("k", idempotency_key)
        stored = None if entry_id is None else await self._load(entry_id)
        if stored is None or stored.get("state") == NOT_SENT:
            return None
        return _entry(stored, time.time())

    async def list(
        self,
        *,
        state: ListState | None = None,
        model: str | None = None,
        since: datetime | None = None,
    ) -> list[JournalEntry]:
        check_list_state(state)
        start = since_timestamp(since)
        ids: Sequence[Any] = await self._call(
            "listing entries",
            lambda: self._redis.zrange(
                self._key("idx"), _score(start), "+inf", sortby=coredis.PureToken.BYSCORE
            ),
        )
        entries: list[JournalEntry] = []
        now = time.time()
        for entry_id in ids:
            stored = await self._load(_text(entry_id))
            if stored is None:
                continue  # expired with the retention
            entry = _entry(stored, now)
            if (model is None or entry.model == model) and matches_state(entry, state):
                entries.append(entry)
        return entries

    async def spent_on(self, day: date) -> float:
        return await self._spent(self._day_key((day - date(1970, 1, 1)).days))

    async def spent_total(self) -> float:
        return await self._spent(self._key("spend", "total"))

    async def _spent(self, key: str) -> float:
        value = await self._call("reading spending", lambda: self._redis.get(key))
        return 0.0 if value is None else float(_text(value))

    async def prune(self) -> int:
        """Entries expire by themselves; this drops the expired ones from the time index and
        deletes any entry past the retention that is still there. Returns how many went."""
        cutoff = time.time() - self.retention_s
        ids: Sequence[Any] = await self._call(
            "pruning",
            lambda: self._redis.zrange(
                self._key("idx"), "-inf", repr(cutoff), sortby=coredis.PureToken.BYSCORE
            ),
        )
        for entry_id in ids:
            stored = await self._load(_text(entry_id))
            doomed = [self._key("e", _text(entry_id))]
            if stored is not None and stored.get("task_id"):
                doomed.append(self._key("t", stored["task_id"]))
            if stored is not None and stored.get("idempotency_key"):
                key = self._key("k", stored["idempotency_key"])
                if await self._pointer("k", stored["idempotency_key"]) == _text(entry_id):
                    doomed.append(key)
            await self._call("pruning", lambda doomed=doomed: self._redis.delete(doomed))
        if ids:
            await self._call(
                "pruning",
                lambda: self._redis.zremrangebyscore(self._key("idx"), -math.inf, cutoff),
            )
        return len(ids)


def _score(timestamp: float) -> str:
    return "-inf" if math.isinf(timestamp) else repr(timestamp)


def _text(value: object) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _number(text: str | None) -> float | None:
    return float(text) if text else None


def _entry(stored: Mapping[str, str], now: float) -> JournalEntry:
    """An entry's hash (every value a string; empty for none) as an entry."""
    return stored_entry(
        entry_id=stored["id"],
        task_id=stored.get("task_id") or None,
        model=stored["model"],
        family=stored["family"],
        state=stored["state"],
        created_at=float(stored["created_at"]),
        updated_at=float(stored["updated_at"]),
        ended_at=_number(stored.get("ended_at")),
        idempotency_key=stored.get("idempotency_key") or None,
        estimate=_number(stored.get("estimate")),
        credits=_number(stored.get("credits")),
        result_urls=stored.get("result_urls") or "[]",
        fail_code=stored.get("fail_code") or None,
        fail_msg=stored.get("fail_msg") or None,
        input=stored["input"],
        creator=stored["creator"],
        lease_until=_number(stored.get("lease_until")),
        now=now,
    )


def _outcome(entry: JournalEntry) -> ClaimOutcome:
    if entry.task_id is not None:
        return "existing"
    return "uncertain" if entry.uncertain else "in_progress"
