"""Tiny writers for synthetic MP4 and Matroska files, for cases ffmpeg will not produce
(64-bit sizes, version-1 boxes, mehd, odd matrices, SeekHeads, laced blocks, ...).

They write only what the prober reads; the media payloads are filler.
"""

from __future__ import annotations

import struct

# -- ISO-BMFF ---------------------------------------------------------------------------------

IDENTITY = (1, 0, 0, 1)
ROTATE_90_CW = (0, 1, -1, 0)  # iPhone portrait
ROTATE_180 = (-1, 0, 0, -1)
ROTATE_270_CW = (0, -1, 1, 0)  # what ffmpeg 5.1 writes for -metadata:s:v rotate=90


def box(box_type: bytes, *payload: bytes, large: bool = False) -> bytes:
    body = b"".join(payload)
    if large:
        return struct.pack(">I4sQ", 1, box_type, 16 + len(body)) + body
    return struct.pack(">I4s", 8 + len(body), box_type) + body


def full_box(box_type: bytes, version: int, flags: int, *payload: bytes) -> bytes:
    return box(box_type, bytes([version]) + flags.to_bytes(3, "big"), *payload)


def ftyp(major: bytes = b"isom", *compatible: bytes) -> bytes:
    return box(b"ftyp", major, b"\x00\x00\x02\x00", *(compatible or (b"isom", b"mp41")))


def mvhd(timescale: int, duration: int, *, version: int = 0) -> bytes:
    if version == 1:
        times = struct.pack(">QQIQ", 0, 0, timescale, duration)
    else:
        times = struct.pack(">IIII", 0, 0, timescale, duration)
    return full_box(b"mvhd", version, 0, times, bytes(80))


def tkhd(
    track_id: int,
    width: int,
    height: int,
    *,
    matrix: tuple[int, int, int, int] = IDENTITY,
    version: int = 0,
    enabled: bool = True,
) -> bytes:
    if version == 1:
        head = struct.pack(">QQIIQ", 0, 0, track_id, 0, 0)
    else:
        head = struct.pack(">IIIII", 0, 0, track_id, 0, 0)
    a, b, c, d = (value * 0x10000 for value in matrix)
    matrix_bytes = struct.pack(">9i", a, b, 0, c, d, 0, 0, 0, 0x40000000)
    size = struct.pack(">II", width << 16, height << 16)
    tail = bytes(8) + bytes(8)  # reserved, layer, alternate group, volume, reserved
    return full_box(b"tkhd", version, 3 if enabled else 2, head, tail, matrix_bytes, size)


def mdhd(timescale: int, duration: int, *, version: int = 0) -> bytes:
    if version == 1:
        times = struct.pack(">QQIQ", 0, 0, timescale, duration)
    else:
        times = struct.pack(">IIII", 0, 0, timescale, duration)
    return full_box(b"mdhd", version, 0, times, bytes(4))


def hdlr(handler: bytes) -> bytes:
    return full_box(b"hdlr", 0, 0, bytes(4), handler, bytes(12), b"Handler\x00")


def stsd_visual(width: int, height: int) -> bytes:
    entry = box(b"avc1", bytes(6), b"\x00\x01", bytes(16), struct.pack(">HH", width, height))
    return full_box(b"stsd", 0, 0, struct.pack(">I", 1), entry)


def trak(
    track_id: int,
    handler: bytes = b"vide",
    *,
    width: int = 0,
    height: int = 0,
    timescale: int = 1000,
    duration: int = 0,
    matrix: tuple[int, int, int, int] = IDENTITY,
    enabled: bool = True,
    version: int = 0,
    stsd_size: tuple[int, int] | None = None,
) -> bytes:
    minf: list[bytes] = []
    if stsd_size is not None:
        minf.append(box(b"minf", box(b"stbl", box(b"stts", bytes(8)), stsd_visual(*stsd_size))))
    return box(
        b"trak",
        tkhd(track_id, width, height, matrix=matrix, version=version, enabled=enabled),
        box(
            b"mdia",
            mdhd(timescale, duration, version=version),
            hdlr(handler),
            *minf,
        ),
    )


