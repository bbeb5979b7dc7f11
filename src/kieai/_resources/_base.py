"""What every resource shares: its family of model specs and the pipeline that runs them."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

import anyio

from .._errors import KieInputError
from .._pipeline import CheckReport, Pipeline, check
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

    # Class methods: the local checks need no client (``kie check`` runs them on the class).
    @classmethod
    def _spec(cls, model: str) -> ModelSpec:
        for spec in cls.specs:
            if spec.model == model:
                return spec
        choices = " or ".join(repr(s.model) for s in cls.specs)
        raise KieInputError(f"model: must be {choices}, got {model!r}")

    @classmethod
    def _check_now(cls, model: str, args: Mapping[str, object]) -> CheckReport:
        """``check``'s work, which needs no client: the model's spec, the family's "does not
        take" wording and the pipeline's local checks, in the calling thread. ``kie check``
        calls it on the class, so its report is ``client.<resource>.check``'s. ``args``: the
        dict ``check`` builds from its keyword arguments."""
        spec = cls._spec(model)
        return check(spec, args, not_taken=functools.partial(cls._not_taken, spec))

    async def _check_locally(self, model: str, args: Mapping[str, object]) -> CheckReport:
        """`_check_now` in a worker thread (probing reads the disk): what ``check`` returns."""
        return await anyio.to_thread.run_sync(functools.partial(self._check_now, model, args))

    @classmethod
    def _not_taken(cls, spec: ModelSpec, name: str, value: object) -> str:
        others = [s.model for s in cls.specs if s is not spec and name in s.arguments]
        where = f" (only {' and '.join(others)} does)" if others else ""
        return f"{name}: {spec.model} does not take this argument{where}, got {value!r}"
