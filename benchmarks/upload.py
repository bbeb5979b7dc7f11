"""Upload throughput and memory: ``KieClient.upload`` against ``curl -F`` in the same run.

    python benchmarks/upload.py [--size-mib 150] [--rounds 5] [--curl /usr/bin/curl]

Both clients send the same multipart upload of one file of random bytes to the same loopback
sink (``upload_sink.py``, its own process, reading and discarding the body and answering Kie's
JSON envelope). Rounds alternate the two clients after one warm-up each, so the page cache and
the CPU frequency treat them alike. Printed: median and best wall time of each, their ratio
(target: kieai <= 1.15x curl), and the kieai process's peak RSS growth during the upload
(target <= 16 MiB). The kieai time excludes interpreter start-up and imports (the call to
``upload`` only); curl's includes its process start, which favours kieai by a few ms.
Exit status is 0 either way: the figures are for reading, not for CI.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import kieai

HERE = Path(__file__).resolve().parent
TARGET_RATIO = 1.15
TARGET_RSS_GROWTH_MIB = 16.0
WRITE_CHUNK_BYTES = 1024 * 1024


def write_random_file(path: Path, size_mib: int) -> None:
    with open(path, "wb") as f:
        for _ in range(size_mib):
            f.write(os.urandom(WRITE_CHUNK_BYTES))


def child_env() -> dict[str, str]:
    """The environment for the kieai process: this interpreter's ``kieai``, installed or not."""
    env = dict(os.environ)
    src = str(Path(os.path.abspath(kieai.__file__)).parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    return env


def run_kieai(base_url: str, path: Path, env: dict[str, str]) -> tuple[float, float]:
    """(seconds, peak RSS growth in MiB) of one upload in a fresh process."""
    done = subprocess.run(
        [sys.executable, str(HERE / "upload_client.py"), base_url, str(path)],
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode != 0:
        sys.exit(f"the kieai upload process failed:\n{done.stderr}")
    result = json.loads(done.stdout)
    growth_mib = (result["rss_after_kib"] - result["rss_before_kib"]) / 1024
    return float(result["seconds"]), growth_mib


def run_curl(curl: str, base_url: str, path: Path) -> float:
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
    started = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description="KieClient.upload against curl -F.")
    parser.add_argument("--size-mib", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--curl", default="/usr/bin/curl")
    args = parser.parse_args()

    env = child_env()
    with tempfile.TemporaryDirectory(prefix="kieai-upload-bench-") as tmp:
        path = Path(tmp) / "upload.bin"
        write_random_file(path, args.size_mib)
        sink = subprocess.Popen(
            [sys.executable, str(HERE / "upload_sink.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert sink.stdout is not None
            port = int(sink.stdout.readline().split()[1])
            base_url = f"http://127.0.0.1:{port}"
            run_curl(args.curl, base_url, path)  # warm-up: page cache, sink threads
            run_kieai(base_url, path, env)
            curl_times: list[float] = []
            kieai_times: list[float] = []
            growths: list[float] = []
            for _ in range(args.rounds):
                curl_times.append(run_curl(args.curl, base_url, path))
                seconds, growth = run_kieai(base_url, path, env)
                kieai_times.append(seconds)
                growths.append(growth)
        finally:
            assert sink.stdin is not None
            sink.stdin.close()
            sink.wait(timeout=10)
            if sink.stdout is not None:
                sink.stdout.close()

    size_mb = args.size_mib * WRITE_CHUNK_BYTES / 1e6
    curl_median, kieai_median = statistics.median(curl_times), statistics.median(kieai_times)
    ratio = kieai_median / curl_median
    best_ratio = min(kieai_times) / min(curl_times)
    peak_growth = max(growths)
    print(f"upload of {args.size_mib} MiB over loopback, {args.rounds} rounds (median / best)")
    for name, times in (("curl -F", curl_times), ("kieai", kieai_times)):
        median, best = statistics.median(times), min(times)
        print(
            f"  {name:<8} {median * 1000:7.0f} ms / {best * 1000:7.0f} ms"
            f"   {size_mb / median:6.0f} MB/s"
        )
    verdict = "ok" if ratio <= TARGET_RATIO else "MISSED"
    print(
        f"  ratio kieai/curl: {ratio:.2f}x median, {best_ratio:.2f}x best ({verdict}, target <= {TARGET_RATIO}x)"
    )
    verdict = "ok" if peak_growth <= TARGET_RSS_GROWTH_MIB else "MISSED"
    print(
        f"  kieai peak RSS growth during upload: {peak_growth:.1f} MiB max over rounds "
        f"({verdict}, target <= {TARGET_RSS_GROWTH_MIB:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
