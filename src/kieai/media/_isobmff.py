"""Duration, size and rotation of MP4 / QuickTime files (ISO base media file format).

The answer lives in the ``moov`` box (``mvhd`` for the duration, the video ``trak``'s ``tkhd``
for size and display matrix, ``mdia/hdlr`` to know which track is video). The walk reads box
headers and seeks past everything else, so ``mdat`` (the media, nearly all of the file) is never
read, wherever ``moov`` sits. Fragmented files keep their samples in ``moof`` boxes and may
leave ``mvhd``'s duration at 0: then the duration comes from ``mvex/mehd``, or from each
track's fragment timeline: every ``moof/traf`` starts at its ``tfdt`` (or where the previous run
ended) and lasts the sum of its ``trun`` sample durations (with ``tfhd``/``trex`` defaults).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from ._info import VideoInfo
from ._reader import Budget, MediaError, Source

__all__ = ["probe_isobmff"]

#: Boxes walked per file. A fragmented 30 s clip with one fragment per frame has about 13,000.
MAX_BOXES = 200_000
_BOX_HEADER_BYTES = 8
_LARGE_BOX_HEADER_BYTES = 16
_FIXED_16_16_ONE = 0x10000
#: ``trun`` sample tables are summed in slices of this many bytes.
_TRUN_SLICE_BYTES = 64 * 1024
#: ``mvhd``/``mdhd`` durations of all ones mean "unknown".
_UNKNOWN_DURATIONS = frozenset({0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF})

# trun flags
_TRUN_DATA_OFFSET = 0x1
_TRUN_FIRST_SAMPLE_FLAGS = 0x4
_TRUN_SAMPLE_DURATION = 0x100
_TRUN_SAMPLE_FIELDS = 0xF00
# tfhd flags
_TFHD_BASE_DATA_OFFSET = 0x1
_TFHD_SAMPLE_DESCRIPTION_INDEX = 0x2
_TFHD_DEFAULT_SAMPLE_DURATION = 0x8

_SHORT_NAMES = {"mp4": "MP4", "mov": "MOV", "m4a": "M4A"}
_FILE = "file"  # the parent name of top-level boxes


class _Truncated(MediaError):
    """A top-level box that does not fit in the file: the file was cut short."""

    def __init__(self, box_type: bytes | None, detail: str) -> None:
        super().__init__(detail)
        self.box_type = box_type
        self.detail = detail


@dataclass
class _Track:
    track_id: int = 0
    enabled: bool = True
    handler: bytes = b""
    width: int = 0  # tkhd presentation size, before the display matrix
    height: int = 0
    matrix_a: int = _FIXED_16_16_ONE
    matrix_b: int = 0
    timescale: int = 0
    media_duration: int = 0  # mdhd: samples stored in moov, in ``timescale`` units
    # The fragments' timeline, in ``timescale`` units: each traf starts at its tfdt (or where
    # the previous run ended) and runs for the sum of its sample durations.
    fragment_cursor: int = 0  # decode time where the next run without tfdt starts
    fragment_start: int | None = None  # earliest run start seen
    fragment_end: int = 0  # latest run end seen
    default_sample_duration: int = 0  # trex
    minf: tuple[int, int] | None = None  # (payload start, end), read only when tkhd has no size


@dataclass
class _Movie:
    timescale: int = 0
    duration: int = 0
    fragment_duration: int = 0  # mehd, in movie timescale units
    fragmented: bool = False
    has_mvhd: bool = False


def _fourcc(box_type: bytes) -> str:
    if all(0x20 <= byte < 0x7F for byte in box_type):
        return box_type.decode("ascii")
    return "0x" + box_type.hex()


class _Parser:
    """One probe of one file: the source, the walk budget and the container's name."""

    def __init__(self, source: Source, name: str) -> None:
        self.source = source
        self.short = _SHORT_NAMES.get(name, "MP4")
        self.budget = Budget(MAX_BOXES, "boxes")
        self.movie = _Movie()
        self.tracks: list[_Track] = []
        self.tracks_by_id: dict[int, _Track] = {}
        self.trex_durations: dict[int, int] = {}  # track id -> default sample duration

    def fail(self, problem: str) -> MediaError:
        return MediaError(f"malformed {self.short}: {problem}")

    # -- walking ------------------------------------------------------------------------------

    def boxes(self, start: int, end: int, parent: str) -> Iterator[tuple[bytes, int, int]]:
        """``(type, payload_start, box_end)`` for each child box in ``[start, end)``.

        A box that does not fit is malformed inside a parent, but at the top level (``parent``
        is ``_FILE``) it means the file was cut short: that raises ``_Truncated``.
        """
        pos = start
        while pos < end:
            self.budget.tick()
            if end - pos < _BOX_HEADER_BYTES:
                self.overrun(parent, None, f"{end - pos} stray bytes at the end of '{parent}'")
            header = self.source.read(pos, min(_LARGE_BOX_HEADER_BYTES, end - pos))
            size, box_type = struct.unpack_from(">I4s", header)
            payload = pos + _BOX_HEADER_BYTES
            if size == 1:
                if len(header) < _LARGE_BOX_HEADER_BYTES:
                    self.overrun(parent, box_type, f"'{_fourcc(box_type)}' box cut in its header")
                size = struct.unpack_from(">Q", header, 8)[0]
                payload = pos + _LARGE_BOX_HEADER_BYTES
            elif size == 0:  # "extends to the end of its container"
                size = end - pos
            if size < payload - pos:
                raise self.fail(f"box '{_fourcc(box_type)}' has invalid size {size}")
            box_end = pos + size
            if box_end > end:
                limit = f"the file ({end} bytes)" if parent == _FILE else f"'{parent}' (byte {end})"
                self.overrun(
                    parent,
                    box_type,
                    f"'{_fourcc(box_type)}' box ends at byte {box_end}, past the end of {limit}",
                )
            yield box_type, payload, box_end
            pos = box_end

    def overrun(self, parent: str, box_type: bytes | None, detail: str) -> None:
        if parent == _FILE:
            raise _Truncated(box_type, detail)
        raise self.fail(detail)

    def payload(self, start: int, end: int, length: int, box: str) -> bytes:
        if end - start < length:
            raise self.fail(f"'{box}' box too short ({end - start} bytes, needs {length})")
        return self.source.read(start, length)

    def versioned(self, start: int, end: int, lengths: tuple[int, int], box: str) -> bytes:
        """Payload of a full box whose layout depends on its version (0 or 1)."""
        version = self.payload(start, end, 1, box)[0]
        if version > 1:
            raise self.fail(f"'{box}' box has unsupported version {version}")
        return self.payload(start, end, lengths[version], box)

    # -- top level ----------------------------------------------------------------------------

    def parse(self) -> VideoInfo:
        moov_seen = False
        deferred_moofs: list[tuple[int, int]] = []
        try:
            for box_type, payload, box_end in self.boxes(0, self.source.size, _FILE):
                if box_type == b"moov":
                    if moov_seen:
                        raise self.fail("two 'moov' boxes")
                    moov_seen = True
                    self.moov(payload, box_end)
                    for moof in deferred_moofs:
                        self.moof(*moof)
                    deferred_moofs.clear()
                elif box_type == b"moof":
                    self.movie.fragmented = True
                    if moov_seen:
                        self.moof(payload, box_end)
                    else:
                        deferred_moofs.append((payload, box_end))
        except _Truncated as cut:
            if moov_seen or cut.box_type == b"moov":
                raise MediaError(
                    f"truncated {self.short}: {cut.detail} (incomplete upload?)"
                ) from None
        if not moov_seen:
            raise MediaError(f"truncated {self.short}: no 'moov' box (incomplete upload?)")
        return self.result()

    # -- moov ---------------------------------------------------------------------------------

    def moov(self, start: int, end: int) -> None:
        for box_type, payload, box_end in self.boxes(start, end, "moov"):
            if box_type == b"mvhd":
                self.mvhd(payload, box_end)
            elif box_type == b"trak":
                track = self.trak(payload, box_end)
                self.tracks.append(track)
                self.tracks_by_id.setdefault(track.track_id, track)
            elif box_type == b"mvex":
                self.movie.fragmented = True
                self.mvex(payload, box_end)
        for track in self.tracks:
            if track.default_sample_duration == 0:
                track.default_sample_duration = self.trex_durations.get(track.track_id, 0)
            track.fragment_cursor = track.media_duration  # fragments follow the moov samples

    def mvhd(self, start: int, end: int) -> None:
        data = self.versioned(start, end, (20, 32), "mvhd")
        if data[0] == 0:
            timescale, duration = struct.unpack_from(">II", data, 12)
        else:
            timescale, duration = struct.unpack_from(">IQ", data, 20)
        self.movie.timescale = timescale
        self.movie.duration = 0 if duration in _UNKNOWN_DURATIONS else duration
        self.movie.has_mvhd = True

    def mvex(self, start: int, end: int) -> None:
        for box_type, payload, box_end in self.boxes(start, end, "mvex"):
            if box_type == b"mehd":
                data = self.versioned(payload, box_end, (8, 12), "mehd")
                fmt = ">I" if data[0] == 0 else ">Q"
                self.movie.fragment_duration = struct.unpack_from(fmt, data, 4)[0]
            elif box_type == b"trex":
                data = self.payload(payload, box_end, 16, "trex")
                track_id, _, default_duration = struct.unpack_from(">III", data, 4)
                self.trex_durations[track_id] = default_duration

    def trak(self, start: int, end: int) -> _Track:
        track = _Track()
        for box_type, payload, box_end in self.boxes(start, end, "trak"):
            if box_type == b"tkhd":
                self.tkhd(track, payload, box_end)
            elif box_type == b"mdia":
                self.mdia(track, payload, box_end)
        return track

    def tkhd(self, track: _Track, start: int, end: int) -> None:
        data = self.versioned(start, end, (84, 96), "tkhd")
        track.enabled = bool(data[3] & 0x1)
        if data[0] == 0:
            track.track_id = struct.unpack_from(">I", data, 12)[0]
            matrix_at = 40
        else:
            track.track_id = struct.unpack_from(">I", data, 20)[0]
            matrix_at = 52
        track.matrix_a, track.matrix_b = struct.unpack_from(">ii", data, matrix_at)
        width, height = struct.unpack_from(">II", data, matrix_at + 36)
        track.width = (width + 0x8000) >> 16  # 16.16 fixed point, rounded
        track.height = (height + 0x8000) >> 16

    def mdia(self, track: _Track, start: int, end: int) -> None:
        for box_type, payload, box_end in self.boxes(start, end, "mdia"):
            if box_type == b"mdhd":
                data = self.versioned(payload, box_end, (20, 32), "mdhd")
                if data[0] == 0:
                    timescale, duration = struct.unpack_from(">II", data, 12)
                else:
                    timescale, duration = struct.unpack_from(">IQ", data, 20)
                track.timescale = timescale
                track.media_duration = 0 if duration in _UNKNOWN_DURATIONS else duration
            elif box_type == b"hdlr":
                # QuickTime and ISO agree on the offset: the handler (subtype) follows a
                # 4-byte pre_defined (QuickTime's component type, "mhlr").
                track.handler = self.payload(payload, box_end, 12, "hdlr")[8:12]
            elif box_type == b"minf":
                track.minf = (payload, box_end)

    def sample_entry_size(self, track: _Track) -> tuple[int, int]:
        """Width and height of the first visual sample entry (``minf/stbl/stsd``): the fallback
        for writers that leave ``tkhd``'s size at 0."""
        if track.minf is None:
            return 0, 0
        for box_type, payload, box_end in self.boxes(*track.minf, "minf"):
            if box_type != b"stbl":
                continue
            for stbl_type, stbl_payload, stbl_end in self.boxes(payload, box_end, "stbl"):
                if stbl_type == b"stsd":
                    # version/flags 4, entry count 4, entry header 8, then 24 bytes of
                    # reserved and pre-defined fields before the 16-bit width and height.
                    data = self.payload(stbl_payload, stbl_end, 44, "stsd")
                    return struct.unpack_from(">HH", data, 40)
        return 0, 0

    # -- fragments ----------------------------------------------------------------------------

    def moof(self, start: int, end: int) -> None:
        for box_type, payload, box_end in self.boxes(start, end, "moof"):
            if box_type == b"traf":
                self.traf(payload, box_end)

    def traf(self, start: int, end: int) -> None:
        track: _Track | None = None
        default_duration = 0
        decode_time: int | None = None  # from tfdt; else the track's cursor
        for box_type, payload, box_end in self.boxes(start, end, "traf"):
            if box_type == b"tfhd":
                data = self.payload(payload, box_end, 8, "tfhd")
                flags = int.from_bytes(data[1:4], "big")
                track = self.tracks_by_id.get(struct.unpack_from(">I", data, 4)[0])
                default_duration = track.default_sample_duration if track else 0
                if flags & _TFHD_DEFAULT_SAMPLE_DURATION:
                    at = 8
                    at += 8 if flags & _TFHD_BASE_DATA_OFFSET else 0
                    at += 4 if flags & _TFHD_SAMPLE_DESCRIPTION_INDEX else 0
                    data = self.payload(payload, box_end, at + 4, "tfhd")
                    default_duration = struct.unpack_from(">I", data, at)[0]
            elif box_type == b"tfdt":
                data = self.versioned(payload, box_end, (8, 12), "tfdt")
                decode_time = struct.unpack_from(">I" if data[0] == 0 else ">Q", data, 4)[0]
            elif box_type == b"trun":
                duration = self.trun(payload, box_end, default_duration)
                if track is None:
                    continue
                run_start = track.fragment_cursor if decode_time is None else decode_time
                if track.fragment_start is None or run_start < track.fragment_start:
                    track.fragment_start = run_start
                decode_time = track.fragment_cursor = run_start + duration
                track.fragment_end = max(track.fragment_end, decode_time)

    def trun(self, start: int, end: int, default_duration: int) -> int:
        """Sum of the sample durations of one track run, in the track's timescale."""
        data = self.payload(start, end, 8, "trun")
        flags = int.from_bytes(data[1:4], "big")
        count = struct.unpack_from(">I", data, 4)[0]
        entries = start + 8
        entries += 4 if flags & _TRUN_DATA_OFFSET else 0
        entries += 4 if flags & _TRUN_FIRST_SAMPLE_FLAGS else 0
        fields = bin(flags & _TRUN_SAMPLE_FIELDS).count("1")
        entry_bytes = 4 * fields
        if entries > end or count * entry_bytes > end - entries:
            raise self.fail(f"'trun' box too short for {count} samples")
        if not flags & _TRUN_SAMPLE_DURATION:
            return count * default_duration
        total = 0
        per_slice = _TRUN_SLICE_BYTES // entry_bytes
        entry_format = ">" + "I" * fields
        while count:
            n = min(count, per_slice)
            table = self.source.read(entries, n * entry_bytes)
            total += sum(entry[0] for entry in struct.iter_unpack(entry_format, table))
            entries += n * entry_bytes
            count -= n
        return total

    # -- answer -------------------------------------------------------------------------------

    def result(self) -> VideoInfo:
        movie = self.movie
        if not movie.has_mvhd and not any(self.track_units(t) for t in self.tracks):
            raise self.fail("'moov' has no 'mvhd' box (and no track has a duration)")
        video = self.video_track()
        if movie.fragmented and not self.track_units(video):
            mehd = (
                f" ('mehd' claims {movie.fragment_duration / movie.timescale:.1f} s)"
                if movie.fragment_duration and movie.timescale
                else ""
            )
            raise MediaError(
                f"{self.short} has no media samples: a fragmented init segment, with no "
                f"'moof' fragment for its video track{mehd}"
            )
        duration = self.duration()
        width, height = video.width, video.height
        if width == 0 or height == 0:
            width, height = self.sample_entry_size(video)
        rotation = _rotation(video.matrix_a, video.matrix_b)
        if rotation % 180 == 90:
            width, height = height, width
        return VideoInfo(
            container="mov" if self.short == "MOV" else "mp4",
            duration=duration,
            width=width,
            height=height,
            rotation=rotation,
        )

    def video_track(self) -> _Track:
        videos = [track for track in self.tracks if track.handler == b"vide"]
        if not videos:
            if any(track.handler == b"soun" for track in self.tracks):
                raise MediaError(f"audio-only {self.short} (no video track)")
            raise MediaError(f"{self.short} has no video track")
        if self.short == "M4A":
            raise MediaError("M4A audio is not a supported image or video")
        return next((track for track in videos if track.enabled), videos[0])

    def track_units(self, track: _Track) -> int:
        """A track's duration in its own timescale: its moov samples plus its fragments."""
        return _fragmented_track_units(track) if self.movie.fragmented else track.media_duration

    def duration(self) -> float:
        """Container duration, as ffprobe's format duration: the longest track.

        Without ``mvhd`` (some muxers leave it out) the tracks' own durations (``mdhd``, in
        each track's timescale) are all there is: ``tkhd`` counts in the movie's timescale,
        which only ``mvhd`` gives."""
        movie = self.movie
        if movie.has_mvhd and movie.timescale == 0:
            raise self.fail("'mvhd' timescale is 0")
        if movie.fragmented and movie.fragment_duration and movie.timescale:
            return movie.fragment_duration / movie.timescale
        longest = max(
            (self.track_units(track) / track.timescale for track in self.tracks if track.timescale),
            default=0.0,
        )
        if movie.fragmented and longest > 0:
            return longest
        if movie.duration and movie.timescale:
            return movie.duration / movie.timescale
        return longest


