"""MP4 / QuickTime cases that ffmpeg does not produce, built box by box."""

from __future__ import annotations

import pytest

from kieai._errors import KieInputError
from kieai.media import VideoInfo, probe

from .builders import (
    ROTATE_90_CW,
    ROTATE_180,
    ROTATE_270_CW,
    box,
    full_box,
    moof,
    mp4,
    mvex,
    mvhd,
    simple_mp4,
    traf,
    trak,
)


def video(data: bytes) -> VideoInfo:
    info = probe(data)
    assert isinstance(info, VideoInfo)
    return info


def refusal(data: bytes) -> str:
    with pytest.raises(KieInputError) as caught:
        probe(data)
    return str(caught.value)


@pytest.mark.parametrize(
    ("matrix", "rotation", "size"),
    [
        (ROTATE_90_CW, 90, (720, 1280)),
        (ROTATE_180, 180, (1280, 720)),
        (ROTATE_270_CW, 270, (720, 1280)),
    ],
)
def test_rotation_from_the_tkhd_matrix_is_clockwise(
    matrix: tuple[int, int, int, int], rotation: int, size: tuple[int, int]
) -> None:
    info = video(simple_mp4(matrix=matrix))

    assert (info.rotation, (info.width, info.height)) == (rotation, size)
    assert (info.coded_width, info.coded_height) == (1280, 720)


def test_mirrored_matrix_rounds_to_the_nearest_quarter_turn() -> None:
    assert video(simple_mp4(matrix=(-1, 0, 0, 1))).rotation == 180


def test_degenerate_matrix_is_no_rotation() -> None:
    assert video(simple_mp4(matrix=(0, 0, 0, 0))).rotation == 0


def test_version_1_boxes_and_64_bit_sizes() -> None:
    moov = box(
        b"moov",
        mvhd(90000, 90000 * 12, version=1),
        trak(1, width=1920, height=1080, timescale=90000, duration=90000 * 12, version=1),
        large=True,
    )
    data = mp4(box(b"mdat", bytes(100), large=True), moov)

    assert video(data) == VideoInfo(container="mp4", duration=12.0, width=1920, height=1080)


def test_unknown_mvhd_duration_falls_back_to_the_longest_track() -> None:
    moov = box(
        b"moov",
        mvhd(1000, 0xFFFFFFFF),
        trak(1, width=640, height=480, timescale=600, duration=600 * 4),
        trak(2, b"soun", timescale=48000, duration=48000 * 5),
    )

    assert video(mp4(moov)).duration == 5.0


def test_mehd_gives_the_duration_of_a_fragmented_file() -> None:
    moov = box(
        b"moov", mvhd(1000, 0), trak(1, width=640, height=480), mvex((1, 1), mehd_duration=7500)
    )

    assert video(mp4(moov, moof(traf(1, count=10)))).duration == 7.5


def test_version_1_mehd() -> None:
    moov = box(
        b"moov",
        mvhd(1000, 0),
        trak(1, width=640, height=480),
        mvex((1, 1), mehd_duration=4000, mehd_version=1),
    )

    assert video(mp4(moov, moof(traf(1, count=10)))).duration == 4.0


@pytest.mark.parametrize("mehd", [7500, None], ids=["with-mehd", "without-mehd"])
def test_a_fragmented_init_segment_without_fragments_has_no_media_samples(
    mehd: int | None,
) -> None:
    moov = box(
        b"moov", mvhd(1000, 0), trak(1, width=1280, height=720), mvex((1, 33), mehd_duration=mehd)
    )

    message = refusal(mp4(moov))
    assert "no media samples" in message
    assert ("'mehd' claims 7.5 s" in message) == (mehd is not None)


def test_fragments_of_another_track_only_leave_the_video_without_samples() -> None:
    moov = box(
        b"moov",
        mvhd(1000, 0),
        trak(1, width=1280, height=720),
        trak(2, b"soun", timescale=48000),
        mvex((1, 33), (2, 1024), mehd_duration=5000),
    )

    assert "no media samples" in refusal(mp4(moov, moof(traf(2, count=200))))


