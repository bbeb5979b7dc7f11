"""Matroska / WebM cases that ffmpeg does not produce, built element by element."""

from __future__ import annotations

import pytest

from kieai._errors import KieInputError
from kieai.media import VideoInfo, probe

from .builders import (
    UNKNOWN,
    block_group,
    cluster,
    ebml_header,
    element,
    element_id,
    float_element,
    info,
    matroska,
    seek_head,
    simple_block,
    track_entry,
    tracks,
    uint_element,
    vint,
)

FRAME_NS = 40_000_000  # 25 fps


def video(data: bytes) -> VideoInfo:
    result = probe(data)
    assert isinstance(result, VideoInfo)
    return result


def refusal(data: bytes) -> str:
    with pytest.raises(KieInputError) as caught:
        probe(data)
    return str(caught.value)


def test_duration_and_size_from_info_and_tracks() -> None:
    data = matroska(info(duration=8034.0), tracks(track_entry(1, pixel=(1920, 1080))))

    assert video(data) == VideoInfo(container="mkv", duration=8.034, width=1920, height=1080)


def test_timestamp_scale_applies_to_the_duration() -> None:
    data = matroska(info(timestamp_scale=1000, duration=5_000_000.0), tracks(track_entry(1)))

    assert video(data).duration == 5.0


def test_default_timestamp_scale_is_one_millisecond() -> None:
    data = matroska(info(timestamp_scale=None, duration=2500.0), tracks(track_entry(1)))

    assert video(data).duration == 2.5


def test_webm_doctype_gives_a_webm_container() -> None:
    data = matroska(info(duration=3000.0), tracks(track_entry(1)), doctype=b"webm")

    assert video(data).container == "webm"


def test_display_size_in_pixels_is_the_displayed_size() -> None:
    entry = track_entry(1, pixel=(1440, 1080), display=(1920, 1080))

    assert video(matroska(info(duration=3000.0), tracks(entry))).width == 1920


def test_display_aspect_ratio_scales_the_width() -> None:
    entry = track_entry(1, pixel=(1440, 1080), display=(16, 9), display_unit=3)

    assert video(matroska(info(duration=3000.0), tracks(entry))).width == 1920


def test_display_size_in_centimetres_is_ignored() -> None:
    entry = track_entry(1, pixel=(1440, 1080), display=(16, 9), display_unit=1)

    assert video(matroska(info(duration=3000.0), tracks(entry))).width == 1440


@pytest.mark.parametrize(("roll", "rotation"), [(-90.0, 90), (90.0, 270), (180.0, 180), (0.0, 0)])
def test_projection_pose_roll_is_counter_clockwise(roll: float, rotation: int) -> None:
    entry = track_entry(1, pixel=(1280, 720), roll=roll)
    result = video(matroska(info(duration=3000.0), tracks(entry)))

    assert result.rotation == rotation
    assert (result.coded_width, result.coded_height) == (1280, 720)


def test_non_finite_roll_is_no_rotation() -> None:
    entry = track_entry(1, roll=float("nan"))

    assert video(matroska(info(duration=3000.0), tracks(entry))).rotation == 0


def test_first_enabled_video_track_is_used() -> None:
    entries = (
        track_entry(1, 2),
        track_entry(2, pixel=(320, 240), enabled=False),
        track_entry(3, pixel=(1280, 720)),
    )

    assert video(matroska(info(duration=3000.0), tracks(*entries))).width == 1280


def test_audio_only_matroska_is_refused() -> None:
    data = matroska(info(duration=3000.0), tracks(track_entry(1, 2)))

    assert refusal(data) == "input: audio-only MKV (no video track)"


def test_no_tracks_element_is_no_video_track() -> None:
    data = matroska(info(duration=3000.0), doctype=b"webm")

    assert refusal(data) == "input: WebM has no video track"


