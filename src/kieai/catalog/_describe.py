"""A model's facts in words, for people: ``kie models show`` and ``docs/catalog.md`` say them
the same way."""

from __future__ import annotations

from collections.abc import Sequence

from ._types import Field, JSONValue, ModelInfo, Price

__all__ = ["json_text", "price_text", "rules_text", "task_type_text", "type_text"]

_BYTES_PER_MIB = 1024 * 1024


def json_text(value: JSONValue) -> str:
    """A value as JSON spells it (``true``, ``null``), strings bare."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def task_type_text(info: ModelInfo) -> str:
    """``text-to-video (also image-to-video)``."""
    also = f" (also {', '.join(info.also_task_types)})" if info.also_task_types else ""
    return info.task_type + also


def type_text(field: Field) -> str:
    return f"{field.type} of {field.item_type}" if field.item_type else field.type


def rules_text(field: Field) -> str:
    """Every rule of one field, ``; ``-separated (empty: none stated)."""
    rules: list[str] = []
    if field.choices is not None:
        rules.append("one of " + ", ".join(json_text(c) for c in field.choices))
    if field.minimum is not None or field.maximum is not None:
        bounds: list[str] = []
        if field.minimum is not None:
            bounds.append(f"{'>' if field.exclusive_minimum else '≥'} {_number(field.minimum)}")
        if field.maximum is not None:
            bounds.append(f"{'<' if field.exclusive_maximum else '≤'} {_number(field.maximum)}")
        rules.append(" and ".join(bounds))
    if field.min_length is not None or field.max_length is not None:
        rules.append(f"{_span(field.min_length, field.max_length)} characters")
    if field.min_items is not None or field.max_items is not None:
        rules.append(f"{_span(field.min_items, field.max_items)} items")
    if field.item_choices is not None:
        rules.append("items one of " + ", ".join(json_text(c) for c in field.item_choices))
    spec = field.file
    if spec is not None:
        rules.append(
            f"{spec.kind} file{'s' if spec.multiple else ''} (URL, or a local file to upload)"
        )
        if spec.mime_types:
            rules.append(", ".join(spec.mime_types))
        if spec.max_bytes is not None:
            rules.append(
                f"≤ {_number(spec.max_bytes / _BYTES_PER_MIB)} MiB{' each' if spec.multiple else ''}"
            )
        if spec.min_duration_s is not None or spec.max_duration_s is not None:
            rules.append(f"{_span(spec.min_duration_s, spec.max_duration_s)} s long")
    return "; ".join(rules)


def price_text(prices: Sequence[Price]) -> str:
    """The model's prices in words; ``unknown`` when kieai has none (never "free")."""
    if not prices:
        return "unknown"
    rows: list[str] = []
    for price in prices:
        when = ", ".join(f"{k}={json_text(v)}" for k, v in price.when)
        rows.append(
            f"{_number(price.credits)} credits per {price.unit}" + (f" ({when})" if when else "")
        )
    return "; ".join(rows) + f" (as of {prices[0].as_of})"


def _number(value: float) -> str:
    return f"{value:g}"


def _span(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{_number(low)}–{_number(high)}"
    return f"≥ {_number(low)}" if low is not None else f"≤ {_number(high or 0)}"
