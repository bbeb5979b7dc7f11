"""Griffe extension for the API reference: show `SyncKieClient`'s derived members as what they
are at run time.

The sync surface is derived from the async one (``kieai._sync``): ``get_task =
_mirror(KieClient.get_task)`` is a method with the async method's parameters, defaults and
docstring, returning the sync twin when one is named (``_mirror(MotionControl.generate,
SyncMotionControlResult)``); ``motion_control = _Resource(SyncMotionControl)`` is the sync
resource. Griffe reads source statically and would show assignments. For each such class
attribute, this puts in its place a method copied from the async one (without ``async``), or
an attribute typed as the sync resource with the async property's docstring.

Used by mkdocs.yml (``handlers.python.options.extensions``), after ``LiteralDefaults``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import griffe

__all__ = ["SyncMirrors"]

#: The module whose classes hold ``_mirror(...)`` and ``_Resource(...)`` attributes.
SYNC_MODULE = "kieai._sync"
#: Where the async resources a ``_Resource`` mirrors are documented.
ASYNC_CLIENT = "kieai._client.KieClient"


def _classes(module: griffe.Module) -> Iterator[griffe.Class]:
    for member in module.members.values():
        if not member.is_alias and isinstance(member, griffe.Class):
            yield member


def _target(path: object, loader: griffe.GriffeLoader) -> griffe.Object | None:
    """The object at ``path`` (a dotted path, or an expression such as ``KieClient.get_task``
    whose canonical path it is), or None."""
    path = getattr(path, "canonical_path", path)
    if not isinstance(path, str):
        return None
    try:
        found = loader.modules_collection[path]
    except (KeyError, ValueError):
        return None
    if found.is_alias:
        try:
            found = found.final_target
        except (griffe.AliasResolutionError, griffe.CyclicAliasError):
            return None
    return found if isinstance(found, griffe.Object) else None


def _method(
    name: str, call: griffe.ExprCall, loader: griffe.GriffeLoader
) -> griffe.Function | None:
    """The sync method ``name = _mirror(Async.method[, Twin])`` stands for."""
    source = _target(call.arguments[0], loader) if call.arguments else None
    if not isinstance(source, griffe.Function):
        return None
    twin = call.arguments[1] if len(call.arguments) > 1 else None
    method = griffe.Function(
        name,
        lineno=source.lineno,
        endlineno=source.endlineno,
        parameters=griffe.Parameters(*(copy.copy(p) for p in source.parameters)),
        returns=twin if isinstance(twin, (str, griffe.Expr)) else source.returns,
        docstring=copy.copy(source.docstring),
    )
    method.labels = source.labels - {"async"}
    return method


def _resource(
    name: str, call: griffe.ExprCall, loader: griffe.GriffeLoader
) -> griffe.Attribute | None:
    """The attribute ``name = _Resource(SyncClass)`` stands for, documented as the async
    client's property of the same name is."""
    if not call.arguments:
        return None
    source = _target(f"{ASYNC_CLIENT}.{name}", loader)
    docstring = copy.copy(source.docstring) if source is not None else None
    attribute = griffe.Attribute(name, annotation=call.arguments[0], docstring=docstring)
    attribute.labels = {"property"}
    return attribute


class SyncMirrors(griffe.Extension):
    """Replace ``_mirror(...)`` and ``_Resource(...)`` attributes once the package is loaded."""

    def on_package(
        self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **_kwargs: Any
    ) -> None:
        if pkg.path != SYNC_MODULE.partition(".")[0]:
            return
        module = loader.modules_collection[SYNC_MODULE]
        assert isinstance(module, griffe.Module)
        for owner in _classes(module):
            for name, member in list(owner.members.items()):
                value = getattr(member, "value", None)
                if member.is_alias or not isinstance(value, griffe.ExprCall):
                    continue
                called = str(value.function)
                if called == "_mirror":
                    replacement: griffe.Object | None = _method(name, value, loader)
                elif called == "_Resource":
                    replacement = _resource(name, value, loader)
                else:
                    continue
                if replacement is not None:
                    owner.set_member(name, replacement)