@pytest.mark.parametrize("version", [0, 1])
def test_a_moov_without_mvhd_is_measured_from_its_tracks(version: int) -> None:
    moov = box(
        b"moov",
        trak(1, width=1280, height=720, timescale=30000, duration=30000 * 12, version=version),
        trak(2, b"soun", timescale=48000, duration=48000 * 12 + 4800, version=version),
    )

    info = video(mp4(moov, box(b"mdat", bytes(16))))
    assert info.duration == pytest.approx(12.1)  # the longest track, as ffprobe reports
    assert (info.width, info.height) == (1280, 720)


def test_a_fragmented_moov_without_mvhd_is_measured_from_its_fragments() -> None:
    moov = box(b"moov", trak(1, width=640, height=480, timescale=100), mvex((1, 1)))

    assert video(mp4(moov, moof(traf(1, count=450)))).duration == 4.5


def test_a_moov_without_mvhd_nor_track_durations_is_refused() -> None:
    moov = box(b"moov", trak(1, width=640, height=480))

    assert (
        refusal(mp4(moov))
        == "input: malformed MP4: 'moov' has no 'mvhd' box (and no track has a duration)"
    )


def test_fragment_durations_are_summed_per_track_and_the_longest_wins() -> None:
    moov = box(
        b"moov",
        mvhd(1000, 0),
        trak(1, width=640, height=480, timescale=30),
        trak(2, b"soun", timescale=1000),
        mvex((1, 1), (2, 0)),
    )
    fragments = [
        moof(traf(1, count=90), traf(2, count=3, durations=[1000, 1000, 1500])),  # trex default
        moof(traf(1, count=60, tfhd_default=1, with_sizes=True)),  # tfhd default
        moof(traf(1, count=3, durations=[1, 1, 1], with_sizes=True)),  # per sample
    ]
    data = mp4(moov, *(fragment + box(b"mdat", bytes(8)) for fragment in fragments))

    assert video(data).duration == pytest.approx(153 / 30)


def test_fragment_timeline_gaps_count_like_ffprobe() -> None:
    moov = box(b"moov", mvhd(1000, 0), trak(1, width=64, height=48, timescale=100), mvex((1, 1)))
    fragments = [moof(traf(1, count=100, decode_time=0)), moof(traf(1, count=100, decode_time=250))]

    assert video(mp4(moov, *fragments)).duration == 3.5  # 0-1 s, then 2.5-3.5 s


def test_fragments_cut_from_a_live_stream_start_their_timeline_late() -> None:
    moov = box(b"moov", mvhd(1000, 0), trak(1, width=64, height=48, timescale=100), mvex((1, 1)))
    hours = 100 * 3600 * 5
    fragments = [moof(traf(1, count=300, decode_time=hours + 300 * i)) for i in range(2)]

    assert video(mp4(moov, *fragments)).duration == 6.0


def test_fragments_continue_after_samples_in_moov() -> None:
    moov = box(
        b"moov",
        mvhd(1000, 1000),
        trak(1, width=64, height=48, timescale=100, duration=100),
        mvex((1, 1)),
    )
    fragments = [moof(traf(1, count=100, decode_time=100)), moof(traf(1, count=100))]

    assert video(mp4(moov, *fragments)).duration == 3.0


def test_tfdt_version_1_and_unsupported_version() -> None:
    moov = box(b"moov", mvhd(1000, 0), trak(1, width=64, height=48, timescale=10), mvex((1, 1)))
    bad = box(b"moof", box(b"traf", full_box(b"tfdt", 7, 0, bytes(8))))

    assert video(mp4(moov, moof(traf(1, count=20, decode_time=2**40)))).duration == 2.0
    assert "'tfdt' box has unsupported version 7" in refusal(mp4(moov, bad))


def test_moof_before_moov_is_still_counted() -> None:
    moov = box(b"moov", mvhd(1000, 0), trak(1, width=640, height=480, timescale=10), mvex((1, 1)))

    assert video(mp4(moof(traf(1, count=50)), moov)).duration == 5.0


def test_fragments_of_an_unknown_track_are_ignored() -> None:
    moov = box(b"moov", mvhd(1000, 0), trak(1, width=64, height=48, timescale=10), mvex((1, 1)))
    data = mp4(moov, moof(traf(1, count=30)), moof(traf(9, count=1000, tfhd_default=5)))

    assert video(data).duration == 3.0


