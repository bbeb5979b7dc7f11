"""The first ``kieai.catalog.models()`` of a process (reading and building the whole catalog),
and one ``client.check`` of a typical input, next to ``import pydantic`` as the reference.

    python benchmarks/catalog.py            # --runs N (default 15), --checks N (default 400)

Each round runs two fresh interpreters, one per case, and each times its own case with
``time.perf_counter`` (the catalog after ``import kieai``, so only the catalog is counted).
Rounds interleave the cases and the figures are medians, so a shared machine's noise hits both
alike; the ratio (catalog / pydantic, from the same run) carries over to other machines. Target
on the development machine: the catalog under 30 ms, well below what ``import pydantic`` costs.

Bytecode is cached (a temporary ``PYTHONPYCACHEPREFIX`` written by a warm-up round), as after
``pip install``.

``client.check`` (``KieClient.check``: the local checks, no network) is timed in one more
interpreter, call after call once the catalog is loaded and a first check has run: for
``google/nano-banana-edit`` with one local PNG (opened, sniffed and probed each time) and for
``z-image`` (text only). Each figure is the median of ``--checks`` calls; the check's own work
(``_pipeline.check_model`` in the calling thread) is shown too, since ``client.check`` runs it
in a worker thread (the hop is part of what a caller waits for). Target: one check at most
0.5 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

CATALOG = (
    "import time, kieai\n"
    "start = time.perf_counter()\n"
    "count = len(kieai.catalog.models())\n"
    "print(time.perf_counter() - start)\n"
)
PYDANTIC = "import time\nstart = time.perf_counter()\nimport pydantic\nprint(time.perf_counter() - start)\n"
CASES = {"first kieai.catalog.models()": CATALOG, "import pydantic (reference)": PYDANTIC}
CHECK_TARGET_S = 0.0005

#: Prints a JSON list of [name, median seconds per call] for each check case.
CHECKS = """
import json, statistics, sys, time
import anyio
from kieai import KieClient
from kieai._assets import asset_path
from kieai._pipeline import check_model

calls = int(sys.argv[1])
inputs = {
    "nano-banana-edit, one local PNG": (
        "google/nano-banana-edit",
        {"prompt": "make it snow", "image_urls": [asset_path("person.png")]},
    ),
    "z-image, text only": ("z-image", {"prompt": "a red fox", "aspect_ratio": "16:9"}),
}

def timed(call):
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)

async def main():
    found = []
    async with KieClient(api_key="k") as client:
        for name, (model, value) in inputs.items():
            report = await client.check(model, value)  # warm-up: the catalog, the probers
            assert report.ok, report.problems
            times = []
            for _ in range(calls):
                start = time.perf_counter()
                await client.check(model, value)
                times.append(time.perf_counter() - start)
            found.append([f"client.check: {name}", statistics.median(times)])
            found.append([f"  its work in this thread", timed(lambda: check_model(model, value))])
    print(json.dumps(found))

anyio.run(main)
"""


def _seconds(code: str, env: dict[str, str]) -> float:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description="The first kieai.catalog.models() vs import pydantic."
    )
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--checks", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "PYTHONPYCACHEPREFIX": cache}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for code in CASES.values():  # warm-up: writes the bytecode
            _seconds(code, env)
        times: dict[str, list[float]] = {name: [] for name in CASES}
        for _ in range(args.runs):
            for name, code in CASES.items():
                times[name].append(_seconds(code, env))
        checks = json.loads(
            subprocess.run(
                [sys.executable, "-c", CHECKS, str(args.checks)],
                capture_output=True,
                text=True,
                check=True,
                env=env,
            ).stdout
        )
    medians = {name: statistics.median(values) for name, values in times.items()}
    catalog, reference = medians.values()
    for name, value in medians.items():
        print(f"{name:<48} {value * 1000:8.3f} ms  (median of {args.runs})")
    print(f"{'ratio catalog / pydantic':<48} {catalog / reference:8.2f}x")
    for name, seconds in checks:
        verdict = (
            ""
            if name.startswith(" ")
            else (
                "  ok"
                if seconds <= CHECK_TARGET_S
                else f"  MISSED (target {CHECK_TARGET_S * 1000:g} ms)"
            )
        )
        print(
            f"{name:<48} {seconds * 1000:8.3f} ms  ({seconds / reference:.4f}x import pydantic)"
            f"{verdict}"
        )


if __name__ == "__main__":
    main()
