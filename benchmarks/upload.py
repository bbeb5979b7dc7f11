"""Upload throughput and memory: ``KieClient.upload`` against ``curl -F`` in the same run.

    python benchmarks/upload.py [--size-mib 150] [--rounds 11] [--backend asyncio|trio]

Both clients send the same multipart upload of one file of random bytes to the same loopback
sink (``upload_sink.py``, its own process, reading and discarding the body and answering Kie's
JSON envelope). Rounds alternate the two clients after one warm-up each, so the page cache and
the CPU treat them alike. Printed: median and best wall time of each, their ratio (target:
kieai <= 1.15x curl), the CPU time each spent (steadier than wall time on a busy machine), and
the kieai process's peak RSS growth during the upload (target <= 16 MiB). The kieai figures
exclude interpreter start-up and imports (the call to ``upload`` only); curl's include its
process start, a few ms in kieai's favour. Exit status is 0 either way: the figures are for
reading, not for CI.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import kieai

HERE = Path(__file__).resolve().parent
TARGET_RATIO = 1.15
TARGET_RSS_GROWTH_MIB = 16.0
MIB = 1024 * 1024


@dataclass
class Runs:
    wall: list[float] = field(default_factory=list[float])
    cpu: list[float] = field(default_factory=list[float])


def write_random_file(path: Path, size_mib: int) -> None:
    with open(path, "wb") as f:
        for _ in range(size_mib):
            f.write(os.urandom(MIB))


def child_env() -> dict[str, str]:
    """The environment for the kieai process: this interpreter's ``kieai``, installed or not."""
    env = dict(os.environ)
    src = str(Path(os.path.abspath(kieai.__file__)).parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    return env


def run_kieai(
    base_url: str, path: Path, backend: str, env: dict[str, str]
) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS growth in MiB) of one upload in a fresh process."""
    done = subprocess.run(
        [sys.executable, str(HERE / "upload_client.py"), base_url, str(path), backend],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"the kieai upload process failed:\n{done.stderr}")
    result = json.loads(done.stdout)
    growth_mib = (result["rss_after_kib"] - result["rss_before_kib"]) / 1024
    return float(result["seconds"]), float(result["cpu_seconds"]), growth_mib


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_curl(curl: str, base_url: str, path: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one ``curl -F`` upload."""
    command = [
        curl,
        "--silent",
        "--show-error",
        "--fail",
        "--output",
        os.devnull,
        "--header",
        "Authorization: Bearer bench",
        "--form",
        f"file=@{path}",
        "--form",
        "uploadPath=bench",
        f"{base_url}/api/file-stream-upload",
    ]
    cpu_before = children_cpu()
    started = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - started, children_cpu() - cpu_before


def main() -> None:
    parser = argparse.ArgumentParser(description="KieClient.upload against curl -F.")
    parser.add_argument("--size-mib", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--backend", choices=["asyncio", "trio"], default="asyncio")
    parser.add_argument("--curl", default="/usr/bin/curl")
    args = parser.parse_args()

    env = child_env()
    curl, client = Runs(), Runs()
    growths: list[float] = []
    with tempfile.TemporaryDirectory(prefix="kieai-upload-bench-") as tmp:
        path = Path(tmp) / "upload.bin"
        write_random_file(path, args.size_mib)
        sink = subprocess.Popen(
            [sys.executable, str(HERE / "upload_sink.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert sink.stdin is not None
        assert sink.stdout is not None
        try:
            port = int(sink.stdout.readline().split()[1])
            base_url = f"http://127.0.0.1:{port}"
            run_curl(args.curl, base_url, path)  # warm-up: page cache, sink threads
            run_kieai(base_url, path, args.backend, env)
            for _ in range(args.rounds):
                wall, cpu = run_curl(args.curl, base_url, path)
                curl.wall.append(wall)
                curl.cpu.append(cpu)
                wall, cpu, growth = run_kieai(base_url, path, args.backend, env)
                client.wall.append(wall)
                client.cpu.append(cpu)
                growths.append(growth)
        finally:
            sink.stdin.close()  # the sink exits when its stdin closes
            sink.wait(timeout=10)
            sink.stdout.close()

    size_mb = args.size_mib * MIB / 1e6
    print(
        f"upload of {args.size_mib} MiB over loopback, {args.rounds} rounds, "
        f"kieai on {args.backend} (median / best)"
    )
    for name, runs in (("curl -F", curl), ("kieai", client)):
        wall, best = statistics.median(runs.wall), min(runs.wall)
        print(
            f"  {name:<8} wall {wall * 1000:5.0f} ms / {best * 1000:5.0f} ms"
            f"  ({size_mb / wall:5.0f} MB/s)   cpu {statistics.median(runs.cpu) * 1000:5.0f} ms"
        )
    ratio = statistics.median(client.wall) / statistics.median(curl.wall)
    best_ratio = min(client.wall) / min(curl.wall)
    cpu_ratio = statistics.median(client.cpu) / statistics.median(curl.cpu)
    verdict = "ok" if ratio <= TARGET_RATIO else "MISSED"
    print(
        f"  ratio kieai/curl: wall {ratio:.2f}x median, {best_ratio:.2f}x best "
        f"({verdict}, target <= {TARGET_RATIO}x); cpu {cpu_ratio:.2f}x"
    )
    growth = max(growths)
    verdict = "ok" if growth <= TARGET_RSS_GROWTH_MIB else "MISSED"
    print(
        f"  kieai peak RSS growth during upload: {growth:.1f} MiB max over rounds "
        f"({verdict}, target <= {TARGET_RSS_GROWTH_MIB:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
