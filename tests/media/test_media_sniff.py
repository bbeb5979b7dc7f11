"""``sniff``: the real type from magic bytes, never from a name."""

from __future__ import annotations

import struct

import pytest

from kieai.media import FileKind, sniff

from .builders import ebml_header, ftyp


def kind_name(head: bytes) -> str | None:
    kind = sniff(head)
    return None if kind is None else kind.name


@pytest.mark.parametrize(
    ("head", "name"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "png"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "avi"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "wav"),
        (b"GIF89a\x01\x00\x01\x00", "gif"),
        (b"GIF87a\x01\x00\x01\x00", "gif"),
        (b"BM" + bytes(12) + struct.pack("<I", 40) + bytes(8), "bmp"),
        (b"II*\x00\x08\x00\x00\x00", "tiff"),
        (b"MM\x00*\x00\x00\x00\x08", "tiff"),
        (b"\x00\x00\x01\x00\x01\x00\x10\x10", "ico"),
        (b"8BPS\x00\x01", "psd"),
        (b"\xff\x0a\xfa", "jxl"),
        (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "jxl"),
        (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "jp2"),
        (b"FLV\x01\x05", "flv"),
        (b"\x00\x00\x01\xba\x44", "mpeg"),
        (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11\xa6\xd9", "wmv"),
        (b"ID3\x04\x00", "mp3"),
        (b"\xff\xfb\x90\x64", "mp3"),
        (b"\xff\xf1\x50\x80", "aac"),
        (b"fLaC\x00\x00", "flac"),
        (b"OggS\x00\x02", "ogg"),
        (b"%PDF-1.7\n", "pdf"),
        (b"PK\x03\x04\x14\x00", "zip"),
        (b"\x1f\x8b\x08\x00", "gzip"),
        (b"7z\xbc\xaf\x27\x1c\x00\x04", "7z"),
        (b"Rar!\x1a\x07\x01\x00", "rar"),
        (b"\x47" + bytes(187) + b"\x47" + bytes(187) + b"\x47" + bytes(10), "ts"),
    ],
)
def test_magic_bytes(head: bytes, name: str) -> None:
    assert kind_name(head) == name


@pytest.mark.parametrize(
    ("major", "compatible", "name"),
    [
        (b"isom", (b"isom", b"iso2", b"avc1", b"mp41"), "mp4"),
        (b"mp42", (b"mp42", b"isom"), "mp4"),
        (b"M4V ", (b"M4V ", b"mp42"), "mp4"),
        (b"XAVC", (b"XAVC", b"mp42"), "mp4"),  # unknown brands: a generic MP4
        (b"qt  ", (b"qt  ",), "mov"),
        (b"abcd", (b"qt  ",), "mov"),
        (b"M4A ", (b"M4A ", b"mp42", b"isom"), "m4a"),
        (b"M4B ", (b"M4B ",), "m4a"),
        (b"heic", (b"mif1", b"heic"), "heic"),
        (b"heix", (b"mif1", b"heix"), "heic"),
        (b"mif1", (b"mif1", b"heic"), "heic"),
        (b"msf1", (b"msf1", b"hevc"), "heic"),
        (b"mif1", (b"mif1", b"avif"), "avif"),
        (b"mif1", (b"mif1",), "heif"),
        (b"avif", (b"avif", b"mif1"), "avif"),
        (b"avis", (b"avis", b"msf1"), "avif"),
        (b"3gp4", (b"3gp4", b"isom"), "3gp"),
        (b"3g2a", (b"3g2a",), "3g2"),
        (b"crx ", (b"crx ",), "cr3"),
    ],
)
def test_iso_bmff_brands(major: bytes, compatible: tuple[bytes, ...], name: str) -> None:
    assert kind_name(ftyp(major, *compatible) + bytes(16)) == name


@pytest.mark.parametrize("atom", [b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"])
def test_quicktime_without_ftyp_is_mov(atom: bytes) -> None:
    assert kind_name(struct.pack(">I4s", 8, atom) + bytes(32)) == "mov"


def test_ebml_doctype_tells_webm_from_matroska() -> None:
    assert kind_name(ebml_header(b"webm") + bytes(8)) == "webm"
    assert kind_name(ebml_header(b"matroska") + bytes(8)) == "mkv"


def test_ebml_with_another_doctype_is_unknown() -> None:
    assert sniff(ebml_header(b"dvdmenu") + bytes(8)) is None


def test_ebml_header_cut_before_its_doctype_is_matroska() -> None:
    assert kind_name(ebml_header(b"webm")[:8]) == "mkv"


def test_garbage_after_ebml_magic_is_unknown() -> None:
    assert sniff(b"\x1a\x45\xdf\xa3\x00\x00\x00") is None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (b"These are my notes.\n", "text"),
        ("Grüße, ça va? — 你好\n".encode(), "text"),
        (b"\xef\xbb\xbfwith a BOM\n", "text"),
        ("utf-16 notes".encode("utf-16"), "text"),
        (b"Get free stuff now", "text"),  # "free" at offset 4 is not a QuickTime atom
        (b"GIF is a format, not a file", "text"),
        (b"  <svg xmlns='http://www.w3.org/2000/svg'/>", "svg"),
        (b"<?xml version='1.0'?>\n<svg/>", "svg"),
        (b"<!DOCTYPE html><html></html>", "html"),
    ],
)
def test_text_kinds(text: bytes, name: str) -> None:
    assert kind_name(text) == name


def test_utf8_character_cut_at_the_end_of_the_head_is_still_text() -> None:
    head = ("a" * 4095 + "é").encode()[:4096]

    assert kind_name(head) == "text"


@pytest.mark.parametrize(
    "head",
    [b"", b"\x00\x01\x02\x03", b"\x00" * 64, b"\x80\x81\xfe\xff", b"text\x01with control bytes"],
)
def test_unknown_binary_is_none(head: bytes) -> None:
    assert sniff(head) is None


def test_only_the_first_4096_bytes_count() -> None:
    assert kind_name(b"x" * 4096 + b"\x00\x01") == "text"


def test_kind_carries_label_mime_and_extension() -> None:
    assert sniff(ftyp(b"qt  ", b"qt  ")) == FileKind(
        name="mov", label="QuickTime video", mime="video/quicktime", extension=".mov"
    )
    assert sniff(ftyp(b"M4A ", b"M4A ")) == FileKind(
        name="m4a", label="M4A audio", mime="audio/mp4", extension=".m4a"
    )
    assert sniff(ebml_header(b"webm")) == FileKind(
        name="webm", label="WebM video", mime="video/webm", extension=".webm"
    )
