"""``kie models`` (list the catalog, filtered) and ``kie models show ID`` (one model's fields,
their rules and price): offline, no API key, no client.

Start-up: this module imports only typer; the catalog is read when a command runs.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ._output import Output
from ._runtime import UsageProblem, execute_now

if TYPE_CHECKING:
    from ..catalog import ModelInfo, Price

__all__ = ["models_app"]

models_app = typer.Typer(
    name="models",
    help="The Kie Market models kieai knows (offline): list them, or show one's fields.",
    invoke_without_command=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


@models_app.callback()
def list_models(
    ctx: typer.Context,
    task_type: Annotated[
        str | None,
        typer.Option(
            "--task-type", help="Only this task type (e.g. image-to-video).", show_default=False
        ),
    ] = None,
    search: Annotated[
        str | None,
        typer.Option(
            "--search", help="Only models whose id or title contains TEXT.", show_default=False
        ),
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """List the catalog's models (id, task type, output, price); `kie models show ID` for one."""
    if ctx.invoked_subcommand is not None:
        return
    from .. import catalog

    out = Output(json_mode=json_)
    found = execute_now(out, lambda: _filtered(task_type, search))
    if out.json_mode:
        out.emit_json(
            {
                "snapshot_date": catalog.snapshot_date,
                "models": [_summary(m) for m in found],
            }
        )
        return
    from ..catalog._describe import task_type_text

    rows = [(m.id, task_type_text(m), m.output, _price(m.prices)) for m in found]
    _columns(out, [("model", "task type", "output", "price"), *rows])
    out.note(
        f"{len(found)} of {len(catalog.models())} models (Kie's pages of {catalog.snapshot_date})"
    )


@models_app.command("show")
def show_model(
    model_id: Annotated[str, typer.Argument(metavar="ID", help="The model's id, as Kie names it.")],
    json_: JsonOpt = False,
) -> None:
    """Show one model: its task type, output, price, Kie's page and every field with its rules."""
    from ..catalog._describe import json_text, rules_text, task_type_text, type_text

    out = Output(json_mode=json_)
    info = execute_now(out, lambda: _get(model_id))
    if out.json_mode:
        out.emit_json(_document(info))
        return
    out.fields(
        [
            ("model", info.id),
            ("title", info.title),
            ("task type", task_type_text(info)),
            ("output", info.output),
            ("price", _price(info.prices)),
            ("docs", info.docs_url),
        ]
    )
    if not info.fields:
        out.note("Kie's schema lists no fields for this model")
        return
    out.stdout.print()
    rows = [
        (
            f.name,
            type_text(f),
            "required" if f.required else "",
            f"default {json_text(f.default)}" if f.has_default else "",
            rules_text(f),
        )
        for f in info.fields
    ]
    _columns(out, [("field", "type", "", "", "rules"), *rows])


def _filtered(task_type: str | None, search: str | None) -> list[ModelInfo]:
    from .. import catalog

    if task_type is not None and task_type not in catalog.TASK_TYPES:
        raise UsageProblem(
            f"--task-type: {task_type!r} is not a task type; choose from "
            + ", ".join(catalog.TASK_TYPES)
        )
    return catalog.models(task_type=task_type, search=search)


def _get(model_id: str) -> ModelInfo:
    from .. import catalog

    try:
        return catalog.get(model_id)
    except KeyError as exc:
        raise UsageProblem(str(exc.args[0])) from None


def _price(prices: tuple[Price, ...]) -> str:
    from ..catalog._describe import price_text

    return price_text(prices)


def _price_document(price: Price) -> dict[str, Any]:
    return {**dataclasses.asdict(price), "when": dict(price.when)}


def _summary(info: ModelInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "title": info.title,
        "task_type": info.task_type,
        "also_task_types": list(info.also_task_types),
        "output": info.output,
        "docs_url": info.docs_url,
        "price": None if info.price is None else _price_document(info.price),
    }


def _document(info: ModelInfo) -> dict[str, Any]:
    fields = [dataclasses.asdict(f) | {"is_file": f.is_file} for f in info.fields]
    return {
        **_summary(info),
        "prices": [_price_document(p) for p in info.prices],
        "fields": fields,
    }


def _columns(out: Output, rows: list[tuple[str, ...]]) -> None:
    """Rows as left-aligned columns on stdout (the last column unpadded)."""
    from rich.text import Text

    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for number, row in enumerate(rows):
        cells = [row[i].ljust(width) for i, width in enumerate(widths)] + [row[-1]]
        line = "  ".join(cells).rstrip()
        out.stdout.print(Text(out.scrub(line), style="bold" if number == 0 else ""))
