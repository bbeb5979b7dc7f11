"""Shared pieces of the upload tests: a client, Kie's answers, tiny real files, a form parser."""

from __future__ import annotations

import email.parser
import email.policy
import io
import struct
import zlib
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from kieai import KieClient

UPLOAD_BASE_URL = "https://upload.kie.test"
STREAM_UPLOAD_URL = f"{UPLOAD_BASE_URL}/api/file-stream-upload"
URL_UPLOAD_URL = f"{UPLOAD_BASE_URL}/api/file-url-upload"
CDN_URL = "https://tempfile.redpandaai.co/xyz/kieai/photo.png"


def make_client(**kwargs: Any) -> KieClient:
    options: dict[str, Any] = {
        "api_key": "k",
        "initial_retry_delay": 0,
        "max_retry_delay": 0,
        "upload_base_url": UPLOAD_BASE_URL,
    }
    options.update(kwargs)
    return KieClient(**options)


def upload_answer(**data: Any) -> dict[str, Any]:
    """Kie's documented success envelope (``FileUploadResult``); ``data`` fields override."""
    fields: dict[str, Any] = {
        "fileName": "photo.png",
        "filePath": "kieai/photo.png",
        "downloadUrl": CDN_URL,
        "fileSize": 154832,
        "mimeType": "image/png",
        "uploadedAt": "2026-11-25T12:00:00.000Z",
    }
    fields.update(data)
    return {"success": True, "code": 200, "msg": "File uploaded successfully", "data": fields}


def sent_requests(calls: Any) -> list[httpx.Request]:
    """The requests of a respx call list (respx leaves its lists untyped)."""
    return [call.request for call in calls]


def ok_response(request: httpx.Request | None = None) -> httpx.Response:
    return httpx.Response(200, json=upload_answer())


def png_bytes(width: int = 640, height: int = 480) -> bytes:
    """A real (tiny, valid) PNG: signature, IHDR, one IDAT, IEND."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = b"".join(b"\x00" + bytes(width) for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def mp4_head() -> bytes:
    """The start of an MP4 file: an ``ftyp`` box (isom), then a free box of padding."""
    ftyp = b"ftypisom" + struct.pack(">I", 0x200) + b"isomiso2avc1mp41"
    free = b"free" + bytes(64)
    return struct.pack(">I", 4 + len(ftyp)) + ftyp + struct.pack(">I", 4 + len(free)) + free


def patterned(size: int) -> bytes:
    """``size`` bytes that are not all alike, so a dropped, repeated or shifted chunk shows."""
    block = bytes(range(251))  # a prime length: chunk boundaries never line up with it
    return (block * (size // len(block) + 1))[:size]


@dataclass(frozen=True)
class Part:
    name: str
    filename: str | None
    content_type: str
    content: bytes


def parse_form(request: httpx.Request, body: bytes | None = None) -> dict[str, Part]:
    """Parse a ``multipart/form-data`` body strictly (RFC 7578): every part's bytes exactly.

    ``body`` defaults to the request's (read) content. The standard library's ``email`` parser
    rewrites line endings inside binary parts, so only each part's header block goes through it.
    """
    mime, _, params = request.headers["content-type"].partition(";")
    assert mime.strip() == "multipart/form-data", mime
    boundary = params.strip().removeprefix("boundary=").strip('"').encode()
    assert boundary, params
    delimiter = b"--" + boundary
    if body is None:
        body = request.content
    assert body.startswith(delimiter + b"\r\n"), body[:80]
    assert body.endswith(b"\r\n" + delimiter + b"--\r\n"), body[-80:]
    inner = body[len(delimiter) + 2 : -(len(delimiter) + 6)]
    parts: dict[str, Part] = {}
    for raw in inner.split(b"\r\n" + delimiter + b"\r\n"):
        head, separator, content = raw.partition(b"\r\n\r\n")
        assert separator, raw[:200]
        headers = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            head + b"\r\n\r\n", headersonly=True
        )
        assert headers.get_content_disposition() == "form-data", head
        name = headers.get_param("name", header="content-disposition")
        assert isinstance(name, str), head
        assert name not in parts, f"field {name!r} sent twice"
        parts[name] = Part(
            name=name,
            filename=headers.get_filename(),
            content_type=headers.get_content_type(),
            content=content,
        )
    return parts


class NonSeekable(io.RawIOBase):
    """A pipe-like binary stream: readable once, not seekable, no length."""

    def __init__(self, data: bytes) -> None:
        self._source = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: Any) -> int:
        data = self._source.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class ReadingTransport(httpx.AsyncBaseTransport):
    """A server that reads each request body chunk by chunk, as a socket would.

    The first ``failures`` attempts break off with ``error`` once ``break_after`` body bytes have
    arrived (a connection dropped mid-upload); later attempts are answered with Kie's success
    envelope. ``bodies`` holds what each completed attempt received.
    """

    def __init__(
        self,
        *,
        failures: int = 0,
        break_after: int = 0,
        error: type[httpx.TransportError] = httpx.WriteError,
    ) -> None:
        self.failures = failures
        self.break_after = break_after
        self.error = error
        self.attempts = 0
        self.bodies: list[bytes] = []
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        self.requests.append(request)
        failing = self.attempts <= self.failures
        received = bytearray()
        assert isinstance(request.stream, httpx.AsyncByteStream)
        chunks = aiter(request.stream)
        try:
            async for chunk in chunks:
                received += chunk
                if failing and len(received) >= self.break_after:
                    raise self.error("connection reset by peer")
        finally:
            # Close what we stopped reading (httpx wraps the body in an async generator);
            # ``test_upload_dropped`` covers what happens when the real transport does not.
            aclose = getattr(chunks, "aclose", None)
            if aclose is not None:
                await aclose()
        self.bodies.append(bytes(received))
        return httpx.Response(200, json=upload_answer())


@asynccontextmanager
async def client_over(
    transport: httpx.AsyncBaseTransport, **kwargs: Any
) -> AsyncGenerator[KieClient, None]:
    """A client whose requests go to ``transport`` (through the caller's ``http_client``)."""
    async with (
        httpx.AsyncClient(transport=transport) as http_client,
        make_client(http_client=http_client, **kwargs) as client,
    ):
        yield client


class NonBlockingEmpty(io.RawIOBase):
    """A non-blocking raw stream with nothing ready: ``read`` returns None."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        return None
