"""What every resource shares: its family of model specs and the pipeline that runs them."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from .._errors import KieInputError
from .._pipeline import Pipeline
from .._spec import ModelSpec

if TYPE_CHECKING:
    from .._client import KieClient

__all__ = ["Resource"]


class Resource:
    """A family of Kie models behind one ``generate``/``create``/``check`` surface.

    ``specs`` lists the family's models; the first is the default ``model=``.
    """

    specs: ClassVar[tuple[ModelSpec, ...]]

    def __init__(self, client: KieClient) -> None:
        self._client = client
        self._pipeline = Pipeline(client, self._not_taken)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} models={[s.model for s in self.specs]}>"

    @property
    def models(self) -> tuple[str, ...]:
        """The model ids this resource runs; the first is the default."""
        return tuple(s.model for s in self.specs)

    def _spec(self, model: str) -> ModelSpec:
        for spec in self.specs:
            if spec.model == model:
                return spec
        choices = " or ".join(repr(s.model) for s in self.specs)
        raise KieInputError(f"model: must be {choices}, got {model!r}")

    def _not_taken(self, spec: ModelSpec, name: str, value: object) -> str:
        others = [s.model for s in self.specs if s is not spec and name in s.arguments]
        where = f" (only {' and '.join(others)} does)" if others else ""
        return f"{name}: {spec.model} does not take this argument{where}, got {value!r}"
