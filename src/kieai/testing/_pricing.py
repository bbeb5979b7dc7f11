"""What a task costs: the model's price as the catalog records it, read the fake's own way.

A `kieai.catalog.Price` row is ``credits`` per ``unit`` for the input values in ``when``. The
fake picks the row whose ``when`` matches the input best (every listed value equal, the most
specific such row; else the base row) and multiplies per-second prices by the seconds the
input asks for (its ``duration``), else by the probed length of its reference video, and
per-image prices by the number of images asked for (``num_images``, ``n``; else one). A
per-task price is charged once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..catalog._types import JSONValue, ModelInfo, Price

__all__ = ["PER_IMAGE_UNITS", "PER_SECOND_UNITS", "declared_price"]

PER_SECOND_UNITS = frozenset({"second", "seconds", "s", "sec"})
PER_IMAGE_UNITS = frozenset({"image", "images"})
#: Input fields that say how many seconds of output a task asks for.
_DURATION_FIELDS = ("duration", "duration_seconds", "seconds", "n_seconds")
#: Input fields that say how many images a task asks for.
_COUNT_FIELDS = ("num_images", "n", "number_of_images")


def _normal(value: object) -> str:
    """One spelling for a JSON value: ``"10"``, ``10`` and ``10.0`` compare equal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"{float(value):g}"
    if isinstance(value, str):
        try:
            return f"{float(value):g}"
        except ValueError:
            return value.strip().lower()
    return repr(value)


def _value(info: ModelInfo, input_: Mapping[str, Any], name: str) -> JSONValue:
    if name in input_:
        return input_[name]
    for field in info.fields:
        if field.name == name and field.has_default:
            return field.default
    return None


def _row(info: ModelInfo, input_: Mapping[str, Any]) -> Price:
    matching = [
        price
        for price in info.prices
        if all(_normal(_value(info, input_, k)) == _normal(v) for k, v in price.when)
    ]
    if not matching:
        return info.prices[0]
    return max(matching, key=lambda price: len(price.when))


def _asked(info: ModelInfo, input_: Mapping[str, Any], names: tuple[str, ...]) -> float | None:
    """The first positive number among the input's ``names`` (or their defaults)."""
    for name in names:
        value = _value(info, input_, name)
        try:
            seconds = float(value) if isinstance(value, (int, float, str)) else None
        except ValueError:
            seconds = None
        if seconds is not None and not isinstance(value, bool) and seconds > 0:
            return seconds
    return None


def declared_price(
    info: ModelInfo, input_: Mapping[str, Any], *, video_seconds: float
) -> float | None:
    """Credits for one task of ``info`` with ``input_``; None when the catalog has no price.
    ``video_seconds`` is the reference video's length (or the fake's default) for models
    billed by it."""
    if not info.prices:
        return None
    row = _row(info, input_)
    unit = row.unit.lower()
    if unit in PER_SECOND_UNITS:
        asked = _asked(info, input_, _DURATION_FIELDS)
        return row.credits * (asked if asked is not None else video_seconds)
    if unit in PER_IMAGE_UNITS:
        return row.credits * (_asked(info, input_, _COUNT_FIELDS) or 1)
    return row.credits
