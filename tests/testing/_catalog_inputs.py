"""Inputs for any declared model: a minimal valid ``input`` (files of the accepted kinds,
uploaded to the fake first) and a deliberately bad one, built from the declaration alone."""

from __future__ import annotations

import io
import math
import struct
import wave
from collections.abc import Awaitable, Callable
from typing import Any

from kieai._assets import asset_bytes
from kieai.catalog import Field, FileSpec, ModelInfo

from ..media.builders import simple_mp4
from ..motion._media import fixture

#: Uploads a named file to the fake and returns its download URL.
Uploader = Callable[[str, bytes], Awaitable[str]]

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def wav_bytes(seconds: float = 1.0, rate_hz: int = 8000) -> bytes:
    """A real WAV: a 440 Hz tone, 16-bit mono."""
    frames = b"".join(
        struct.pack("<h", round(6000 * math.sin(2 * math.pi * 440 * i / rate_hz)))
        for i in range(round(seconds * rate_hz))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate_hz)
        out.writeframes(frames)
    return buffer.getvalue()


def mp3_bytes(frames: int = 20) -> bytes:
    """MPEG-1 Layer III frames (128 kb/s, 44.1 kHz, silent payload) behind an ID3v2 tag."""
    header = b"\xff\xfb\x90\x64"
    frame = header + bytes(417 - len(header))
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + frame * frames


#: (MIME type, file name, bytes) the tests can make, best first within each kind. The image
#: and video are the samples kieai ships (480x720 PNG; 720x720, 4 s MP4), inside every
#: Kling limit the fake checks.
_SAMPLES: dict[str, list[tuple[str, str, Callable[[], bytes]]]] = {
    "image": [
        ("image/png", "person.png", lambda: asset_bytes("person.png")),
        ("image/jpeg", "person.jpg", lambda: fixture("person_480x640.jpg").read_bytes()),
        ("image/webp", "person.webp", lambda: fixture("person_480x640.webp").read_bytes()),
    ],
    "video": [
        ("video/mp4", "dance.mp4", lambda: asset_bytes("dance.mp4")),
        (
            "video/quicktime",
            "dance.mov",
            lambda: simple_mp4(duration_s=4.0, width=720, height=720, major=b"qt  "),
        ),
    ],
    "audio": [
        ("audio/wav", "tone.wav", wav_bytes),
        ("audio/mpeg", "tone.mp3", mp3_bytes),
        ("audio/mp4", "tone.m4a", lambda: fixture("audio_only_5s.m4a").read_bytes()),
    ],
}
_ALIASES = {"image/jpg": "image/jpeg", "audio/mp3": "audio/mpeg", "audio/x-wav": "audio/wav"}


def sample_file(spec: FileSpec) -> tuple[str, bytes]:
    """A file name and bytes the field accepts (its first listed type the tests can make)."""
    accepted = {_ALIASES.get(m, m) for m in spec.mime_types}
    kinds = [spec.kind] if spec.kind in _SAMPLES else ["image", "video", "audio"]
    candidates = [s for kind in kinds for s in _SAMPLES[kind]]
    for mime, name, make in candidates:
        if not accepted or mime in accepted:
            return name, make()
    raise AssertionError(f"no sample file for {spec}")


def _number(field: Field) -> float:
    if field.has_default and isinstance(field.default, (int, float)):
        return field.default
    value = field.minimum if field.minimum is not None else 1
    if field.exclusive_minimum:
        value += 1 if field.type == "integer" else 0.5
    if field.maximum is not None and value > field.maximum:
        value = field.maximum
    return math.ceil(value) if field.type == "integer" else value


def _string(field: Field) -> str:
    text = "A cat walks along a sunny beach."
    if field.min_length is not None and len(text) < field.min_length:
        text = text + "x" * (field.min_length - len(text))
    if field.max_length is not None:
        text = text[: field.max_length]
    return text


def _item(field: Field) -> Any:
    if field.item_choices:
        return field.item_choices[0]
    samples: dict[str, Any] = {
        "string": "item",
        "integer": 1,
        "number": 1.0,
        "boolean": False,
        "object": {},
        "array": [],
    }
    return samples[field.item_type or "string"]


def value_for(field: Field) -> Any:
    """A valid non-file value for ``field``."""
    if field.choices:
        return (
            field.default
            if field.has_default and field.default in field.choices
            else field.choices[0]
        )
    if field.type in ("integer", "number"):
        return _number(field)
    if field.type == "boolean":
        return field.default if isinstance(field.default, bool) else False
    if field.type == "array":
        return [_item(field)] * max(field.min_items or 1, 1)
    if field.type == "object":
        return {}
    return _string(field)


async def minimal_input(info: ModelInfo, upload: Uploader) -> dict[str, Any]:
    """Every required field of ``info`` with a valid value; file fields hold URLs of uploads."""
    input_: dict[str, Any] = {}
    for field in info.fields:
        if not field.required:
            continue
        if field.file is None:
            input_[field.name] = value_for(field)
            continue
        name, data = sample_file(field.file)
        url = await upload(name, data)
        count = max(field.min_items or 1, 1)
        input_[field.name] = [url] * count if field.file.multiple else url
    return input_


def spoil(info: ModelInfo, input_: dict[str, Any]) -> tuple[Any, str]:
    """``input_`` with one thing made wrong, and the name the answer must give: a required
    field left out, else a field given a value of the wrong type, else (a model without
    fields) an ``input`` that is not an object."""
    for field in info.fields:
        if field.required:
            return {k: v for k, v in input_.items() if k != field.name}, f"input.{field.name}"
    if not info.fields:
        return "not an object", "input"
    field = info.fields[0]
    wrong: Any = 12345 if field.type == "string" else "not-a-" + field.type
    return {**input_, field.name: wrong}, f"input.{field.name}"


#: Magic bytes of the result file each output kind serves.
def is_kind(kind: str, data: bytes) -> bool:
    if kind == "video":
        return data[4:8] == b"ftyp"
    if kind == "image":
        return data.startswith(PNG_MAGIC)
    if kind == "audio":
        return data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    raise AssertionError(f"no file for output kind {kind!r}")
