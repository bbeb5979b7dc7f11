"""Family records and callbacks as `Task` objects: the pure readers of ``_families`` plus
pydantic. Kept apart from ``_families`` so the local checks never import pydantic."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._families import MARKET, Family, task_from_callback, task_from_record
from .types import Task

__all__ = ["callback_task", "record_task"]


def record_task(family: Family, record: Mapping[str, Any]) -> Task:
    """The `Task` one status record describes. Market records are read as they always were
    (every field Kie sends kept); the other families through their declaration."""
    if family is MARKET:
        return Task.model_validate(dict(record))
    return Task.model_validate(task_from_record(family, record))


def callback_task(family: Family, body: Mapping[str, Any]) -> Task:
    """The `Task` a callback body of ``family`` announces (``raw`` is the whole body)."""
    return Task.model_validate(task_from_callback(family, body))
