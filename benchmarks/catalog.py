"""The first ``kieai.catalog.models()`` of a process (reading and building the whole catalog),
next to ``import pydantic`` as the reference.

    python benchmarks/catalog.py            # --runs N (default 15)

Each round runs two fresh interpreters, one per case, and each times its own case with
``time.perf_counter`` (the catalog after ``import kieai``, so only the catalog is counted).
Rounds interleave the cases and the figures are medians, so a shared machine's noise hits both
alike; the ratio (catalog / pydantic, from the same run) carries over to other machines. Target
on the development machine: the catalog under 30 ms, well below what ``import pydantic`` costs.

Bytecode is cached (a temporary ``PYTHONPYCACHEPREFIX`` written by a warm-up round), as after
``pip install``.
"""

from __future__ import annotations

import argparse
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
    medians = {name: statistics.median(values) for name, values in times.items()}
    catalog, reference = medians.values()
    for name, value in medians.items():
        print(f"{name:<32} {value * 1000:7.1f} ms  (median of {args.runs})")
    print(f"{'ratio catalog / pydantic':<32} {catalog / reference:7.2f}x")


if __name__ == "__main__":
    main()
