"""Pixel size of JPEG, PNG and WebP images from their headers.

Only the few bytes that carry the size are read: PNG's IHDR, the JPEG frame header (SOFn,
found by jumping from marker to marker past EXIF and other segments), the WebP VP8/VP8L/VP8X
chunk. Sizes are the stored ones: EXIF orientation is not applied.
"""

from __future__ import annotations

from ._info import ImageInfo
from ._reader import Budget, MediaError, Source

__all__ = ["probe_image"]

_PNG_SIGNATURE_BYTES = 8
#: Apple's "CgBI" PNGs put one chunk before IHDR; allow a few, no more.
_PNG_MAX_CHUNKS_BEFORE_IHDR = 4
_PNG_IHDR_DATA_BYTES = 13

#: JPEG markers that stand alone (no length field): TEM and RST0..RST7.
_JPEG_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD8)})
#: Start-of-frame markers (C0..CF except DHT C4, JPG C8, DAC CC): they carry the size.
_JPEG_SOF_MARKERS = frozenset(set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC})
_JPEG_SOS = 0xDA
_JPEG_EOI = 0xD9
_JPEG_MAX_SEGMENTS = 4096
#: Stray bytes and 0xFF fill tolerated before one marker (libjpeg skips any number with a
#: "corrupt JPEG data: N extraneous bytes" warning; a bound keeps a junk file from being read
#: to its end).
_JPEG_MAX_STRAY_BYTES = 64 * 1024
_JPEG_SCAN_BYTES = 4096

_WEBP_HEADER_BYTES = 12  # "RIFF" size "WEBP"
_WEBP_CHUNK_BYTES = 30  # chunk header + enough of any of the three bitstream headers


def probe_image(source: Source, name: str) -> ImageInfo:
    if name == "png":
        return _png(source)
    if name == "jpeg":
        return _jpeg(source)
    return _webp(source)


def _png(source: Source) -> ImageInfo:
    pos = _PNG_SIGNATURE_BYTES
    for _ in range(_PNG_MAX_CHUNKS_BEFORE_IHDR + 1):
        header = source.read_upto(pos, 8)
        if len(header) < 8:
            raise MediaError("truncated PNG: no IHDR chunk")
        length = int.from_bytes(header[:4], "big")
        chunk_type = header[4:8]
        if chunk_type == b"IHDR":
            if length != _PNG_IHDR_DATA_BYTES:
                raise MediaError(f"malformed PNG: IHDR chunk of {length} bytes")
            data = source.read_upto(pos + 8, 8)
            if len(data) < 8:
                raise MediaError("truncated PNG: IHDR chunk cut short")
            return ImageInfo(
                format="png",
                width=int.from_bytes(data[:4], "big"),
                height=int.from_bytes(data[4:], "big"),
            )
        pos += 12 + length  # length, type, data, CRC
    raise MediaError("malformed PNG: no IHDR chunk at the start")


def _jpeg_marker(source: Source, pos: int) -> tuple[int, int]:
    """The next marker code at or after ``pos`` and the position after it.

    As libjpeg's ``next_marker``: stray bytes before the 0xFF are skipped, so are any number of
    0xFF fill bytes, and 0xFF 0x00 (a stuffed zero, not a marker) is skipped as stray data."""
    start = pos
    while pos - start <= _JPEG_MAX_STRAY_BYTES:
        window = source.read_upto(pos, _JPEG_SCAN_BYTES)
        ff = window.find(b"\xff")
        if ff < 0:
            if len(window) < _JPEG_SCAN_BYTES:
                raise MediaError("truncated JPEG: no frame header (SOF) before the end")
            pos += len(window)
            continue
        code_at = ff
        while code_at < len(window) and window[code_at] == 0xFF:
            code_at += 1
        if code_at == len(window):
            if len(window) < _JPEG_SCAN_BYTES:
                raise MediaError("truncated JPEG: no frame header (SOF) before the end")
            pos += code_at - 1  # read on from the last 0xFF: its code is in the next window
            continue
        if window[code_at] == 0x00:
            pos += code_at + 1
            continue
        return window[code_at], pos + code_at + 1
    raise MediaError(
        f"malformed JPEG: no marker within {_JPEG_MAX_STRAY_BYTES} bytes after byte {start}"
    )


def _jpeg(source: Source) -> ImageInfo:
    budget = Budget(_JPEG_MAX_SEGMENTS, "JPEG segments")
    pos = 2  # after SOI
    while True:
        budget.tick()
        marker, pos = _jpeg_marker(source, pos)
        if marker in _JPEG_STANDALONE_MARKERS:
            continue
        if marker in (_JPEG_EOI, _JPEG_SOS):
            raise MediaError("malformed JPEG: no frame header (SOF) before the image data")
        length_bytes = source.read_upto(pos, 2)
        if len(length_bytes) < 2:
            raise MediaError("truncated JPEG: no frame header (SOF) before the end")
        length = int.from_bytes(length_bytes, "big")
        if length < 2:
            raise MediaError(f"malformed JPEG: segment length {length} at byte {pos}")
        if marker in _JPEG_SOF_MARKERS:
            frame = source.read_upto(pos + 2, 5)  # precision, height, width
            if len(frame) < 5 or length < 7:
                raise MediaError("truncated JPEG: frame header (SOF) cut short")
            return ImageInfo(
                format="jpeg",
                width=int.from_bytes(frame[3:5], "big"),
                height=int.from_bytes(frame[1:3], "big"),
            )
        pos += length


def _webp(source: Source) -> ImageInfo:
    chunk = source.read_upto(_WEBP_HEADER_BYTES, _WEBP_CHUNK_BYTES)
    if len(chunk) < 8:
        raise MediaError("truncated WebP: no image chunk")
    fourcc = chunk[:4]
    data = chunk[8:]
    if fourcc == b"VP8 ":
        # Lossy: 3-byte frame tag, start code 9d 01 2a, then 14-bit width and height.
        if len(data) < 10 or data[3:6] != b"\x9d\x01\x2a":
            raise MediaError("malformed WebP: bad VP8 frame header")
        width = int.from_bytes(data[6:8], "little") & 0x3FFF
        height = int.from_bytes(data[8:10], "little") & 0x3FFF
    elif fourcc == b"VP8L":
        # Lossless: signature 0x2f, then width-1 and height-1 in 14 bits each.
        if len(data) < 5 or data[0] != 0x2F:
            raise MediaError("malformed WebP: bad VP8L header")
        bits = int.from_bytes(data[1:5], "little")
        width = (bits & 0x3FFF) + 1
        height = ((bits >> 14) & 0x3FFF) + 1
    elif fourcc == b"VP8X":
        # Extended: flags, 3 reserved bytes, canvas width-1 and height-1 in 24 bits each.
        if len(data) < 10:
            raise MediaError("truncated WebP: VP8X chunk cut short")
        width = int.from_bytes(data[4:7], "little") + 1
        height = int.from_bytes(data[7:10], "little") + 1
    else:
        raise MediaError(f"malformed WebP: unknown first chunk {fourcc!r}")
    return ImageInfo(format="webp", width=width, height=height)
