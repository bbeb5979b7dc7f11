"""A loopback HTTP sink for the upload benchmark: reads and discards request bodies.

Run as its own process (``python benchmarks/upload_sink.py``) so that reading the body does not
compete with the client under test for the GIL. It prints ``PORT <n>`` on stdout when ready,
then answers every request with Kie's upload envelope after reading the whole body
(``Content-Length`` or chunked; ``Expect: 100-continue`` is honoured, as curl sends it for big
bodies). Stops on SIGTERM or when stdin closes.
"""

from __future__ import annotations

import json
import socket
import sys
import threading

RECV_BYTES = 1024 * 1024
_ANSWER = json.dumps(
    {
        "success": True,
        "code": 200,
        "msg": "File uploaded successfully",
        "data": {
            "fileName": "x.bin",
            "filePath": "x/x.bin",
            "downloadUrl": "https://tempfile.redpandaai.co/bench/x/x.bin",
            "fileSize": 0,
            "mimeType": "application/octet-stream",
            "uploadedAt": "2026-11-25T12:00:00.000Z",
        },
    }
).encode()


class _Conn:
    """Buffered reads over one socket with a fixed receive buffer (memory stays flat)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray(RECV_BYTES)
        self.view = memoryview(self.buffer)
        self.pending = b""

    def read_until(self, marker: bytes, limit: int = 65536) -> bytes | None:
        while marker not in self.pending:
            if len(self.pending) > limit:
                return None
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.pending += chunk
        head, _, self.pending = self.pending.partition(marker)
        return head

    def discard(self, count: int) -> bool:
        take = min(count, len(self.pending))
        self.pending = self.pending[take:]
        count -= take
        while count > 0:
            got = self.sock.recv_into(self.view, min(count, RECV_BYTES))
            if not got:
                return False
            count -= got
        return True

    def discard_chunked(self) -> bool:
        while True:
            line = self.read_until(b"\r\n")
            if line is None:
                return False
            size = int(line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                return self.read_until(b"\r\n") is not None  # the (empty) trailer section
            if not self.discard(size + 2):
                return False


def _serve(sock: socket.socket) -> None:
    conn = _Conn(sock)
    with sock:
        while True:
            head = conn.read_until(b"\r\n\r\n")
            if head is None:
                return
            headers: dict[str, str] = {}
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            if headers.get("expect", "").lower() == "100-continue":
                sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            if "chunked" in headers.get("transfer-encoding", "").lower():
                complete = conn.discard_chunked()
            else:
                complete = conn.discard(int(headers.get("content-length", "0")))
            if not complete:
                return
            sock.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(_ANSWER)}\r\n\r\n".encode()
                + _ANSWER
            )


def serve(host: str = "127.0.0.1", port: int = 0) -> tuple[socket.socket, int]:
    """Start accepting in a daemon thread; returns the listening socket and its port."""
    listener = socket.create_server((host, port))
    bound_port: int = listener.getsockname()[1]

    def accept_loop() -> None:
        while True:
            try:
                sock, _ = listener.accept()
            except OSError:  # listener closed
                return
            threading.Thread(target=_serve, args=(sock,), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    return listener, bound_port


def main() -> None:
    listener, port = serve()
    print(f"PORT {port}", flush=True)
    sys.stdin.read()  # the parent closes our stdin (or terminates us) when it is done
    listener.close()


if __name__ == "__main__":
    main()
