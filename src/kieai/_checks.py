"""Judging a Kie ``input`` dict against a model's declaration (`ModelInfo`) and its extra media
rules, before anything is sent: every problem in one pass, no network, no pydantic, no httpx.

Unknown field names (the closest valid name suggested), required fields, types (``True`` is
not an integer, ``5.0`` is not one either), choices (exact), numeric ranges, string lengths
(Unicode code points), list sizes and items, and file fields: each value (or each list item)
may be a local file (path, bytes, binary file), an http(s) URL or an `UploadedFile`; local
files are opened and checked against the field's media rule (`_inputs.prepare_file`). A local
file in a field that is not a file field is refused, naming the field, never sent as a string.

Messages name the field (``image_urls[2]`` for a list item), the rule and the value. A front
door with friendlier argument names (``client.motion_control``: ``image`` for ``input_urls``)
passes its own ``label`` to word them with its names.
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ._inputs import PreparedFile, prepare_file
from ._media_rules import MediaRule, merge, one_of, rule_for
from .media import ImageInfo, VideoInfo

if TYPE_CHECKING:
    from .catalog._rules import ModelRules
    from .catalog._types import Field, FieldType, JSONValue, ModelInfo

__all__ = [
    "CheckReport",
    "Checked",
    "FileSlot",
    "Labeler",
    "check_input",
    "file_rule",
    "kie_label",
    "shown",
]

#: How a message names a field, or one item of a list field: ``(name, index) -> label``.
Labeler = Callable[[str, "int | None"], str]

_TYPE_WORDS: dict[str, str] = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "True or False",
    "array": "a list",
    "object": "a dict (a JSON object)",
}
#: How long a value may be in a message before it is cut.
_SHOWN_CHARS = 60


def kie_label(name: str, index: int | None) -> str:
    """Kie's own names: ``prompt``, ``image_urls[2]``."""
    return name if index is None else f"{name}[{index}]"


def shown(value: object) -> str:
    """A value as a message shows it: its repr, cut short; bytes and files by what they are."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{memoryview(value).nbytes} bytes>"  # pyright: ignore[reportUnknownArgumentType]
    if hasattr(value, "read") and not isinstance(value, str):
        return f"<{type(value).__name__}>"
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."


def _quoted(value: object) -> str:
    """How a message shows an allowed value: strings in double quotes, numbers bare."""
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    return repr(value)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _items(count: int) -> str:
    return f"{count} item" if count == 1 else f"{count} items"


@dataclass(frozen=True)
class CheckReport:
    """The outcome of the local checks: ``ok`` when ``problems`` is empty.

    ``media`` holds what the prober measured for every local file input, by the name messages
    use for it (``image``, ``image_urls[0]``); ``image``/``video`` are the first image and the
    first video among them (None when there is none: URLs and uploaded files are not probed).
    """

    problems: list[str] = field(default_factory=list[str])
    image: ImageInfo | None = None
    video: VideoInfo | None = None
    media: Mapping[str, ImageInfo | VideoInfo] = field(
        default_factory=dict[str, "ImageInfo | VideoInfo"]
    )

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class FileSlot:
    """Where one checked file goes in Kie's input: ``field``, or item ``index`` of it."""

    field: str
    index: int | None
    label: str
    prepared: PreparedFile


@dataclass
class Checked:
    """What `check_input` found: problems by kind (reported in this order: unknown fields,
    file fields, then the other fields, each in the declaration's order), and the files."""

    unknown: list[str] = field(default_factory=list[str])
    files: list[str] = field(default_factory=list[str])
    values: list[str] = field(default_factory=list[str])
    slots: list[FileSlot] = field(default_factory=list[FileSlot])

    @property
    def problems(self) -> list[str]:
        return [*self.unknown, *self.files, *self.values]

    def report(self, problems: list[str] | None = None) -> CheckReport:
        media = {s.label: s.prepared.info for s in self.slots if s.prepared.info is not None}
        images = [i for i in media.values() if isinstance(i, ImageInfo)]
        videos = [i for i in media.values() if isinstance(i, VideoInfo)]
        return CheckReport(
            problems=self.problems if problems is None else problems,
            image=images[0] if images else None,
            video=videos[0] if videos else None,
            media=media,
        )


