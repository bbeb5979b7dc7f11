"""Image headers: JPEG marker walking, PNG IHDR, WebP VP8/VP8L/VP8X, built byte by byte."""

from __future__ import annotations

import struct

import pytest

from kieai._errors import KieInputError
from kieai.media import ImageInfo, probe

SOI = b"\xff\xd8"
EOI = b"\xff\xd9"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def sof(marker: int, width: int, height: int) -> bytes:
    return segment(marker, struct.pack(">BHHB", 8, height, width, 3) + bytes(9))


def refusal(data: bytes) -> str:
    with pytest.raises(KieInputError) as caught:
        probe(data)
    return str(caught.value)


@pytest.mark.parametrize("marker", [0xC0, 0xC1, 0xC2, 0xC3, 0xC9, 0xCB, 0xCF])
def test_every_start_of_frame_marker_carries_the_size(marker: int) -> None:
    data = SOI + segment(0xE0, b"JFIF\x00" + bytes(9)) + sof(marker, 1024, 768) + EOI

    assert probe(data) == ImageInfo(format="jpeg", width=1024, height=768)


def test_tables_and_big_app_segments_are_skipped() -> None:
    exif_with_thumbnail = b"Exif\x00\x00" + SOI + sof(0xC0, 160, 120) + bytes(60_000)
    data = (
        SOI
        + segment(0xE1, exif_with_thumbnail)
        + segment(0xC4, bytes(30))  # DHT is not a frame header
        + segment(0xCC, bytes(4))  # nor is DAC
        + segment(0xDB, bytes(65))
        + sof(0xC0, 4032, 3024)
    )

    assert probe(data) == ImageInfo(format="jpeg", width=4032, height=3024)


@pytest.mark.parametrize(
    "junk",
    [
        pytest.param(b"\x00", id="one-zero"),
        pytest.param(b"\x12\x34\x56", id="stray"),
        pytest.param(b"\xff\x00\xff\x00", id="stuffed-zeros"),
        pytest.param(b"\x00" * 5000, id="stray-across-read-windows"),
        pytest.param(b"\xff" * 5000, id="fill-across-read-windows"),
        pytest.param(b"\x01" * 4095 + b"\xff", id="marker-split-across-windows"),
    ],
)
def test_stray_bytes_between_markers_are_skipped_as_libjpeg_does(junk: bytes) -> None:
    data = SOI + segment(0xE0, b"JFIF\x00" + bytes(9)) + junk + sof(0xC0, 1280, 720) + EOI

    assert probe(data) == ImageInfo(format="jpeg", width=1280, height=720)


def test_a_real_jpeg_with_stray_bytes_pillow_reads_is_measured() -> None:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 400), (200, 30, 30)).save(buffer, format="JPEG")
    clean = buffer.getvalue()
    dqt = clean.index(b"\xff\xdb")  # the tables after JFIF's APP0: junk goes before them
    damaged = clean[:dqt] + b"\x00\x00junk\xff\x00" + clean[dqt:]
    image = Image.open(io.BytesIO(damaged))  # libjpeg reads it, with a warning
    try:
        image.load()
        assert image.size == (640, 400)
    finally:
        image.close()

    assert probe(damaged) == ImageInfo(format="jpeg", width=640, height=400)


def test_fill_bytes_and_standalone_markers_before_the_frame_header() -> None:
    data = SOI + b"\xff\xff\xff" + b"\xff\x01" + b"\xff\xd3" + sof(0xC2, 640, 480)

    assert probe(data) == ImageInfo(format="jpeg", width=640, height=480)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (SOI + EOI, "no frame header (SOF) before the image data"),
        (SOI + segment(0xDA, bytes(10)), "no frame header (SOF) before the image data"),
        (SOI + b"\xff\xe0\x00\x01", "segment length 1 at byte 4"),
        (SOI + segment(0xE0, b"JFIF\x00") + b"\x12\x34", "truncated JPEG: no frame header"),
        (SOI + b"\xff", "truncated JPEG"),
        (SOI + b"\xff\xe0\x00", "truncated JPEG: no frame header (SOF) before the end"),
        (SOI + b"\xff\xc0\x00\x11\x08\x03", "truncated JPEG: frame header (SOF) cut short"),
        (SOI + b"\xff\xc0\x00\x05\x08\x03\x00\x04\x00", "truncated JPEG: frame header"),
        (SOI + b"\xff" * 2000, "truncated JPEG: no frame header"),
        (
            SOI + segment(0xE0, b"JFIF\x00") + b"\x12" * 70_000 + sof(0xC0, 640, 480),
            "no marker within 65536 bytes after byte 11",
        ),
        (SOI + b"\xff" * 70_000 + sof(0xC0, 640, 480), "no marker within 65536 bytes after byte 2"),
        (SOI + sof(0xC0, 640, 0), "implausible height 0 px"),
    ],
)
def test_broken_jpeg(data: bytes, message: str) -> None:
    assert message in refusal(data)


