"""The fake's own multipart/form-data parser: what httpx and browsers send, and bad bodies."""

from __future__ import annotations

import time

import httpx
import pytest

from kieai.testing._multipart import MultipartError, boundary_of, parse_multipart

from .._liveness import HANG_GUARD_S


def _encode(files: dict[str, tuple[str, bytes, str]], data: dict[str, str]) -> tuple[bytes, str]:
    request = httpx.Request("POST", "https://x/", files=files, data=data)
    return request.read(), request.headers["content-type"]


def test_parses_what_httpx_sends() -> None:
    body, content_type = _encode(
        {"file": ("a b.png", b"\r\n--not-a-boundary\r\n", "image/png")}, {"uploadPath": "p"}
    )
    parts = parse_multipart(body, boundary_of(content_type))
    assert [(p.name, p.filename, p.content_type, p.data) for p in parts] == [
        ("uploadPath", None, None, b"p"),
        ("file", "a b.png", "image/png", b"\r\n--not-a-boundary\r\n"),
    ]


def test_quoted_boundaries_escapes_and_rfc5987_names() -> None:
    body = (
        b"preamble\r\n--b;1\r\n"
        b'Content-Disposition: form-data; name="file"; filename="x.png"; filename*=UTF-8\'\'t%C3%A4nzer.png\r\n'
        b"\r\nDATA\r\n"
        b"--b;1\r\n"
        b'Content-Disposition: form-data; name="quote\\"d"\r\n\r\nv\r\n'
        b"--b;1--\r\nepilogue"
    )
    parts = parse_multipart(body, boundary_of('multipart/form-data; boundary="b;1"'))
    assert [(p.name, p.filename, p.data) for p in parts] == [
        ("file", "tänzer.png", b"DATA"),
        ('quote"d', None, b"v"),
    ]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"no boundary here", "never occurs"),
        (
            b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated',
            "closing boundary",
        ),
        (b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--", "no Content-Disposition name"),
        (b'--b\r\nContent-Disposition: attachment; name="a"\r\n\r\nx\r\n--b--', "not form-data"),
        (b"--bX\r\n", "garbage after a boundary"),
        (b"--b\r\nbroken header\r\n\r\nx\r\n--b--", "malformed part header"),
    ],
)
def test_malformed_bodies_raise_multipart_error(body: bytes, error: str) -> None:
    with pytest.raises(MultipartError, match=error):
        parse_multipart(body, b"b")


@pytest.mark.parametrize(
    "content_type", ["application/json", "multipart/form-data", "multipart/form-data; boundary="]
)
def test_content_types_without_a_boundary_are_refused(content_type: str) -> None:
    with pytest.raises(MultipartError):
        boundary_of(content_type)


def test_many_parts_parse_in_linear_time() -> None:
    # 10,000 parts of 4 KB: a parser that re-slices the remaining body per part would copy
    # ~200 GB here (minutes); a forward scan reads 40 MB once (a fraction of a second, a few
    # seconds under coverage on a loaded machine). The hang guard only has to tell the two apart.
    body = (
        b"".join(
            b'--b\r\nContent-Disposition: form-data; name="f%d"\r\n\r\n%s\r\n' % (i, b"x" * 4096)
            for i in range(10_000)
        )
        + b"--b--\r\n"
    )
    start = time.perf_counter()
    assert len(parse_multipart(body, b"b")) == 10_000
    assert time.perf_counter() - start < HANG_GUARD_S  # a guard: linear is a fraction of it
