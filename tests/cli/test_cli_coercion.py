"""kie's text options and flags are converted without pydantic (``cli._coercion``): to exactly
the values typer's own conversion gives, on every command; other options keep typer's."""

from __future__ import annotations

from typing import Any

import pytest
import typer.main
from typer._coercion import PassThroughRuntimeParam, build_runtime_param

from kieai.cli import main
from kieai.cli._app import app

TEXTS = ["plain", "", "  spaced  ", "ünïcode ✓", "--looks-like-an-option", "a=b", "720p"]


def kie_parameters() -> list[tuple[str, Any, Any]]:
    """(command, parameter, context) for every parameter of every ``kie`` command and of the
    group itself, ``--help`` included, as the group hands them out."""
    group: Any = typer.main.get_command(app)
    ctx: Any = group.context_class(group, info_name="kie")
    found: list[tuple[str, Any, Any]] = [("kie", param, ctx) for param in group.get_params(ctx)]
    for name in group.list_commands(ctx):
        command: Any = group.get_command(ctx, name)
        sub: Any = command.context_class(command, parent=ctx, info_name=name)
        found += [(name, param, sub) for param in command.get_params(sub)]
    return found


def test_text_options_and_flags_pass_through_to_what_typer_would_give() -> None:
    passed = 0
    for command, param, ctx in kie_parameters():
        ours = param.get_runtime_param()
        if not isinstance(ours, PassThroughRuntimeParam):
            continue
        passed += 1
        typers = build_runtime_param(param.type_descriptor)  # the pydantic conversion
        samples: list[Any] = [*TEXTS] if param.type_descriptor.annotation is str else [True, False]
        for value in [*samples, None]:
            assert ours.coerce(value, param, ctx) == typers.coerce(value, param, ctx), (
                command,
                param.name,
                value,
            )
    assert passed >= 60  # every command's text options, flags and --help


@pytest.mark.parametrize(
    ("command", "name"),
    [
        ("generate", "timeout"),  # float
        ("image-to-video", "duration"),  # int
        ("demo", "save_inputs"),  # Path
        ("fake-server", "port"),  # int
    ],
)
def test_other_options_keep_typers_conversion(command: str, name: str) -> None:
    (param,) = [p for c, p, _ in kie_parameters() if c == command and p.name == name]
    assert not isinstance(param.get_runtime_param(), PassThroughRuntimeParam)


def test_a_number_option_is_still_checked_by_typer(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["wait", "task-1", "--timeout", "soon", "--api-key", "k"])
    assert code == 2
    assert "Invalid value for '--timeout'" in capsys.readouterr().err
