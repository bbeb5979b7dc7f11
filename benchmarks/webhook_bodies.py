"""What a hostile callback body costs ``verify_callback``, as ratios to a reference.

    python benchmarks/webhook_bodies.py            # --size BYTES (default 65536), --runs N

Anyone can POST to a receiver, so a forged body must be refused in about the time it takes to
read it, while a genuine callback waits (Kie gives a callback 15 s). Each case is a body of
``--size`` bytes sent with headers signed for another task (a valid timestamp and a
well-formed signature: the body has to be read to find the signed task id, the worst case for
an attacker without the key). The reference is ``json.loads`` of a valid JSON document of the
same size, measured in the same run; the figures are medians over ``--runs`` runs.

Issue #19 measured 8.9 s of CPU for a 32 KB body and 36 s for 64 KB (quadratic: the
trailing-comma scan restarted at every quote of an unterminated string). Target: a 64 KB body
refused in under 10 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

from kieai import KieError
from kieai.webhooks import sign_callback, verify_callback

KEY = "benchmark-hmac-key"


def hostile_bodies(size: int) -> dict[str, bytes]:
    return {
        "unterminated string of escapes": b'"\\' * (size // 2),
        "object with an unterminated string": b'{"a":"' + b'\\"' * (size // 2 - 4),
        "many short strings": b'"x' * (size // 2),
        "commas and spaces": b", " * (size // 2),
        "deep nesting": b"[" * size,
    }


def median_ms(work: Callable[[], object], runs: int) -> float:
    times: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000.0)
    return statistics.median(times)


def refused(body: bytes, headers: dict[str, str]) -> Callable[[], object]:
    def work() -> object:
        try:
            return verify_callback(body, headers, KEY, tolerance=None)
        except KieError as exc:
            return exc

    return work


def main() -> None:
    parser = argparse.ArgumentParser(description="What a hostile callback body costs.")
    parser.add_argument("--size", type=int, default=65536)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    headers = sign_callback("another-task", KEY, 1769670760)
    reference_doc = json.dumps({"data": {"pad": "x" * (args.size - 24)}}).encode()
    reference = median_ms(lambda: json.loads(reference_doc), args.runs)
    print(f"{args.size:,}-byte bodies, median of {args.runs} runs")
    print(f"  reference: json.loads of a valid document    {reference:8.3f} ms")
    for name, body in hostile_bodies(args.size).items():
        cost = median_ms(refused(body, headers), args.runs)
        print(f"  {name:<45}{cost:8.3f} ms  {cost / reference:7.1f}x")


if __name__ == "__main__":
    main()
