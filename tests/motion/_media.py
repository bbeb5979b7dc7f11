"""Media builders for the motion-control rule tests: exact-size PNGs without Pillow."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "motion"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(width: int, height: int) -> bytes:
    """A valid grey PNG of exactly ``width`` x ``height`` pixels (a few hundred bytes)."""
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


def write_png(path: Path, width: int, height: int, *, pad_to: int | None = None) -> Path:
    """Write a PNG; ``pad_to`` extends the file (sparse) to that many bytes to test size limits."""
    path.write_bytes(png_bytes(width, height))
    if pad_to is not None:
        with path.open("r+b") as f:
            f.truncate(pad_to)
    return path


def fixture(name: str) -> Path:
    return FIXTURES / name