def _fragmented_track_units(track: _Track) -> int:
    """A fragmented track's duration: the samples in ``moov`` plus the span of its fragments'
    timeline (from the first run's start to the last run's end, gaps included, as ffprobe
    counts them; a stream cut from a live feed starts its timeline far from 0)."""
    if track.fragment_start is None:
        return track.media_duration
    return track.media_duration + track.fragment_end - track.fragment_start


def _rotation(matrix_a: int, matrix_b: int) -> int:
    """Clockwise display rotation (0/90/180/270) from the first row of a ``tkhd`` matrix.

    The matrix maps stored to displayed coordinates (x' = a*x + c*y, y' = b*x + d*y, y down),
    so a clockwise turn by t has a = cos t, b = sin t. ffmpeg's ``rotate=90`` metadata writes
    b = -1: players (and ``ffmpeg`` itself) turn that picture 90 degrees counter-clockwise,
    i.e. 270 clockwise, and ffprobe prints "rotation=90" (its side data counts
    counter-clockwise). Mirroring and non-right angles are rounded to the nearest quarter turn.
    """
    if matrix_a == 0 and matrix_b == 0:
        return 0
    quarter_turns = round(math.degrees(math.atan2(matrix_b, matrix_a)) / 90)
    return (quarter_turns * 90) % 360


def probe_isobmff(source: Source, name: str) -> VideoInfo:
    """Probe an ISO-BMFF file that ``sniff`` called ``name`` (mp4, mov or m4a)."""
    return _Parser(source, name).parse()
