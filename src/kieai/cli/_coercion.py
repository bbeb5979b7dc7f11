"""Option values without pydantic, for start-up speed.

typer (0.29 and later) converts every option's value through a pydantic ``TypeAdapter`` built
on the option's first use, so any command with options imports pydantic, which takes longer
than typer itself, before it runs. `kie check` (a local check that needs no pydantic) would
spend most of its time there.

For text options and flags the conversion is the identity on what click parsed (a ``str``, a
``bool``): `KieGroup` gives those options typer's own pass-through conversion instead, on the
group and on the command it dispatches to. Every other option (numbers, paths, choices, a
custom parser) keeps typer's conversion. Only typer's internals named here are touched;
with a typer that lacks them nothing changes (the same behaviour, just slower).
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperGroup

try:  # typer's per-parameter conversion (0.29+); older typers convert through click
    from typer._coercion import PassThroughRuntimeParam
    from typer.core import _TyperParameter  # pyright: ignore[reportPrivateUsage]
except ImportError:  # pragma: no cover  (the dev install has typer 0.29)
    PassThroughRuntimeParam = None
    _TyperParameter = None

__all__ = ["KieGroup"]


class KieGroup(TyperGroup):
    """The ``kie`` group: typer's, with the pass-through conversion for text and flags."""

    def get_params(self, ctx: Any) -> list[Any]:
        params: list[Any] = super().get_params(ctx)
        _pass_through(params)
        return params

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _pass_through(command.get_params(ctx))  # its options and its --help
        return command


def _pass_through(params: list[Any]) -> None:
    if PassThroughRuntimeParam is None or _TyperParameter is None:  # pragma: no cover
        return
    for param in params:
        if not isinstance(param, _TyperParameter) or param._runtime_param is not None:  # pyright: ignore[reportPrivateUsage]
            continue
        descriptor = param.type_descriptor
        info = descriptor.parameter_info
        plain = (
            descriptor.file_annotation is None and info.parser is None and not descriptor.is_choice
        )
        text = descriptor.annotation is str and param.nargs == 1 and not param.multiple
        flag = descriptor.annotation is bool and getattr(param, "is_flag", False)
        if plain and (text or flag):
            param._runtime_param = PassThroughRuntimeParam(  # pyright: ignore[reportPrivateUsage]
                parameter_info=info, annotation=descriptor.annotation
            )
