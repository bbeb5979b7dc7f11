"""``kie demo`` (in-process fake) and ``kie fake-server`` (the fake on loopback)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from kieai import KieClient, VideoInfo, probe

from .conftest import Invoke, fields


def test_demo_writes_a_playable_mp4_without_a_key(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("demo", env={"KIE_API_KEY": None, "KIE_BASE_URL": "not a url"})

    assert result.exit_code == 0, result.output
    info = probe(tmp_path / "demo-output.mp4")
    assert isinstance(info, VideoInfo)
    assert info.duration > 0
    assert fields(result.stdout)["state"] == "success"
    for event in (
        "uploaded person.png",
        "uploaded dance.mp4",
        "created",
        ": success",
        "downloaded",
    ):
        assert event in result.stderr


def test_demo_output_option_and_json(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("demo", "-o", "clips/demo.mp4", "--json")

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert Path(document["output"]) == (tmp_path / "clips" / "demo.mp4").resolve()
    assert isinstance(probe(document["output"]), VideoInfo)


def test_fake_server_serves_until_interrupted(tmp_path: Path) -> None:
    pytest.importorskip("uvicorn")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("KIE_API_KEY", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "kieai.cli", "fake-server", "--port", "0", "--api-key", "dev-key"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("fake Kie listening on http://127.0.0.1:"), first
        announced = [process.stdout.readline() for _ in range(4)]
        exports = dict(line.strip().removeprefix("export ").split("=", 1) for line in announced[1:])
        base_url = exports["KIE_BASE_URL"]
        assert exports == {
            "KIE_BASE_URL": base_url,
            "KIE_UPLOAD_BASE_URL": base_url,
            "KIE_API_KEY": "dev-key",
        }

        async def balance() -> float:
            async with KieClient(
                api_key="dev-key", base_url=base_url, upload_base_url=base_url
            ) as client:
                return await client.get_credits()

        assert anyio.run(balance) == 100_000
    finally:
        process.send_signal(signal.SIGINT)
        try:
            _, stderr = process.communicate(timeout=20)
        finally:
            # SIGINT not handled in time (a loaded machine): never leave the server running.
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert process.returncode == 0, stderr
    assert "stopped" in stderr
    assert "Traceback" not in stderr


def test_fake_server_on_a_taken_port_exits_2(invoke: Invoke) -> None:
    pytest.importorskip("uvicorn")
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = invoke("fake-server", "--port", str(port), "--json")

    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["exit_code"] == 2
    assert "did not start" in result.stderr
