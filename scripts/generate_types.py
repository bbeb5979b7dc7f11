"""Generate what follows from the catalog: the typed inputs and the catalog's docs page.

    make generate        # or: python scripts/generate_types.py

Reads the committed catalog (``kieai.catalog``: ``_data/market.json`` and, when present,
``_data/prices.json``) and writes

- ``src/kieai/_generated/market.py``: one ``TypedDict`` per model, ``MarketModelId`` and an id
  ``Literal`` per output kind, ``INPUT_TYPES``;
- ``src/kieai/_generated/calls.py``: ``ModelCalls`` and ``SyncModelCalls``, the bases of
  ``KieClient`` and ``SyncKieClient`` that hold ``generate``, ``create`` and ``check``: one
  overload per model (its id as a ``Literal``, its ``TypedDict``, the result class of its output
  kind), for type checkers only, and the implementation that runs;
- ``src/kieai/_generated/resources.py``: the ``check``, ``create`` and ``generate`` of
  ``client.motion_control``, ``client.image_to_video`` and ``client.text_to_video``, from each
  resource's declaration (``RESOURCE_DECLARATIONS``: its arguments, each written once there) and
  the per-call options (``GENERATE_OPTIONS``);
- ``docs/catalog.md``: every model with its task type, output, price, Kie's page and its fields.

Each Python module is built from sections (``PYTHON_SECTIONS``, ``CALLS_SECTIONS``): a section is
a function of the models that returns lines. The keyword options of ``generate`` and ``create``
are written once, in ``GENERATE_OPTIONS``.
``tests/catalog/test_catalog_generated.py`` runs ``render_python``/``render_calls``/
``render_resources``/``render_docs`` in memory and compares with the committed files, so an edit to the catalog
without ``make generate`` fails ``make test``.

Class names: a model id split at every ``/``, ``-``, ``.`` and ``_``, each part capitalised and
joined, with ``_`` kept between two numbers so that ``1.5`` and ``15`` stay apart, then
``Input``: ``kling-2.6/motion-control`` -> ``Kling2_6MotionControlInput``.
"""

from __future__ import annotations

import argparse
import importlib
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from kieai import catalog  # noqa: E402  (the src layout, when run as a script)
from kieai._spec import (  # noqa: E402
    Argument,
    FamilyArgument,
    FamilyCall,
    FamilyDeclaration,
    FamilyMethod,
    ResourceDeclaration,
)
from kieai.catalog import Field, ModelInfo  # noqa: E402
from kieai.catalog._describe import (  # noqa: E402
    json_text,
    price_text,
    rules_text,
    task_type_text,
    type_text,
)

PYTHON_PATH = ROOT / "src" / "kieai" / "_generated" / "market.py"
CALLS_PATH = ROOT / "src" / "kieai" / "_generated" / "calls.py"
RESOURCES_PATH = ROOT / "src" / "kieai" / "_generated" / "resources.py"
DOCS_PATH = ROOT / "docs" / "catalog.md"
COMMAND = "make generate"

#: The output kinds in the order their id Literals are written, with each alias's name.
KIND_ALIASES = {
    "video": "VideoModelId",
    "image": "ImageModelId",
    "audio": "AudioModelId",
    "text": "TextModelId",
}

# --- names -------------------------------------------------------------------------------


def class_name(model_id: str) -> str:
    """``kling-2.6/motion-control`` -> ``Kling2_6MotionControlInput`` (see the module doc)."""
    name = ""
    for part in (p for p in re.split(r"[/\-._]+", model_id) if p):
        if name and name[-1].isdigit() and part[0].isdigit():
            name += "_"
        name += part[0].upper() + part[1:]
    return f"{name}Input"


def class_names(models: Sequence[ModelInfo]) -> dict[str, str]:
    names = {m.id: class_name(m.id) for m in models}
    if len(set(names.values())) != len(names):
        raise SystemExit("two model ids give the same class name: extend class_name's rule")
    return names


# --- the Python module -------------------------------------------------------------------


def _literal(values: Sequence[object]) -> str:
    return "Literal[" + ", ".join(repr(v) for v in values) + "]"


def _value_type(field: Field) -> str:
    """The annotation of one field's value (a file field takes any kieai file input)."""
    if field.file is not None:
        return "list[MediaInput]" if field.file.multiple else "MediaInput"
    if field.choices and _literal_choices(field.choices):
        return _literal(field.choices)
    if field.type == "array":
        if field.item_choices and _literal_choices(field.item_choices):
            return f"list[{_literal(field.item_choices)}]"
        return f"list[{_SCALAR.get(field.item_type or '', 'object')}]"
    return _SCALAR[field.type]


