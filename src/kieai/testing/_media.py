"""What the fake knows about stored media: MIME types, and (when ``kieai.media`` is present)
real dimensions and durations, used to check motion-control inputs and to price a task.

``kieai.media.probe`` is imported lazily and is optional, so the fake keeps working with the
MIME type alone when the prober is missing or cannot describe a file.
"""

from __future__ import annotations

import importlib
import mimetypes
import posixpath
from dataclasses import dataclass
from typing import Any

__all__ = ["MediaFacts", "guess_mime", "probe_media"]

#: Fixed answers for the types that matter here: ``mimetypes`` differs between systems
#: (``.mkv`` is missing on some).
_EXTENSION_MIME = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".heic": "image/heic",
    ".avif": "image/avif",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".mkv": "video/x-matroska",
    ".webm": "video/webm",
    ".m4a": "audio/mp4",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".json": "application/json",
    ".txt": "text/plain",
}

_MIME_EXTENSION = {
    "audio/mp4": ".m4a",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/x-matroska": ".mkv",
    "video/webm": ".webm",
}

OCTET_STREAM = "application/octet-stream"


def sniff_mime(data: bytes) -> str | None:
    """The MIME type the first bytes announce, for the formats Kie's models take."""
    head = data[:64]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            return "video/quicktime"
        if brand in (b"M4A ", b"M4B "):
            return "audio/mp4"
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head else "video/x-matroska"
    return _sniff_more(data)


def _sniff_more(data: bytes) -> str | None:
    """``kieai.media.sniff`` for the rest of the media types (audio, other images and videos),
    when present; documents and text stay unnamed, as before."""
    try:
        module = importlib.import_module("kieai.media")
    except ImportError:
        return None
    kind = module.sniff(data[:4096])
    mime: str | None = kind.mime if kind is not None else None
    return mime if mime and mime.startswith(("image/", "video/", "audio/")) else None


def guess_mime(file_name: str, declared: str | None, data: bytes) -> str:
    """MIME type of a stored file: from its name like a file host, else the sender's
    Content-Type, else the bytes."""
    extension = posixpath.splitext(file_name)[1].lower()
    if extension in _EXTENSION_MIME:
        return _EXTENSION_MIME[extension]
    guessed, _ = mimetypes.guess_type(file_name, strict=False)
    if guessed and guessed != OCTET_STREAM:
        return guessed
    if declared:
        base = declared.split(";", 1)[0].strip().lower()
        if base and base != OCTET_STREAM:
            return base
    return sniff_mime(data) or OCTET_STREAM


def extension_for(mime: str) -> str:
    """A file extension for a generated file name (``""`` when none fits)."""
    if mime == OCTET_STREAM:
        return ""
    return _MIME_EXTENSION.get(mime) or mimetypes.guess_extension(mime, strict=False) or ""


@dataclass(frozen=True)
class MediaFacts:
    """What ``kieai.media.probe`` measured, or why it refused the file."""

    kind: str
    """``"image"``, ``"video"`` or ``"invalid"``."""
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    container: str | None = None
    problem: str | None = None


def _probe_function() -> Any:
    try:
        module = importlib.import_module("kieai.media")
    except ImportError:
        return None
    return getattr(module, "probe", None)


def probe_media(data: bytes) -> MediaFacts | None:
    """Probe ``data`` with ``kieai.media.probe``; None when the prober is not available."""
    probe = _probe_function()
    if probe is None:
        return None
    try:
        info = probe(data)
    except ValueError as exc:  # KieInputError is a ValueError: "not a supported image/video"
        return MediaFacts(kind="invalid", problem=str(exc))
    width = getattr(info, "width", None)
    height = getattr(info, "height", None)
    duration = getattr(info, "duration", None)
    if duration is not None:
        return MediaFacts(
            kind="video",
            width=width,
            height=height,
            duration_s=float(duration),
            container=getattr(info, "container", None),
        )
    return MediaFacts(
        kind="image", width=width, height=height, container=getattr(info, "format", None)
    )
