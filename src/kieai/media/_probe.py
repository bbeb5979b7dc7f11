"""``probe``: open the input, sniff it, run the right parser, and turn every failure into one
``KieInputError`` that names the file and what it really is.

This is the single place where parser exceptions are converted. The parsers raise
``MediaError`` for what they recognise as wrong; any other exception a corrupt file can provoke
in byte-level code (``struct.error``, ``IndexError``, ``OverflowError``, ...) is caught here
too, so callers only ever see ``KieInputError``.
"""

from __future__ import annotations

import io
import math
import os
import stat
import struct
from collections.abc import Generator
from contextlib import contextmanager, suppress
from typing import BinaryIO

from .._errors import KieInputError
from ._images import probe_image
from ._info import ImageInfo, VideoInfo
from ._isobmff import probe_isobmff
from ._matroska import probe_matroska
from ._reader import MediaError, Source
from ._sniff import SNIFF_BYTES, FileKind, sniff

__all__ = ["MAX_DIMENSION_PX", "MAX_DURATION_S", "ProbeInput", "probe"]

#: What ``probe`` accepts: a path, the bytes, or a seekable binary file object.
ProbeInput = str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO

#: Wider or taller than this is a corrupt header, not a picture.
MAX_DIMENSION_PX = 1 << 20
#: Longer than a week is a corrupt header (timescale or duration field), not a video.
MAX_DURATION_S = 7 * 24 * 3600.0

_IMAGES = frozenset({"jpeg", "png", "webp"})
_ISOBMFF = frozenset({"mp4", "mov", "m4a"})
_MATROSKA = frozenset({"mkv", "webm"})
# What byte-level parsing of a corrupt file can raise besides MediaError.
_PARSE_ERRORS = (
    struct.error,
    IndexError,
    KeyError,
    OverflowError,
    UnicodeDecodeError,
    ValueError,
    EOFError,
    ZeroDivisionError,
)
_DEFAULT_LABEL = "input"
# How messages name each format (as the parsers do).
_SHORT_NAMES = {
    "jpeg": "JPEG",
    "png": "PNG",
    "webp": "WebP",
    "mp4": "MP4",
    "mov": "MOV",
    "m4a": "M4A",
    "mkv": "MKV",
    "webm": "WebM",
}


def probe(file: ProbeInput, *, name: str | None = None) -> ImageInfo | VideoInfo:
    """Describe an image or video from its headers, without reading its media data.

    ``file`` is a path, the file's bytes, or a seekable binary file object (read from its
    current position, which is restored afterwards). ``name`` labels the file in error
    messages; by default it is the path's file name, else ``"input"``.

    Returns ``ImageInfo`` for JPEG, PNG and WebP, ``VideoInfo`` for MP4, QuickTime, Matroska
    and WebM files with a video track. Raises ``KieInputError`` for anything else (naming
    what the file is), for corrupt or truncated files, and for unreadable input.
    """
    with _open(file, name) as (source, label):
        return _probe_source(source, label)


def _probe_source(source: Source, label: str) -> ImageInfo | VideoInfo:
    what = "file"
    try:
        head = source.read_upto(0, SNIFF_BYTES)
        if not head:
            raise MediaError("empty file")
        kind = sniff(head)
        if kind is None:
            raise MediaError(
                "not a recognised image or video (expected JPEG, PNG, WebP, MP4, MOV, MKV or WebM)"
            )
        what = _SHORT_NAMES.get(kind.name, kind.label)
        info = _parse(source, kind)
        _check_plausible(info, kind)
        return info
    except KieInputError:
        raise
    except MediaError as exc:
        raise KieInputError(f"{label}: {exc}") from None
    except OSError as exc:  # before ValueError: io.UnsupportedOperation is both
        raise KieInputError(f"{label}: could not read the file ({exc})") from exc
    except _PARSE_ERRORS as exc:
        raise KieInputError(f"{label}: malformed {what} ({type(exc).__name__}: {exc})") from exc


def _parse(source: Source, kind: FileKind) -> ImageInfo | VideoInfo:
    if kind.name in _IMAGES:
        return probe_image(source, kind.name)
    if kind.name in _ISOBMFF:
        return probe_isobmff(source, kind.name)
    if kind.name in _MATROSKA:
        return probe_matroska(source, kind.name)
    if kind.is_image_or_video:
        raise MediaError(f"{kind.label} is not a supported image or video")
    raise MediaError(f"{kind.label}, not an image or video")


def _check_plausible(info: ImageInfo | VideoInfo, kind: FileKind) -> None:
    short = _SHORT_NAMES.get(kind.name, kind.label)
    for side, value in (("width", info.width), ("height", info.height)):
        if not 0 < value <= MAX_DIMENSION_PX:
            raise MediaError(f"malformed {short}: implausible {side} {value} px")
    if isinstance(info, VideoInfo) and not (
        math.isfinite(info.duration) and 0 < info.duration <= MAX_DURATION_S
    ):
        raise MediaError(f"malformed {short}: implausible duration {info.duration} s")


@contextmanager
def _open(file: ProbeInput, name: str | None) -> Generator[tuple[Source, str], None, None]:
    """A ``Source`` over any accepted input, and the label for messages."""
    if isinstance(file, (str, os.PathLike)):
        path = os.fspath(file)
        label = name or os.path.basename(path) or path
        try:
            # A FIFO or device would block or never end: only regular files are opened.
            if not stat.S_ISREG(os.stat(path).st_mode):
                raise KieInputError(f"{label}: not a regular file")
            handle = open(path, "rb", buffering=0)  # noqa: SIM115 - closed in the finally below
        except OSError as exc:
            raise KieInputError(f"{label}: cannot open ({exc.strerror or exc})") from None
        try:
            size = os.fstat(handle.fileno()).st_size
            yield Source(size=size, fileobj=handle), label
        finally:
            handle.close()
        return
    if isinstance(file, bytes):
        yield Source.from_bytes(file), name or _DEFAULT_LABEL
        return
    if isinstance(file, (bytearray, memoryview)):
        yield Source.from_bytes(bytes(file)), name or _DEFAULT_LABEL
        return
    with _open_fileobj(file, name) as opened:
        yield opened


@contextmanager
def _open_fileobj(fileobj: BinaryIO, name: str | None) -> Generator[tuple[Source, str], None, None]:
    file_name: object = getattr(fileobj, "name", None)
    label = name or (os.path.basename(file_name) if isinstance(file_name, str) else "")
    label = label or _DEFAULT_LABEL
    if isinstance(fileobj, io.TextIOBase):
        raise KieInputError(f"{label}: the file object must be opened in binary mode ('rb')")
    try:
        seekable = fileobj.seekable()
    except (OSError, ValueError) as exc:
        raise KieInputError(f"{label}: cannot use the file object ({exc})") from None
    if not seekable:
        raise KieInputError(
            f"{label}: the file object must be seekable (probe seeks past the media data); "
            "pass a path or bytes instead"
        )
    try:
        start = fileobj.tell()
        fileobj.seek(0, io.SEEK_END)
        end = fileobj.tell()
    except (OSError, ValueError) as exc:
        raise KieInputError(f"{label}: cannot use the file object ({exc})") from None
    try:
        yield Source(size=max(0, end - start), fileobj=fileobj, base=start), label
    finally:
        with suppress(OSError, ValueError):  # a failed restore must not hide the real error
            fileobj.seek(start)