_SCALAR = {
    "string": "str",
    "integer": "int",
    "number": "float",
    "boolean": "bool",
    "object": "dict[str, object]",
    "array": "list[object]",
}


def _literal_choices(choices: Sequence[object]) -> bool:
    """Literal takes str and int values (not floats, not bools mixed with ints)."""
    return all(isinstance(c, str) for c in choices) or all(
        isinstance(c, int) and not isinstance(c, bool) for c in choices
    )


def _header(models: Sequence[ModelInfo]) -> list[str]:
    return [
        f'"""Typed inputs of every Kie Market model in kieai\'s catalog (snapshot {catalog.snapshot_date}).',
        "",
        f"GENERATED by `{COMMAND}` (scripts/generate_types.py) from the catalog: do not edit.",
        f"{len(models)} models; one TypedDict per model (Kie's field names), the model ids as",
        "Literals, all and per output kind.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import TYPE_CHECKING, Literal, TypedDict",
        "",
        "if TYPE_CHECKING:",
        "    from typing_extensions import Required",
        "",
        "    from .._inputs import MediaInput",
        "",
    ]


def _typed_dicts(models: Sequence[ModelInfo]) -> list[str]:
    names = class_names(models)
    lines: list[str] = []
    for model in models:
        lines += [
            "",
            f"class {names[model.id]}(TypedDict, total=False):",
            f'    """``{model.id}``: {model.task_type}, makes {model.output}."""',
            "",
        ]
        for field in model.fields:
            value = _value_type(field)
            lines.append(f"    {field.name}: {f'Required[{value}]' if field.required else value}")
        if not model.fields:
            lines.append("    # Kie's schema lists no fields for this model.")
        lines.append("")
    return lines


def _id_literals(models: Sequence[ModelInfo]) -> list[str]:
    lines = ["", "#: Every model id in the catalog."]
    lines.append(f"MarketModelId = {_literal([m.id for m in models])}")
    for kind, alias in KIND_ALIASES.items():
        ids = [m.id for m in models if m.output == kind]
        lines += [f"#: The ids of the models that make {kind}.", f"{alias} = {_literal(ids)}"]
    return lines


def _input_types(models: Sequence[ModelInfo]) -> list[str]:
    names = class_names(models)
    lines = ["", "#: Each model id's input TypedDict.", "INPUT_TYPES: dict[str, type] = {"]
    lines += [f"    {m.id!r}: {names[m.id]}," for m in models]
    lines += ["}", ""]
    return lines


def _all(models: Sequence[ModelInfo]) -> list[str]:
    names = sorted([*class_names(models).values(), "MarketModelId", *KIND_ALIASES.values()])
    return ["__all__ = [", *(f"    {n!r}," for n in ["INPUT_TYPES", *names]), "]"]


#: The sections of the generated module, in order; each takes the models, returns lines.
PYTHON_SECTIONS: list[Callable[[Sequence[ModelInfo]], list[str]]] = [
    _header,
    _all,
    _typed_dicts,
    _id_literals,
    _input_types,
]


def render_python(models: Sequence[ModelInfo] | None = None) -> str:
    """The generated module's text, formatted as `ruff format` would."""
    return _render(PYTHON_SECTIONS, models, PYTHON_PATH)


def _render(
    sections: Sequence[Callable[[Sequence[ModelInfo]], list[str]]],
    models: Sequence[ModelInfo] | None,
    path: Path,
) -> str:
    chosen = catalog.models() if models is None else models
    source = "\n".join(line for section in sections for line in section(chosen)) + "\n"
    return _ruff_format(source, path)


