"""The dated price table (``_data/prices.json``) read into `Price` rows per model.

The table is data: each row gives credits per unit for the input values in ``when``, with the
source of the figure (docs/costs.md says where sources disagree and which one the table
follows). A model without rows has no known price: never 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from ._types import JSONValue, Price

__all__ = ["parse_prices"]

_UNITS = frozenset({"task", "second", "image"})


def parse_prices(table: Mapping[str, Any]) -> dict[str, tuple[Price, ...]]:
    """``{"as_of", "rows": [...]}`` -> model id -> its rows, in the table's order.

    Raises ValueError naming the row for a malformed one (a bad table must not turn into a
    silently wrong estimate)."""
    as_of = table.get("as_of")
    if not isinstance(as_of, str) or not as_of:
        raise ValueError(f"price table: as_of must be a date string, got {as_of!r}")
    rows = table.get("rows")
    if not isinstance(rows, list):
        raise ValueError("price table: rows must be a list")
    prices: dict[str, list[Price]] = {}
    for number, row in enumerate(cast("list[object]", rows)):
        if not isinstance(row, dict):
            raise ValueError(f"price table row {number}: not an object")
        row = cast("dict[str, Any]", row)
        model, credits, unit = row.get("model"), row.get("credits"), row.get("unit")
        when, source = row.get("when", {}), row.get("source")
        if not isinstance(model, str) or not model:
            raise ValueError(f"price table row {number}: model must be a string")
        if isinstance(credits, bool) or not isinstance(credits, (int, float)) or credits <= 0:
            raise ValueError(f"price table row {number} ({model}): credits must be > 0")
        if unit not in _UNITS:
            raise ValueError(f"price table row {number} ({model}): unknown unit {unit!r}")
        if not isinstance(when, dict) or not isinstance(source, str) or not source:
            raise ValueError(
                f"price table row {number} ({model}): needs a when object and a source"
            )
        conditions = tuple(sorted(cast("dict[str, JSONValue]", when).items()))
        prices.setdefault(model, []).append(
            Price(credits=float(credits), unit=unit, source=source, as_of=as_of, when=conditions)
        )
    return {model: tuple(rows_) for model, rows_ in prices.items()}
