"""What every resource shares: its family of model specs, the "does not take" wording, and
handing a checked call to the generation pipeline through the client's `Engine`."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar, TypeVar

from .._errors import KieInputError
from .._pipeline import (
    CheckReport,
    Prepared,
    RunOptions,
    WaitOptions,
    check_spec,
    create,
    generate,
    in_thread,
)
from .._spec import ModelSpec

if TYPE_CHECKING:
    from .._engine import Engine
    from ..types import VideoResult

__all__ = ["Resource", "check_now", "prepare", "spec_of"]

R = TypeVar("R", bound="VideoResult")


def spec_of(resource: type[Resource], model: str) -> ModelSpec:
    """The spec of ``model`` among the resource's; `KieInputError` naming the choices."""
    for spec in resource.specs:
        if spec.model == model:
            return spec
    choices = " or ".join(repr(s.model) for s in resource.specs)
    raise KieInputError(f"model: must be {choices}, got {model!r}")


def _not_taken(resource: type[Resource], spec: ModelSpec, name: str, value: object) -> str:
    others = [s.model for s in resource.specs if s is not spec and name in s.arguments]
    where = f" (only {' and '.join(others)} does)" if others else ""
    return f"{name}: {spec.model} does not take this argument{where}, got {value!r}"


def prepare(
    resource: type[Resource],
    model: str,
    args: Mapping[str, object],
    *,
    check_media: bool = True,
    callback_url: str | None = None,
) -> tuple[Prepared, CheckReport]:
    """A resource's call checked in the calling thread (no client needed), ready for the
    pipeline: the model's spec, the family's "does not take" wording, the local checks."""
    spec = spec_of(resource, model)
    return check_spec(
        spec,
        args,
        not_taken=functools.partial(_not_taken, resource, spec),
        check_media=check_media,
        callback_url=callback_url,
    )


def check_now(resource: type[Resource], model: str, args: Mapping[str, object]) -> CheckReport:
    """A resource's ``check`` without a client or an event loop. ``kie check`` calls it, so its
    report is ``client.<resource>.check``'s. ``args``: the dict ``check`` builds."""
    return prepare(resource, model, args)[1]


class Resource:
    """A family of Kie models behind one ``generate``/``create``/``check`` surface.

    ``specs`` lists the family's models; the first is the default ``model=``.
    """

    specs: ClassVar[tuple[ModelSpec, ...]]

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __repr__(self) -> str:
        return f"<{type(self).__name__} models={[s.model for s in self.specs]}>"

    @property
    def models(self) -> tuple[str, ...]:
        """The model ids this resource runs; the first is the default."""
        return tuple(s.model for s in self.specs)

    async def _check(self, model: str, args: Mapping[str, object]) -> CheckReport:
        """`check_now` in a worker thread (probing reads the disk): what ``check`` returns."""
        import anyio.to_thread

        return await anyio.to_thread.run_sync(check_now, type(self), model, args)

    async def _create(self, model: str, args: Mapping[str, object], options: RunOptions) -> str:
        prepared = await self._checked(model, args, options)
        return await create(self._engine, prepared, options)

    async def _generate(
        self,
        model: str,
        args: Mapping[str, object],
        options: RunOptions,
        wait: WaitOptions,
        result_type: type[R],
    ) -> R:
        prepared = await self._checked(model, args, options)
        result = await generate(self._engine, prepared, options, wait, result_type)
        assert isinstance(result, result_type)
        return result

    async def _checked(
        self, model: str, args: Mapping[str, object], options: RunOptions
    ) -> Prepared:
        spec_of(type(self), model)  # an unknown model is refused before any thread starts

        def run() -> tuple[Prepared, CheckReport]:
            return prepare(
                type(self),
                model,
                args,
                check_media=options.check_media,
                callback_url=options.callback_url,
            )

        return await in_thread(run)