def test_jpeg_segment_count_is_bounded() -> None:
    data = SOI + segment(0xFE, b"") * 5000 + sof(0xC0, 64, 48)

    assert "more than 4096 JPEG segments" in refusal(data)


def ihdr(width: int, height: int, length: int = 13) -> bytes:
    return struct.pack(">I4sII", length, b"IHDR", width, height) + bytes(5) + bytes(4)


def test_png_size_from_ihdr() -> None:
    assert probe(PNG_SIGNATURE + ihdr(1920, 1080)) == ImageInfo(
        format="png", width=1920, height=1080
    )


def test_apple_cgbi_chunk_before_ihdr() -> None:
    cgbi = struct.pack(">I4s", 4, b"CgBI") + bytes(4) + bytes(4)

    assert probe(PNG_SIGNATURE + cgbi + ihdr(300, 400)).width == 300


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (PNG_SIGNATURE + ihdr(10, 10, length=12), "IHDR chunk of 12 bytes"),
        (
            PNG_SIGNATURE + (struct.pack(">I4s", 0, b"tEXt") + bytes(4)) * 6,
            "no IHDR chunk at the start",
        ),
        (PNG_SIGNATURE + b"\x00\x00", "truncated PNG: no IHDR chunk"),
        (PNG_SIGNATURE + ihdr(2**31, 10), "implausible width 2147483648 px"),
    ],
)
def test_broken_png(data: bytes, message: str) -> None:
    assert message in refusal(data)


def riff(chunk: bytes) -> bytes:
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def vp8(width: int, height: int, start_code: bytes = b"\x9d\x01\x2a") -> bytes:
    frame = b"\x10\x02\x00" + start_code + struct.pack("<HH", width, height) + bytes(10)
    return b"VP8 " + struct.pack("<I", len(frame)) + frame


def vp8l(width: int, height: int, signature: int = 0x2F) -> bytes:
    bits = (width - 1) | ((height - 1) << 14)
    data = bytes([signature]) + struct.pack("<I", bits) + bytes(4)
    return b"VP8L" + struct.pack("<I", len(data)) + data


def vp8x(width: int, height: int) -> bytes:
    data = b"\x10\x00\x00\x00" + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")  # fmt: skip
    return b"VP8X" + struct.pack("<I", len(data)) + data


@pytest.mark.parametrize(
    ("chunk", "size"),
    [
        (vp8(1024, 768), (1024, 768)),
        (vp8(0x4000 | 500, 0xC000 | 300), (500, 300)),  # the top two bits are the scale
        (vp8l(16383, 1), (16383, 1)),
        (vp8x(1 << 20, 1), (1 << 20, 1)),
    ],
)
def test_webp_size_from_each_bitstream_header(chunk: bytes, size: tuple[int, int]) -> None:
    assert probe(riff(chunk)) == ImageInfo(format="webp", width=size[0], height=size[1])


@pytest.mark.parametrize(
    ("chunk", "message"),
    [
        (vp8(10, 10, start_code=b"\x00\x00\x00"), "bad VP8 frame header"),
        (vp8l(10, 10, signature=0x00), "bad VP8L header"),
        (b"VP8X" + struct.pack("<I", 4) + bytes(4), "VP8X chunk cut short"),
        (b"ALPH" + struct.pack("<I", 4) + bytes(4), "unknown first chunk b'ALPH'"),
        (b"VP8", "truncated WebP: no image chunk"),
    ],
)
def test_broken_webp(chunk: bytes, message: str) -> None:
    assert message in refusal(riff(chunk))
