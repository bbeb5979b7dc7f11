"""Judging a createTask ``input`` against a model's declaration (`kieai.catalog.ModelInfo`),
the way Kie's schema validation answers: every problem as ``"input.<field>: <why>"``.

This is the fake's own reading of the declarations, written apart from the client's checks
(``kieai._checks``): both read the same catalog data, but a bug in the client's judging must
not be hidden by sharing it. Only the data is shared. What the files behind the URLs hold is
judged later (`file_problem`), once the fake has fetched them.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any, cast

from ..catalog._types import Field, FieldType, FileSpec, ModelInfo

__all__ = [
    "MIME_ALIASES",
    "field_problems",
    "file_problem",
    "file_urls",
    "normalize_mime",
    "shown",
]

#: Spellings Kie's pages use for the same type, mapped to the one the fake stores.
MIME_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "video/mov": "video/quicktime",
    "video/mkv": "video/x-matroska",
    "audio/mp3": "audio/mpeg",
    "audio/mpeg3": "audio/mpeg",
    "audio/x-mp3": "audio/mpeg",
    "audio/x-mpeg": "audio/mpeg",
    "audio/wave": "audio/wav",
    "audio/x-wav": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "audio/x-m4a": "audio/mp4",
    "audio/m4a": "audio/mp4",
    "audio/x-aac": "audio/aac",
    "audio/x-flac": "audio/flac",
}

_TYPE_NAMES: dict[FieldType, str] = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "array": "an array",
    "object": "an object",
}
#: A value longer than this is cut in messages (a 20,000-character prompt stays readable).
_SHOWN_CHARS = 60


def normalize_mime(mime: str) -> str:
    base = mime.split(";", 1)[0].strip().lower()
    return MIME_ALIASES.get(base, base)


def shown(value: object) -> str:
    """``repr(value)``, cut to a readable length."""
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."


def _is_type(value: object, type_: FieldType) -> bool:
    if type_ == "string":
        return isinstance(value, str)
    if type_ == "boolean":
        return isinstance(value, bool)
    if type_ == "integer":  # JSON has one number type: 5.0 is the integer 5 to a JSON schema
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if type_ == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if type_ == "array":
        return isinstance(value, list)
    return isinstance(value, dict)


def _same(value: object, choice: object) -> bool:
    """Enum membership as JSON sees it: ``"5"`` is not ``5``, ``True`` is not ``1``."""
    if isinstance(value, bool) or isinstance(choice, bool):
        return value is choice
    if isinstance(value, (int, float)) and isinstance(choice, (int, float)):
        return value == choice
    return type(value) is type(choice) and value == choice


def _one_of(choices: tuple[object, ...]) -> str:
    return " or ".join(repr(c) for c in choices)


def _range_problem(name: str, value: float, field: Field) -> str | None:
    low, high = field.minimum, field.maximum
    if low is not None and (value <= low if field.exclusive_minimum else value < low):
        rule = "above" if field.exclusive_minimum else "at least"
        return f"{name}: must be {rule} {low:g}, got {value!r}"
    if high is not None and (value >= high if field.exclusive_maximum else value > high):
        rule = "below" if field.exclusive_maximum else "at most"
        return f"{name}: must be {rule} {high:g}, got {value!r}"
    return None


def _scalar_problems(name: str, value: object, field: Field) -> list[str]:
    """Type, enum, range and length of one non-file value."""
    if not _is_type(value, field.type):
        return [f"{name}: must be {_TYPE_NAMES[field.type]}, got {shown(value)}"]
    if field.choices is not None and not any(_same(value, c) for c in field.choices):
        return [f"{name}: must be {_one_of(field.choices)}, got {shown(value)}"]
    if field.type in ("integer", "number"):
        problem = _range_problem(name, cast("float", value), field)
        return [problem] if problem else []
    if isinstance(value, str):
        if field.max_length is not None and len(value) > field.max_length:
            return [f"{name}: {len(value)} characters exceeds {field.max_length}"]
        if field.min_length is not None and len(value) < field.min_length:
            return [f"{name}: {len(value)} characters is under {field.min_length}"]
    if isinstance(value, list):
        return _list_problems(name, cast("list[Any]", value), field)
    return []


def _size_problem(name: str, count: int, field: Field, noun: str = "items") -> str | None:
    if field.max_items is not None and count > field.max_items:
        return f"{name}: {count} {noun} exceeds the maximum of {field.max_items}"
    if field.min_items is not None and count < field.min_items:
        return f"{name}: {count} {noun} is under the minimum of {field.min_items}"
    return None


def _list_problems(name: str, items: list[Any], field: Field) -> list[str]:
    problem = _size_problem(name, len(items), field)
    if problem:
        return [problem]
    problems: list[str] = []
    for index, item in enumerate(items):
        if field.item_type is not None and not _is_type(item, field.item_type):
            problems.append(
                f"{name}[{index}]: must be {_TYPE_NAMES[field.item_type]}, got {shown(item)}"
            )
        elif field.item_choices is not None and not any(_same(item, c) for c in field.item_choices):
            problems.append(
                f"{name}[{index}]: must be {_one_of(field.item_choices)}, got {shown(item)}"
            )
    return problems


def _url_problem(name: str, value: object) -> str | None:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        return f"{name}: {shown(value)} is not an http(s) URL"
    return None


def _file_field_problems(name: str, value: object, field: Field, spec: FileSpec) -> list[str]:
    if not spec.multiple:
        problem = _url_problem(name, value)
        return [problem] if problem else []
    if not isinstance(value, list):
        return [f"{name}: must be an array of URLs, got {shown(value)}"]
    items = cast("list[Any]", value)
    problem = _size_problem(name, len(items), field, "URLs")
    if problem:
        return [problem]
    if field.required and not items:  # an empty list gives the model nothing to work on
        return [f"{name}: needs at least 1 URL"]
    return [p for i, item in enumerate(items) if (p := _url_problem(f"{name}[{i}]", item))]


def field_problems(info: ModelInfo, input_: Mapping[str, Any], *, strict: bool) -> list[str]:
    """Problems with ``input_`` for the model ``info`` declares, in field order: required
    fields, types, enums, ranges, lengths, list sizes, URL shapes of file fields, and
    (``strict``) unknown fields with the closest known name."""
    problems: list[str] = []
    for field in info.fields:
        name = f"input.{field.name}"
        value = input_.get(field.name)
        if field.name not in input_ or value is None:
            if field.required:
                problems.append(f"{name}: is required")
            continue
        if field.file is not None:
            problems += _file_field_problems(name, value, field, field.file)
        else:
            problems += _scalar_problems(name, value, field)
    if strict:
        known = [f.name for f in info.fields]
        for unknown in sorted(set(input_) - set(known)):
            close = difflib.get_close_matches(unknown, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"input.{unknown}: unknown field{hint}")
    return problems


def file_urls(info: ModelInfo, input_: Mapping[str, Any]) -> list[tuple[Field, str]]:
    """Every (file field, URL) of an input that passed `field_problems`, in field order."""
    found: list[tuple[Field, str]] = []
    for field in info.file_fields:
        value = input_.get(field.name)
        if isinstance(value, str):
            found.append((field, value))
        elif isinstance(value, list):
            found += [(field, url) for url in cast("list[str]", value)]
    return found


def _wanted(spec: FileSpec) -> str:
    if spec.mime_types:
        return ", ".join(spec.mime_types)
    return f"{spec.kind} files" if spec.kind != "file" else "any file"


def file_problem(field: Field, url: str, mime: str, size: int) -> str | None:
    """Whether the file at ``url`` (of type ``mime``, ``size`` bytes) suits the file field:
    one of its accepted types (any of its kind when the page names none) and within its size."""
    spec = field.file
    assert spec is not None
    name = f"input.{field.name}"
    accepted = {normalize_mime(m) for m in spec.mime_types}
    any_of_kind = spec.kind == "file" or mime.startswith(f"{spec.kind}/")
    if not (mime in accepted if accepted else any_of_kind):
        return f"{name}: {url} is {mime} (accepted: {_wanted(spec)})"
    if spec.max_bytes is not None and size > spec.max_bytes:
        return f"{name}: {url} is {size} bytes, over the {spec.max_bytes} byte limit"
    return None