def _ruff_format(source: str, path: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", str(path), "-"],
        input=source,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return done.stdout


# --- the typed calls: generate, create, check ----------------------------------------------


class Option(NamedTuple):
    """One keyword option of ``generate``/``create``: its annotation and default, as source."""

    name: str
    annotation: str
    default: str


#: ``generate``'s keyword options, in order; written once (``tests/catalog`` holds them equal
#: to ``KieClient._generate_model``'s).
GENERATE_OPTIONS = [
    Option("callback_url", "str | None", "None"),
    Option("timeout", "float | None", "DEFAULT_WAIT_TIMEOUT_S"),
    Option("poll_interval", "float", "DEFAULT_POLL_INTERVAL_S"),
    Option("max_poll_interval", "float", "DEFAULT_MAX_POLL_INTERVAL_S"),
    Option("on_update", "OnUpdate | None", "None"),
    Option("on_upload_progress", "UploadProgress | None", "None"),
    Option("on_created", "OnCreated | None", "None"),
    Option("check_media", "bool", "True"),
    Option("idempotency_key", "str | None", "None"),
]
#: ``create``'s: ``generate``'s but those of the wait.
CREATE_OPTIONS = [
    o
    for o in GENERATE_OPTIONS
    if o.name not in {"timeout", "poll_interval", "max_poll_interval", "on_update"}
]

#: Each output kind's result class, for KieClient and SyncKieClient (``kieai.types.result_class``).
RESULT_TYPES = {
    "video": ("VideoResult", "SyncVideoResult"),
    "image": ("ImageResult", "SyncImageResult"),
    "audio": ("AudioResult", "SyncAudioResult"),
    "text": ("TextResult", "SyncTextResult"),
}
#: A model the catalog does not know: its result class is chosen at run time, from what Kie
#: returns.
ANY_RESULT = (
    "VideoResult | ImageResult | AudioResult | TextResult",
    "SyncVideoResult | SyncImageResult | SyncAudioResult | SyncTextResult",
)

#: What pyright strict reports (reportDeprecated) for a catalog model whose input does not fit
#: its TypedDict: the catch-all below it would accept the call silently otherwise.
INPUT_DOES_NOT_FIT = (
    "this input does not fit the model's fields: a misspelt or missing field, or a value not "
    "among its choices (`kie models show ID` lists them)"
)

#: The docstrings of the implementations (what help() and the API reference show).
DOCSTRINGS = {
    "generate": (
        "Run any Kie Market model: check ``input`` (Kie's own field names) against the model's "
        "declaration, upload its local files concurrently (reused), create the task, wait, and "
        "return a `VideoResult`, `ImageResult`, `AudioResult` or `TextResult` (as the model's "
        "output). A model not in `kieai.catalog` is sent as given, without checks or uploads. An "
        "interrupted wait resumes with `client.wait_for_task(task_id)`.\n\n"
        "Typed per catalog model: the id picks the input's fields and the result class."
    ),
    "create": (
        "`generate` without the wait: check, upload, create; returns the task id (also handed "
        "to `on_created` as soon as Kie returns it)."
    ),
    "check": (
        "Every local check of ``input`` for ``model`` (no network, nothing uploaded), all "
        "problems reported. A model not in `kieai.catalog` has none: its report is ok."
    ),
}


class Method(NamedTuple):
    """One generated method: its name, keyword options and return type."""

    name: str
    options: list[Option]
    #: Its return type; None: the result class of the model's output kind.
    returns: str | None


METHODS = [
    Method("generate", GENERATE_OPTIONS, None),
    Method("create", CREATE_OPTIONS, "str"),
    Method("check", [], "CheckReport"),
]


def _returns(method: Method, kind: str | None, sync: bool) -> str:
    """``method``'s return type for a model of output ``kind`` (None: not in the catalog)."""
    if method.returns is not None:
        return method.returns
    pick = 1 if sync else 0
    return RESULT_TYPES[kind][pick] if kind in RESULT_TYPES else ANY_RESULT[pick]


def _signature(method: Method, model: str, input: str, returns: str, sync: bool) -> str:
    options = "".join(f", {o.name}: {o.annotation} = {o.default}" for o in method.options)
    star = ", *" if method.options else ""
    prefix = "def" if sync else "async def"
    return (
        f"{prefix} {method.name}(self, model: {model}, input: {input}{star}{options}) -> {returns}:"
    )


def _call(method: Method, sync: bool) -> list[str]:
    """The implementation's body: the client's pipeline does the work."""
    arguments = [
        f"            {a},"
        for a in ["model", "input", *(f"{o.name}={o.name}" for o in method.options)]
    ]
    ignore = "  # pyright: ignore[reportPrivateUsage]"
    if sync:
        return [
            '        client = cast("SyncKieClient", self)  # this class is a base of SyncKieClient only',
            f"        return client._call_async({ignore}",
            f'            "{method.name}",',
            *arguments,
            "        )",
        ]
    return [
        '        client = cast("KieClient", self)  # this class is a base of KieClient only',
        f"        return await client._{method.name}_model({ignore}",
        *arguments,
        "        )",
    ]


def _overloads(method: Method, models: Sequence[ModelInfo], sync: bool) -> list[str]:
    names = class_names(models)
    lines = ["    if TYPE_CHECKING:"]
    for model in models:
        signature = _signature(
            method,
            _literal([model.id]),
            f"market.{names[model.id]}",
            _returns(method, model.output, sync),
            sync,
        )
        lines += ["        @overload", f"        {signature} ...", ""]
    catch_all = _returns(method, None, sync)
    lines += [
        "        @overload",
        f"        @deprecated({INPUT_DOES_NOT_FIT!r})",
        f"        {_signature(method, 'market.MarketModelId', 'Mapping[str, object]', catch_all, sync)} ...",
        "",
        "        @overload",
        f"        {_signature(method, 'str', 'Mapping[str, object]', catch_all, sync)} ...",
        "",
    ]
    return lines


def _implementation(method: Method, sync: bool) -> list[str]:
    signature = _signature(
        method, "str", "Mapping[str, object]", _returns(method, None, sync), sync
    )
    return [f"    {signature}", *_docstring(DOCSTRINGS[method.name]), *_call(method, sync), ""]


def _docstring(text: str, indent: str = "        ") -> list[str]:
    """``text`` as a docstring within 100 columns (its quotes included), paragraphs kept."""
    lines: list[str] = []
    for paragraph in text.split("\n\n"):
        lines += ([""] if lines else []) + textwrap.wrap(paragraph, 100 - len(indent) - 6)
    lines[0] = '"""' + lines[0]
    lines[-1] += '"""'
    return [f"{indent}{line}" if line else "" for line in lines]


def _calls_header(models: Sequence[ModelInfo]) -> list[str]:
    return [
        '"""`KieClient`\'s and `SyncKieClient`\'s ``generate``, ``create`` and ``check``, typed per model.',
        "",
        f"GENERATED by `{COMMAND}` (scripts/generate_types.py) from the catalog: do not edit.",
        "",
        "For type checkers (``if TYPE_CHECKING``, so nothing of it runs), each method has one",
        f"overload per catalog model ({len(models)}): its id as a Literal, its input TypedDict (from",
        "`market`), the result class of its output kind. Then a deprecated overload for a catalog",
        "id whose input does not fit its TypedDict (pyright strict reports the call), and a",
        "catch-all for any other id (Kie adds models every month; they are sent as given). At run",
        "time each method is its implementation: the client's own pipeline does the work.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from collections.abc import Mapping",
        "from typing import TYPE_CHECKING, cast",
        "",
        "from .._constants import DEFAULT_MAX_POLL_INTERVAL_S, DEFAULT_POLL_INTERVAL_S, DEFAULT_WAIT_TIMEOUT_S",
        "",
        "if TYPE_CHECKING:",
        "    from typing import Literal, overload",
        "",
        "    from typing_extensions import deprecated",
        "",
        "    from .._checks import CheckReport",
        "    from .._client import KieClient",
        "    from .._engine import OnCreated",
        "    from .._pipeline import UploadProgress",
        "    from .._polling import OnUpdate",
        "    from .._sync import (",
        "        SyncAudioResult,",
        "        SyncImageResult,",
        "        SyncKieClient,",
        "        SyncTextResult,",
        "        SyncVideoResult,",
        "    )",
        "    from ..types import AudioResult, ImageResult, TextResult, VideoResult",
        "    from . import market",
        "",
        '__all__ = ["ModelCalls", "SyncModelCalls"]',
        "",
    ]


def _calls_class(name: str, doc: str, models: Sequence[ModelInfo], sync: bool) -> list[str]:
    lines = ["", f"class {name}:", *_docstring(doc, indent="    "), ""]
    for method in METHODS:
        lines += _overloads(method, models, sync) + _implementation(method, sync)
    return lines


def _async_calls(models: Sequence[ModelInfo]) -> list[str]:
    doc = "`KieClient`'s ``generate``, ``create`` and ``check`` for any model, typed per catalog model."
    return _calls_class("ModelCalls", doc, models, sync=False)


def _sync_calls(models: Sequence[ModelInfo]) -> list[str]:
    doc = (
        "`SyncKieClient`'s ``generate``, ``create`` and ``check`` for any model, typed per "
        "catalog model; each runs `KieClient`'s on the client's loop (hooks in this thread)."
    )
    return _calls_class("SyncModelCalls", doc, models, sync=True)


#: The sections of the generated calls module, in order.
CALLS_SECTIONS: list[Callable[[Sequence[ModelInfo]], list[str]]] = [
    _calls_header,
    _async_calls,
    _sync_calls,
]


def render_calls(models: Sequence[ModelInfo] | None = None) -> str:
    """The generated calls module's text, formatted as `ruff format` would."""
    return _render(CALLS_SECTIONS, models, CALLS_PATH)


# --- the resources: client.motion_control, client.image_to_video, client.text_to_video ----

#: Each resource's declaration (``kieai._spec.ResourceDeclaration``): ``module:NAME``.
RESOURCE_DECLARATIONS = [
    "kieai._models.motion_control:MOTION_CONTROL",
    "kieai._models.kling_video:IMAGE_TO_VIDEO",
    "kieai._models.kling_video:TEXT_TO_VIDEO",
]
#: Each dedicated family resource's declaration (``kieai._spec.FamilyDeclaration``).
FAMILY_DECLARATIONS = [
    "kieai._models.veo:VEO",
    "kieai._models.suno:SUNO",
    "kieai._models.runway:RUNWAY",
]
#: Where an annotation's name is imported from when its declaring module does not define it.
SHARED_NAMES = {
    "MediaInput": "kieai._inputs",
    "FileInput": "kieai._inputs",
    "Sequence": "collections.abc",
}
#: Names an annotation may use without an import.
BUILTIN_NAMES = {"str", "int", "float", "bool", "bytes", "list", "dict", "tuple", "None"}
#: The wait options: ``generate``'s (`GENERATE_OPTIONS`) that ``create`` lacks (`WaitOptions`).
WAIT_OPTION_NAMES = ["timeout", "poll_interval", "max_poll_interval", "on_update"]


def _declarations(entries: Sequence[str]) -> list[tuple[str, Any]]:
    """(declaring module, declaration) for each ``module:NAME`` of ``entries``."""
    found: list[tuple[str, Any]] = []
    for entry in entries:
        module_name, _, attribute = entry.partition(":")
        found.append((module_name, getattr(importlib.import_module(module_name), attribute)))
    return found


def snake_name(class_name: str) -> str:
    """``MotionControl`` -> ``motion_control``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()


def _relative(module_name: str) -> str:
    """``kieai._models.motion_control`` as the generated module imports it."""
    if not module_name.startswith("kieai."):
        return module_name
    return ".." + module_name.removeprefix("kieai.")


def _arguments_of(declaration: ResourceDeclaration | FamilyDeclaration) -> list[Any]:
    if isinstance(declaration, ResourceDeclaration):
        return list(declaration.arguments)
    return [a for call in declaration.calls for a in call.arguments]


def _annotation_imports(declarations: list[tuple[str, Any]]) -> dict[str, set[str]]:
    """Module (relative) -> the names the arguments' annotations use from it."""
    imports: dict[str, set[str]] = {}
    for module_name, declaration in declarations:
        module = importlib.import_module(module_name)
        for argument in _arguments_of(declaration):
            for name in re.findall(r"[A-Za-z_]\w*", argument.annotation):
                if name in BUILTIN_NAMES:
                    continue
                if name in SHARED_NAMES:
                    source = SHARED_NAMES[name]
                elif hasattr(module, name):
                    source = module_name
                else:
                    raise SystemExit(f"{declaration.name}.{argument.name}: where is {name}?")
                imports.setdefault(_relative(source), set()).add(name)
    return imports


def _parameter(argument: Argument) -> str:
    if argument.required:
        return f"{argument.name}: {argument.annotation}"
    return f"{argument.name}: {argument.annotation} = {argument.default!r}"


def _parameters(declaration: ResourceDeclaration, options: Sequence[Option]) -> list[str]:
    """A method's keyword parameters: the arguments every model takes, ``model``, the
    arguments only some models take, then the per-call options."""
    models = [m for m, _ in declaration.models]
    common = [a for a in declaration.arguments if not a.only or set(models) <= set(a.only)]
    rest = [a for a in declaration.arguments if a not in common]
    model = f"model: {declaration.name}Model = {models[0]!r}"
    return [
        *(_parameter(a) for a in common),
        model,
        *(_parameter(a) for a in rest),
        *(f"{o.name}: {o.annotation} = {o.default}" for o in options),
    ]


def _arguments_function(declaration: ResourceDeclaration) -> list[str]:
    name = f"{snake_name(declaration.name)}_arguments"
    doc = [
        f'    """`{declaration.name}`\'s arguments as the dict its calls hand the pipeline '
        "(``kie check``",
        "    builds its dict here too, so its report is ``check``'s).",
        "",
        "    Args:",
    ]
    for argument in declaration.arguments:
        doc += textwrap.wrap(
            f"{argument.name}: {argument.doc}",
            width=100,
            initial_indent="        ",
            subsequent_indent="            ",
        )
    entries = ", ".join(f'"{a.name}": {a.name}' for a in declaration.arguments)
    return [
        "",
        "",
        f"def {name}(",
        *(f"    {a.name}: {a.annotation}," for a in declaration.arguments),
        ") -> dict[str, object]:",
        *doc,
        '    """',
        f"    return {{{entries}}}",
    ]


def _option_values(names: Sequence[str]) -> str:
    return ", ".join(f"{n}={n}" for n in names)


def _resource_method(declaration: ResourceDeclaration, method: Method) -> list[str]:
    parameters = _parameters(declaration, method.options)
    returns = method.returns or declaration.result
    call = f"{snake_name(declaration.name)}_arguments({', '.join(a.name for a in declaration.arguments)})"
    run_options = f"RunOptions({_option_values([o.name for o in CREATE_OPTIONS])})"
    lines = [
        "",
        f"    async def {method.name}(self, *, {', '.join(parameters)}) -> {returns}:",
        *_docstring(declaration.docs[method.name]),
    ]
    if method.name == "check":
        return [*lines, f"        return await self._check(model, {call})"]
    if method.name == "create":
        return [*lines, f"        return await self._create(model, {call}, {run_options})"]
    wait_options = f"WaitOptions({_option_values(WAIT_OPTION_NAMES)})"
    return [
        *lines,
        f"        from ..types import {returns}  # pydantic: not imported by the local checks",
        "",
        f"        return await self._generate(model, {call}, {run_options}, {wait_options}, {returns})",
    ]


def _resource_section(declaration: ResourceDeclaration) -> list[str]:
    models = [m for m, _ in declaration.models]
    lines = [
        "",
        f"#: `{declaration.name}`'s models; the first is the default ``model=``.",
        f"{declaration.name}Model = {_literal(models)}",
        *_arguments_function(declaration),
        "",
        "",
        f"class {declaration.name}Calls(Resource):",
        f'    """`{declaration.name}`\'s ``check``, ``create`` and ``generate``, from its declaration."""',
    ]
    # In the order the resources have always shown them.
    for method in sorted(METHODS, key=lambda m: ["check", "create", "generate"].index(m.name)):
        lines += _resource_method(declaration, method)
    return lines


def _resources_header(
    declarations: list[tuple[str, ResourceDeclaration]],
    families: list[tuple[str, FamilyDeclaration]],
) -> list[str]:
    names = [d.name for _, d in declarations]
    exported = sorted(
        [f"{n}Calls" for n in names]
        + [f"{n}Model" for n in names]
        + [f"{snake_name(n)}_arguments" for n in names]
        + [f"{d.name}Calls" for _, d in families]
        + [_fields_name(d, c) for _, d in families for c in d.calls]
    )
    annotation_imports = [
        f"    from {module} import {', '.join(sorted(found))}"
        for module, found in sorted(_annotation_imports([*declarations, *families]).items())
    ]
    converters = sorted(
        {
            (_relative(module), a.convert)
            for module, d in families
            for a in _arguments_of(d)
            if a.convert is not None
        }
    )
    results = sorted(
        {d.result for _, d in declarations} | {c.result for _, d in families for c in d.calls}
    )
    return [
        '"""The resources\' ``check``, ``create`` and ``generate`` (and the families\' ``extend``...),',
        "written from their declarations.",
        "",
        *textwrap.wrap(
            f"GENERATED by `{COMMAND}` (scripts/generate_types.py) from the declarations in "
            "``kieai._models`` ("
            + ", ".join(
                f"``{e.partition(':')[2]}``" for e in [*RESOURCE_DECLARATIONS, *FAMILY_DECLARATIONS]
            )
            + "): do not edit.",
            width=94,
        ),
        "",
        "Each resource's arguments are written once, in its declaration, and the per-call options",
        "once, in the script. ``<Name>Calls`` is the base of the public resource ``<Name>``",
        "(``kieai._resources``), which adds its docstring and specs (or family) and anything of",
        "its own; every method hands the call to `Resource` or `FamilyResource` (``_check``,",
        "``_create``, ``_generate``).",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import TYPE_CHECKING, Literal",
        "",
        "from .._constants import DEFAULT_MAX_POLL_INTERVAL_S, DEFAULT_POLL_INTERVAL_S, DEFAULT_WAIT_TIMEOUT_S",
        "from .._pipeline import CheckReport, RunOptions, WaitOptions",
        "from .._resources._base import Resource",
        "from .._resources._family import FamilyResource",
        *(f"from {module} import {name}" for module, name in converters),
        "",
        "if TYPE_CHECKING:",
        "    from .._engine import OnCreated",
        *annotation_imports,
        "    from .._pipeline import UploadProgress",
        "    from .._polling import OnUpdate",
        f"    from ..types import {', '.join(results)}",
        "",
        "__all__ = [" + ", ".join(repr(n) for n in exported) + "]",
    ]


def _fields_name(declaration: FamilyDeclaration, call: FamilyCall) -> str:
    return f"{snake_name(declaration.name)}_{call.operation}_fields"


def _fields_function(declaration: FamilyDeclaration, call: FamilyCall) -> list[str]:
    """The function building Kie's fields of one family call from its arguments."""
    doc = [
        f'    """`{declaration.name}`\'s ``{call.operation}`` arguments as Kie\'s fields '
        "(None: left out).",
        "",
        "    Args:",
    ]
    for argument in call.arguments:
        doc += textwrap.wrap(
            f"{argument.name}: ``{argument.kie_field}``. {argument.doc}",
            width=100,
            initial_indent="        ",
            subsequent_indent="            ",
        )

    def value(argument: FamilyArgument) -> str:
        if argument.convert is None:
            return argument.name
        return f"{argument.convert}({argument.name})"

    entries = ", ".join(f'"{a.kie_field}": {value(a)}' for a in call.arguments)
    return [
        "",
        "",
        f"def {_fields_name(declaration, call)}(",
        *(f"    {a.name}: {a.annotation}," for a in call.arguments),
        ") -> dict[str, object]:",
        *doc,
        '    """',
        f"    return {{{entries}}}",
    ]


def _family_parameter(argument: FamilyArgument) -> str:
    if argument.required:
        return f"{argument.name}: {argument.annotation}"
    return f"{argument.name}: {argument.annotation} = {argument.default!r}"


def _family_method(
    declaration: FamilyDeclaration, call: FamilyCall, method: FamilyMethod
) -> list[str]:
    uploads_only = {"on_upload_progress", "check_media"}
    if method.kind == "check":
        options = [o for o in CREATE_OPTIONS if o.name == "callback_url"]
    else:
        chosen = GENERATE_OPTIONS if method.kind == "generate" else CREATE_OPTIONS
        options = [o for o in chosen if call.uploads or o.name not in uploads_only]
    positional = [_family_parameter(a) for a in call.arguments if a.positional]
    keywords = [_family_parameter(a) for a in call.arguments if not a.positional]
    keywords += [f"{o.name}: {o.annotation} = {o.default}" for o in options]
    returns = {"check": "CheckReport", "create": "str"}.get(method.kind, call.result)
    fields = f"{_fields_name(declaration, call)}({', '.join(a.name for a in call.arguments)})"
    run_names = [o.name for o in CREATE_OPTIONS if o in options]
    run_options = f"RunOptions({_option_values(run_names)})"
    lines = [
        "",
        f"    async def {method.name}(self, {''.join(p + ', ' for p in positional)}*, {', '.join(keywords)}) -> {returns}:",
        *_docstring(method.doc),
    ]
    operation = repr(call.operation)
    if method.kind == "check":
        return [*lines, f"        return await self._check({operation}, {fields}, callback_url)"]
    if method.kind == "create":
        return [*lines, f"        return await self._create({operation}, {fields}, {run_options})"]
    wait_options = f"WaitOptions({_option_values(WAIT_OPTION_NAMES)})"
    return [
        *lines,
        f"        from ..types import {returns}  # pydantic: not imported by the local checks",
        "",
        f"        return await self._generate({operation}, {fields}, {run_options}, {wait_options}, {returns})",
    ]


def _family_section(declaration: FamilyDeclaration) -> list[str]:
    lines: list[str] = []
    for call in declaration.calls:
        lines += _fields_function(declaration, call)
    lines += [
        "",
        "",
        f"class {declaration.name}Calls(FamilyResource):",
        *_docstring(
            f"`{declaration.name}`'s calls ("
            + ", ".join(f"``{m.name}``" for c in declaration.calls for m in c.methods)
            + "), from its declaration.",
            indent="    ",
        ),
    ]
    for call in declaration.calls:
        for method in call.methods:
            lines += _family_method(declaration, call, method)
    return lines


def render_resources() -> str:
    """The generated resources module's text, formatted as `ruff format` would."""
    declarations: list[tuple[str, ResourceDeclaration]] = _declarations(RESOURCE_DECLARATIONS)
    families: list[tuple[str, FamilyDeclaration]] = _declarations(FAMILY_DECLARATIONS)
    lines = _resources_header(declarations, families)
    for _, declaration in declarations:
        lines += _resource_section(declaration)
    for _, family in families:
        lines += _family_section(family)
    source = "\n".join(lines) + "\n"
    return _ruff_format(_ruff_fix_imports(source), RESOURCES_PATH)


def _ruff_fix_imports(source: str) -> str:
    """The imports sorted as ``ruff check`` wants them (the annotations' modules vary)."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--select",
            "I",
            "--fix",
            "--quiet",
            "--stdin-filename",
            str(RESOURCES_PATH),
            "-",
        ],
        input=source,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return done.stdout


# --- the docs page -----------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_docs(models: Sequence[ModelInfo] | None = None) -> str:
    chosen = catalog.models() if models is None else models
    lines = [
        "<!-- GENERATED by `make generate` (scripts/generate_types.py) from the catalog: do not edit. -->",
        "",
        "# Catalog",
        "",
        f"Every Kie Market model kieai knows: {len(chosen)} models from Kie's pages of "
        f"{catalog.snapshot_date}. The same facts are in `kieai.catalog` (`models()`, `get(id)`) "
        "and `kie models`; rebuilding them is `make catalog` (see [Models](models.md#every-market-model-the-catalog)).",
        "",
        "A file field takes the URL of an uploaded file; kieai uploads a local path, bytes or an "
        "open file for you. Sizes read Kie's MB as MiB (1,048,576 bytes). A price of "
        "*unknown* means kieai has no dated price for the model, never that it is free.",
        "",
        "## Task types",
        "",
        "| task type | what it makes | models that serve it |",
        "|---|---|---|",
    ]
    for task_type, meaning in catalog.TASK_TYPES.items():
        count = sum(task_type in m.task_types for m in chosen)
        lines.append(f"| `{task_type}` | {meaning} | {count} |")
    lines += ["", "## Models", "", "| model | task type | output | price |", "|---|---|---|---|"]
    for model in chosen:
        anchor = _anchor(model.id)
        lines.append(
            f"| [`{model.id}`](#{anchor}) | {task_type_text(model)} | {model.output} | {price_text(model.prices)} |"
        )
    for model in chosen:
        lines += [
            "",
            f"### {model.id}",
            "",
            f"{model.title}: {task_type_text(model)}, makes {model.output}. Price: {price_text(model.prices)}. "
            f"[Kie's page]({model.docs_url}).",
            "",
        ]
        if not model.fields:
            lines.append("Kie's schema lists no fields for this model.")
            continue
        lines += ["| field | type | required | default | rules |", "|---|---|---|---|---|"]
        for field in model.fields:
            default = f"`{json_text(field.default)}`" if field.has_default else ""
            lines.append(
                f"| `{field.name}` | {type_text(field)} | {'yes' if field.required else ''} | "
                f"{_cell(default)} | {_cell(rules_text(field))} |"
            )
    return "\n".join(lines) + "\n"


def _anchor(model_id: str) -> str:
    """The anchor mkdocs' toc extension gives the model's heading."""
    return re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", model_id).strip().lower())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Generate the typed inputs and calls, and docs/catalog.md."
    )
    parser.parse_args(argv)
    PYTHON_PATH.parent.mkdir(parents=True, exist_ok=True)
    PYTHON_PATH.write_text(render_python(), encoding="utf-8")
    CALLS_PATH.write_text(render_calls(), encoding="utf-8")
    RESOURCES_PATH.write_text(render_resources(), encoding="utf-8")
    DOCS_PATH.write_text(render_docs(), encoding="utf-8")
    written = (PYTHON_PATH, CALLS_PATH, RESOURCES_PATH, DOCS_PATH)
    print("wrote " + ", ".join(str(p.relative_to(ROOT)) for p in written))


if __name__ == "__main__":
    main()
