"""Griffe extension for the API reference: show a parameter's default as its value.

The code names its defaults (``max_retries: int = DEFAULT_MAX_RETRIES``) so that every limit
lives in one place, ``kieai._constants``; a reader of the reference wants the value
(``max_retries: int = 2``). For each parameter whose default is a name that resolves to a
module-level constant with a literal value, this swaps in that value. Anything else (a call,
an attribute access, an unresolvable name) is left as written.

Used by mkdocs.yml (``handlers.python.options.extensions``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import griffe

__all__ = ["LiteralDefaults"]

#: A constant defined as another constant is followed this many steps at most.
MAX_HOPS = 5


def _functions(obj: griffe.Object) -> Iterator[griffe.Function]:
    for member in obj.members.values():
        if member.is_alias:
            continue
        if isinstance(member, griffe.Function):
            yield member
        elif isinstance(member, (griffe.Module, griffe.Class)):
            yield from _functions(member)


def _value_of(
    default: str | griffe.Expr | None, loader: griffe.GriffeLoader
) -> str | griffe.Expr | None:
    """The literal value behind a constant's name, or None to leave ``default`` alone."""
    value = default
    for _ in range(MAX_HOPS):
        if not isinstance(value, griffe.ExprName):
            return value if value is not default else None
        try:
            target = loader.modules_collection[value.canonical_path]
        except (KeyError, ValueError):
            return None
        if target.is_alias:
            try:
                target = target.final_target
            except (griffe.AliasResolutionError, griffe.CyclicAliasError):
                return None
        if not isinstance(target, griffe.Attribute) or target.value is None:
            return None
        value = target.value
    return None


def _literal(
    default: str | griffe.Expr | None, loader: griffe.GriffeLoader
) -> str | griffe.Expr | None:
    """``default`` with constant names replaced by their values, also inside a tuple or list
    (``(MOTION_CONTROL_MODEL,)`` -> ``('kling-2.6/motion-control',)``); None if unchanged."""
    if isinstance(default, (griffe.ExprTuple, griffe.ExprList)):
        elements = [_value_of(element, loader) or element for element in default.elements]
        if all(new is old for new, old in zip(elements, default.elements, strict=True)):
            return None
        return dataclasses.replace(default, elements=elements)
    return _value_of(default, loader)


class LiteralDefaults(griffe.Extension):
    """Replace named-constant defaults by their values, once the whole package is loaded."""

    def on_package(
        self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **_kwargs: Any
    ) -> None:
        for function in _functions(pkg):
            for parameter in function.parameters:
                value = _literal(parameter.default, loader)
                if value is not None:
                    parameter.default = value
