"""Kie's task families as declarations: Market's ``createTask``/``recordInfo`` and the
dedicated Veo 3.1, Suno, Runway and Aleph endpoints, each one `Family` value read by the same
code. See ``_declared.py`` for the facts and ``_family.py`` for the readers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from ._declared import ALEPH, FAMILIES, MARKET, RUNWAY, SUNO, VEO
from ._family import (
    CallbackShape,
    Family,
    FamilyName,
    NormalisedTask,
    Operation,
    StateWord,
    task_from_callback,
    task_from_record,
)

__all__ = [
    "ALEPH",
    "FAMILIES",
    "MARKET",
    "RUNWAY",
    "SUNO",
    "VEO",
    "CallbackShape",
    "Family",
    "FamilyName",
    "NormalisedTask",
    "Operation",
    "StateWord",
    "callback_family",
    "family_operation",
    "get_family",
    "task_from_callback",
    "task_from_record",
]

_VEO_CALLBACK_KEYS = ("info", "fallbackFlag", "promptJson", "result_urls", "media_ids")
_RUNWAY_CALLBACK_KEYS = ("video_url", "video_id", "image_url")
_ALEPH_CALLBACK_KEYS = ("result_video_url", "result_image_url")


def get_family(name: str) -> Family:
    """The family called ``name``; ValueError naming the known ones otherwise."""
    try:
        return FAMILIES[name]
    except KeyError:
        known = ", ".join(repr(n) for n in FAMILIES)
        raise ValueError(f"family must be one of {known}, got {name!r}") from None


def family_operation(model: str) -> tuple[Family, Operation] | None:
    """``"veo/generate"`` -> the Veo family and its ``generate`` operation: the id a dedicated
    family's call goes by in ``client.generate`` and batch jobs (None for any other id)."""
    name, _, operation = model.partition("/")
    family = FAMILIES.get(name)
    if family is None or family is MARKET or operation not in family.operations:
        return None
    return family, family.operations[operation]


def callback_family(body: Mapping[str, Any]) -> Family | None:
    """The family a callback body comes from, by the fields its documented shapes carry;
    None when nothing tells (pass the family explicitly then). Every family's callback
    carries the envelope ``code``: a body without one is none of theirs."""
    if "code" not in body:
        return None
    data = body.get("data")
    if isinstance(data, Mapping):
        keys = cast("Mapping[str, Any]", data)
        if "callbackType" in keys:
            return SUNO
        if "state" in keys:
            return MARKET
        if any(k in keys for k in _VEO_CALLBACK_KEYS):
            return VEO
        if any(k in keys for k in _RUNWAY_CALLBACK_KEYS):
            return RUNWAY
        if any(k in keys for k in _ALEPH_CALLBACK_KEYS):
            return ALEPH
        # Bare failure callbacks: Runway's extend page sends data.task_id, Veo's 4K page
        # data.taskId.
        if "task_id" in keys:
            return RUNWAY
        if "taskId" in keys:
            return VEO
    if data is None and "taskId" in body:
        return ALEPH  # Aleph's error callback: data null, the id at the top
    return None
