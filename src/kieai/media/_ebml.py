"""EBML primitives (RFC 8794): variable-length integers and element headers.

Matroska and WebM are EBML documents. Both the sniffer (DocType) and the Matroska walker need
to decode element IDs and sizes from a few bytes, strictly: a malformed integer is an error,
never a guess, and an all-ones size means "unknown" (live streams), not a huge number.
"""

from __future__ import annotations

import struct

from ._reader import MediaError

__all__ = [
    "EBML_HEADER_ID",
    "EBMLError",
    "decode_float",
    "decode_uint",
    "read_doctype",
    "read_element_header",
]

EBML_HEADER_ID = 0x1A45DFA3
_DOCTYPE_ID = 0x4282
_DEFAULT_DOCTYPE = b"matroska"
#: The longest element header: a 4-byte ID (EBMLMaxIDLength) and an 8-byte size.
MAX_HEADER_BYTES = 12


class EBMLError(MediaError):
    """Malformed EBML."""


def read_element_header(buf: bytes, pos: int, at: int = 0) -> tuple[int, int | None, int]:
    """Decode the element header at ``buf[pos:]``: ``(id, size, header_length)``.

    ``size`` is None for the reserved all-ones "unknown size". ``at`` is the file offset of
    ``buf[0]``, used in messages. Raises EBMLError if the header is invalid or not all in buf.
    This runs once per element of a cluster scan, hence the unrolled length tests.
    """
    length = len(buf)
    if pos >= length:
        raise EBMLError(f"unexpected end of data in EBML element header at byte {at + pos}")
    first = buf[pos]
    if first & 0x80:
        size_pos = pos + 1
    elif first & 0x40:
        size_pos = pos + 2
    elif first & 0x20:
        size_pos = pos + 3
    elif first & 0x10:
        size_pos = pos + 4
    else:  # IDs are at most 4 bytes long (EBMLMaxIDLength)
        raise EBMLError(f"invalid EBML element ID at byte {at + pos}")
    if size_pos >= length:
        raise EBMLError(f"unexpected end of data in EBML element header at byte {at + pos}")
    size_first = buf[size_pos]
    if size_first == 0:  # sizes are at most 8 bytes long
        raise EBMLError(f"invalid EBML variable-length integer at byte {at + size_pos}")
    size_length = 9 - size_first.bit_length()
    end = size_pos + size_length
    if end > length:
        raise EBMLError(f"unexpected end of data in EBML element header at byte {at + pos}")
    value_mask = (1 << (7 * size_length)) - 1  # drops the length-marker bit
    size = int.from_bytes(buf[size_pos:end], "big") & value_mask
    element_id = int.from_bytes(buf[pos:size_pos], "big")
    return element_id, (None if size == value_mask else size), end - pos


def decode_uint(data: bytes, what: str) -> int:
    if len(data) > 8:
        raise EBMLError(f"{what}: unsigned integer of {len(data)} bytes")
    return int.from_bytes(data, "big")


def decode_float(data: bytes, what: str) -> float:
    if len(data) == 0:
        return 0.0
    if len(data) == 4:
        return float(struct.unpack(">f", data)[0])
    if len(data) == 8:
        return float(struct.unpack(">d", data)[0])
    raise EBMLError(f"{what}: float of {len(data)} bytes")


def read_doctype(buf: bytes) -> bytes:
    """The DocType of the EBML header at the start of ``buf`` (``matroska`` when it is absent,
    including when ``buf`` ends before the header does: the prober reports the truncation)."""
    element_id, size, pos = read_element_header(buf, 0)
    if element_id != EBML_HEADER_ID or size is None:
        raise EBMLError("not an EBML header")
    end = min(pos + size, len(buf))
    while pos < end:
        try:
            child_id, child_size, header_length = read_element_header(buf, pos)
        except EBMLError:
            if pos + MAX_HEADER_BYTES > len(buf):
                break  # the header goes on past what we were given
            raise
        if child_size is None:
            raise EBMLError("unknown-size element in the EBML header")
        data_start = pos + header_length
        if child_id == _DOCTYPE_ID:
            if data_start + child_size > len(buf):
                break
            return buf[data_start : data_start + child_size].rstrip(b"\x00")
        pos = data_start + child_size
    return _DEFAULT_DOCTYPE
