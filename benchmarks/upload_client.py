"""One ``KieClient.upload`` of a path, run in a fresh process by ``benchmarks/upload.py``.

``python benchmarks/upload_client.py UPLOAD_BASE_URL PATH [asyncio|trio]`` prints one JSON
line about the upload alone (imports and client construction excluded): its wall time, the
process's CPU time (user + system, all threads) and its peak RSS before and after
(``ru_maxrss``, KiB on Linux), so the growth is what the upload itself cost.
"""

from __future__ import annotations

import json
import resource
import sys
import time

import anyio

from kieai import KieClient


def _usage() -> tuple[float, int]:
    """(CPU seconds so far, peak RSS in KiB)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss


async def _run(base_url: str, path: str) -> dict[str, float]:
    async with KieClient(api_key="bench", upload_base_url=base_url, max_retries=0) as client:
        cpu_before, rss_before = _usage()
        started = time.perf_counter()
        uploaded = await client.upload(path, upload_path="bench")
        seconds = time.perf_counter() - started
        cpu_after, rss_after = _usage()
    assert uploaded.url.startswith("https://")
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_after - cpu_before,
        "rss_before_kib": rss_before,
        "rss_after_kib": rss_after,
    }


def main() -> None:
    base_url, path = sys.argv[1], sys.argv[2]
    backend = sys.argv[3] if len(sys.argv) > 3 else "asyncio"
    print(json.dumps(anyio.run(_run, base_url, path, backend=backend)))


if __name__ == "__main__":
    main()
