"""What kieai knows about one Kie model, as plain frozen data (no pydantic: the local checks
and ``kie check`` read it without importing pydantic or httpx).

The catalog (`kieai.catalog`) builds these from the generated ``_data/market.json``; nothing
here lists models by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias, Union

__all__ = ["Field", "FileSpec", "JSONValue", "ModelInfo", "OutputKind", "Price"]

#: A JSON value as the catalog stores defaults and choices.
JSONValue: TypeAlias = Union[str, int, float, bool, list["JSONValue"], dict[str, "JSONValue"], None]  # noqa: UP007 (a recursive alias must stay a Union: "X | Y" evaluates its strings at run time)
OutputKind = Literal["video", "image", "audio", "text"]
FieldType = Literal["string", "integer", "number", "boolean", "array", "object"]
FileKind = Literal["image", "video", "audio", "file"]


@dataclass(frozen=True)
class FileSpec:
    """A field that carries the URL of an uploaded file (``multiple``: a list of URLs).

    ``mime_types`` are the types Kie's page accepts (empty: the page does not say);
    ``max_bytes`` its size limit (None: not stated); ``min_duration_s``/``max_duration_s``
    the length Kie's page allows an audio or video file (None: not stated).
    """

    kind: FileKind
    multiple: bool
    mime_types: tuple[str, ...] = ()
    max_bytes: int | None = None
    min_duration_s: float | None = None
    max_duration_s: float | None = None


@dataclass(frozen=True)
class Field:
    """One field of a model's ``input`` object, with the limits Kie's schema states."""

    name: str
    type: FieldType
    required: bool = False
    #: Kie's documented default; ``has_default`` tells a default of ``None`` from none at all.
    default: JSONValue = None
    has_default: bool = False
    choices: tuple[JSONValue, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    min_length: int | None = None
    max_length: int | None = None
    min_items: int | None = None
    max_items: int | None = None
    #: For arrays: the items' type and allowed values.
    item_type: FieldType | None = None
    item_choices: tuple[JSONValue, ...] | None = None
    file: FileSpec | None = None

    @property
    def is_file(self) -> bool:
        """True when the field takes the URL(s) of uploaded files."""
        return self.file is not None


@dataclass(frozen=True)
class Price:
    """A dated price: ``credits`` per ``unit`` (``"task"``, ``"second"``, ``"image"``, ...),
    for the input values in ``when`` (empty: any), from ``source`` as of ``as_of``."""

    credits: float
    unit: str
    source: str
    as_of: str
    when: tuple[tuple[str, JSONValue], ...] = ()


@dataclass(frozen=True)
class ModelInfo:
    """One Kie model: its id, what it makes and the fields of its ``input`` object."""

    id: str
    title: str
    task_type: str
    output: OutputKind
    fields: tuple[Field, ...]
    docs_url: str = ""
    prices: tuple[Price, ...] = ()
    #: Other task types the model serves besides ``task_type`` (a text-to-video model with an
    #: optional first frame is an image-to-video model too).
    also_task_types: tuple[str, ...] = ()

    @property
    def task_types(self) -> tuple[str, ...]:
        """Every task type the model serves, ``task_type`` first."""
        return (self.task_type, *self.also_task_types)

    @property
    def price(self) -> Price | None:
        """The base price (the first row), or None when no price is known (never 0)."""
        return self.prices[0] if self.prices else None

    @property
    def file_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.file is not None)

    def field(self, name: str) -> Field:
        """The field called ``name``; KeyError naming the model's fields otherwise."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(
            f"{self.id} has no field {name!r}; its fields: {[f.name for f in self.fields]}"
        )