def mvex(*trex: tuple[int, int], mehd_duration: int | None = None, mehd_version: int = 0) -> bytes:
    children: list[bytes] = []
    if mehd_duration is not None:
        fmt = ">Q" if mehd_version == 1 else ">I"
        children.append(full_box(b"mehd", mehd_version, 0, struct.pack(fmt, mehd_duration)))
    for track_id, default_duration in trex:
        children.append(full_box(b"trex", 0, 0, struct.pack(">IIIII", track_id, 1, default_duration, 0, 0)))  # fmt: skip
    return box(b"mvex", *children)


def traf(
    track_id: int,
    *,
    count: int,
    durations: list[int] | None = None,
    tfhd_default: int | None = None,
    with_sizes: bool = False,
    decode_time: int | None = None,
) -> bytes:
    """A track fragment of ``count`` samples: per-sample ``durations`` or defaults, starting at
    ``decode_time`` (a tfdt box) or, without one, where the track's previous run ended."""
    tfhd_flags = 0x020000 | (0x8 if tfhd_default is not None else 0)
    tfhd_body = struct.pack(">I", track_id)
    if tfhd_default is not None:
        tfhd_body += struct.pack(">I", tfhd_default)
    trun_flags = 0x1 | (0x100 if durations is not None else 0) | (0x200 if with_sizes else 0)
    entries = b""
    for index in range(count):
        if durations is not None:
            entries += struct.pack(">I", durations[index])
        if with_sizes:
            entries += struct.pack(">I", 100)
    tfdt = b"" if decode_time is None else full_box(b"tfdt", 1, 0, struct.pack(">Q", decode_time))
    return box(
        b"traf",
        full_box(b"tfhd", 0, tfhd_flags, tfhd_body),
        tfdt,
        full_box(b"trun", 0, trun_flags, struct.pack(">Ii", count, 0), entries),
    )


def moof(*trafs: bytes) -> bytes:
    return box(b"moof", full_box(b"mfhd", 0, 0, struct.pack(">I", 1)), *trafs)


def mp4(*boxes: bytes, major: bytes = b"isom") -> bytes:
    return ftyp(major) + b"".join(boxes)


def simple_mp4(
    *,
    duration_s: float = 5.0,
    width: int = 1280,
    height: int = 720,
    matrix: tuple[int, int, int, int] = IDENTITY,
    major: bytes = b"isom",
) -> bytes:
    """A faststart-shaped MP4 with one video track and a small mdat."""
    timescale = 1000
    units = round(duration_s * timescale)
    moov = box(
        b"moov",
        mvhd(timescale, units),
        trak(1, width=width, height=height, duration=units, matrix=matrix),
    )
    return mp4(moov, box(b"mdat", bytes(32)), major=major)


# -- EBML / Matroska --------------------------------------------------------------------------

UNKNOWN = -1


def vint(value: int, length: int | None = None) -> bytes:
    """EBML size of ``value`` (UNKNOWN for the all-ones "unknown size")."""
    if value == UNKNOWN:
        length = length or 8
        return bytes([0xFF >> (length - 1) | (0x80 >> (length - 1))]) + b"\xff" * (length - 1)
    if length is None:
        length = 1
        while value >= (1 << (7 * length)) - 1:
            length += 1
    return ((1 << (7 * length)) | value).to_bytes(length, "big")