def test_info_and_tracks_found_through_the_seek_head_after_the_clusters() -> None:
    tracks_element = tracks(track_entry(1, pixel=(640, 360)))
    info_element = info(duration=4000.0)
    first = seek_head((0x1549A966, 0), (0x1654AE6B, 0))  # placeholder to measure its size
    clusters = cluster(0, simple_block(1, 0))
    head_size = len(first)
    seek = seek_head(
        (0x1549A966, head_size + len(clusters)),
        (0x1654AE6B, head_size + len(clusters) + len(info_element)),
    )
    assert len(seek) == head_size
    data = matroska(seek, clusters, info_element, tracks_element)

    assert video(data) == VideoInfo(container="mkv", duration=4.0, width=640, height=360)


def test_seek_head_pointing_at_the_wrong_element_is_malformed() -> None:
    data = matroska(seek_head((0x1549A966, 0)), tracks(track_entry(1)))

    assert "SeekHead entry for Info points to SeekHead" in refusal(data)


def test_seek_head_pointing_outside_the_segment_is_malformed() -> None:
    data = matroska(seek_head((0x1654AE6B, 10**6)), info(duration=1000.0))

    assert "SeekHead points outside the Segment" in refusal(data)


def test_late_info_and_tracks_without_a_seek_head_are_found_by_walking_on() -> None:
    data = matroska(
        cluster(0, simple_block(1, 0)),
        cluster(1000, simple_block(1, 0)),
        info(),
        tracks(track_entry(1, default_duration_ns=FRAME_NS)),
    )

    assert video(data).duration == pytest.approx(1.04)


def test_missing_duration_is_measured_from_the_last_block_plus_one_frame() -> None:
    data = matroska(
        info(),
        tracks(track_entry(1, default_duration_ns=FRAME_NS), track_entry(2, 2)),
        cluster(0, simple_block(1, 0), simple_block(2, 10), simple_block(1, 40)),
        cluster(5000, simple_block(1, 0), simple_block(1, -40), simple_block(2, 30)),
    )

    assert video(data).duration == pytest.approx(5.04)  # track 2's last block: 5.03 s, no frame


def test_zero_duration_is_treated_as_missing() -> None:
    data = matroska(
        info(duration=0.0),
        tracks(track_entry(1)),
        cluster(3000, simple_block(1, 0)),
    )

    assert video(data).duration == 3.0


def test_block_duration_of_a_block_group_counts() -> None:
    data = matroska(
        info(),
        tracks(track_entry(1, default_duration_ns=FRAME_NS)),
        cluster(2000, block_group(1, 0, duration=500), simple_block(1, 40)),
    )

    assert video(data).duration == 2.5


def test_laced_block_spans_all_its_frames() -> None:
    data = matroska(
        info(),
        tracks(track_entry(1), track_entry(2, 2, default_duration_ns=20_000_000)),
        cluster(1000, simple_block(1, 0), simple_block(2, 0, lace_frames=5)),
    )

    assert video(data).duration == pytest.approx(1.1)


def test_unknown_size_segment_and_clusters_are_scanned() -> None:
    data = matroska(
        info(),
        tracks(track_entry(1, default_duration_ns=FRAME_NS)),
        cluster(0, simple_block(1, 0), unknown_size=True),
        cluster(1000, simple_block(1, 0), simple_block(1, 960), unknown_size=True),
        element(0x1C53BB6B, bytes(4)),  # Cues end the last unknown-size cluster
        doctype=b"webm",
        unknown_size=True,
    )

    assert video(data).duration == 2.0


def test_scan_stops_at_a_second_segments_ebml_header() -> None:
    entry = track_entry(1, default_duration_ns=FRAME_NS)
    first = info() + tracks(entry) + cluster(0, simple_block(1, 0))
    chained = matroska(info(), tracks(entry), cluster(9000, simple_block(1, 0)))
    data = ebml_header() + element_id(0x18538067) + vint(UNKNOWN) + first + chained

    assert video(data).duration == pytest.approx(0.04)


def test_no_duration_and_no_blocks_is_refused() -> None:
    data = matroska(info(), tracks(track_entry(1)))

    assert refusal(data) == "input: MKV has no Duration and no blocks to measure"


