"""``kie demo`` (in-process fake) and ``kie fake-server`` (the fake on loopback)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from kieai import KieClient, VideoInfo, probe
from kieai._assets import asset_path
from kieai.cli._fake import FakeServerSettings, fake_server_fake

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


def test_demo_prints_no_resume_hint_for_its_in_process_task(invoke: Invoke) -> None:
    result = invoke("demo")

    assert result.exit_code == 0, result.output
    assert re.search(r"^task \S+ created$", result.stderr, re.MULTILINE), result.stderr
    assert "resume" not in result.stderr
    assert "kie wait" not in result.stderr


def test_demo_save_inputs_writes_the_quick_start_files(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("demo", "--save-inputs", "inputs")

    assert result.exit_code == 0, result.output
    for name in ("person.png", "dance.mp4"):
        assert (tmp_path / "inputs" / name).read_bytes() == asset_path(name).read_bytes()
    assert not (tmp_path / "demo-output.mp4").exists()  # it only saved the inputs
    check = invoke("check", "-i", "inputs/person.png", "-v", "inputs/dance.mp4")
    assert check.exit_code == 0, check.output


def test_demo_save_inputs_json_and_idempotent(invoke: Invoke, tmp_path: Path) -> None:
    invoke("demo", "--save-inputs", ".")
    result = invoke("demo", "--save-inputs", ".", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "saved_inputs": [str(tmp_path / "person.png"), str(tmp_path / "dance.mp4")]
    }


def test_demo_save_inputs_never_overwrites_a_users_file(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "person.png").write_bytes(b"my own picture")

    result = invoke("demo", "--save-inputs", str(tmp_path))

    assert result.exit_code == 2
    assert "person.png: exists with other content; not overwritten" in result.stderr
    assert (tmp_path / "person.png").read_bytes() == b"my own picture"


def test_fake_server_settings_reach_the_fake() -> None:
    fake = fake_server_fake(
        FakeServerSettings(
            api_key="k", hmac_key="hmac-secret", allow_external_urls=True, schedule=(0, 100, 0)
        )
    )

    async def create() -> str:
        async with fake.http_client() as http, KieClient(api_key="k", http_client=http) as c:
            return await c.motion_control.create(
                image="https://elsewhere.example/p.png", video="https://elsewhere.example/d.mp4"
            )

    task_id = anyio.run(create)  # external URLs accepted
    assert fake.task(task_id).state == "queuing"  # no time waiting, 100 s queuing


@pytest.mark.parametrize("bad", ["1,2", "a,b,c", "1,2,-3", "1,2,inf"])
def test_fake_server_refuses_a_bad_schedule(invoke: Invoke, bad: str) -> None:
    result = invoke("fake-server", "--port", "0", "--schedule", bad)

    assert result.exit_code == 2
    assert "WAITING,QUEUING,GENERATING" in result.stderr


def test_fake_server_announces_the_hmac_key_variable(tmp_path: Path) -> None:
    pytest.importorskip("uvicorn")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "kieai.cli", "fake-server", "--port", "0"),
            *("--hmac-key", "whsec-1", "--schedule", "0,0,0.01", "--allow-external-urls"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(6)]
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=20)
    assert "  export KIE_WEBHOOK_HMAC_KEY=whsec-1\n" in lines