def element_id(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def element(eid: int, *payload: bytes, size: int | None = None) -> bytes:
    body = b"".join(payload)
    return element_id(eid) + vint(len(body) if size is None else size) + body


def uint_element(eid: int, value: int) -> bytes:
    return element(eid, value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def float_element(eid: int, value: float, *, width: int = 8) -> bytes:
    return element(eid, struct.pack(">d" if width == 8 else ">f", value))


def ebml_header(doctype: bytes = b"matroska") -> bytes:
    return element(
        0x1A45DFA3,
        uint_element(0x4286, 1),
        uint_element(0x42F7, 1),
        uint_element(0x42F2, 4),
        uint_element(0x42F3, 8),
        element(0x4282, doctype),
        uint_element(0x4287, 4),
        uint_element(0x4285, 2),
    )


def info(*, timestamp_scale: int | None = 1_000_000, duration: float | None = None) -> bytes:
    children: list[bytes] = []
    if timestamp_scale is not None:
        children.append(uint_element(0x2AD7B1, timestamp_scale))
    if duration is not None:
        children.append(float_element(0x4489, duration))
    return element(0x1549A966, *children)


def track_entry(
    number: int,
    track_type: int = 1,
    *,
    pixel: tuple[int, int] | None = (1280, 720),
    display: tuple[int, int] | None = None,
    display_unit: int | None = None,
    default_duration_ns: int | None = None,
    roll: float | None = None,
    enabled: bool | None = None,
) -> bytes:
    children = [uint_element(0xD7, number), uint_element(0x83, track_type)]
    if enabled is not None:
        children.append(uint_element(0xB9, int(enabled)))
    if default_duration_ns is not None:
        children.append(uint_element(0x23E383, default_duration_ns))
    if track_type == 1 and pixel is not None:
        video = [uint_element(0xB0, pixel[0]), uint_element(0xBA, pixel[1])]
        if display is not None:
            video += [uint_element(0x54B0, display[0]), uint_element(0x54BA, display[1])]
        if display_unit is not None:
            video.append(uint_element(0x54B2, display_unit))
        if roll is not None:
            video.append(element(0x7670, uint_element(0x7671, 0), float_element(0x7675, roll)))
        children.append(element(0xE0, *video))
    return element(0xAE, *children)


def tracks(*entries: bytes) -> bytes:
    return element(0x1654AE6B, *entries)


def block_header(track: int, relative: int, *, lace_frames: int | None = None) -> bytes:
    flags = 0x80 if lace_frames is None else 0x82  # keyframe; Xiph lacing
    header = vint(track) + struct.pack(">hB", relative, flags)
    if lace_frames is not None:
        header += bytes([lace_frames - 1])
    return header


def simple_block(track: int, relative: int, payload: bytes = bytes(16), **kw: int) -> bytes:
    return element(0xA3, block_header(track, relative, **kw), payload)


def block_group(track: int, relative: int, duration: int | None = None) -> bytes:
    children = [element(0xA1, block_header(track, relative), bytes(16))]
    if duration is not None:
        children.append(uint_element(0x9B, duration))
    return element(0xA0, *children)


def cluster(timestamp: int, *blocks: bytes, unknown_size: bool = False) -> bytes:
    body = uint_element(0xE7, timestamp) + b"".join(blocks)
    if unknown_size:
        return element_id(0x1F43B675) + vint(UNKNOWN) + body
    return element(0x1F43B675, body)


def seek_head(*entries: tuple[int, int]) -> bytes:
    seeks = [
        element(0x4DBB, element(0x53AB, element_id(eid)), uint_element(0x53AC, position))
        for eid, position in entries
    ]
    return element(0x114D9B74, *seeks)


def matroska(*children: bytes, doctype: bytes = b"matroska", unknown_size: bool = False) -> bytes:
    body = b"".join(children)
    size = vint(UNKNOWN) if unknown_size else vint(len(body), 8)
    return ebml_header(doctype) + element_id(0x18538067) + size + body


# -- audio ------------------------------------------------------------------------------------


def wav_bytes(duration_s: float = 1.0, *, rate: int = 8000) -> bytes:
    """A mono 16-bit PCM WAV of silence."""
    data = bytes(int(duration_s * rate) * 2)
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data"
    body += struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def mp3_bytes(frames: int = 40) -> bytes:
    """An ID3v2 tag and silent MPEG-1 layer III frames (128 kbit/s, 44.1 kHz: 417 bytes each)."""
    tag = b"ID3\x04\x00\x00\x00\x00\x00\x00"
    frame = b"\xff\xfb\x90\x64" + bytes(413)
    return tag + frame * frames
