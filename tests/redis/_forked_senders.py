"""Run as ``python -m tests.redis._forked_senders BASE_URL REDIS_URL PROCESSES SENDS COUNT PERIOD``.

Imports ``kieai.redis`` once, then forks the senders (as a prefork pool does: Celery,
gunicorn ``--preload``); each child makes its own client and coordinator and sends
``SENDS`` createTask calls one after another. A separate process, so that the fork happens
with no other thread running (the test process has the fake's server thread).
"""

from __future__ import annotations

import multiprocessing
import sys

import anyio

from kieai import KieClient
from kieai.redis import RedisCoordinator

from ._support import KEY, MODEL, mc_input


def _send(base_url: str, redis_url: str, sends: int, rate: tuple[int, float]) -> None:
    async def main() -> None:
        async with KieClient(
            KEY,
            base_url=base_url,
            upload_base_url=base_url,
            create_task_rate=rate,
            max_retries=0,  # a 429 would fail the child, not be retried away
            coordinator=RedisCoordinator(redis_url),
        ) as client:
            for n in range(sends):
                await client.create_task(MODEL, mc_input(n))

    anyio.run(main)


def main(argv: list[str]) -> int:
    base_url, redis_url, processes, sends, count, period = argv
    context = multiprocessing.get_context("fork")
    rate = (int(count), float(period))
    children = [
        context.Process(target=_send, args=(base_url, redis_url, int(sends), rate))
        for _ in range(int(processes))
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(60)
    return max(abs(child.exitcode or 0) for child in children)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