def test_zero_timestamp_scale_is_malformed() -> None:
    data = matroska(info(timestamp_scale=0, duration=1.0), tracks(track_entry(1)))

    assert "TimestampScale is 0" in refusal(data)


def test_negative_duration_is_implausible() -> None:
    data = matroska(info(duration=-5.0), tracks(track_entry(1)))

    assert "implausible duration -0.005 s" in refusal(data)


def test_float32_duration() -> None:
    duration = float_element(0x4489, 1500.0, width=4)
    data = matroska(element(0x1549A966, duration), tracks(track_entry(1)))

    assert video(data).duration == 1.5


def test_float_of_odd_width_is_malformed() -> None:
    data = matroska(element(0x1549A966, element(0x4489, bytes(3))), tracks(track_entry(1)))

    assert "Duration: float of 3 bytes" in refusal(data)


def test_unsigned_integer_wider_than_8_bytes_is_malformed() -> None:
    data = matroska(element(0x1549A966, element(0x2AD7B1, bytes(9))), tracks(track_entry(1)))

    assert "TimestampScale: unsigned integer of 9 bytes" in refusal(data)


def test_unknown_size_outside_a_cluster_is_malformed() -> None:
    body = element_id(0x1654AE6B) + vint(UNKNOWN) + track_entry(1)
    data = matroska(info(duration=1.0), body)

    assert "Tracks has an unknown size" in refusal(data)


def test_child_overrunning_its_parent_is_malformed() -> None:
    entry = element_id(0xAE) + vint(4) + uint_element(0xD7, 1) + uint_element(0x83, 1)
    data = matroska(info(duration=1000.0), tracks(entry))

    assert "past the end of its parent" in refusal(data)


def test_something_other_than_a_segment_after_the_header() -> None:
    data = matroska(info(duration=1.0))
    data = data.replace(element_id(0x18538067), element_id(0x1654AE6B), 1)

    assert "expected a Segment, found Tracks" in refusal(data)


def test_void_before_the_segment_is_skipped() -> None:
    data = matroska(info(duration=1000.0), tracks(track_entry(1)))
    segment = data.index(element_id(0x18538067))
    data = data[:segment] + element(0xEC, bytes(5)) + data[segment:]

    assert video(data).duration == 1.0


def test_header_only_file_has_no_segment() -> None:
    data = matroska(info(duration=1.0))
    data = data[: data.index(element_id(0x18538067))]

    assert "no Segment after the EBML header" in refusal(data)


def test_block_header_too_short_is_malformed() -> None:
    block = element(0xA3, b"\x81\x00")
    data = matroska(info(), tracks(track_entry(1)), cluster(0, block))

    assert "bad block header" in refusal(data)


def test_block_with_an_invalid_track_number_is_malformed() -> None:
    block = element(0xA3, b"\x00" * 12)
    data = matroska(info(), tracks(track_entry(1)), cluster(0, block))

    assert "bad block header" in refusal(data)


def test_laced_block_without_a_frame_count_is_malformed() -> None:
    block = element(0xA3, b"\x81\x00\x00\x82")
    data = matroska(info(), tracks(track_entry(1)), cluster(0, block))

    assert "bad laced block header" in refusal(data)


def test_unknown_size_element_inside_a_cluster_is_malformed() -> None:
    body = uint_element(0xE7, 0) + element_id(0xA0) + vint(UNKNOWN)
    data = matroska(info(), tracks(track_entry(1)), element(0x1F43B675, body))

    assert "BlockGroup in a Cluster has an unknown size" in refusal(data)


def test_file_ending_inside_an_element_header_is_truncated() -> None:
    data = matroska(
        info(), tracks(track_entry(1)), cluster(0, simple_block(1, 0)), unknown_size=True
    )
    data += b"\x1f\x43"  # the start of a Cluster ID, then the end of the file

    assert "truncated MKV: file ends inside an element header" in refusal(data)
