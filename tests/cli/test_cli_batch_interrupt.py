"""Ctrl-C (a real SIGINT to a real ``kie batch`` process, against a fake served by a process
of its own) leaves a batch that the same command resumes: every job done, none created twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from ..batch._processes import KEY, T2V, FakeProcess

JOBS = 12


def _kie(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "kieai.cli", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_ctrl_c_leaves_a_batch_that_the_same_command_resumes(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {
                "key": f"fox-{n}",
                "model": T2V,
                "input": {
                    "prompt": f"Fox {n}.",
                    "sound": False,
                    "duration": "5",
                    "aspect_ratio": "1:1",
                },
            }
        )
        for n in range(JOBS)
    ]
    (tmp_path / "jobs.jsonl").write_text("\n".join(lines) + "\n")
    fake = FakeProcess()
    try:
        env = {
            **os.environ,
            "KIE_API_KEY": KEY,
            "KIE_BASE_URL": fake.url,
            "KIE_UPLOAD_BASE_URL": fake.url,
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "COLUMNS": "200",
        }
        env.pop("KIE_JOURNAL", None)
        args = [
            "batch",
            "jobs.jsonl",
            "--out",
            "out",
            "--concurrency",
            "4",
            "--poll-interval",
            "0.05",
        ]
        first = _kie(args, env, tmp_path)
        assert first.stderr is not None
        for line in first.stderr:  # plain progress lines off a terminal: one per finished job
            if line.startswith("jobs 3/"):
                break
        first.send_signal(signal.SIGINT)
        _, rest = first.communicate(timeout=120)
        assert first.returncode == 130, rest
        assert "interrupted" in rest
        assert "resume with the same command: kie batch jobs.jsonl --out out" in rest
        routes, _, _ = fake.log()
        assert 3 <= routes.count(("createTask", 200)) < JOBS

        second = _kie([*args, "--json"], env, tmp_path)
        stdout, stderr = second.communicate(timeout=180)
        assert second.returncode == 0, stderr
        summary = json.loads(stdout)
        assert (summary["jobs"], summary["done"]) == (JOBS, JOBS)
        routes, _, states = fake.log()
        assert routes.count(("createTask", 200)) == JOBS
        assert len(states) == JOBS
        assert len(list((tmp_path / "out").iterdir())) == JOBS
    finally:
        fake.stop()
