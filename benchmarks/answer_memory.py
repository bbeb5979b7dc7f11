"""What reading and parsing one large recordInfo answer costs in memory, as ratios.

    python benchmarks/answer_memory.py             # every shape, each in a fresh process

Each shape is an answer of about 16 MB (just under the 16 MiB cap), served by a loopback
HTTP server in the measuring process and read with ``client.get_task``. Printed per shape:
the outcome, the tracemalloc peak of the call (Python's own allocations: the figure that does
not depend on the allocator's reuse of freed memory, unlike RSS), and that peak as a ratio to
the reference measured in the same process: ``json.loads`` of the same bytes.

Shapes: ``urls`` (a record with 250,000 result URLs: issue #19's 16.6 MB record, 61 MiB
of objects and 90 MiB of RSS before the fix), ``tiny-values`` (870,000 small entries: 160 MiB,
336 MiB of RSS before), ``one-string`` (a 16.6 MB prompt in ``param``), ``long-pairs``
(99,000 pairs of 78-character strings: the costliest answer accepted now).
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from typing import Any

import anyio

from kieai import KieClient, KieError

TARGET_BYTES = 16_600_000
SHAPES = ("urls", "tiny-values", "one-string", "long-pairs")


def record(shape: str) -> bytes:
    data: dict[str, Any] = {
        "taskId": "t1",
        "model": "kling-2.6/motion-control",
        "state": "success",
        "param": "{}",
        "resultJson": "{}",
    }
    if shape == "urls":
        urls = [f"https://tempfile.aiquickdraw.com/r/{n:020d}.mp4" for n in range(250_000)]
        data["resultJson"] = json.dumps({"resultUrls": urls})
    elif shape == "tiny-values":
        data["extra"] = {f"k{n}": n for n in range(870_000)}
    elif shape == "one-string":
        data["param"] = json.dumps({"input": {"prompt": "p" * TARGET_BYTES}})
    else:
        data["extra"] = {f"{n:078d}": "v" * 78 for n in range(99_000)}
    return json.dumps({"code": 200, "msg": "success", "data": data}).encode()


def serve(body: bytes) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def measure(shape: str, path: str) -> None:
    # Built by the parent and read here as bytes: building it makes objects that would raise
    # this process's peak RSS before the read is measured.
    with open(path, "rb") as file:
        body = file.read()
    server = serve(body)
    port = server.server_address[1]

    async def read() -> tuple[str, int]:
        async with KieClient(
            api_key="k", base_url=f"http://127.0.0.1:{port}", get_task_rate=None
        ) as client:
            tracemalloc.start()
            try:
                task = await client.get_task("t1")
                outcome = f"read ({len(task.result_urls):,} result URLs)"
            except KieError as exc:
                outcome = f"refused ({type(exc).__name__})"
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            return outcome, peak

    started = time.perf_counter()
    outcome, peak = anyio.run(read)
    elapsed = time.perf_counter() - started
    server.shutdown()
    tracemalloc.start()
    json.loads(body)
    reference = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    mib = 1024 * 1024
    print(
        f"{shape:<12} {len(body) / 1e6:5.1f} MB  {outcome:<40} peak {peak / mib:6.1f} MiB "
        f"({peak / reference:4.2f}x json.loads)  {elapsed:5.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Memory of one large recordInfo answer.")
    parser.add_argument("--measure", nargs=2, metavar=("SHAPE", "FILE"), help="(internal)")
    args = parser.parse_args()
    if args.measure:
        measure(*args.measure)
        return
    with tempfile.TemporaryDirectory() as folder:
        for shape in SHAPES:  # each in a fresh process: peak RSS only grows
            path = os.path.join(folder, f"{shape}.json")
            with open(path, "wb") as file:
                file.write(record(shape))
            subprocess.run([sys.executable, __file__, "--measure", shape, path], check=True)


if __name__ == "__main__":
    main()
