"""The prober against real files made by ffmpeg and Pillow, compared with what ffprobe said
about the same files (tests/fixtures/media/expected.json, written by make_fixtures.sh)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest

from kieai._errors import KieInputError
from kieai.media import ImageInfo, VideoInfo, probe

FIXTURES = Path(__file__).parent.parent / "fixtures" / "media"
EXPECTED: dict[str, dict[str, Any]] = json.loads((FIXTURES / "expected.json").read_text())["files"]
DURATION_TOLERANCE_S = 0.15

VIDEOS = {
    "mp4_faststart_160x90_10s.mp4": "mp4",
    "mp4_moovend_160x90_10s.mp4": "mp4",
    "fmp4_160x90_10s.mp4": "mp4",
    "fmp4_moov_samples_160x90_4s.mp4": "mp4",
    "fmp4_every_frame_aac_160x90_4s.mp4": "mp4",
    "mp4_1280x720_3s.mp4": "mp4",
    "mp4_rot90_coded160x90_6s.mp4": "mp4",
    "mov_portrait_90x160_5s.mov": "mov",
    "mov_rot90_coded160x90_6s.mov": "mov",
    "mov_hevc_rot270_coded160x90_6s.mov": "mov",
    "mov_free_first_noftyp.mov": "mov",
    "mov_moov_first_noftyp.mov": "mov",
    "mkv_160x90_8s.mkv": "mkv",
    "mp4_anamorphic_sar4x3_160x90_3s.mp4": "mp4",
    "mkv_anamorphic_sar4x3_160x90_3s.mkv": "mkv",
    "mkv_pipe_7s.mkv": "mkv",
    "webm_vp9_160x90_5s.webm": "webm",
    "webm_live_pipe_7s.webm": "webm",
    "webm_mediarecorder_like_7s.webm": "webm",
    "lying_mp4_named.png": "mp4",
    "lying_webm_named.mp4": "webm",
}
IMAGES = {
    "img_320x240.jpg": "jpeg",
    "img_320x240_prog.jpg": "jpeg",
    "img_320x240_fill_bytes.jpg": "jpeg",
    "img_exif_orient6_320x240.jpg": "jpeg",
    "img_320x240.png": "png",
    "img_320x240.webp": "webp",
    "img_320x240_lossless.webp": "webp",
    "img_320x240_alpha.webp": "webp",
    "lying_webp_named.jpg": "webp",
    "bad_trunc.jpg": "jpeg",  # header-only: a JPEG cut after its frame header still has a size
}
REFUSED = {
    "audio_only_5s.m4a": "audio_only_5s.m4a: audio-only M4A (no video track)",
    "audio_only_5s.mp4": "audio_only_5s.mp4: audio-only MP4 (no video track)",
    "lying_m4a_named.png": "lying_m4a_named.png: audio-only M4A (no video track)",
    "img_heic_brand.heic": "img_heic_brand.heic: HEIC image is not a supported image or video",
    "img_mif1_heic_compat.heic": "img_mif1_heic_compat.heic: HEIC image is not a supported",
    "img_320x240.avif": "img_320x240.avif: AVIF image is not a supported image or video",
    "img_320x240.gif": "img_320x240.gif: GIF image is not a supported image or video",
    "img_64x48.bmp": "img_64x48.bmp: BMP image is not a supported image or video",
    "img_320x240.tif": "img_320x240.tif: TIFF image is not a supported image or video",
    "text_named.png": "text_named.png: text file, not an image or video",
    "doc_named.jpg": "doc_named.jpg: PDF document, not an image or video",
    "bad_empty.mp4": "bad_empty.mp4: empty file",
    "bad_random.mp4": "bad_random.mp4: not a recognised image or video",
    "bad_trunc_moovend_no_moov.mp4": "truncated MP4: no 'moov' box (incomplete upload?)",
    "bad_trunc_inside_moov.mp4": "truncated MP4: 'moov' box ends at byte",
    "bad_box_size0.mp4": "malformed MP4: 'moov' has no 'mvhd' box",
    "bad_box_size4.mp4": "malformed MP4: box 'moov' has invalid size 4",
    "bad_box_huge.mp4": "truncated MP4: 'moov' box ends at byte 2147483671",
    "bad_mvhd_size.mp4": "malformed MP4: 'mvhd' box ends at byte",
    "bad_trunc_mkv.mkv": "truncated MKV: Segment ends at byte",
    "bad_trunc_mkv_200b.mkv": "truncated MKV: Segment ends",
    "bad_mkv_vint.mkv": "malformed MKV: invalid EBML variable-length integer",
    "bad_trunc_20b.png": "truncated PNG",
}
HEADER_ONLY_IMAGES = {"bad_trunc.png": (320, 240)}  # ffprobe says 0x0: it wants pixel data


def ffprobe_of(name: str) -> dict[str, Any]:
    return cast("dict[str, Any]", EXPECTED[name]["ffprobe"])


def displayed_width(reported: dict[str, Any]) -> int:
    """The stored width scaled by the sample aspect ratio ("0:1" means unknown, i.e. square)."""
    numerator, denominator = (
        int(part) for part in (reported["sample_aspect_ratio"] or "1:1").split(":")
    )
    if numerator == 0 or denominator == 0:
        return int(reported["width"])
    return round(reported["width"] * numerator / denominator)


def test_every_fixture_has_an_expectation() -> None:
    covered = VIDEOS.keys() | IMAGES.keys() | REFUSED.keys() | HEADER_ONLY_IMAGES.keys()
    assert set(EXPECTED) == covered


def test_fixture_directory_stays_small() -> None:
    total = sum(path.stat().st_size for path in FIXTURES.iterdir())
    assert total < 2 * 1024 * 1024


@pytest.mark.parametrize("name", sorted(VIDEOS))
def test_video_matches_ffprobe(name: str) -> None:
    reported = ffprobe_of(name)
    info = probe(FIXTURES / name)

    assert isinstance(info, VideoInfo)
    assert info.container == VIDEOS[name]
    want_duration = reported["duration"] or EXPECTED[name]["source_duration"]
    assert info.duration == pytest.approx(want_duration, abs=DURATION_TOLERANCE_S)
    # ffprobe reports the stored size, the pixel aspect ratio, and a counter-clockwise
    # display-matrix angle; the prober reports the displayed size and a clockwise angle.
    assert (info.coded_width, info.coded_height) == (displayed_width(reported), reported["height"])
    assert info.rotation == (-(reported["rotation"] or 0)) % 360


@pytest.mark.parametrize(
    "name", sorted(n for n in VIDEOS if "ffmpeg_display_rotation_cw" in EXPECTED[n])
)
def test_rotation_is_the_clockwise_turn_ffmpeg_applies_when_displaying(name: str) -> None:
    info = probe(FIXTURES / name)

    assert isinstance(info, VideoInfo)
    assert info.rotation == EXPECTED[name]["ffmpeg_display_rotation_cw"]
    assert (info.width, info.height) == (info.coded_height, info.coded_width)  # turned a quarter


def test_ffmpeg_rotate_90_metadata_displays_as_270_clockwise() -> None:
    info = probe(FIXTURES / "mp4_rot90_coded160x90_6s.mp4")

    assert info == VideoInfo(container="mp4", duration=6.0, width=90, height=160, rotation=270)


def test_iphone_like_hevc_rotate_270_metadata_displays_as_90_clockwise() -> None:
    info = probe(FIXTURES / "mov_hevc_rot270_coded160x90_6s.mov")

    assert info == VideoInfo(container="mov", duration=6.0, width=90, height=160, rotation=90)


def test_container_duration_is_the_longest_track_like_ffprobe() -> None:
    info = probe(FIXTURES / "mp4_faststart_160x90_10s.mp4")  # 10 s video + 10.112 s AAC

    assert isinstance(info, VideoInfo)
    assert info.duration == pytest.approx(10.112, abs=1e-6)


def test_matroska_without_duration_adds_one_frame_to_the_last_block() -> None:
    info = probe(FIXTURES / "mkv_pipe_7s.mkv")  # 15 fps: last frame starts at 6.933 s

    assert isinstance(info, VideoInfo)
    assert info.duration == pytest.approx(7.0, abs=0.001)


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_image_matches_ffprobe(name: str) -> None:
    reported = ffprobe_of(name)
    info = probe(FIXTURES / name)

    assert isinstance(info, ImageInfo)
    assert (info.format, info.width, info.height) == (
        IMAGES[name],
        reported["width"],
        reported["height"],
    )


def test_exif_orientation_is_not_applied() -> None:
    info = probe(FIXTURES / "img_exif_orient6_320x240.jpg")

    assert (info.width, info.height) == (320, 240)


@pytest.mark.parametrize("name", sorted(HEADER_ONLY_IMAGES))
def test_truncated_png_still_reports_its_header_size(name: str) -> None:
    info = probe(FIXTURES / name)

    assert (info.width, info.height) == HEADER_ONLY_IMAGES[name]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_with_a_message_naming_the_file_and_what_it_is(name: str) -> None:
    with pytest.raises(KieInputError) as caught:
        probe(FIXTURES / name)

    message = str(caught.value)
    assert message.startswith(f"{name}: ")
    assert REFUSED[name] in message
    assert caught.value.problems == [message]


@pytest.mark.parametrize(
    "name", ["mp4_anamorphic_sar4x3_160x90_3s.mp4", "mkv_anamorphic_sar4x3_160x90_3s.mkv"]
)
def test_non_square_pixels_report_the_displayed_size(name: str) -> None:
    info = probe(FIXTURES / name)

    assert (info.width, info.height) == (213, 90)  # 160 x 4/3


def test_webm_is_described_not_refused() -> None:
    info = probe(FIXTURES / "webm_vp9_160x90_5s.webm")

    assert info == VideoInfo(container="webm", duration=5.0, width=160, height=90)
