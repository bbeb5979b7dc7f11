"""A real ``redis-server`` per test, on a free loopback port, in a temporary directory.

``make test`` puts ``redis-server`` on PATH (or says how); these tests never skip: a missing
server fails them with the command to run. A test may kill and restart the server (same
port, empty again: ``--save "" --appendonly no``) to exercise the coordinator's faults.
"""

from __future__ import annotations

import gc
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

#: How long a started redis-server may take to accept connections.
START_TIMEOUT_S = 10.0

#: coredis 6.9 leaves a connection's internal anyio streams unclosed when connecting to a
#: server that just died (its ``Connection.run`` opens them only after the connect succeeded);
#: their ``__del__`` warns. kieai probes with plain TCP first whenever Redis was down, but the
#: first reconnect after a kill mid-test goes through coredis. Ignored for these tests only,
#: and only for exactly those streams (collected inside the test by the fixture).
COREDIS_STREAM_LEAK = (
    "ignore:Exception ignored in. <function MemoryObject(Send|Receive)Stream.__del__"
    ":pytest.PytestUnraisableExceptionWarning"
)

INSTALL_HINT = (
    "redis-server is not on PATH; the Redis tests need it. Run `make redis-server` (installs "
    "it as root) or `sudo apt-get update && sudo apt-get install -y redis-server`."
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """One redis-server process; ``kill``, ``start``, ``pause`` and ``resume`` for faults."""

    def __init__(self, directory: Path, *config: str) -> None:
        """``config``: more ``redis-server`` arguments (``"--requirepass", "secret"``)."""
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail(INSTALL_HINT)
        self.binary = binary
        self.directory = directory
        self.config = config
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert self.process is None, "already running"
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                "--logfile",
                str(self.directory / "redis.log"),
                *self.config,
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = (self.directory / "redis.log").read_text(errors="replace")[-2000:]
                self.kill()
                pytest.fail(f"redis-server did not start on port {self.port}:\n{log}")
            time.sleep(0.01)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                # A server with a password answers, but with NOAUTH.
                return sock.recv(16).startswith((b"+PONG", b"-NOAUTH"))
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL: the server vanishes mid-whatever, as a crashed or rebooted host does."""
        if self.process is None:
            return
        self.process.kill()
        self.process.wait()
        self.process = None

    def pause(self) -> None:
        """SIGSTOP: the server keeps its connections but answers nothing ("slow")."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.filterwarnings(COREDIS_STREAM_LEAK))


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()  # SIGKILL ends a paused (SIGSTOP) server too
        gc.collect()  # coredis's leaked streams (see COREDIS_STREAM_LEAK) warn here, not later
