"""The journal's cost per create and its behaviour under load, against references measured in
the same run.

    python benchmarks/journal.py [--rounds 500] [--seconds 60] [--no-load] [--no-redis]

1. Added latency per create: one ``begin`` (the intent, claiming an idempotency key) plus one
   ``record_task_id`` (the id), the two writes a create adds, ``--rounds`` times each, on a
   SQLite file in a temporary directory (and on a ``redis-server`` the script starts on a free
   loopback port, unless ``--no-redis``). The reference is no journal at all plus the two
   worker-thread hops any off-loop storage needs (``anyio.to_thread.run_sync`` of nothing,
   twice). Printed: median and p99 per pair, the difference (target: the journal adds at most
   2 ms per create) and the ratio.
2. Load: 4 processes writing one SQLite journal for ``--seconds`` (intent, id, a state, the
   end with credits, a read), counting every error: "database is locked" must be 0.
3. The client: ``client.create`` (with an idempotency key) against FakeKie in-process, with a
   SQLite journal and without one, ``--rounds`` times each, alternating: the median added per
   create (target: at most 2 ms) and the ratio, both measured in this run.

Exit status is 0 either way: the figures are for reading, not for CI.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
import anyio.to_thread

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the workers and the Redis server live with the tests

from tests.ledger._journals import JournalSpec, open_journal  # noqa: E402
from tests.ledger._workers import INPUT, MODEL, load_worker, run_workers  # noqa: E402
from tests.redis.conftest import RedisServer  # noqa: E402

from kieai._journal import Journal  # noqa: E402

PROCESSES = 4
TARGET_ADDED_MS = 2.0


async def _time_pairs(rounds: int, pair: Callable[[int], Awaitable[None]]) -> list[float]:
    for warm in range(20):
        await pair(-1 - warm)
    samples: list[float] = []
    for n in range(rounds):
        start = time.perf_counter()
        await pair(n)
        samples.append((time.perf_counter() - start) * 1000.0)
    return samples


def _summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1]


async def _reference(rounds: int) -> list[float]:
    async def pair(_: int) -> None:
        await anyio.to_thread.run_sync(lambda: None)
        await anyio.to_thread.run_sync(lambda: None)

    return await _time_pairs(rounds, pair)


async def _journal_pairs(spec: JournalSpec, rounds: int) -> list[float]:
    async with open_journal(spec) as journal:
        return await _time_pairs(rounds, lambda n: _one_create(journal, n))


async def _one_create(journal: Journal, n: int) -> None:
    claim = await journal.begin(MODEL, INPUT, idempotency_key=f"bench-{n}", estimate=330.0)
    await journal.record_task_id(claim.entry.id, f"task-bench-{n}")


def _latency(rounds: int, with_redis: bool, directory: Path) -> None:
    print(f"1. Added latency per create (begin + record_task_id), {rounds} rounds")
    reference = anyio.run(_reference, rounds)
    ref_median, ref_p99 = _summary(reference)
    print(
        f"   reference (no journal, two thread hops): median {ref_median:.3f} ms, p99 {ref_p99:.3f} ms"
    )
    specs: list[tuple[str, JournalSpec]] = [
        ("SQLite", ("sqlite", str(directory / "bench.sqlite3")))
    ]
    server: RedisServer | None = None
    if with_redis:
        server = RedisServer(directory)
        server.start()
        specs.append(("Redis", ("redis", server.url)))
    try:
        for name, spec in specs:
            median, p99 = _summary(anyio.run(_journal_pairs, spec, rounds))
            added = median - ref_median
            verdict = "within" if added <= TARGET_ADDED_MS else "OVER"
            print(
                f"   {name:6} journal: median {median:.3f} ms, p99 {p99:.3f} ms; adds {added:.3f} ms "
                f"per create ({verdict} the {TARGET_ADDED_MS:g} ms target), "
                f"{median / ref_median:.1f}x the reference"
            )
    finally:
        if server is not None:
            server.kill()


def _load(seconds: float, directory: Path) -> None:
    print(f"2. Load: {PROCESSES} processes writing one SQLite journal for {seconds:g} s")
    path = str(directory / "load.sqlite3")
    started = time.monotonic()
    reports = run_workers(load_worker, [(("sqlite", path), seconds)] * PROCESSES)
    elapsed = time.monotonic() - started
    errors = [e for r in reports for e in r.errors]
    locked = sum("database is locked" in e for e in errors)
    creates = sum(r.operations for r in reports)
    print(
        f"   {creates} creates (5 journal calls each) in {elapsed:.1f} s: "
        f"{creates / seconds:.0f} creates/s across the processes"
    )
    print(f"   errors: {len(errors)}; 'database is locked': {locked} (must be 0)")
    for error in sorted(set(errors))[:5]:
        print(f"     {error}")


async def _client_creates(rounds: int, journal: Path | None) -> list[float]:
    from kieai import KieClient
    from kieai.testing import FakeKie

    fake = FakeKie(create_rate_limit=None, record_rate_limit=None, keep_request_bodies=False)
    async with KieClient(
        "test-key",
        http_client=fake.http_client(),
        journal=False if journal is None else str(journal),
        create_task_rate=None,
    ) as client:

        async def create(n: int) -> None:
            key = None if journal is None else f"bench-{n}"
            await client.create(
                "kling-2.6/text-to-video",
                {"prompt": f"Fox {n}.", "sound": False, "duration": "5", "aspect_ratio": "1:1"},
                idempotency_key=key,
            )

        return await _time_pairs(rounds, create)


def _client(rounds: int, directory: Path) -> None:
    print(f"3. client.create against FakeKie in-process, {rounds} rounds each")
    plain: list[float] = []
    journaled: list[float] = []
    for batch in range(5):  # alternating batches: a noisy neighbour hits both alike
        plain += anyio.run(_client_creates, rounds // 5, None)
        journaled += anyio.run(_client_creates, rounds // 5, directory / f"client-{batch}.sqlite3")
    plain_median, _ = _summary(plain)
    journal_median, _ = _summary(journaled)
    added = journal_median - plain_median
    verdict = "within" if added <= TARGET_ADDED_MS else "OVER"
    print(f"   without a journal: median {plain_median:.3f} ms per create")
    print(
        f"   SQLite journal + idempotency key: median {journal_median:.3f} ms; adds {added:.3f} ms "
        f"({verdict} the {TARGET_ADDED_MS:g} ms target), {journal_median / plain_median:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="The journal's cost per create and under load.")
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--no-load", action="store_true")
    parser.add_argument("--no-redis", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        _latency(options.rounds, not options.no_redis, Path(directory))
        if not options.no_load:
            _load(options.seconds, Path(directory))
        _client(options.rounds, Path(directory))


if __name__ == "__main__":
    main()
