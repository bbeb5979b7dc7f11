"""``timeout`` bounds each whole request, not each socket read: a real loopback server that
answers a byte at a time (each byte well within the read timeout) is cut off at the deadline.
An upload's body is bounded by stalls only (a big file may take as long as the link needs),
its answer by the deadline from the moment the body has left."""

from __future__ import annotations

import socket
import threading
from collections.abc import Generator
from contextlib import contextmanager
from typing import Any

import anyio
import pytest

from kieai import APITimeoutError, KieClient, TaskCreationUncertainError
from kieai.testing import FakeKie

from ._support import API_KEY, INPUT, MODEL, TASK_ID

pytestmark = pytest.mark.anyio

#: Between two bytes of a trickled answer: far below any read timeout used here.
TRICKLE_INTERVAL_S = 0.05
DEADLINE_S = 0.5


class TrickleServer:
    """Answers every request with HTTP 200 and a valid JSON ``body``, one byte every
    ``TRICKLE_INTERVAL_S`` (about 5 s for the bodies here), after reading the request's body."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.requests: list[bytes] = []
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(TRICKLE_INTERVAL_S)  # accept() looks at _stop this often
        self._threads: list[threading.Thread] = []
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def start(self) -> None:
        accepting = threading.Thread(target=self._accept, daemon=True)
        accepting.start()
        self._threads.append(accepting)

    def stop(self) -> None:
        self._stop.set()
        self._threads[0].join()
        self._listener.close()
        for thread in self._threads[1:]:
            thread.join()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:  # closed by stop()
                return
            connection.settimeout(None)
            serving = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            serving.start()
            self._threads.append(serving)

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, rest = data.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            while len(rest) < length:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                rest += chunk
            self.requests.append(head.split(b"\r\n")[0])
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(self.body)}\r\n\r\n".encode()
            )
            for byte in self.body:
                if self._stop.wait(TRICKLE_INTERVAL_S):
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:  # the client gave up: what the deadline should make it do
                    return


@contextmanager
def trickling(body: bytes) -> Generator[TrickleServer, None, None]:
    server = TrickleServer(body)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def client_for(url: str, **options: Any) -> KieClient:
    settings: dict[str, Any] = {"max_retries": 0, "create_task_rate": None, "get_task_rate": None}
    settings.update(options)
    return KieClient(api_key=API_KEY, base_url=url, upload_base_url=url, **settings)


TASK_BODY = (
    b'{"code": 200, "msg": "success", "data": {"taskId": "' + TASK_ID.encode() + b'", '
    b'"state": "waiting"}}'
)
UPLOAD_BODY = (
    b'{"success": true, "code": 200, "msg": "ok", "data": {"fileName": "a.png", '
    b'"filePath": "kieai/a.png", "downloadUrl": "https://tempfile.redpandaai.co/kieai/a.png", '
    b'"fileSize": 3, "mimeType": "image/png", "uploadedAt": "2025-01-01T00:00:00Z"}}'
)


async def test_a_trickled_answer_is_cut_off_at_the_whole_request_deadline() -> None:
    with trickling(TASK_BODY) as server:
        async with client_for(server.url, timeout=DEADLINE_S) as client:
            with pytest.raises(
                APITimeoutError, match=f"no complete answer within {DEADLINE_S:g} s"
            ):
                await client.get_task(TASK_ID)
    assert len(server.requests) == 1


async def test_a_trickled_create_task_answer_is_uncertain_not_resent() -> None:
    body = b'{"code": 200, "msg": "success", "data": {"taskId": "' + TASK_ID.encode() + b'"}}'
    with trickling(body) as server:
        async with client_for(server.url, timeout=DEADLINE_S, max_retries=2) as client:
            with pytest.raises(TaskCreationUncertainError, match="no complete answer within"):
                await client.create_task(MODEL, INPUT)
    assert len(server.requests) == 1


async def test_the_answer_to_an_upload_is_bounded_from_the_moment_its_body_left() -> None:
    with trickling(UPLOAD_BODY) as server:
        async with client_for(server.url, upload_timeout=DEADLINE_S) as client:
            with pytest.raises(
                APITimeoutError, match=f"no complete answer within {DEADLINE_S:g} s"
            ):
                await client.upload(b"\x89PNG\r\n\x1a\n" + bytes(64), file_name="a.png")
    assert len(server.requests) == 1


async def test_an_upload_body_slower_than_the_deadline_still_goes_through() -> None:
    """A slow link: each chunk leaves well within the write timeout, the whole body takes
    several times the ``upload_timeout`` value. Only a stall would stop it."""
    fake = FakeKie(api_key=API_KEY)
    data = b"\x89PNG\r\n\x1a\n" + bytes(3 * 1024 * 1024)
    pauses: list[int] = []

    async def slow_link(sent: int, total: int | None) -> None:
        pauses.append(sent)
        await anyio.sleep(0.2)

    with fake.serve_in_thread() as url:
        async with client_for(url, upload_timeout=0.25) as client:
            uploaded = await client.upload(data, file_name="big.png", on_progress=slow_link)
    assert uploaded.size == len(data)
    assert len(pauses) >= 3  # the body took at least 0.6 s, more than twice the deadline
