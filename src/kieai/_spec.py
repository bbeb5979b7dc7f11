"""The vocabulary of the resources' friendly arguments: what ``client.motion_control``,
``client.image_to_video`` and ``client.text_to_video`` take, as data.

A `ModelSpec` names the model id, the pydantic model of its ``input`` object, its file
arguments (each an argument like ``image`` bound to a Kie field like ``input_urls``, with its
media rule from ``catalog._rules``) and its other arguments (`Text`, `Choice`, `Flag`: aliases
such as ``mode="pro"``, units such as ``duration=10``). `_pipeline.check_spec` judges a call by
it and hands the result to the same pipeline as ``client.generate``. A new model needs none: it
is its catalog entry (see docs/adding-a-model.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._media_rules import one_of

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["Choice", "FileSlot", "Flag", "ModelSpec", "Param", "Text"]


def _quoted(value: object) -> str:
    """How a message shows an allowed value: strings in double quotes, numbers bare."""
    return json.dumps(value) if isinstance(value, str) else str(value)


def _either(values: tuple[object, ...]) -> str:
    return one_of([_quoted(v) for v in values])


@dataclass(frozen=True)
class Text:
    """A text argument (a prompt): at most ``max_chars`` Unicode code points."""

    name: str
    max_chars: int
    required: bool = False

    def judge(self, value: object) -> tuple[list[str], object]:
        if value is None:
            if self.required:
                return [f"{self.name}: is required (up to {self.max_chars} characters)"], None
            return [], None
        if not isinstance(value, str):
            return [f"{self.name}: must be a string, got {type(value).__name__}"], None
        if self.required and not value.strip():
            return [f"{self.name}: must not be empty (up to {self.max_chars} characters)"], None
        if len(value) > self.max_chars:
            return [
                f"{self.name}: {len(value)} characters exceeds the {self.max_chars}-character limit"
            ], None
        return [], value


@dataclass(frozen=True)
class Choice:
    """One of a few documented values; ``aliases`` map older spellings to them
    (``"std"`` -> ``"720p"``). ``default=None`` leaves the field out when not given."""

    name: str
    options: tuple[object, ...]
    default: object = None
    aliases: Mapping[object, object] = field(default_factory=dict[object, object])
    unit: str = ""

    def judge(self, value: object) -> tuple[list[str], object]:
        if value is None:
            return [], self.default
        canonical = self.aliases.get(value, value) if _hashable(value) else value
        # bool is an int: True must not pass for 1, nor 5.0 for 5 (Kie wants the exact value).
        if any(type(canonical) is type(o) and canonical == o for o in self.options):
            return [], canonical
        rule = _either(self.options)
        if self.unit:
            rule += f" ({self.unit})"
        elif self.aliases:
            rule += f" ({'/'.join(_quoted(a) for a in self.aliases)} accepted)"
        return [f"{self.name}: must be {rule}, got {value!r}"], None


@dataclass(frozen=True)
class Flag:
    """A yes/no argument (``sound``)."""

    name: str
    default: bool = False

    def judge(self, value: object) -> tuple[list[str], object]:
        if value is None:
            return [], self.default
        if not isinstance(value, bool):
            return [f"{self.name}: must be True or False, got {value!r}"], None
        return [], value


Param = Text | Choice | Flag


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


@dataclass(frozen=True)
class FileSlot:
    """A file argument (``image``) sent in Kie's ``field``: as a one-URL list
    (``input_urls: [url]``, the Kling models) or, with ``as_list=False``, as the URL itself
    (``image_url: url``). Its media rule is the field's in the model's declaration."""

    name: str
    field: str
    as_list: bool = True


@dataclass(frozen=True)
class ModelSpec:
    """Everything the pipeline needs to know about one Kie model.

    ``params`` are the non-file arguments in the order their problems are reported; each maps
    to the Kie ``input`` field of the same name. ``input_model`` validates the finished input
    once more (a spec and its pydantic model cannot silently disagree).
    """

    model: str
    input_model: type[BaseModel]
    files: tuple[FileSlot, ...] = ()
    params: tuple[Param, ...] = ()

    @property
    def arguments(self) -> frozenset[str]:
        """Every argument name this model takes."""
        return frozenset(s.name for s in self.files) | frozenset(p.name for p in self.params)

    def build_input(self, urls: Mapping[str, str], values: Mapping[str, object]) -> BaseModel:
        """Kie's ``input`` object from the uploaded URLs and the checked argument values."""
        data: dict[str, Any] = {
            slot.field: [urls[slot.name]] if slot.as_list else urls[slot.name]
            for slot in self.files
        }
        data.update({name: value for name, value in values.items() if value is not None})
        return self.input_model.model_validate(data)
