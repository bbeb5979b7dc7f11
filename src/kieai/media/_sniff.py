"""What a file really is, from its first bytes (never its name).

Users rename files: a ``.png`` that is an MP4, a ``.jpg`` that is a WebP, a ``.mov`` that is a
HEIC photo. ``sniff`` looks at magic bytes only, so errors can say what the file is, and the
prober picks the right parser. ISO-BMFF files (MP4, MOV, M4A, HEIC, AVIF, 3GP) share one
layout and are told apart by their ``ftyp`` brands; Matroska and WebM by the EBML DocType.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from ._ebml import EBMLError, read_doctype

__all__ = ["SNIFF_BYTES", "FileKind", "sniff"]

#: ``sniff`` never needs more than this; 64 bytes are enough for everything but text detection
#: and the EBML DocType of files with a long header.
SNIFF_BYTES = 4096


@dataclass(frozen=True)
class FileKind:
    """A file type recognised from magic bytes, with what error messages and uploads need."""

    name: str
    label: str
    mime: str
    extension: str

    @property
    def is_image_or_video(self) -> bool:
        """True for image and video types (supported or not), False for audio, text, documents."""
        return self.mime.startswith(("image/", "video/"))


def _kind(name: str, label: str, mime: str, extension: str) -> FileKind:
    return FileKind(name=name, label=label, mime=mime, extension=extension)


JPEG = _kind("jpeg", "JPEG image", "image/jpeg", ".jpg")
PNG = _kind("png", "PNG image", "image/png", ".png")
WEBP = _kind("webp", "WebP image", "image/webp", ".webp")
GIF = _kind("gif", "GIF image", "image/gif", ".gif")
BMP = _kind("bmp", "BMP image", "image/bmp", ".bmp")
TIFF = _kind("tiff", "TIFF image", "image/tiff", ".tif")
ICO = _kind("ico", "ICO image", "image/vnd.microsoft.icon", ".ico")
PSD = _kind("psd", "Photoshop image", "image/vnd.adobe.photoshop", ".psd")
HEIC = _kind("heic", "HEIC image", "image/heic", ".heic")
HEIF = _kind("heif", "HEIF image", "image/heif", ".heif")
AVIF = _kind("avif", "AVIF image", "image/avif", ".avif")
JXL = _kind("jxl", "JPEG XL image", "image/jxl", ".jxl")
JP2 = _kind("jp2", "JPEG 2000 image", "image/jp2", ".jp2")
CR3 = _kind("cr3", "Canon CR3 raw image", "image/x-canon-cr3", ".cr3")
SVG = _kind("svg", "SVG image", "image/svg+xml", ".svg")
MP4 = _kind("mp4", "MP4 video", "video/mp4", ".mp4")
MOV = _kind("mov", "QuickTime video", "video/quicktime", ".mov")
M4A = _kind("m4a", "M4A audio", "audio/mp4", ".m4a")
THREE_GP = _kind("3gp", "3GP video", "video/3gpp", ".3gp")
THREE_G2 = _kind("3g2", "3G2 video", "video/3gpp2", ".3g2")
MKV = _kind("mkv", "Matroska video", "video/x-matroska", ".mkv")
WEBM = _kind("webm", "WebM video", "video/webm", ".webm")
AVI = _kind("avi", "AVI video", "video/x-msvideo", ".avi")
FLV = _kind("flv", "FLV video", "video/x-flv", ".flv")
MPEG_TS = _kind("ts", "MPEG-TS video", "video/mp2t", ".ts")
MPEG_PS = _kind("mpeg", "MPEG video", "video/mpeg", ".mpg")
ASF = _kind("wmv", "WMV video", "video/x-ms-asf", ".wmv")
WAV = _kind("wav", "WAV audio", "audio/wav", ".wav")
MP3 = _kind("mp3", "MP3 audio", "audio/mpeg", ".mp3")
AAC = _kind("aac", "AAC audio", "audio/aac", ".aac")
FLAC = _kind("flac", "FLAC audio", "audio/flac", ".flac")
OGG = _kind("ogg", "Ogg audio", "audio/ogg", ".ogg")
PDF = _kind("pdf", "PDF document", "application/pdf", ".pdf")
ZIP = _kind("zip", "ZIP archive", "application/zip", ".zip")
GZIP = _kind("gzip", "gzip archive", "application/gzip", ".gz")
SEVEN_ZIP = _kind("7z", "7-Zip archive", "application/x-7z-compressed", ".7z")
RAR = _kind("rar", "RAR archive", "application/vnd.rar", ".rar")
HTML = _kind("html", "HTML document", "text/html", ".html")
TEXT = _kind("text", "text file", "text/plain", ".txt")

# Fixed magic at offset 0, checked in order.
_PREFIXES: tuple[tuple[bytes, FileKind], ...] = (
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
    (b"8BPS", PSD),
    (b"\xff\x0a", JXL),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", JXL),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", JP2),
    (b"FLV\x01", FLV),
    (b"\x00\x00\x01\xba", MPEG_PS),
    (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", ASF),
    (b"ID3", MP3),
    (b"fLaC", FLAC),
    (b"OggS", OGG),
    (b"%PDF-", PDF),
    (b"PK\x03\x04", ZIP),
    (b"\x1f\x8b", GZIP),
    (b"7z\xbc\xaf\x27\x1c", SEVEN_ZIP),
    (b"Rar!\x1a\x07", RAR),
)

_RIFF_FORMS = {b"WEBP": WEBP, b"AVI ": AVI, b"WAVE": WAV}

# ISO-BMFF ``ftyp`` brands. Anything not listed is a generic MP4 (isom, mp41, mp42, avc1,
# M4V, dash, XAVC, ...): the prober then requires a video track.
_BRANDS: dict[bytes, FileKind] = {
    b"qt  ": MOV,
    b"M4A ": M4A,
    b"M4B ": M4A,
    b"M4P ": M4A,
    b"heic": HEIC,
    b"heix": HEIC,
    b"heim": HEIC,
    b"heis": HEIC,
    b"hevc": HEIC,
    b"hevx": HEIC,
    b"hevm": HEIC,
    b"hevs": HEIC,
    b"avif": AVIF,
    b"avis": AVIF,
    b"crx ": CR3,
    b"3g2a": THREE_G2,
    b"3g2b": THREE_G2,
    b"3g2c": THREE_G2,
}
# Generic HEIF brands: the compatible brands say whether it is HEIC, AVIF or another HEIF.
_HEIF_BRANDS = frozenset({b"mif1", b"msf1", b"mif2", b"mif3"})
# Top-level QuickTime atoms that old ``.mov`` files start with instead of ``ftyp``.
_QUICKTIME_FIRST_ATOMS = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})

_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_MPEG_TS_PACKET_BYTES = 188
# The DIB header sizes a real BMP can have ("BM" alone is too weak a magic).
_BMP_DIB_HEADER_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})


def sniff(head: bytes) -> FileKind | None:
    """Recognise a file from its first bytes (64 to 4096 of them; more is ignored).

    Returns ``None`` for unknown binary data. Never looks at a file name.
    """
    head = head[:SNIFF_BYTES]
    for magic, kind in _PREFIXES:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and len(head) >= 12:
        return _RIFF_FORMS.get(head[8:12])
    if head[4:8] == b"ftyp" and head[:2] == b"\x00\x00":  # an ftyp box is far below 64 KB
        return _sniff_ftyp(head)
    if head.startswith(_EBML_MAGIC):
        return _sniff_ebml(head)
    # Text before the weak magics: "Get free..." must not pass for a QuickTime "free" atom.
    return _sniff_text(head) or _sniff_weak(head)


def _sniff_ftyp(head: bytes) -> FileKind:
    box_size = int.from_bytes(head[:4], "big")
    major = head[8:12]
    compatible = head[16 : max(16, min(box_size, len(head)))]
    brands = {compatible[i : i + 4] for i in range(0, len(compatible) - 3, 4)}
    if major in _BRANDS:
        return _BRANDS[major]
    if major[:3] in (b"3gp", b"3ge", b"3gg", b"3gs", b"3gr"):
        return THREE_GP
    if major in _HEIF_BRANDS:
        if brands & {b"avif", b"avis"}:
            return AVIF
        if any(brand.startswith((b"hei", b"hev")) for brand in brands):
            return HEIC
        return HEIF
    if b"qt  " in brands:
        return MOV
    return MP4


def _sniff_ebml(head: bytes) -> FileKind | None:
    """WebM or Matroska from the DocType in the EBML header (``matroska`` when it is absent, as
    the EBML spec defaults it); ``None`` for another DocType or a header too broken to read."""
    try:
        doctype = read_doctype(head)
    except EBMLError:
        return None
    return {b"webm": WEBM, b"matroska": MKV}.get(doctype)


def _sniff_weak(head: bytes) -> FileKind | None:
    """Magic numbers of two or four bytes, confirmed by a second field so text never matches."""
    if head[:2] == b"BM" and int.from_bytes(head[14:18], "little") in _BMP_DIB_HEADER_SIZES:
        return BMP
    if head[:4] == b"\x00\x00\x01\x00" and len(head) >= 6 and head[4] | head[5]:
        return ICO
    if len(head) >= 8 and head[4:8] in _QUICKTIME_FIRST_ATOMS:
        size = int.from_bytes(head[:4], "big")
        if size in (0, 1) or size >= 8:
            return MOV
    syncs = head[: 3 * _MPEG_TS_PACKET_BYTES : _MPEG_TS_PACKET_BYTES]
    if len(syncs) >= 2 and syncs == b"\x47" * len(syncs):
        return MPEG_TS
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        # MPEG audio frame sync: layer bits 00 are ADTS AAC, anything else MP3.
        return AAC if head[1] & 0x06 == 0 else MP3
    return None


def _sniff_text(head: bytes) -> FileKind | None:
    """Text (UTF-8, or UTF-16 with a BOM): a small family of markup kinds, else plain text."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return TEXT
    if not head or b"\x00" in head:
        return None
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    try:
        text = decoder.decode(head, final=False)  # a character cut at the end is fine
    except UnicodeDecodeError:
        return None
    if any(ord(char) < 0x20 and char not in "\t\n\r\f\v\x1b" for char in text):
        return None
    start = text.lstrip("\ufeff \t\r\n").lower()
    if start.startswith("<svg") or (start.startswith("<?xml") and "<svg" in start):
        return SVG
    if start.startswith(("<!doctype html", "<html")):
        return HTML
    return TEXT
