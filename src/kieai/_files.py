"""File inputs (path, bytes, binary file) -> a validated, sniffed `LocalFile` that reads
itself in chunks.

A path is never read whole: each attempt re-reads it in 1 MiB chunks, a few per trip to a
worker thread, opening and closing the file on each trip so no handle outlives a cancelled
upload. Bytes and seekable files replay from their start on a retry; a non-seekable stream is
sent once. The multipart body around those chunks is `._multipart`'s: this module imports no
httpx, so the local checks (``kie check``) do not pay for it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import stat
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast
from urllib.parse import unquote, urlsplit

import anyio

from ._constants import STREAM_CHUNK_BYTES
from ._errors import KieInputError
from .media import FileKind, sniff

__all__ = [
    "FileInput",
    "LocalFile",
    "is_url",
    "name_from_url",
    "open_local",
    "unique_file_name",
    "validate_upload_path",
]

FileInput = str | os.PathLike[str] | bytes | BinaryIO

_SNIFF_BYTES = 4096
#: Chunks read per trip to a worker thread (at most this many MiB held ahead of the socket).
READ_AHEAD_CHUNKS = 4
_SAFE_STEM = re.compile(r"[^A-Za-z0-9._-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def is_url(value: object) -> bool:
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


@dataclass
class LocalFile:
    """A validated local input: where the bytes are, how many, and what they really are."""

    label: str
    """How messages name the input: ``image``, ``video`` or ``file``."""
    display_name: str
    size: int | None
    kind: FileKind | None
    path: Path | None = None
    data: bytes | None = None
    stream: BinaryIO | None = None
    start: int = 0
    mtime_ns: int = 0

    @property
    def replayable(self) -> bool:
        return self.stream is None or self.stream.seekable()

    @property
    def mime(self) -> str:
        return self.kind.mime if self.kind is not None else "application/octet-stream"

    def identity(self) -> tuple[str, ...] | None:
        """What makes two inputs "the same content" for upload reuse (None: cannot tell): the
        resolved path, size and mtime of a file; else a sha256 of the bytes or of a seekable
        stream. Hashing is blocking work: call it in a worker thread."""
        if self.path is not None:
            return ("path", str(self.path), str(self.size), str(self.mtime_ns))
        if self.data is not None:
            return ("sha256", hashlib.sha256(self.data).hexdigest())
        digest = self.stream_digest()
        return None if digest is None else ("sha256", digest)

    def read_head(self) -> bytes:
        return self._read_at(0, _SNIFF_BYTES)

    def _read_at(self, offset: int, size: int) -> bytes:
        if self.path is not None:
            with open(self.path, "rb") as f:
                f.seek(offset)
                return f.read(size)
        if self.data is not None:
            return self.data[offset : offset + size]
        assert self.stream is not None
        self.stream.seek(self.start + offset)
        return self.stream.read(size)

    def stream_digest(self) -> str | None:
        """sha256 of a seekable stream's content from its start (restores the position)."""
        if self.stream is None or not self.stream.seekable():
            return None
        digest = hashlib.sha256()
        self.stream.seek(self.start)
        while chunk := self.stream.read(STREAM_CHUNK_BYTES):
            digest.update(chunk)
        self.stream.seek(self.start)
        return digest.hexdigest()

    async def read_chunks(self, offset: int) -> list[bytes]:
        """The content at ``offset`` (counted from the upload's start) as a run of chunks of
        ``STREAM_CHUNK_BYTES``; an empty list at the end.

        Disk and stream reads run in a worker thread, off the event loop; a file is read
        ``READ_AHEAD_CHUNKS`` chunks per trip to the thread, because each trip (two thread
        switches, an open and a close) costs about as much as copying a chunk.
        """
        if self.data is not None:
            chunk = self.data[offset : offset + STREAM_CHUNK_BYTES]
            return [chunk] if chunk else []
        if self.stream is not None and not self.stream.seekable():
            # One chunk per trip: a pipe's read blocks until that much arrived (or the end).
            # Typed as what io's non-blocking streams really return: None when nothing is ready.
            chunk = cast(
                "bytes | None",
                await anyio.to_thread.run_sync(self.stream.read, STREAM_CHUNK_BYTES),
            )
            if chunk is None:  # a non-blocking stream with nothing ready: cannot wait for it
                raise KieInputError(
                    f"{self.label}: {self.display_name!r} is a non-blocking stream; "
                    "pass a blocking binary file object"
                )
            if not chunk and offset == 0:
                raise KieInputError(f"{self.label}: {self.display_name!r} is empty")
            return [chunk] if chunk else []
        assert self.size is not None
        if offset >= self.size:
            return []
        return await anyio.to_thread.run_sync(self._read_run, offset)

    def _read_run(self, offset: int) -> list[bytes]:
        """Up to ``READ_AHEAD_CHUNKS`` chunks of a path or seekable stream, never past ``size``.

        Never reading past the size measured (and sent as Content-Length) up front matters: a
        file that grows mid-upload would otherwise overrun the declared length, which h11
        reports as a protocol error that looks transient and gets retried. The last read asks
        for one byte more, so growth shows without an extra stat.
        """
        assert self.size is not None
        chunks: list[bytes] = []
        with (
            open(self.path, "rb") if self.path is not None else contextlib.nullcontext(self.stream)
        ) as f:
            assert f is not None
            f.seek(self.start + offset)
            while len(chunks) < READ_AHEAD_CHUNKS and offset < self.size:
                want = min(STREAM_CHUNK_BYTES, self.size - offset)
                last = offset + want == self.size
                chunk = f.read(want + (1 if last else 0))
                if len(chunk) != want:
                    now = "shorter" if len(chunk) < want else "longer"
                    raise KieInputError(
                        f"{self.label}: {self.display_name!r} changed while uploading "
                        f"(it was {self.size} bytes when the upload started and is now {now})"
                    )
                chunks.append(chunk)
                offset += want
        return chunks