def test_zero_tkhd_size_falls_back_to_the_sample_entry() -> None:
    moov = box(
        b"moov",
        mvhd(1000, 3000),
        trak(1, width=0, height=0, duration=3000, stsd_size=(854, 480)),
    )

    info = video(mp4(moov))

    assert (info.width, info.height) == (854, 480)


def test_first_enabled_video_track_is_used() -> None:
    moov = box(
        b"moov",
        mvhd(1000, 3000),
        trak(1, width=320, height=240, enabled=False),
        trak(2, width=1920, height=1080),
    )

    assert video(mp4(moov)).width == 1920


def test_quicktime_handler_layout_is_read() -> None:
    assert video(simple_mp4(major=b"qt  ")).container == "mov"


def test_m4a_brand_with_a_video_track_is_refused_by_name() -> None:
    assert refusal(simple_mp4(major=b"M4A ")).endswith(
        "M4A audio is not a supported image or video"
    )


def test_no_tracks_at_all() -> None:
    assert refusal(mp4(box(b"moov", mvhd(1000, 1000)))) == "input: MP4 has no video track"


def test_zero_timescale_is_malformed() -> None:
    moov = box(b"moov", mvhd(0, 1000), trak(1, width=64, height=48))

    assert "'mvhd' timescale is 0" in refusal(mp4(moov))


def test_zero_duration_everywhere_is_implausible() -> None:
    moov = box(b"moov", mvhd(1000, 0), trak(1, width=64, height=48))

    assert "implausible duration 0.0 s" in refusal(mp4(moov))


def test_huge_duration_is_implausible() -> None:
    moov = box(b"moov", mvhd(1, 0xFFFFFFF0), trak(1, width=64, height=48))

    assert "implausible duration" in refusal(mp4(moov))


def test_zero_width_is_implausible() -> None:
    assert "implausible width 0 px" in refusal(simple_mp4(width=0, height=720))


def test_two_moov_boxes_are_malformed() -> None:
    moov = box(b"moov", mvhd(1000, 1000), trak(1, width=64, height=48))

    assert "two 'moov' boxes" in refusal(mp4(moov, moov))


def test_unsupported_box_version_is_malformed() -> None:
    moov = box(b"moov", full_box(b"mvhd", 2, 0, bytes(100)))

    assert "'mvhd' box has unsupported version 2" in refusal(mp4(moov))


def test_box_too_short_for_its_fields() -> None:
    moov = box(b"moov", full_box(b"mvhd", 0, 0, bytes(4)))

    assert "'mvhd' box too short" in refusal(mp4(moov))


def test_trun_claiming_more_samples_than_it_holds() -> None:
    moov = box(b"moov", mvhd(1000, 0), trak(1, width=64, height=48), mvex((1, 1)))
    run = full_box(b"trun", 0, 0x100, (1_000_000).to_bytes(4, "big"), bytes(8))
    data = mp4(moov, box(b"moof", box(b"traf", full_box(b"tfhd", 0, 0, bytes(4)), run)))

    assert "'trun' box too short for 1000000 samples" in refusal(data)


def test_stray_bytes_inside_a_box() -> None:
    moov = box(b"moov", mvhd(1000, 1000), trak(1, width=64, height=48), b"\x00\x00\x00")

    assert "3 stray bytes at the end of 'moov'" in refusal(mp4(moov))


def test_file_ending_inside_a_top_level_box_header_after_moov() -> None:
    data = simple_mp4() + b"\x00\x00\x00"

    assert "truncated MP4: 3 stray bytes" in refusal(data)


def test_64_bit_size_cut_short_at_the_end_of_the_file() -> None:
    data = simple_mp4() + b"\x00\x00\x00\x01mdat\x00\x00"

    assert "truncated MP4: 'mdat' box cut in its header" in refusal(data)


def test_mdat_cut_short_after_moov_is_a_truncated_upload() -> None:
    whole = simple_mp4()
    data = whole[:-10]

    assert refusal(data) == (
        f"input: truncated MP4: 'mdat' box ends at byte {len(whole)}, past the end of the file "
        f"({len(data)} bytes) (incomplete upload?)"
    )


def test_non_ascii_box_type_is_shown_in_hex() -> None:
    data = mp4(b"\x00\x00\x00\x04\xff\xfe\x00\x01")

    assert "box '0xfffe0001' has invalid size 4" in refusal(data)
