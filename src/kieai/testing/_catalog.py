"""Which model ids createTask accepts, and the declaration each one is judged by.

By default every model of `kieai.catalog` (Kie's Market, as data), each judged by its catalog
entry. ``FakeKie(models=...)`` narrows that to a list: a listed id the catalog knows keeps its
entry, a `ModelInfo` brings a declaration of its own, and any other listed id is accepted
with any ``input`` (a model Kie added after the catalog was built, or one of your own).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..catalog._types import ModelInfo

__all__ = ["Accepted", "ModelSet", "catalog_declaration"]


def catalog_declaration(model: str) -> ModelInfo | None:
    """The catalog's entry for ``model``; None when the catalog does not know it."""
    from .. import catalog

    try:
        return catalog.get(model)
    except KeyError:
        return None


@dataclass(frozen=True)
class Accepted:
    """A model id createTask takes: ``info`` judges its input (None: any input, free)."""

    model: str
    info: ModelInfo | None


@dataclass(frozen=True)
class ModelSet:
    """The ids createTask accepts: ``ids`` None means every catalog model."""

    ids: frozenset[str] | None = None
    declarations: Mapping[str, ModelInfo] = field(default_factory=dict[str, ModelInfo])

    @classmethod
    def of(cls, models: Iterable[str | ModelInfo] | None) -> ModelSet:
        if models is None:
            return cls()
        ids: set[str] = set()
        declarations: dict[str, ModelInfo] = {}
        for model in models:
            if isinstance(model, ModelInfo):
                declarations[model.id] = model
                ids.add(model.id)
            elif model:
                ids.add(model)
            else:
                raise ValueError("models= takes model ids and ModelInfo values, not ''")
        return cls(frozenset(ids), declarations)

    def accept(self, model: str) -> Accepted | None:
        """How createTask treats ``model``; None when it is refused as unknown."""
        if model in self.declarations:
            return Accepted(model, self.declarations[model])
        if self.ids is not None and model not in self.ids:
            return None
        info = catalog_declaration(model)
        if info is None and self.ids is None:
            return None
        return Accepted(model, info)


def catalog_ids() -> list[str]:
    """Every model id of the catalog."""
    from .. import catalog

    return [info.id for info in catalog.models()]
