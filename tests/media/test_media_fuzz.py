"""Corrupt input never escapes as anything but ``KieInputError``, and never takes long.

A seeded mutator corrupts the header regions of the real fixtures (bit flips, "interesting"
sizes such as 0, 4, 2**31 and all-ones, truncation, deletions, insertions) and a hypothesis test
feeds arbitrary bytes behind every magic number. A failure prints the case number and seed, so
``mutate(random.Random(seed), ...)`` reproduces it.
"""

from __future__ import annotations

import io
import math
import os
import random
import struct
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kieai._errors import KieInputError
from kieai.media import ImageInfo, VideoInfo, probe, sniff

from .builders import (
    block_group,
    cluster,
    info,
    matroska,
    moof,
    mp4,
    mvex,
    mvhd,
    seek_head,
    simple_block,
    track_entry,
    tracks,
    traf,
    trak,
)
from .builders import box as mp4_box

FIXTURES = Path(__file__).parent.parent / "fixtures" / "media"
SEED_FILES = [
    "mp4_faststart_160x90_10s.mp4",
    "mp4_moovend_160x90_10s.mp4",
    "fmp4_160x90_10s.mp4",
    "fmp4_moov_samples_160x90_4s.mp4",
    "fmp4_every_frame_aac_160x90_4s.mp4",
    "mov_hevc_rot270_coded160x90_6s.mov",
    "mov_moov_first_noftyp.mov",
    "mkv_160x90_8s.mkv",
    "mkv_pipe_7s.mkv",
    "webm_vp9_160x90_5s.webm",
    "webm_mediarecorder_like_7s.webm",
    "img_320x240.jpg",
    "img_320x240_prog.jpg",
    "img_320x240.png",
    "img_320x240.webp",
    "img_320x240_lossless.webp",
    "img_320x240_alpha.webp",
]
#: 5,000 in the normal run; KIEAI_FUZZ_CASES=100000 (and KIEAI_FUZZ_SEED) for a long run.
MUTATION_CASES = int(os.environ.get("KIEAI_FUZZ_CASES", "5000"))
#: A hang guard per case, not a speed limit: a probe reads a bounded number of bytes (see
#: ``kieai.media._reader``) and takes milliseconds; only a loop that never ends trips this.
CASE_HANG_GUARD_S = 10.0
RANDOM_SEED = int(os.environ.get("KIEAI_FUZZ_SEED", "20261125"))
INTERESTING_8 = (0x00, 0x01, 0x08, 0x10, 0x40, 0x7F, 0x80, 0x81, 0xFE, 0xFF)
INTERESTING_32 = (0, 1, 4, 7, 8, 16, 0x7F, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFF0, 0xFFFFFFFF)


def synthetic_seeds() -> list[bytes]:
    """Structures the fixtures lack: mehd, trex/tfhd defaults, SeekHead, BlockGroups, lacing."""
    fragmented = mp4(
        mp4_box(
            b"moov",
            mvhd(1000, 0),
            trak(1, width=640, height=480, timescale=30),
            mvex((1, 1), mehd_duration=0),
        ),
        moof(traf(1, count=30, durations=list(range(30)), with_sizes=True)),
        moof(traf(1, count=30, tfhd_default=2)),
    )
    entry = track_entry(1, default_duration_ns=40_000_000, roll=90.0, display=(640, 360))
    clusters = cluster(0, block_group(1, 0, duration=40), simple_block(1, 40, lace_frames=3))
    info_element = info()
    head_size = len(seek_head((0x1549A966, 0), (0x1654AE6B, 0)))
    info_at = head_size + len(clusters)
    late_headers = matroska(
        seek_head((0x1549A966, info_at), (0x1654AE6B, info_at + len(info_element))),
        clusters,
        info_element,
        tracks(entry, track_entry(2, 2)),
        unknown_size=True,
    )
    return [fragmented, late_headers]


def hot_ranges(data: bytes) -> list[tuple[int, int]]:
    """Where the headers are: the start of the file and, for MP4, the moov box."""
    ranges = [(0, min(len(data), 1024))]
    at = data.find(b"moov")
    if at >= 4:
        size = struct.unpack_from(">I", data, at - 4)[0]
        ranges.append((at - 4, min(len(data), at - 4 + max(size, 8))))
    return ranges


def mutate(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    ranges = hot_ranges(data)
    for _ in range(rng.randint(1, 4)):
        if not out:
            break
        if rng.random() < 0.8:
            start, end = rng.choice(ranges)
            pos = rng.randrange(start, max(start + 1, min(end, len(out))))
        else:
            pos = rng.randrange(len(out))
        pos = min(pos, len(out) - 1)
        operation = rng.randrange(7)
        if operation == 0:
            out[pos] ^= 1 << rng.randrange(8)
        elif operation == 1:
            out[pos] = rng.choice(INTERESTING_8)
        elif operation == 2:
            value = rng.choice((*INTERESTING_32, len(out), len(out) - pos, rng.getrandbits(32)))
            out[pos : pos + 4] = struct.pack(">I", value)
        elif operation == 3:
            del out[pos:]
        elif operation == 4:
            del out[pos : pos + rng.randint(1, 64)]
        elif operation == 5:
            out[pos:pos] = rng.randbytes(rng.randint(1, 32))
        else:
            out[pos : pos + 8] = bytes.fromhex("01ffffffffffffff")  # EBML unknown size
    return bytes(out)


def check(data: bytes, *, as_file: bool) -> None:
    """One case: a plausible description or KieInputError, nothing else."""
    sniff(data[:4096])
    try:
        result = probe(io.BytesIO(data)) if as_file else probe(data)
    except KieInputError:
        return
    assert isinstance(result, (ImageInfo, VideoInfo))
    assert result.width > 0
    assert result.height > 0
    if isinstance(result, VideoInfo):
        assert math.isfinite(result.duration)
        assert result.duration > 0
        assert result.rotation in (0, 90, 180, 270)


@pytest.mark.slow
def test_mutated_fixture_headers_only_raise_input_errors() -> None:
    seeds = [(FIXTURES / name).read_bytes() for name in SEED_FILES] + synthetic_seeds()
    master = random.Random(RANDOM_SEED)
    slowest = 0.0
    for case in range(MUTATION_CASES):
        seed = master.getrandbits(64)
        rng = random.Random(seed)
        data = mutate(rng, rng.choice(seeds))
        started = time.perf_counter()
        try:
            check(data, as_file=case % 5 == 0)
        except Exception as exc:
            raise AssertionError(f"case {case} (seed {seed}): {exc!r}") from exc
        slowest = max(slowest, time.perf_counter() - started)
    assert slowest < CASE_HANG_GUARD_S


MAGICS = [
    b"",
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    b"RIFF\x00\x00\x00\x00WEBP",
    b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isommp41",
    b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ",
    b"\x00\x00\x00\x08wide",
    b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm",
    b"\x1a\x45\xdf\xa3\xa3\x42\x82\x88matroska\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff",
]


@settings(max_examples=250, deadline=None, database=None)
@given(magic=st.sampled_from(MAGICS), body=st.binary(max_size=512))
def test_arbitrary_bytes_behind_a_magic_number_only_raise_input_errors(
    magic: bytes, body: bytes
) -> None:
    check(magic + body, as_file=False)