def _open_path(path: Path, label: str) -> LocalFile:
    shown = str(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise KieInputError(f"{label}: file not found: {shown!r}") from None
    except OSError as exc:
        raise KieInputError(f"{label}: cannot access {shown!r}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        what = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise KieInputError(f"{label}: {shown!r} is {what}")
    if st.st_size == 0:
        raise KieInputError(f"{label}: {shown!r} is empty (0 bytes)")
    if not os.access(path, os.R_OK):
        raise KieInputError(f"{label}: {shown!r} is not readable (permission denied)")
    local = LocalFile(
        label=label,
        display_name=path.name,
        size=st.st_size,
        kind=None,
        path=path.resolve(),
        mtime_ns=st.st_mtime_ns,
    )
    try:
        local.kind = sniff(local.read_head())
    except OSError as exc:
        raise KieInputError(f"{label}: cannot read {shown!r}: {exc.strerror or exc}") from None
    return local


def _open_stream(stream: BinaryIO, label: str) -> LocalFile:
    name = getattr(stream, "name", None)
    display = Path(name).name if isinstance(name, str) and name else "stream"
    if isinstance(stream, io.TextIOBase):
        raise KieInputError(
            f"{label}: file object must be opened in binary mode ('rb'), got text mode"
        )
    if getattr(stream, "closed", False):
        raise KieInputError(f"{label}: file object {display!r} is closed")
    if isinstance(stream, io.IOBase) and not stream.readable():
        raise KieInputError(
            f"{label}: file object {display!r} is not readable (opened for writing only)"
        )
    seekable = stream.seekable()
    size: int | None = None
    start = 0
    head = b""
    if not seekable:
        # A pipe or socket: sniff what is already buffered without consuming it, if we can.
        peek = getattr(stream, "peek", None)
        if callable(peek):
            peeked = peek(_SNIFF_BYTES)
            head = peeked if isinstance(peeked, bytes) else b""
            if not head:  # a blocking peek returns b"" only at end of stream
                raise KieInputError(f"{label}: {display!r} is empty (nothing left to read)")
    else:
        start = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(start)
        size = end - start
        if size <= 0:
            raise KieInputError(
                f"{label}: {display!r} is empty (0 bytes from its current position)"
            )
        head = stream.read(_SNIFF_BYTES)
        stream.seek(start)
    return LocalFile(
        label=label,
        display_name=display,
        size=size,
        kind=sniff(head) if head else None,
        stream=stream,
        start=start,
    )


def open_local(file: FileInput, *, label: str = "file") -> LocalFile:
    """Validate a local input (exists, regular, readable, not empty) and sniff its type."""
    if isinstance(file, (bytes, bytearray, memoryview)):
        data = bytes(file)
        if not data:
            raise KieInputError(f"{label}: bytes input is empty")
        return LocalFile(
            label=label,
            display_name="bytes",
            size=len(data),
            kind=sniff(data[:_SNIFF_BYTES]),
            data=data,
        )
    if isinstance(file, str):
        if is_url(file):
            raise KieInputError(
                f"{label}: {file!r} is a URL, not a local file (use upload_from_url for URLs)"
            )
        if not file.strip():
            raise KieInputError(f"{label}: empty path")
        return _open_path(Path(file).expanduser(), label)
    if isinstance(file, os.PathLike):
        return _open_path(Path(os.fspath(file)).expanduser(), label)
    if hasattr(file, "read"):
        return _open_stream(file, label)
    raise KieInputError(
        f"{label}: expected a path, bytes or a binary file object, got {type(file).__name__}"
    )


def validate_upload_path(upload_path: str) -> str:
    """Kie's ``uploadPath`` rule (a folder such as ``images/user-uploads``: no leading or
    trailing ``/``), plus what would break the multipart body or escape the folder."""
    if not isinstance(upload_path, str) or not upload_path.strip("/ "):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise KieInputError(f"upload_path: must be a non-empty folder name, got {upload_path!r}")
    parts = upload_path.split("/")
    if upload_path != upload_path.strip("/") or any(p in ("", ".", "..") for p in parts):
        raise KieInputError(
            "upload_path: no leading or trailing '/', no empty, '.' or '..' parts, "
            f"got {upload_path!r}"
        )
    if _CONTROL.search(upload_path) or "\\" in upload_path:
        raise KieInputError(
            f"upload_path: no control characters or backslashes, got {upload_path!r}"
        )
    return upload_path


def unique_file_name(hint: str, kind: FileKind | None) -> str:
    """``<stem>-<12 hex><ext>``: Kie overwrites same-named files (with CDN cache lag), so names
    must never repeat; the extension follows the sniffed type, not the original name (a
    ``.jpg`` that is a PNG is named ``.png``). Text is the exception: sniffing cannot tell
    CSV from JSON, so a text file keeps its own extension when it has one."""
    base = Path(unquote(hint)).name if hint else ""
    stem, _, suffix = base.rpartition(".") if "." in base else (base, "", "")
    stem = _SAFE_STEM.sub("-", stem).strip("-.")[:40] or "upload"
    own = f".{suffix}" if suffix and len(suffix) <= 5 else ""
    if kind is not None and not (own and kind.mime.startswith("text/")):
        ext = kind.extension
    else:
        ext = own
    return f"{stem}-{uuid.uuid4().hex[:12]}{_SAFE_STEM.sub('', ext)}"


def name_from_url(url: str) -> str:
    return unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
