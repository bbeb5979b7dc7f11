"""``client.suno``: Suno music on Kie's own endpoints (``/api/v1/generate``): two tracks per
task, ready in stages (``text``, ``first``, ``complete``), announced by staged callbacks.

``check``, ``create``, ``generate``, ``create_extend`` and ``extend`` are generated from their
declaration (``_models.suno.SUNO``: each argument written once) into ``_generated/resources.py``.
"""

from __future__ import annotations

from typing import ClassVar

from .._families import SUNO, Family
from .._generated.resources import SunoCalls
from .._models.suno import SunoModel, VocalGender

__all__ = ["Suno", "SunoModel", "VocalGender"]


class Suno(SunoCalls):
    """``client.suno``: music from a prompt (or lyrics, style and title in custom mode).

    Kie requires a callback URL for every Suno task: ``callback_url`` is required here too
    (a `KieInputError` says so), never filled in on your behalf. Waiting polls
    ``/api/v1/generate/record-info``; ``on_update`` sees each stage (``task.stage``)."""

    family: ClassVar[Family] = SUNO
