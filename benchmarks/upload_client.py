"""One ``KieClient.upload`` of a path, run in a fresh process by ``benchmarks/upload.py``.

``python benchmarks/upload_client.py UPLOAD_BASE_URL PATH`` prints one JSON line: the upload's
wall time (from the call to its return, imports and client construction excluded), and the
process's peak RSS before and after the upload (``ru_maxrss``, KiB on Linux), so the growth is
what the upload itself cost.
"""

from __future__ import annotations

import json
import resource
import sys
import time

import anyio

from kieai import KieClient


def _peak_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


async def _run(base_url: str, path: str) -> dict[str, float]:
    async with KieClient(api_key="bench", upload_base_url=base_url, max_retries=0) as client:
        before = _peak_rss_kib()
        started = time.perf_counter()
        uploaded = await client.upload(path, upload_path="bench")
        seconds = time.perf_counter() - started
        after = _peak_rss_kib()
    assert uploaded.url.startswith("https://")
    return {"seconds": seconds, "rss_before_kib": before, "rss_after_kib": after}


def main() -> None:
    base_url, path = sys.argv[1], sys.argv[2]
    print(json.dumps(anyio.run(_run, base_url, path)))


if __name__ == "__main__":
    main()
