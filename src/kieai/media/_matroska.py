"""Duration, size and rotation of Matroska (MKV) and WebM files.

The header elements sit at the start of the Segment: ``Info`` (TimestampScale, Duration) and
``Tracks`` (the video track's pixel size, DefaultDuration). When they do not, the ``SeekHead``
says where they are. Files written to a pipe, and WebM from browsers' MediaRecorder, have no
Duration and "unknown size" Segment and Clusters; their duration comes from a scan of the
cluster and block headers (timestamps only; block payloads are skipped by seeking), taking the
latest block start plus its duration (BlockDuration, else the track's DefaultDuration per frame).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

from ._ebml import (
    EBML_HEADER_ID,
    MAX_HEADER_BYTES,
    EBMLError,
    decode_float,
    decode_uint,
    read_element_header,
)
from ._info import VideoInfo
from ._reader import Budget, MediaError, Source

__all__ = ["probe_matroska"]

#: Elements walked per file: a 10-minute file without Duration has about 60,000 blocks.
MAX_ELEMENTS = 500_000
#: SeekHeads followed (the first one may point to a second one at the end of the file).
_MAX_SEEKHEADS = 4
#: Block headers are tiny; read just enough ahead to catch a few small audio blocks at once.
_SCAN_READAHEAD_BYTES = 512
_BLOCK_HEADER_BYTES = 12  # track number (up to 8) + timecode (2) + flags (1) + lace count (1)
_DEFAULT_TIMESTAMP_SCALE_NS = 1_000_000
_NS_PER_S = 1e9

SEGMENT = 0x18538067
SEEK_HEAD = 0x114D9B74
SEEK = 0x4DBB
SEEK_ID = 0x53AB
SEEK_POSITION = 0x53AC
INFO = 0x1549A966
TIMESTAMP_SCALE = 0x2AD7B1
DURATION = 0x4489
TRACKS = 0x1654AE6B
TRACK_ENTRY = 0xAE
TRACK_NUMBER = 0xD7
TRACK_TYPE = 0x83
FLAG_ENABLED = 0xB9
DEFAULT_DURATION = 0x23E383
VIDEO = 0xE0
PIXEL_WIDTH = 0xB0
PIXEL_HEIGHT = 0xBA
DISPLAY_WIDTH = 0x54B0
DISPLAY_HEIGHT = 0x54BA
DISPLAY_UNIT = 0x54B2
PROJECTION = 0x7670
PROJECTION_POSE_ROLL = 0x7675
CLUSTER = 0x1F43B675
TIMESTAMP = 0xE7
SIMPLE_BLOCK = 0xA3
BLOCK_GROUP = 0xA0
BLOCK = 0xA1
BLOCK_DURATION = 0x9B
VOID = 0xEC
CRC32 = 0xBF

_TRACK_TYPE_VIDEO = 1
_TRACK_TYPE_AUDIO = 2
_DISPLAY_UNIT_PIXELS = 0
_DISPLAY_UNIT_ASPECT_RATIO = 3
#: What may appear inside a Cluster; anything else ends an unknown-size Cluster.
_CLUSTER_CHILDREN = frozenset(
    {TIMESTAMP, SIMPLE_BLOCK, BLOCK_GROUP, 0xA7, 0xAB, 0x5854, 0xAF, VOID, CRC32}
)


@dataclass
class _Track:
    number: int = 0
    type: int = 0
    enabled: bool = True
    default_duration_ns: int = 0
    pixel_width: int = 0
    pixel_height: int = 0
    display_width: int = 0
    display_height: int = 0
    display_unit: int = _DISPLAY_UNIT_PIXELS
    roll_degrees: float = 0.0


@dataclass
class _Scan:
    """Latest block per track seen by the cluster scan, in TimestampScale ticks."""

    # track number -> (start, lace frame count) of its latest block
    last_start: dict[int, tuple[int, int]] = field(default_factory=dict[int, tuple[int, int]])
    explicit_end: int | None = None  # max(start + BlockDuration) over BlockGroups
    blocks: int = 0


class _Parser:
    def __init__(self, source: Source, name: str) -> None:
        self.source = source
        self.short = "WebM" if name == "webm" else "MKV"
        self.budget = Budget(MAX_ELEMENTS, "elements")
        self.timestamp_scale_ns = _DEFAULT_TIMESTAMP_SCALE_NS
        self.duration_ticks: float | None = None
        self.info_seen = False
        self.tracks: list[_Track] | None = None
        self.seek_positions: dict[int, list[int]] = {}
        self.scan = _Scan()
        self.segment_start = 0

    def fail(self, problem: str) -> MediaError:
        return MediaError(f"malformed {self.short}: {problem}")

    # -- element headers ----------------------------------------------------------------------

    def header(self, pos: int, end: int) -> tuple[int, int | None, int]:
        """``(id, size, data_start)`` of the element at ``pos``, which must fit before ``end``."""
        self.budget.tick()
        buf, index = self.source.window(pos, MAX_HEADER_BYTES)
        try:
            element_id, size, header_length = read_element_header(buf, index, pos - index)
        except EBMLError as exc:
            raise self.header_error(pos, exc) from None
        data = pos + header_length
        if size is not None and data + size > end:
            raise self.overrun(element_id, data + size, end)
        return element_id, size, data

    def header_error(self, pos: int, exc: EBMLError) -> MediaError:
        if pos + MAX_HEADER_BYTES > self.source.size:
            return MediaError(
                f"truncated {self.short}: file ends inside an element header at byte {pos}"
            )
        return self.fail(str(exc))

    def overrun(self, element_id: int, element_end: int, end: int) -> MediaError:
        name = _element_name(element_id)
        if end >= self.source.size:
            return MediaError(
                f"truncated {self.short}: {name} ends at byte {element_end}, past the end of "
                f"the file ({self.source.size} bytes) (incomplete upload?)"
            )
        return self.fail(f"{name} ends at byte {element_end}, past the end of its parent ({end})")

    def children(self, start: int, end: int) -> Iterator[tuple[int, int, int]]:
        """``(id, data_start, data_end)`` of each child in ``[start, end)``; sizes must be known."""
        pos = start
        while pos < end:
            element_id, size, data = self.header(pos, end)
            if size is None:
                raise self.fail(f"{_element_name(element_id)} has an unknown size")
            yield element_id, data, data + size
            pos = data + size

    def read_uint(self, start: int, end: int, what: str) -> int:
        return decode_uint(self.source.read(start, min(end - start, 9)), what)

    def read_float(self, start: int, end: int, what: str) -> float:
        return decode_float(self.source.read(start, min(end - start, 9)), what)

    # -- top level ----------------------------------------------------------------------------

    def parse(self) -> VideoInfo:
        size = self.source.size
        element_id, header_size, data = self.header(0, size)
        if element_id != EBML_HEADER_ID or header_size is None:
            raise self.fail("no EBML header")
        pos = data + header_size
        while True:
            if pos >= size:
                raise self.fail("no Segment after the EBML header")
            element_id, segment_size, data = self.header(pos, size)
            if element_id == SEGMENT:
                break
            if segment_size is None or element_id not in (VOID, CRC32):
                raise self.fail(f"expected a Segment, found {_element_name(element_id)}")
            pos = data + segment_size
        segment_end = size if segment_size is None else data + segment_size
        self.segment(data, segment_end)
        return self.result()

    def segment(self, start: int, end: int) -> None:
        self.segment_start = start
        first_cluster = self.headers(start, end)
        for _ in range(_MAX_SEEKHEADS):
            if self.complete(need_duration=False):
                break
            if not self.follow_seek_head(start, end):
                break
        if not self.complete(need_duration=True) and first_cluster is not None:
            self.walk_clusters(first_cluster, end)

    def complete(self, *, need_duration: bool) -> bool:
        have_duration = self.duration_ticks is not None or not need_duration
        return self.info_seen and self.tracks is not None and have_duration

    def headers(self, start: int, end: int) -> int | None:
        """Walk the Segment's children up to the first Cluster; return where that Cluster is."""
        pos = start
        while pos < end:
            element_id, size, data = self.header(pos, end)
            if element_id == CLUSTER:
                return pos
            if element_id == EBML_HEADER_ID:  # a second segment follows: this one has ended
                return None
            if size is None:
                raise self.fail(f"{_element_name(element_id)} has an unknown size")
            self.level1(element_id, data, data + size)
            pos = data + size
            if self.complete(need_duration=True):
                return None
        return None

    def level1(self, element_id: int, start: int, end: int) -> None:
        """A child of the Segment: parse what we still need, skip the rest."""
        if element_id == INFO and not self.info_seen:
            self.info(start, end)
        elif element_id == TRACKS and self.tracks is None:
            self.tracks = self.parse_tracks(start, end)
        elif element_id == SEEK_HEAD:
            self.seek_head(start, end)

    def seek_head(self, start: int, end: int) -> None:
        for element_id, data, data_end in self.children(start, end):
            if element_id != SEEK:
                continue
            target: int | None = None
            position: int | None = None
            for child_id, child, child_end in self.children(data, data_end):
                if child_id == SEEK_ID:
                    target = self.read_uint(child, child_end, "SeekID")
                elif child_id == SEEK_POSITION:
                    position = self.read_uint(child, child_end, "SeekPosition")
            if target is not None and position is not None:
                self.seek_positions.setdefault(target, []).append(self.segment_start + position)

    def follow_seek_head(self, segment_start: int, segment_end: int) -> bool:
        """Parse what the SeekHead points to that is still missing. False when nothing new."""
        progressed = False
        wanted = [(INFO, not self.info_seen), (TRACKS, self.tracks is None), (SEEK_HEAD, True)]
        for target, missing in wanted:
            if not missing:
                continue
            positions = self.seek_positions.pop(target, [])
            for pos in positions[:_MAX_SEEKHEADS]:
                if not segment_start <= pos < segment_end:
                    raise self.fail(f"SeekHead points outside the Segment (byte {pos})")
                element_id, size, data = self.header(pos, segment_end)
                if element_id != target or size is None:
                    raise self.fail(
                        f"SeekHead entry for {_element_name(target)} points to "
                        f"{_element_name(element_id)}"
                    )
                self.level1(element_id, data, data + size)
                progressed = True
        return progressed

    # -- Info and Tracks ----------------------------------------------------------------------

    def info(self, start: int, end: int) -> None:
        self.info_seen = True
        for element_id, data, data_end in self.children(start, end):
            if element_id == TIMESTAMP_SCALE:
                self.timestamp_scale_ns = self.read_uint(data, data_end, "TimestampScale")
            elif element_id == DURATION:
                duration = self.read_float(data, data_end, "Duration")
                # 0 is what some live muxers write for "not known": scan instead.
                self.duration_ticks = duration if duration != 0.0 else None
        if self.timestamp_scale_ns == 0:
            raise self.fail("TimestampScale is 0")

    def parse_tracks(self, start: int, end: int) -> list[_Track]:
        tracks: list[_Track] = []
        for element_id, data, data_end in self.children(start, end):
            if element_id == TRACK_ENTRY:
                tracks.append(self.track_entry(data, data_end))
        return tracks

    def track_entry(self, start: int, end: int) -> _Track:
        track = _Track()
        for element_id, data, data_end in self.children(start, end):
            if element_id == TRACK_NUMBER:
                track.number = self.read_uint(data, data_end, "TrackNumber")
            elif element_id == TRACK_TYPE:
                track.type = self.read_uint(data, data_end, "TrackType")
            elif element_id == FLAG_ENABLED:
                track.enabled = self.read_uint(data, data_end, "FlagEnabled") != 0
            elif element_id == DEFAULT_DURATION:
                track.default_duration_ns = self.read_uint(data, data_end, "DefaultDuration")
            elif element_id == VIDEO:
                self.video(track, data, data_end)
        return track

    def video(self, track: _Track, start: int, end: int) -> None:
        for element_id, data, data_end in self.children(start, end):
            if element_id == PIXEL_WIDTH:
                track.pixel_width = self.read_uint(data, data_end, "PixelWidth")
            elif element_id == PIXEL_HEIGHT:
                track.pixel_height = self.read_uint(data, data_end, "PixelHeight")
            elif element_id == DISPLAY_WIDTH:
                track.display_width = self.read_uint(data, data_end, "DisplayWidth")
            elif element_id == DISPLAY_HEIGHT:
                track.display_height = self.read_uint(data, data_end, "DisplayHeight")
            elif element_id == DISPLAY_UNIT:
                track.display_unit = self.read_uint(data, data_end, "DisplayUnit")
            elif element_id == PROJECTION:
                for child_id, child, child_end in self.children(data, data_end):
                    if child_id == PROJECTION_POSE_ROLL:
                        track.roll_degrees = self.read_float(child, child_end, "ProjectionPoseRoll")

    # -- cluster scan -------------------------------------------------------------------------

    def walk_clusters(self, start: int, end: int) -> None:
        """Visit the Segment's children from the first Cluster on: the blocks of every Cluster
        for their timestamps, and Info/Tracks if they come late (no SeekHead to find them).

        One flat loop, because this is the hot path: an unknown-size Cluster ends where an
        element that cannot be its child begins, and that element is handled right away at
        the Segment level instead of being parsed twice.
        """
        source = self.source
        source.readahead_bytes = _SCAN_READAHEAD_BYTES
        window = source.window
        budget = self.budget
        pos = start
        cluster_end: int | None = None  # inside a Cluster: where it ends (Segment end if unknown)
        unknown_size_cluster = False
        cluster_ticks = 0
        while pos < end:
            if cluster_end is not None and pos >= cluster_end:
                cluster_end = None
            limit = end if cluster_end is None else cluster_end
            # self.header(), inlined: this loop runs once per block of the file.
            budget.used += 1
            if budget.used > budget.limit:
                budget.tick()
            buf, index = window(pos, MAX_HEADER_BYTES)
            try:
                element_id, size, header_length = read_element_header(buf, index, pos - index)
            except EBMLError as exc:
                raise self.header_error(pos, exc) from None
            data = pos + header_length
            if size is not None and data + size > limit:
                raise self.overrun(element_id, data + size, limit)
            if cluster_end is not None and (
                not unknown_size_cluster or element_id in _CLUSTER_CHILDREN
            ):
                if size is None:
                    raise self.fail(f"{_element_name(element_id)} in a Cluster has an unknown size")
                if element_id == SIMPLE_BLOCK:
                    self.block(data, data + size, cluster_ticks)
                elif element_id == TIMESTAMP:
                    at = index + header_length
                    if size <= 8 and at + size <= len(buf):
                        cluster_ticks = int.from_bytes(buf[at : at + size], "big")
                    else:
                        cluster_ticks = self.read_uint(data, data + size, "Cluster Timestamp")
                elif element_id == BLOCK_GROUP:
                    self.block_group(data, data + size, cluster_ticks)
                pos = data + size
                continue
            cluster_end = None
            if element_id == CLUSTER:
                unknown_size_cluster = size is None
                cluster_end = end if size is None else data + size
                cluster_ticks = 0
                pos = data
            elif element_id == EBML_HEADER_ID:  # a second segment follows
                break
            elif size is None:
                raise self.fail(f"{_element_name(element_id)} has an unknown size")
            else:
                self.level1(element_id, data, data + size)
                pos = data + size

    def block_group(self, start: int, end: int, cluster_ticks: int) -> None:
        block_start: int | None = None
        duration: int | None = None
        for element_id, data, data_end in self.children(start, end):
            if element_id == BLOCK:
                block_start = self.block(data, data_end, cluster_ticks)
            elif element_id == BLOCK_DURATION:
                duration = self.read_uint(data, data_end, "BlockDuration")
        if block_start is not None and duration is not None:
            block_end = block_start + duration
            if self.scan.explicit_end is None or block_end > self.scan.explicit_end:
                self.scan.explicit_end = block_end

    def block(self, start: int, end: int, cluster_ticks: int) -> int:
        """Record one block's start; return it (in ticks)."""
        length = min(end - start, _BLOCK_HEADER_BYTES)
        buf, at = self.source.window(start, length)
        first = buf[at] if length else 0
        track_bytes = 9 - first.bit_length()
        if track_bytes > 8 or track_bytes + 3 > length:
            raise self.fail(f"bad block header at byte {start}")
        track = int.from_bytes(buf[at : at + track_bytes], "big") & ((1 << (7 * track_bytes)) - 1)
        at += track_bytes
        relative = int.from_bytes(buf[at : at + 2], "big", signed=True)
        frames = 1
        if buf[at + 2] & 0x06:  # laced: the next byte is the frame count minus one
            if track_bytes + 4 > length:
                raise self.fail(f"bad laced block header at byte {start}")
            frames = buf[at + 3] + 1
        block_start = cluster_ticks + relative
        previous = self.scan.last_start.get(track)
        if previous is None or block_start >= previous[0]:
            self.scan.last_start[track] = (block_start, frames)
        self.scan.blocks += 1
        return block_start

    # -- answer -------------------------------------------------------------------------------

    def duration_s(self) -> float:
        scale = self.timestamp_scale_ns
        if self.duration_ticks is not None:
            return self.duration_ticks * scale / _NS_PER_S
        if self.scan.blocks == 0:
            raise MediaError(f"{self.short} has no Duration and no blocks to measure")
        default_ns = {track.number: track.default_duration_ns for track in self.tracks or []}
        end_ns = max(
            start * scale + frames * default_ns.get(number, 0)
            for number, (start, frames) in self.scan.last_start.items()
        )
        if self.scan.explicit_end is not None:
            end_ns = max(end_ns, self.scan.explicit_end * scale)
        return end_ns / _NS_PER_S

    def result(self) -> VideoInfo:
        if not self.info_seen:
            raise self.fail("no Segment Info element")
        tracks = self.tracks or []
        videos = [track for track in tracks if track.type == _TRACK_TYPE_VIDEO]
        if not videos:
            if any(track.type == _TRACK_TYPE_AUDIO for track in tracks):
                raise MediaError(f"audio-only {self.short} (no video track)")
            raise MediaError(f"{self.short} has no video track")
        video = next((track for track in videos if track.enabled), videos[0])
        width, height = video.pixel_width, video.pixel_height
        if video.display_width > 0 and video.display_height > 0:
            if video.display_unit == _DISPLAY_UNIT_PIXELS:
                width, height = video.display_width, video.display_height
            elif video.display_unit == _DISPLAY_UNIT_ASPECT_RATIO:
                # What ffmpeg writes for non-square pixels; MP4's tkhd scales the width too.
                width = round(height * video.display_width / video.display_height)
        rotation = _rotation(video.roll_degrees)
        if rotation % 180 == 90:
            width, height = height, width
        return VideoInfo(
            container="webm" if self.short == "WebM" else "mkv",
            duration=self.duration_s(),
            width=width,
            height=height,
            rotation=rotation,
        )


_NAMES = {
    EBML_HEADER_ID: "EBML header",
    SEGMENT: "Segment",
    SEEK_HEAD: "SeekHead",
    INFO: "Info",
    TRACKS: "Tracks",
    TRACK_ENTRY: "TrackEntry",
    VIDEO: "Video",
    CLUSTER: "Cluster",
    SIMPLE_BLOCK: "SimpleBlock",
    BLOCK_GROUP: "BlockGroup",
    BLOCK: "Block",
}


def _element_name(element_id: int) -> str:
    return _NAMES.get(element_id, f"element 0x{element_id:X}")


def _rotation(roll_degrees: float) -> int:
    """Clockwise rotation from ProjectionPoseRoll, which Matroska defines counter-clockwise."""
    if not math.isfinite(roll_degrees):
        return 0
    return (-round(roll_degrees / 90) * 90) % 360


def probe_matroska(source: Source, name: str) -> VideoInfo:
    """Probe an EBML file that ``sniff`` called ``name`` (mkv or webm)."""
    return _Parser(source, name).parse()
