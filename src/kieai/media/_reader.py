"""Bounded random-access reads for the media parsers.

The parsers never read a file front to back: they read a header, then jump. ``Source`` gives
them ``read(offset, length)`` over a file object or an in-memory buffer, with three guarantees
that keep a hostile file harmless: no single read is larger than ``MAX_READ_BYTES``, the total
read is capped by ``MAX_TOTAL_READ_BYTES``, and a read past the end is an error, not a short
result that a parser could misinterpret. A small read-ahead window turns the many tiny header
reads of a box or element walk into a few system calls.
"""

from __future__ import annotations

from typing import BinaryIO, cast

__all__ = [
    "DEFAULT_READAHEAD_BYTES",
    "MAX_READ_BYTES",
    "MAX_TOTAL_READ_BYTES",
    "Budget",
    "MediaError",
    "Source",
]

#: One read never asks for more than this (headers are tiny; the biggest are Matroska Tracks).
MAX_READ_BYTES = 1024 * 1024
#: A whole probe never reads more than this. Probing a 100 MB file reads kilobytes (MP4) or a
#: few megabytes (Matroska without Duration); anything beyond this is a pathological file.
MAX_TOTAL_READ_BYTES = 32 * 1024 * 1024
#: Read-ahead window: one system call usually covers a whole ``moov`` walk step or a cluster's
#: small audio blocks.
DEFAULT_READAHEAD_BYTES = 4096


class MediaError(Exception):
    """A file that cannot be probed. The message says why, without the file's name: the caller
    (the single conversion point in ``_probe``) prefixes the name and raises ``KieInputError``."""


class Budget:
    """Counts the boxes or elements a parser walks, so no crafted file can make it loop long."""

    __slots__ = ("limit", "used", "what")

    def __init__(self, limit: int, what: str) -> None:
        self.limit = limit
        self.used = 0
        self.what = what

    def tick(self) -> None:
        self.used += 1
        if self.used > self.limit:
            raise MediaError(f"more than {self.limit} {self.what}; refusing to walk further")


class Source:
    """Random-access reads over ``data`` (bytes) or ``fileobj`` starting at ``base``.

    Offsets are relative to ``base``, so a file object positioned mid-stream is read from its
    current position. ``bytes_read`` counts what was fetched from the underlying object.
    """

    __slots__ = (
        "_base",
        "_data",
        "_fileobj",
        "_window",
        "_window_start",
        "bytes_read",
        "readahead_bytes",
        "size",
    )

    def __init__(
        self,
        *,
        size: int,
        data: bytes | None = None,
        fileobj: BinaryIO | None = None,
        base: int = 0,
    ) -> None:
        self.size = size
        self._data = data
        self._fileobj = fileobj
        self._base = base
        self._window = b""
        self._window_start = 0
        self.bytes_read = 0
        self.readahead_bytes = DEFAULT_READAHEAD_BYTES

    @classmethod
    def from_bytes(cls, data: bytes) -> Source:
        return cls(size=len(data), data=data)

    def read(self, offset: int, length: int) -> bytes:
        """Exactly ``length`` bytes at ``offset``; MediaError if they are not all in the file."""
        if offset < 0 or length < 0 or offset + length > self.size:
            raise MediaError(
                f"unexpected end of file: {length} bytes wanted at byte {offset}, "
                f"file has {self.size}"
            )
        return self._fetch(offset, length)

    def read_upto(self, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes at ``offset``: fewer only at the end of the file."""
        if offset < 0 or length < 0:
            raise MediaError(f"invalid read at byte {offset}")
        return self._fetch(offset, max(0, min(length, self.size - offset)))

    def window(self, offset: int, length: int) -> tuple[bytes, int]:
        """``(buffer, index)``: ``buffer[index:]`` holds the bytes at ``offset``, at least
        ``length`` of them unless the file ends first. No copy: the hot loops (element and box
        headers) parse in place."""
        if offset < 0 or length < 0:
            raise MediaError(f"invalid read at byte {offset}")
        if self._data is not None:
            return self._data, offset
        start = offset - self._window_start
        if start >= 0 and start + length <= len(self._window):
            return self._window, start
        self._fetch(offset, max(0, min(length, self.size - offset)))
        return self._window, offset - self._window_start

    def _fetch(self, offset: int, length: int) -> bytes:
        if length > MAX_READ_BYTES:
            raise MediaError(f"refusing to read {length} bytes at once (header too large)")
        if self._data is not None:
            self.bytes_read += length
            return self._data[offset : offset + length]
        start = offset - self._window_start
        if start >= 0 and start + length <= len(self._window):
            return self._window[start : start + length]
        want = max(length, min(self.readahead_bytes, self.size - offset))
        self._window = self._read_file(offset, want)
        self._window_start = offset
        if len(self._window) < length:
            raise MediaError(f"unexpected end of file at byte {offset + len(self._window)}")
        return self._window[:length]

    def _read_file(self, offset: int, length: int) -> bytes:
        fileobj = self._fileobj
        if fileobj is None:  # pragma: no cover - constructor always sets one of data/fileobj
            raise MediaError("no data")
        if self.bytes_read + length > MAX_TOTAL_READ_BYTES:
            raise MediaError(
                f"more than {MAX_TOTAL_READ_BYTES // (1024 * 1024)} MiB of headers; "
                "refusing to read further"
            )
        fileobj.seek(self._base + offset)
        chunks: list[bytes] = []
        got = 0
        while got < length:
            # A text-mode or odd file object may hand back str: check, do not trust the type.
            chunk = cast(object, fileobj.read(length - got))
            if isinstance(chunk, bytearray):
                chunk = bytes(chunk)
            if not isinstance(chunk, bytes):
                raise MediaError("file object did not return bytes (is it open in binary mode?)")
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        self.bytes_read += got
        data = b"".join(chunks)
        return data[:length]
