"""A loopback HTTP server for upload tests that need a real socket: it reads request bodies into
one fixed buffer (so its own memory stays flat) and either answers Kie's upload envelope or
drops the connection after a given number of body bytes."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Generator
from contextlib import contextmanager

RECV_BYTES = 256 * 1024
ANSWER = json.dumps(
    {
        "success": True,
        "code": 200,
        "msg": "File uploaded successfully",
        "data": {"downloadUrl": "https://tempfile.redpandaai.co/t/kieai/x.bin"},
    }
).encode()


def _handle(sock: socket.socket, drop_after: int | None) -> None:
    buffer = memoryview(bytearray(RECV_BYTES))
    with sock:
        pending = b""
        while b"\r\n\r\n" not in pending:
            data = sock.recv(65536)
            if not data:
                return
            pending += data
        head, _, pending = pending.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        received = len(pending)
        while received < length:
            if drop_after is not None and received >= drop_after:
                return  # closes the socket mid-body
            got = sock.recv_into(buffer, min(RECV_BYTES, length - received))
            if not got:
                return
            received += got
        sock.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
            + f"Content-Length: {len(ANSWER)}\r\n\r\n".encode()
            + ANSWER
        )


@contextmanager
def sink(*, drop_after: int | None = None, drops: int | None = None) -> Generator[str, None, None]:
    """Serve on 127.0.0.1 in a thread for the ``with`` block; yields the base URL.

    With ``drop_after``, a connection is closed once that many body bytes arrived: every
    connection, or only the first ``drops`` ones.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()
    workers: list[threading.Thread] = []

    def accept_loop() -> None:
        while not stop.is_set():
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                continue
            sock.settimeout(None)
            dropping = drops is None or len(workers) < drops
            worker = threading.Thread(
                target=_handle, args=(sock, drop_after if dropping else None), daemon=True
            )
            worker.start()
            workers.append(worker)

    acceptor = threading.Thread(target=accept_loop, daemon=True)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        acceptor.join()
        listener.close()
        for worker in workers:
            worker.join(timeout=5)
