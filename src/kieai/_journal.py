"""The journal of paid work: the `Journal` interface and its embedded SQLite implementation.

Kie has no endpoint to list or find tasks, so a task id a process forgets is a paid task lost.
The journal writes an *intent* before ``createTask`` leaves (the transactional-outbox rule),
then the task id, every state seen, the results, the credits and the end. Whatever point a
process is killed at, its entry says what is known:

* ``creating`` without a task id: the request may or may not have reached Kie. While its
  creator is alive (same machine: its pid; any machine: its lease) the create is *in
  progress* and a caller with the same idempotency key waits for it; once the creator is gone
  the entry is *uncertain*, and kieai never sends it again (that could pay twice).
* a task id: the task exists and can be resumed (waited for again).
* ``not_sent``: nothing left the process (a local failure before the send); the idempotency
  key is free again and the estimate no longer counts against a budget.

An idempotency key belongs to one request fingerprint (model + input): the same key with
another input is a `KieInputError`, never a second task. Day and total spending are counted
in the same transaction that claims a key, so a `Budget` holds under concurrent creates.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

import anyio
import anyio.to_thread

from ._errors import KieInputError

if TYPE_CHECKING:
    from ._estimate import Budget

__all__ = [
    "CREATING",
    "DEFAULT_CREATE_LEASE_S",
    "DEFAULT_RETENTION_S",
    "FINISHED_STATES",
    "LOCAL_FILE_STAND_IN",
    "NOT_SENT",
    "PENDING_SEND_KEY",
    "Claim",
    "ClaimOutcome",
    "Journal",
    "JournalEntry",
    "SQLiteJournal",
    "request_fingerprint",
    "wait_for_create",
]

T = TypeVar("T")

#: The intent is written; ``createTask`` may be on its way (no task id yet).
CREATING = "creating"
#: Nothing was sent (a failure before the request left): the key is free again.
NOT_SENT = "not_sent"
#: Kie's final states: the entry's end is recorded with them.
FINISHED_STATES = frozenset({"success", "fail"})
#: Entries older than this are pruned (30 days).
DEFAULT_RETENTION_S = 30 * 24 * 3600.0
#: How long a ``creating`` entry counts as in progress when its creator cannot be checked
#: directly (another machine): longer than a createTask attempt (60 s by default) with margin.
DEFAULT_CREATE_LEASE_S = 120.0
#: How long a SQLite call waits for another process's write transaction to end.
SQLITE_BUSY_TIMEOUT_S = 30.0
#: The pauses between tries of a journal call that SQLite refused at once as "database is
#: locked" (see `SQLiteJournal._run_in_thread`): doubling from the first up to the last.
BUSY_RETRY_FIRST_DELAY_S = 0.005
BUSY_RETRY_MAX_DELAY_S = 0.1
#: How often `wait_for_create` looks whether the create it waits for has its task id.
CREATE_WAIT_POLL_S = 0.05

#: In an intent's input until the input as sent replaces it, right before the send (after the
#: uploads and the pacing wait): a stored input holding it was never sent. Read into
#: `JournalEntry.sent`, never handed out in `JournalEntry.input`.
PENDING_SEND_KEY = "kieai-pending-send"
#: How an intent names a local file until its upload's URL replaces it (right before the
#: send): an input still holding one was never sent.
LOCAL_FILE_STAND_IN = "kieai-local-file:"

ClaimOutcome = Literal["create", "existing", "in_progress", "uncertain"]
ListState = str  # a TaskState value, "unfinished", "uncertain", CREATING or NOT_SENT


@dataclass(frozen=True)
class JournalEntry:
    """One create, as the journal knows it.

    ``state`` is a Kie state (``waiting`` ... ``success``/``fail``) once the task id is known,
    else ``creating`` or ``not_sent``. ``sent`` says whether ``createTask`` left:

    * True: Kie returned the task id.
    * False: it did not leave: nothing was sent and nothing is paid. The intent was released
      (``not_sent``: the call failed or was cancelled before the send), or its creator died
      before the send (while uploading, or waiting for a pacing slot; ``uncertain`` is then
      true too, and the same idempotency key creates it again), or its creator is still
      uploading or waiting for a slot right now (``uncertain`` false).
    * None: it may have reached Kie and no answer was recorded: its creator is gone
      (``uncertain``: never resent, kie.ai/logs tells whether the task exists), or it is
      being sent right now.

    ``uncertain`` is true for a ``creating`` entry whose creator is gone. ``input`` is the
    input sent to Kie, with files as their uploaded URLs (never their contents); for a create
    that never left (``sent`` False) it is the input as the call gave it, a local file named
    by a ``kieai-local-file:<name>`` stand-in (the upload's URL never came). ``credits`` is
    what Kie reported (``creditsConsumed``), ``estimate`` what kieai expected. ``id`` is the
    journal's own entry id (the task id may never come).
    """

    id: str
    task_id: str | None
    model: str
    family: str
    state: str
    created_at: datetime
    updated_at: datetime
    idempotency_key: str | None
    estimate: float | None
    credits: float | None
    result_urls: tuple[str, ...]
    fail_code: str | None
    fail_msg: str | None
    input: Mapping[str, Any] = field(hash=False)
    ended_at: datetime | None = None
    uncertain: bool = False
    sent: bool | None = None

    @property
    def is_finished(self) -> bool:
        """Kie reported the end (``success`` or ``fail``), or nothing was sent."""
        return self.state in FINISHED_STATES or self.state == NOT_SENT


@dataclass(frozen=True)
class Claim:
    """The answer to `Journal.begin`.

    * ``"create"``: the intent is written (``entry``); send ``createTask`` now, then
      `Journal.record_task_id` (or `Journal.release` if it never left).
    * ``"existing"``: the key already names a task (``entry.task_id``): return or resume it.
    * ``"in_progress"``: another caller (this process or another) is creating it right now:
      `wait_for_create`.
    * ``"uncertain"``: its creator died after writing the intent: the task may exist; never
      send it again (`TaskCreationUncertainError`).
    """

    outcome: ClaimOutcome
    entry: JournalEntry


class Journal(Protocol):
    """Where kieai keeps its record of paid work (`SQLiteJournal`, `kieai.redis.RedisJournal`).

    Every method is async and safe to call from several processes at once.
    """

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
        """Write the intent before the send, atomically claiming ``idempotency_key`` and
        reserving ``estimate`` against ``budget``'s day and total limits.

        Raises `KieInputError` when the key is held for another fingerprint, and
        `BudgetExceededError` when the reservation would go over a limit (nothing written).
        """
        ...

    async def record_input(self, entry_id: str, input: Mapping[str, Any]) -> None:
        """The input as sent, once its files are uploaded (the intent is written before the
        uploads, with stand-ins for local files, so a budget is judged before any upload)."""
        ...

    async def record_task_id(self, entry_id: str, task_id: str) -> None:
        """Kie returned the task id: the entry becomes resumable (state ``waiting``)."""
        ...

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
        """A state seen, results, the credits Kie reported; ``success``/``fail`` end it."""
        ...

    async def release(self, entry_id: str) -> None:
        """Nothing was sent: mark the intent ``not_sent``, free its key and its reservation."""
        ...

    async def get(self, task_id: str) -> JournalEntry | None: ...

    async def get_by_key(self, idempotency_key: str) -> JournalEntry | None:
        """The entry holding the key (not a released one), or None."""
        ...

    async def list(
        self,
        *,
        state: ListState | None = None,
        model: str | None = None,
        since: datetime | None = None,
    ) -> list[JournalEntry]:
        """Entries, oldest first. ``state``: a Kie state, ``"unfinished"`` (a task id and no
        end yet: resumable), ``"uncertain"``, ``"creating"``, ``"not_sent"``; None: all."""
        ...

    async def spent_on(self, day: date) -> float:
        """Credits counted for tasks created on ``day`` (UTC)."""
        ...

    async def spent_total(self) -> float:
        """Credits counted for every task this journal has recorded."""
        ...

    async def prune(self) -> int:
        """Drop entries older than the retention; returns how many went."""
        ...

    async def aclose(self) -> None: ...


# -- helpers shared by both journals ------------------------------------------------------


def request_fingerprint(model: str, input: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of model + input: what one idempotency key stands for."""
    canonical = json.dumps(
        {"model": model, "input": input},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def input_json(input: Mapping[str, Any]) -> str:
    """The input as stored: JSON only. Bytes, paths or open files mean the caller passed
    something other than Kie's final input (files must be URLs by now): refused, so file
    contents never reach the journal."""
    try:
        return json.dumps(dict(input), sort_keys=True, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise KieInputError(
            f"journal input: must be JSON (files as their uploaded URLs), got {exc}"
        ) from None


def check_key(idempotency_key: str | None) -> None:
    if idempotency_key is not None and (
        not isinstance(idempotency_key, str)  # pyright: ignore[reportUnnecessaryIsInstance]
        or not idempotency_key
        or len(idempotency_key) > MAX_KEY_CHARS
    ):
        raise KieInputError(
            f"idempotency_key: must be a non-empty string of at most {MAX_KEY_CHARS} "
            f"characters, got {idempotency_key!r}"
        )


#: Keys are names chosen by callers (order ids, job keys), not documents.
MAX_KEY_CHARS = 512


def key_conflict(idempotency_key: str, entry_model: str) -> KieInputError:
    return KieInputError(
        f"idempotency_key: {idempotency_key!r} was already used for a different input "
        f"(model {entry_model}); a key must always come with the same model and input"
    )


def creator_tag() -> str:
    """This process: ``machine:pid``. A reader on the same machine can ask whether the pid
    still runs."""
    return f"{_machine()}:{os.getpid()}"


@functools.lru_cache(maxsize=1)
def _machine() -> str:
    """The host name and, on Linux, the boot id: two hosts (or containers) that happen to
    share a name, or one host after a reboot, are not taken for the same machine."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        boot = ""
    return f"{socket.gethostname()}/{boot}" if boot else socket.gethostname()


def creator_alive(creator: str, lease_until: float | None, now: float) -> bool:
    """Is the process that wrote a ``creating`` intent still (possibly) sending it?

    Past its lease: no. On this machine (POSIX): whether its pid runs. Elsewhere: until the
    lease ends (a pid reused by another process also waits only until then).
    """
    if lease_until is not None and now >= lease_until:
        return False
    host, _, pid_text = creator.rpartition(":")
    if host != _machine() or os.name != "posix" or not pid_text.isdigit():
        return True
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the pid exists (POSIX)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def utc_day(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).date().isoformat()


def to_datetime(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, timezone.utc)


def stored_entry(
    *,
    entry_id: str,
    task_id: str | None,
    model: str,
    family: str,
    state: str,
    created_at: float,
    updated_at: float,
    ended_at: float | None,
    idempotency_key: str | None,
    estimate: float | None,
    credits: float | None,
    result_urls: str,
    fail_code: str | None,
    fail_msg: str | None,
    input: str,
    creator: str,
    lease_until: float | None,
    now: float,
) -> JournalEntry:
    """An entry as either journal stores it (times in epoch seconds, the URLs and the input
    as JSON), read at ``now``. The one place that decides ``sent`` and ``uncertain``, and
    that takes the ledger's pending-send mark out of the input."""
    data: dict[str, Any] = json.loads(input)
    pending = data.pop(PENDING_SEND_KEY, None) is not None
    if task_id is not None:
        sent: bool | None = True
    elif state == NOT_SENT or pending or any(_holds_stand_in(v) for v in data.values()):
        sent = False
    else:
        sent = None
    return JournalEntry(
        id=entry_id,
        task_id=task_id,
        model=model,
        family=family,
        state=state,
        created_at=datetime.fromtimestamp(created_at, timezone.utc),
        updated_at=datetime.fromtimestamp(updated_at, timezone.utc),
        idempotency_key=idempotency_key,
        estimate=estimate,
        credits=credits,
        result_urls=tuple(json.loads(result_urls)),
        fail_code=fail_code,
        fail_msg=fail_msg,
        input=data,
        ended_at=to_datetime(ended_at),
        uncertain=state == CREATING and not creator_alive(creator, lease_until, now),
        sent=sent,
    )


def _holds_stand_in(value: object) -> bool:
    """A local file's stand-in, alone or in a list (an intent written before the mark
    existed holds only these)."""
    if isinstance(value, str):
        return value.startswith(LOCAL_FILE_STAND_IN)
    if isinstance(value, list):
        items: list[object] = value  # pyright: ignore[reportUnknownVariableType]  # JSON
        return any(_holds_stand_in(item) for item in items)
    return False


def since_timestamp(since: datetime | None) -> float:
    if since is None:
        return -math.inf
    if since.tzinfo is None:
        raise KieInputError(f"since: must be timezone-aware, got {since!r}")
    return since.timestamp()


def check_list_state(state: str | None) -> None:
    allowed = {"waiting", "queuing", "generating", "success", "fail"}
    allowed |= {"unfinished", "uncertain", CREATING, NOT_SENT}
    if state is not None and str(state) not in allowed:
        raise KieInputError(f"state: must be one of {sorted(allowed)} or None, got {state!r}")


def matches_state(entry: JournalEntry, state: str | None) -> bool:
    if state is None:
        return True
    state = str(state)
    if state == "unfinished":
        return entry.task_id is not None and not entry.is_finished
    if state == "uncertain":
        return entry.uncertain
    return entry.state == state


async def wait_for_create(
    journal: Journal, idempotency_key: str, *, timeout: float
) -> JournalEntry | None:
    """Wait while another caller creates the task for ``idempotency_key``.

    Returns the entry once it has a task id, or once it turned uncertain (its creator died);
    None when the key was released (nothing was sent: the caller may `Journal.begin` again)
    or still in progress after ``timeout`` seconds.
    """
    with anyio.move_on_after(timeout):
        while True:
            entry = await journal.get_by_key(idempotency_key)
            if entry is None:
                return None
            if entry.task_id is not None or entry.uncertain:
                return entry
            await anyio.sleep(CREATE_WAIT_POLL_S)
    return None


# -- SQLite ------------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id TEXT PRIMARY KEY,
    task_id TEXT UNIQUE,
    model TEXT NOT NULL,
    family TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    ended_at REAL,
    idempotency_key TEXT,
    fingerprint TEXT NOT NULL,
    estimate REAL,
    credits REAL,
    counted REAL NOT NULL,
    day TEXT NOT NULL,
    result_urls TEXT NOT NULL,
    fail_code TEXT,
    fail_msg TEXT,
    input TEXT NOT NULL,
    creator TEXT NOT NULL,
    lease_until REAL
);
CREATE UNIQUE INDEX IF NOT EXISTS entries_by_key ON entries (idempotency_key)
    WHERE idempotency_key IS NOT NULL AND state != 'not_sent';
CREATE INDEX IF NOT EXISTS entries_by_created ON entries (created_at);
CREATE TABLE IF NOT EXISTS spending (day TEXT PRIMARY KEY, credits REAL NOT NULL);
"""

_COLUMNS = (
    "id, task_id, model, family, state, created_at, updated_at, ended_at, idempotency_key, "
    "estimate, credits, result_urls, fail_code, fail_msg, input, creator, lease_until"
)


class SQLiteJournal:
    """The embedded journal: one SQLite file, safe for several processes on one machine.

    WAL mode (readers never wait for the writer), a busy timeout (a writer waits its turn
    instead of failing with "database is locked"), ``BEGIN IMMEDIATE`` for every write (the
    write lock is taken up front, so a claim never fails half-way). Every call runs in a worker
    thread (`anyio.to_thread.run_sync`), so the event loop never waits on the disk; each
    thread keeps its own connection (opening one per call would cost a WAL checkpoint at
    every close: milliseconds per call).

    Durability: a committed write survives any crash of the process (SIGKILL included). With
    the default ``fsync=False`` (``synchronous=NORMAL``) an operating-system crash or power
    cut may lose the last commits; ``fsync=True`` (``synchronous=FULL``) syncs every commit to
    the disk, at the disk's fsync cost per write.

    Args:
        path: The database file (created with its directory, readable by its owner only).
        retention: Entries older than this are pruned (seconds or a timedelta; 30 days).
        fsync: Sync every commit to the disk (see above).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        retention: float | timedelta = DEFAULT_RETENTION_S,
        fsync: bool = False,
    ) -> None:
        self.path = Path(path)
        self.retention_s = (
            retention.total_seconds() if isinstance(retention, timedelta) else float(retention)
        )
        if not self.retention_s > 0:
            raise KieInputError(f"retention: must be > 0 seconds, got {retention!r}")
        self.fsync = fsync
        self._ready = False
        self._lock = threading.Lock()
        self._local = threading.local()
        #: Every connection opened (with the pid that opened it), closed by `aclose`.
        self._connections: list[tuple[int, sqlite3.Connection]] = []
        self._generation = 0

    def __repr__(self) -> str:
        return f"SQLiteJournal({str(self.path)!r})"

    # -- plumbing ----------------------------------------------------------------------------

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        return await anyio.to_thread.run_sync(lambda: self._run_in_thread(work))

    def _run_in_thread(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """``work`` on this thread's connection, tried again when SQLite says "database is
        locked" before its busy timeout has passed.

        In WAL mode SQLite answers that at once, without waiting, while another connection
        cleans up or recovers the WAL file (the last connection closing just as another opens,
        e.g. four processes opening a new journal together). A failed ``work`` left nothing
        behind: each runs at most one write transaction, rolled back on failure (or never
        begun), and its reads are single statements.
        """
        deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
        delay_s = BUSY_RETRY_FIRST_DELAY_S
        while True:
            try:
                return work(self._connection())
            except sqlite3.OperationalError as exc:
                if "database is locked" not in str(exc) or time.monotonic() + delay_s > deadline:
                    raise
            time.sleep(delay_s)
            delay_s = min(delay_s * 2, BUSY_RETRY_MAX_DELAY_S)

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection (opened on its first call, and again after `aclose` or in
        a forked child: a connection never crosses a fork)."""
        mine: tuple[int, int, sqlite3.Connection] | None = getattr(self._local, "connection", None)
        if mine is not None and mine[:2] == (os.getpid(), self._generation):
            return mine[2]
        self._ensure_schema()
        connection = self._open()
        with self._lock:
            self._connections.append((os.getpid(), connection))
            self._local.connection = (os.getpid(), self._generation, connection)
        return connection

    def _open(self) -> sqlite3.Connection:
        # isolation_level=None: no implicit transactions; writes say BEGIN IMMEDIATE.
        # check_same_thread=False only so that `aclose` may close it; one thread uses it.
        connection = sqlite3.connect(
            self.path,
            timeout=SQLITE_BUSY_TIMEOUT_S,
            isolation_level=None,
            check_same_thread=False,
        )
        connection.execute(f"PRAGMA synchronous={'FULL' if self.fsync else 'NORMAL'}")
        return connection

    @contextlib.contextmanager
    def _write(self, connection: sqlite3.Connection) -> Generator[sqlite3.Connection, None, None]:
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def _ensure_schema(self) -> None:
        with self._lock:
            if self._ready:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Inputs hold prompts and URLs: the owner's business only.
            with contextlib.suppress(FileExistsError):
                os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            connection = self._open()
            try:
                # Persistent per database; waits (busy timeout) while another process sets it.
                connection.execute("PRAGMA journal_mode=WAL")
                with self._write(connection):
                    _create_schema(connection)
            finally:
                connection.close()
            self._ready = True

    # -- the Journal methods ------------------------------------------------------------------

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
        entry_id = uuid.uuid4().hex
        creator = creator_tag()

        def work(db: sqlite3.Connection) -> Claim:
            with self._write(db):
                now = time.time()
                if idempotency_key is not None:
                    row = db.execute(
                        f"SELECT {_COLUMNS}, fingerprint FROM entries "
                        "WHERE idempotency_key = ? AND state != ?",
                        (idempotency_key, NOT_SENT),
                    ).fetchone()
                    if row is not None:
                        if row[-1] != digest:
                            raise key_conflict(idempotency_key, row[2])
                        existing = _entry(row[:-1], now)
                        return Claim(_outcome(existing), existing)
                day = utc_day(now)
                if budget is not None:
                    from ._estimate import check_budget

                    check_budget(
                        budget,
                        estimate,
                        spent_today=_spent_on(db, day),
                        spent_total=_spent_total(db),
                    )
                counted = estimate or 0.0
                db.execute(
                    "INSERT INTO entries (id, task_id, model, family, state, created_at, "
                    "updated_at, idempotency_key, fingerprint, estimate, counted, day, "
                    "result_urls, input, creator, lease_until) "
                    "VALUES (?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '[]', ?, ?, ?)",
                    (
                        entry_id,
                        model,
                        family,
                        CREATING,
                        now,
                        now,
                        idempotency_key,
                        digest,
                        estimate,
                        counted,
                        day,
                        stored_input,
                        creator,
                        now + lease_s,
                    ),
                )
                _add_spending(db, day, counted)
                row = db.execute(f"SELECT {_COLUMNS} FROM entries WHERE id = ?", (entry_id,))
                return Claim("create", _entry(row.fetchone(), now))

        return await self._run(work)

    async def record_input(self, entry_id: str, input: Mapping[str, Any]) -> None:
        stored_input = input_json(input)

        def work(db: sqlite3.Connection) -> None:
            with self._write(db):
                db.execute(
                    "UPDATE entries SET input = ?, updated_at = ? WHERE id = ?",
                    (stored_input, time.time(), entry_id),
                )

        await self._run(work)

    async def record_task_id(self, entry_id: str, task_id: str) -> None:
        def work(db: sqlite3.Connection) -> None:
            with self._write(db):
                now = time.time()
                db.execute(
                    "UPDATE entries SET task_id = ?, state = 'waiting', updated_at = ?, "
                    "lease_until = NULL WHERE id = ?",
                    (task_id, now, entry_id),
                )

        await self._run(work)

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
        state = None if state is None else str(state)
        urls = None if result_urls is None else json.dumps(list(result_urls))

        def work(db: sqlite3.Connection) -> None:
            with self._write(db):
                now = time.time()
                row = db.execute(
                    "SELECT counted, day FROM entries WHERE task_id = ?", (task_id,)
                ).fetchone()
                if row is None:
                    return
                if credits is not None:
                    _add_spending(db, row[1], credits - row[0])
                db.execute(
                    "UPDATE entries SET state = COALESCE(?, state), "
                    "result_urls = COALESCE(?, result_urls), credits = COALESCE(?, credits), "
                    "counted = COALESCE(?, counted), fail_code = COALESCE(?, fail_code), "
                    "fail_msg = COALESCE(?, fail_msg), updated_at = ?, "
                    "ended_at = CASE WHEN ? IN ('success', 'fail') THEN ? ELSE ended_at END "
                    "WHERE task_id = ?",
                    (
                        state,
                        urls,
                        credits,
                        credits,
                        fail_code,
                        fail_msg,
                        now,
                        state,
                        now,
                        task_id,
                    ),
                )

        await self._run(work)

    async def release(self, entry_id: str) -> None:
        def work(db: sqlite3.Connection) -> None:
            with self._write(db):
                now = time.time()
                row = db.execute(
                    "SELECT counted, day FROM entries WHERE id = ? AND state = ?",
                    (entry_id, CREATING),
                ).fetchone()
                if row is None:
                    return
                _add_spending(db, row[1], -row[0])
                db.execute(
                    "UPDATE entries SET state = ?, counted = 0, updated_at = ?, ended_at = ?, "
                    "lease_until = NULL WHERE id = ?",
                    (NOT_SENT, now, now, entry_id),
                )

        await self._run(work)

    async def get(self, task_id: str) -> JournalEntry | None:
        return await self._one("task_id = ?", (task_id,))

    async def get_by_key(self, idempotency_key: str) -> JournalEntry | None:
        return await self._one("idempotency_key = ? AND state != ?", (idempotency_key, NOT_SENT))

    async def _one(self, where: str, args: tuple[object, ...]) -> JournalEntry | None:
        def work(db: sqlite3.Connection) -> JournalEntry | None:
            row = db.execute(f"SELECT {_COLUMNS} FROM entries WHERE {where}", args).fetchone()
            return None if row is None else _entry(row, time.time())

        return await self._run(work)

    async def list(
        self,
        *,
        state: ListState | None = None,
        model: str | None = None,
        since: datetime | None = None,
    ) -> list[JournalEntry]:
        check_list_state(state)
        start = since_timestamp(since)

        def work(db: sqlite3.Connection) -> list[JournalEntry]:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM entries WHERE created_at >= ? "
                "AND (? IS NULL OR model = ?) ORDER BY created_at, id",
                (start, model, model),
            ).fetchall()
            now = time.time()
            return [e for e in (_entry(r, now) for r in rows) if matches_state(e, state)]

        return await self._run(work)

    async def spent_on(self, day: date) -> float:
        return await self._run(lambda db: _spent_on(db, day.isoformat()))

    async def spent_total(self) -> float:
        return await self._run(_spent_total)

    async def prune(self) -> int:
        def work(db: sqlite3.Connection) -> int:
            with self._write(db):
                cursor = db.execute(
                    "DELETE FROM entries WHERE created_at < ?", (time.time() - self.retention_s,)
                )
                return cursor.rowcount

        return await self._run(work)

    async def aclose(self) -> None:
        """Close this process's connections (a later call opens new ones)."""
        with self._lock:
            self._generation += 1
            mine = [c for pid, c in self._connections if pid == os.getpid()]
            self._connections.clear()
        for connection in mine:
            connection.close()


def _create_schema(db: sqlite3.Connection) -> None:
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)


def _entry(row: Sequence[Any], now: float) -> JournalEntry:
    """A row of `_COLUMNS` as an entry."""
    names = [name.strip() for name in _COLUMNS.split(",")]
    fields = dict(zip(names, row, strict=True))
    return stored_entry(entry_id=fields.pop("id"), now=now, **fields)


def _outcome(entry: JournalEntry) -> ClaimOutcome:
    if entry.task_id is not None:
        return "existing"
    return "uncertain" if entry.uncertain else "in_progress"


def _spent_on(db: sqlite3.Connection, day: str) -> float:
    row = db.execute("SELECT credits FROM spending WHERE day = ?", (day,)).fetchone()
    return float(row[0]) if row is not None else 0.0


def _spent_total(db: sqlite3.Connection) -> float:
    return float(db.execute("SELECT COALESCE(SUM(credits), 0) FROM spending").fetchone()[0])


def _add_spending(db: sqlite3.Connection, day: str, credits: float) -> None:
    if credits:
        db.execute(
            "INSERT INTO spending (day, credits) VALUES (?, ?) "
            "ON CONFLICT (day) DO UPDATE SET credits = credits + excluded.credits",
            (day, credits),
        )
