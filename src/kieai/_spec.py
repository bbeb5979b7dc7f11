"""The vocabulary of the resources' friendly arguments: what ``client.motion_control``,
``client.image_to_video`` and ``client.text_to_video`` take, as data.

A `ModelSpec` names the model id, the pydantic model of its ``input`` object, its file
arguments (each an argument like ``image`` bound to a Kie field like ``input_urls``, with its
media rule from ``catalog._rules``) and its other arguments (`Text`, `Choice`, `Flag`: aliases
such as ``mode="pro"``, units such as ``duration=10``). `_pipeline.check_spec` judges a call by
it and hands the result to the same pipeline as ``client.generate``. A new model needs none: it
is its catalog entry (see docs/adding-a-model.md).

A `ResourceDeclaration` lists a resource's arguments once (`Argument`: the param or file slot
that judges it, which also gives its name and default, its annotation as source text and a
line of doc); its specs are derived from it, and ``scripts/generate_types.py`` writes the
resource's ``check``/``create``/``generate`` from it (``_generated/resources.py``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._media_rules import one_of

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = [
    "Argument",
    "Choice",
    "FamilyArgument",
    "FamilyCall",
    "FamilyDeclaration",
    "FamilyMethod",
    "FileSlot",
    "Flag",
    "ModelSpec",
    "Param",
    "ResourceDeclaration",
    "Text",
]


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


@dataclass(frozen=True)
class Argument:
    """One friendly argument of a resource, written once.

    ``judge`` checks its value and gives its name and default (a file and a required text have
    none); ``annotation`` is its type as the generated signatures write it (``"Orientation"``,
    ``"MediaInput"``, ``"str | None"``: a name of the declaring module or of ``_inputs``);
    ``doc`` is one line for the generated code; ``only`` names the models that take it (empty:
    every model of the resource).
    """

    judge: Param | FileSlot
    annotation: str
    doc: str
    only: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.judge.name

    @property
    def required(self) -> bool:
        """No default: the caller must pass it."""
        return isinstance(self.judge, FileSlot) or (
            isinstance(self.judge, Text) and self.judge.required
        )

    @property
    def default(self) -> object:
        """The signature's default (unused when `required`)."""
        return self.judge.default if isinstance(self.judge, (Choice, Flag)) else None


@dataclass(frozen=True)
class ResourceDeclaration:
    """A resource (``client.motion_control``, ...) as data: its class name, its models (each
    with the pydantic model of its ``input``; the first is the default), its arguments in the
    order their problems are reported, the result class of ``generate`` and the docstrings of
    ``check``/``create``/``generate``. ``scripts/generate_types.py`` writes the methods."""

    name: str
    models: tuple[tuple[str, type[BaseModel]], ...]
    arguments: tuple[Argument, ...]
    result: str
    docs: Mapping[str, str]

    def spec(self, model: str) -> ModelSpec:
        """The spec of one of the models: the arguments it takes, files and the rest apart."""
        taken = [a.judge for a in self.arguments if not a.only or model in a.only]
        return ModelSpec(
            model=model,
            input_model=dict(self.models)[model],
            files=tuple(j for j in taken if isinstance(j, FileSlot)),
            params=tuple(j for j in taken if not isinstance(j, FileSlot)),
        )

    @property
    def specs(self) -> tuple[ModelSpec, ...]:
        """Every model's spec; the first is the default ``model=``."""
        return tuple(self.spec(model) for model, _ in self.models)


@dataclass(frozen=True)
class FamilyArgument:
    """One argument of a dedicated family's call (``client.veo.generate``, ...), written once:
    its name, annotation (source text, as for `Argument`), the Kie field it is sent in, a line
    of doc and its default (``required``: none). ``positional``: passed before the ``*`` (the
    task or track a call extends). ``convert``: a function of the declaring module the value
    goes through on its way to the field (a single image made a list). The family's
    declaration (``_families._inputs``) judges the field."""

    name: str
    annotation: str
    kie_field: str
    doc: str
    default: object = None
    required: bool = False
    positional: bool = False
    convert: str | None = None


@dataclass(frozen=True)
class FamilyMethod:
    """A method a `FamilyCall` is reached by: its name, what it does (``check``: the local
    checks; ``create``: the task id; ``generate``: create, then wait) and its docstring."""

    name: str
    kind: str
    doc: str


@dataclass(frozen=True)
class FamilyCall:
    """One create operation of a family (``"generate"``, ``"extend"``) with its arguments,
    the methods that reach it, the result class of its ``generate``-kind methods and whether
    it uploads files (``on_upload_progress``, ``check_media``)."""

    operation: str
    arguments: tuple[FamilyArgument, ...]
    methods: tuple[FamilyMethod, ...]
    result: str
    uploads: bool = True


@dataclass(frozen=True)
class FamilyDeclaration:
    """A family resource's calls (``client.veo``: generate, extend); ``scripts/
    generate_types.py`` writes their methods into the resource's generated base class."""

    name: str
    calls: tuple[FamilyCall, ...]