def check_input(
    info: ModelInfo,
    input: Mapping[str, object],
    *,
    rules: ModelRules | None = None,
    check_media: bool = True,
    label: Labeler = kie_label,
) -> Checked:
    """Every problem of ``input`` (Kie's field names) for the model ``info`` declares.

    Reads and probes local files: call it in a worker thread from async code."""
    checked = Checked()
    names = [f.name for f in info.fields]
    for key, value in input.items():
        if not isinstance(key, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            checked.unknown.append(f"input: field names must be strings, got {key!r}")
        elif key not in names:
            close = difflib.get_close_matches(key, names, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"its fields: {', '.join(names)}"
            checked.unknown.append(
                f"{label(key, None)}: {info.id} has no such field ({hint}), got {shown(value)}"
            )
    for spec in info.fields:
        if spec.file is not None:
            rule = file_rule(spec, rules)
            _check_file_field(checked, info.id, spec, rule, input, check_media, label)
    for spec in info.fields:
        if spec.file is None:
            checked.values += _value_problems(info.id, spec, input.get(spec.name), label)
    return checked


def file_rule(spec: Field, rules: ModelRules | None) -> MediaRule:
    """The media rule of a file field: what the catalog states, with the model's extra rule
    for that field (``catalog._rules``) laid over it."""
    assert spec.file is not None
    extra = rules.files.get(spec.name) if rules is not None else None
    return merge(rule_for(spec.file), extra)


def _check_file_field(
    checked: Checked,
    model: str,
    spec: Field,
    rule: MediaRule,
    input: Mapping[str, object],
    check_media: bool,
    label: Labeler,
) -> None:
    value = input.get(spec.name)
    name = label(spec.name, None)
    assert spec.file is not None
    if value is None:
        if spec.required:
            checked.files.append(f"{name}: is required ({rule.expected})")
        return
    if not spec.file.multiple:
        items: Sequence[object] = [value]
        indexes: list[int | None] = [None]
    elif isinstance(value, (list, tuple)):
        items = list(value)  # pyright: ignore[reportUnknownArgumentType]
        indexes = list(range(len(items)))
        low = spec.min_items if spec.min_items is not None else 1 if spec.required else None
        if low is not None and len(items) < low:
            checked.files.append(f"{name}: must have at least {_items(low)}, got {len(items)}")
        if spec.max_items is not None and len(items) > spec.max_items:
            checked.files.append(
                f"{name}: must have at most {_items(spec.max_items)}, got {len(items)}"
            )
    else:
        checked.files.append(
            f"{name}: must be a list of files (paths, bytes, binary files, http(s) URLs or "
            f"uploaded files), got {type(value).__name__}"
        )
        return
    for index, item in zip(indexes, items, strict=True):
        item_label = label(spec.name, index)
        prepared, problems = prepare_file(
            item, item_label, rule, model=model, args=input, check_media=check_media
        )
        checked.files += problems
        checked.slots.append(FileSlot(spec.name, index, item_label, prepared))


def _is_local_file(value: object) -> bool:
    """A value that can only mean a local file: bytes, a path object, an open file."""
    return isinstance(value, (bytes, bytearray, memoryview, os.PathLike)) or (
        hasattr(value, "read") and not isinstance(value, str)
    )


def _is_local_path(value: object) -> bool:
    """A string naming a file on this machine (and not an http(s) URL)."""
    if not isinstance(value, str) or not value or value.lower().startswith(("http:", "https:")):
        return False
    try:
        return os.path.exists(os.path.expanduser(value))
    except (OSError, ValueError):  # a NUL byte, a name too long
        return False


def _value_problems(model: str, spec: Field, value: object, label: Labeler) -> list[str]:
    name = label(spec.name, None)
    if value is None:
        return [f"{name}: is required{_hint(spec)}"] if spec.required else []
    local = _local_problem(model, spec.name, name, value)
    if local is not None:
        return [local]
    problems = _scalar_problems(name, spec.type, spec.choices, spec, value)
    if problems or spec.type != "array":
        return problems
    items: list[object] = list(value)  # pyright: ignore[reportArgumentType, reportUnknownVariableType]  # checked: a list
    if spec.min_items is not None and len(items) < spec.min_items:
        problems.append(f"{name}: must have at least {_items(spec.min_items)}, got {len(items)}")
    if spec.max_items is not None and len(items) > spec.max_items:
        problems.append(f"{name}: must have at most {_items(spec.max_items)}, got {len(items)}")
    for index, item in enumerate(items):
        item_name = label(spec.name, index)
        local = _local_problem(model, spec.name, item_name, item)
        if local is not None:
            problems.append(local)
        elif spec.item_type is not None:
            problems += _scalar_problems(item_name, spec.item_type, spec.item_choices, None, item)
        elif spec.item_choices is not None:
            problems += _choice_problems(item_name, spec.item_choices, item)
    return problems


def _local_problem(model: str, field_name: str, name: str, value: object) -> str | None:
    """A local file where ``model`` takes none: refused, not sent as text."""
    if _is_local_file(value):
        what = f"{type(value).__name__} of a local file"
    elif "url" in field_name.lower() and _is_local_path(value):
        what = f"the local file {value!r}"
    else:
        return None
    return (
        f"{name}: is not a file field of {model}, so {what} cannot be uploaded for it; "
        "pass an http(s) URL"
    )


def _hint(spec: Field) -> str:
    if spec.choices:
        return f" ({one_of([_quoted(c) for c in spec.choices])})"
    if spec.type == "string" and spec.max_length is not None:
        return f" (up to {spec.max_length} characters)"
    return f" ({_TYPE_WORDS.get(spec.type, spec.type)})"


def _scalar_problems(
    name: str,
    kind: FieldType,
    choices: tuple[JSONValue, ...] | None,
    spec: Field | None,
    value: object,
) -> list[str]:
    """Choices (exact), else the type, then ranges or lengths (``spec``: the field's limits, None for a
    list item, whose only limits are its type and choices)."""
    if choices is not None:  # exact values: the type is part of each
        return _choice_problems(name, choices, value)
    wrong = _type_problem(name, kind, value)
    if wrong is not None:
        return [wrong]
    if spec is None:
        return []
    if kind in ("integer", "number"):
        return _range_problems(name, spec, value)  # pyright: ignore[reportArgumentType]  # a number
    if kind == "string":
        return _length_problems(name, spec, value)  # pyright: ignore[reportArgumentType]  # a str
    return []


def _type_problem(name: str, kind: FieldType, value: object) -> str | None:
    if kind == "boolean":
        ok = isinstance(value, bool)
        return None if ok else f"{name}: must be True or False, got {shown(value)}"
    if kind == "string":
        ok = isinstance(value, str)
        return None if ok else f"{name}: must be a string, got {type(value).__name__}"
    if kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else f"{name}: must be an integer, got {shown(value)}"
    if kind == "number":
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return f"{name}: must be a number, got {shown(value)}"
        ok = math.isfinite(value)
        return None if ok else f"{name}: must be a finite number, got {value!r}"
    if kind == "array":
        ok = isinstance(value, (list, tuple))
        return None if ok else f"{name}: must be a list, got {type(value).__name__}"
    if kind == "object":
        ok = isinstance(value, Mapping) and all(isinstance(k, str) for k in value)  # pyright: ignore[reportUnknownVariableType]
        return None if ok else f"{name}: must be a dict with string keys, got {shown(value)}"  # pyright: ignore[reportUnknownArgumentType]
    return None


def _choice_problems(name: str, choices: tuple[JSONValue, ...], value: object) -> list[str]:
    # Exact: True does not pass for 1, nor 5.0 for 5, nor "5" for 5 (Kie wants the value).
    if any(type(value) is type(c) and value == c for c in choices):
        return []
    return [f"{name}: must be {one_of([_quoted(c) for c in choices])}, got {shown(value)}"]


def _range_problems(name: str, spec: Field, value: float) -> list[str]:
    low, high = spec.minimum, spec.maximum
    if low is not None:
        if spec.exclusive_minimum and not value > low:
            return [f"{name}: must be above {_number(low)}, got {value!r}"]
        if not spec.exclusive_minimum and not value >= low:
            return [f"{name}: must be at least {_number(low)}, got {value!r}"]
    if high is not None:
        if spec.exclusive_maximum and not value < high:
            return [f"{name}: must be below {_number(high)}, got {value!r}"]
        if not spec.exclusive_maximum and not value <= high:
            return [f"{name}: must be at most {_number(high)}, got {value!r}"]
    return []


def _length_problems(name: str, spec: Field, value: str) -> list[str]:
    count = len(value)  # code points, as Kie counts characters
    if spec.max_length is not None and count > spec.max_length:
        return [f"{name}: {count} characters exceeds the {spec.max_length}-character limit"]
    if spec.min_length is not None and count < spec.min_length:
        return [f"{name}: {count} characters is below the {spec.min_length}-character minimum"]
    if spec.required and not value.strip():
        return [f"{name}: must not be empty{_hint(spec)}"]
    return []
