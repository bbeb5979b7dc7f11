"""What ``probe`` accepts (paths, bytes, file objects), what it reads, and its bounds."""

from __future__ import annotations

import io
import os
import struct
import threading
from pathlib import Path

import pytest

from kieai._errors import KieInputError
from kieai.media import (
    ImageInfo,
    VideoInfo,
    _isobmff,
    _matroska,
    _reader,
    aprobe,
    probe,
)

from .builders import (
    UNKNOWN,
    block_header,
    ebml_header,
    element_id,
    info,
    track_entry,
    tracks,
    uint_element,
    vint,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "media"
MOOV_AT_END = FIXTURES / "mp4_moovend_160x90_10s.mp4"
EXPECTED_MOOV_AT_END = VideoInfo(container="mp4", duration=10.112, width=160, height=90)
BIG_PAYLOAD_BYTES = 100 * 1024 * 1024
FRAME_NS = 33_333_333
FRAME_BYTES = 130_000


class CountingFile(io.FileIO):
    """A real file that counts the bytes handed out and remembers which threads read."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "rb")
        self.bytes_read = 0
        self.threads: set[int] = set()

    def read(self, size: int | None = -1, /) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        self.threads.add(threading.get_ident())
        return data


def top_level_boxes(data: bytes) -> dict[bytes, bytes]:
    boxes: dict[bytes, bytes] = {}
    pos = 0
    while pos < len(data):
        size, box_type = struct.unpack_from(">I4s", data, pos)
        boxes[box_type] = data[pos : pos + size]
        pos += size
    return boxes


@pytest.fixture(scope="module")
def big_moov_at_end_mp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ftyp, a 100 MB mdat (sparse: never written), then the moov of a real file."""
    boxes = top_level_boxes(MOOV_AT_END.read_bytes())
    path = tmp_path_factory.mktemp("big") / "big_moov_at_end.mp4"
    with path.open("wb") as out:
        out.write(boxes[b"ftyp"])
        out.write(struct.pack(">I4s", 8 + BIG_PAYLOAD_BYTES, b"mdat"))
        out.seek(BIG_PAYLOAD_BYTES, io.SEEK_CUR)
        out.write(boxes[b"moov"])
    return path


@pytest.fixture(scope="module")
def big_mediarecorder_webm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~100 MB WebM like Chrome's MediaRecorder writes: no Duration, unknown-size Segment and
    Clusters, one 130 KB frame per cluster (payloads sparse)."""
    path = tmp_path_factory.mktemp("big") / "big_mediarecorder_like.webm"
    frames = BIG_PAYLOAD_BYTES // FRAME_BYTES
    with path.open("wb") as out:
        out.write(ebml_header(b"webm") + element_id(0x18538067) + vint(UNKNOWN))
        out.write(info() + tracks(track_entry(1, pixel=(1920, 1080), default_duration_ns=FRAME_NS)))
        for frame in range(frames):
            block = block_header(1, 0)
            out.write(element_id(0x1F43B675) + vint(UNKNOWN) + uint_element(0xE7, frame * 33))
            out.write(element_id(0xA3) + vint(len(block) + FRAME_BYTES) + block)
            out.seek(FRAME_BYTES, io.SEEK_CUR)
        out.truncate()
    return path


def test_path_str_pathlike_bytes_and_file_object_agree() -> None:
    data = MOOV_AT_END.read_bytes()
    with MOOV_AT_END.open("rb") as handle:
        from_file = probe(handle)
    results = [probe(MOOV_AT_END), probe(str(MOOV_AT_END)), probe(data), from_file]
    results += [probe(bytearray(data)), probe(memoryview(data))]

    assert results == [EXPECTED_MOOV_AT_END] * 6


def test_file_object_position_is_restored() -> None:
    with MOOV_AT_END.open("rb") as handle:
        handle.seek(0)
        probe(handle)
        assert handle.tell() == 0


def test_file_object_is_read_from_its_current_position() -> None:
    data = b"prefix bytes of some container" + MOOV_AT_END.read_bytes()
    handle = io.BytesIO(data)
    handle.seek(30)

    assert probe(handle) == EXPECTED_MOOV_AT_END
    assert handle.tell() == 30


def test_position_is_restored_after_a_refusal() -> None:
    handle = io.BytesIO(b"just some text, not a video")
    handle.seek(5)

    with pytest.raises(KieInputError, match="input: text file, not an image or video"):
        probe(handle)
    assert handle.tell() == 5


def test_non_seekable_file_object_is_refused() -> None:
    class Pipe(io.BytesIO):
        def seekable(self) -> bool:
            return False

    with pytest.raises(KieInputError, match="input: the file object must be seekable"):
        probe(Pipe(MOOV_AT_END.read_bytes()))


def test_text_mode_file_object_is_refused() -> None:
    with MOOV_AT_END.open() as handle, pytest.raises(KieInputError, match="binary mode"):
        probe(handle)  # type: ignore[arg-type]  # deliberately the wrong kind of file


def test_read_returning_str_is_refused() -> None:
    class Confused(io.BytesIO):
        def read(self, size: int | None = -1, /) -> bytes:
            return "text"  # type: ignore[return-value]  # what a broken wrapper might do

    with pytest.raises(KieInputError, match="did not return bytes"):
        probe(Confused(b"x" * 100))


def test_read_error_is_an_input_error() -> None:
    class Failing(io.BytesIO):
        def read(self, size: int | None = -1, /) -> bytes:
            raise OSError(5, "Input/output error")

    with pytest.raises(KieInputError, match=r"input: could not read the file \(.*Input/output"):
        probe(Failing(b"x" * 100))


def test_write_only_file_object_is_refused(tmp_path: Path) -> None:
    with (tmp_path / "out.mp4").open("wb") as handle:
        handle.write(b"data")
        handle.seek(0)
        with pytest.raises(KieInputError, match=r"^out\.mp4: could not read the file"):
            probe(handle)


def test_closed_file_object_is_refused() -> None:
    handle = io.BytesIO(b"data")
    handle.close()

    with pytest.raises(KieInputError, match="cannot use the file object"):
        probe(handle)


def test_missing_path() -> None:
    with pytest.raises(KieInputError, match=r"^nope\.mp4: cannot open \(No such file"):
        probe(FIXTURES / "nope.mp4")


def test_directory_path() -> None:
    with pytest.raises(KieInputError, match=r"^media: not a regular file$"):
        probe(FIXTURES)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "clip.mp4"
    os.mkfifo(fifo)

    with pytest.raises(KieInputError, match=r"^clip\.mp4: not a regular file$"):
        probe(fifo)


def test_message_names_a_file_object_by_its_file_name() -> None:
    with (FIXTURES / "text_named.png").open("rb") as handle, pytest.raises(KieInputError) as caught:
        probe(handle)

    assert str(caught.value) == "text_named.png: text file, not an image or video"


def test_name_overrides_the_label() -> None:
    with pytest.raises(KieInputError, match=r"^dance\.png: audio-only M4A \(no video track\)$"):
        probe((FIXTURES / "audio_only_5s.m4a").read_bytes(), name="dance.png")


def test_empty_bytes() -> None:
    with pytest.raises(KieInputError, match=r"^input: empty file$"):
        probe(b"")


def test_image_from_bytes() -> None:
    assert probe((FIXTURES / "img_320x240.png").read_bytes()) == ImageInfo("png", 320, 240)


@pytest.mark.anyio
async def test_aprobe_runs_in_a_worker_thread() -> None:
    with CountingFile(MOOV_AT_END) as handle:
        result = await aprobe(handle)

    assert result == EXPECTED_MOOV_AT_END
    assert handle.threads
    assert threading.get_ident() not in handle.threads


@pytest.mark.anyio
async def test_aprobe_raises_input_errors() -> None:
    with pytest.raises(KieInputError, match=r"^clip\.mp4: empty file$"):
        await aprobe(b"", name="clip.mp4")


def test_100_mb_moov_at_end_reads_a_few_kilobytes(big_moov_at_end_mp4: Path) -> None:
    with CountingFile(big_moov_at_end_mp4) as handle:
        result = probe(handle)

    assert result == EXPECTED_MOOV_AT_END
    assert handle.bytes_read <= 16 * 1024
    assert probe(big_moov_at_end_mp4) == EXPECTED_MOOV_AT_END


def test_100_mb_matroska_without_duration_reads_only_block_headers(
    big_mediarecorder_webm: Path,
) -> None:
    frames = BIG_PAYLOAD_BYTES // FRAME_BYTES
    with CountingFile(big_mediarecorder_webm) as handle:
        result = probe(handle)

    assert isinstance(result, VideoInfo)
    assert (result.container, result.width, result.height) == ("webm", 1920, 1080)
    assert result.duration == pytest.approx((frames - 1) * 0.033 + FRAME_NS / 1e9)
    assert handle.bytes_read <= frames * 1024  # about one small read per cluster


def test_total_bytes_read_is_capped(
    big_mediarecorder_webm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_reader, "MAX_TOTAL_READ_BYTES", 64 * 1024)

    with pytest.raises(KieInputError, match="refusing to read further"):
        probe(big_mediarecorder_webm)


def test_matroska_element_walk_is_capped(
    big_mediarecorder_webm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_matroska, "MAX_ELEMENTS", 100)

    with pytest.raises(KieInputError, match="more than 100 elements; refusing to walk further"):
        probe(big_mediarecorder_webm)


def test_mp4_box_walk_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_isobmff, "MAX_BOXES", 10)

    with pytest.raises(KieInputError, match="more than 10 boxes"):
        probe(MOOV_AT_END)


def test_single_reads_are_capped() -> None:
    source = _reader.Source.from_bytes(bytes(2 * _reader.MAX_READ_BYTES))

    with pytest.raises(_reader.MediaError, match="refusing to read"):
        source.read(0, _reader.MAX_READ_BYTES + 1)


@pytest.mark.parametrize(("offset", "length"), [(-1, 4), (0, -1), (98, 4)])
def test_reads_outside_the_file_are_errors(offset: int, length: int) -> None:
    source = _reader.Source.from_bytes(bytes(100))

    with pytest.raises(_reader.MediaError):
        source.read(offset, length)
    with pytest.raises(_reader.MediaError):
        source.read_upto(-1, 4)


@pytest.mark.parametrize(
    "error",
    [struct.error("unpack requires a buffer of 4 bytes"), IndexError("index out of range")],
)
def test_stray_parser_exceptions_become_input_errors_naming_the_kind(
    error: Exception, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_parser(source: object, name: str) -> VideoInfo:
        raise error

    monkeypatch.setattr("kieai.media._probe.probe_isobmff", broken_parser)

    with pytest.raises(KieInputError, match=r"^input: malformed MP4 \(") as caught:
        probe(MOOV_AT_END.read_bytes())
    assert caught.value.__cause__ is error
