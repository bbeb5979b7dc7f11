"""A path is streamed: uploading 150 MB over a real loopback socket must not grow memory by
anything near the file's size. Measured in a fresh process (peak RSS is per process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import kieai

FILE_BYTES = 150 * 2**20
MAX_GROWTH_KIB = 32 * 1024

CHILD = """
import json, resource, sys
import anyio
from kieai import KieClient
from tests.uploads.upload_sink import sink

def peak_kib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

async def main(path):
    with sink() as base_url:
        async with KieClient(api_key="k", upload_base_url=base_url, max_retries=0) as client:
            sent = []
            before = peak_kib()
            uploaded = await client.upload(path, on_progress=lambda s, t: sent.append(s))
            after = peak_kib()
    print(json.dumps({"before": before, "after": after, "sent": sent[-1], "url": uploaded.url}))

anyio.run(main, sys.argv[1], backend=sys.argv[2])
"""


def child_env() -> dict[str, str]:
    """This interpreter's kieai and the repository root (for ``tests.uploads``), no coverage."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COV_CORE_")}
    env.pop("COVERAGE_PROCESS_START", None)
    src = str(Path(kieai.__file__).parent.parent)
    root = str(Path(__file__).resolve().parent.parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([src, root])
    return env


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux only")
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_upload_of_a_150_mb_file_keeps_peak_memory_flat(tmp_path: Path, backend: str) -> None:
    path = tmp_path / "big.bin"
    with open(path, "wb") as f:
        f.truncate(FILE_BYTES)  # sparse: no disk space used, reads return zeros
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), backend],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["sent"] == FILE_BYTES
    growth_kib = result["after"] - result["before"]
    assert growth_kib < MAX_GROWTH_KIB, f"peak RSS grew by {growth_kib / 1024:.1f} MiB"
