"""What the dedicated families' resources share (``client.veo``, ``client.suno``,
``client.runway``): their arguments become Kie's fields, the family's declaration
(``_families``) says where they go, and the same pipeline checks, uploads, creates and waits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar, TypeVar

from .._constants import (
    DEFAULT_MAX_POLL_INTERVAL_S,
    DEFAULT_POLL_INTERVAL_S,
    DEFAULT_WAIT_TIMEOUT_S,
)
from .._families import Family
from .._pipeline import (
    CheckReport,
    Prepared,
    RunOptions,
    WaitOptions,
    check_family,
    create,
    generate,
    in_thread,
)

if TYPE_CHECKING:
    from .._engine import Engine
    from .._polling import OnUpdate
    from ..types import AnyResult, Task

__all__ = ["FamilyResource", "prepare_family"]

R = TypeVar("R", bound="AnyResult")


def prepare_family(
    family: Family,
    operation: str,
    fields: Mapping[str, object],
    *,
    callback_url: str | None = None,
    check_media: bool = True,
) -> tuple[Prepared, CheckReport]:
    """One family call checked locally (`_pipeline.check_family`: no client, no network)."""
    return check_family(
        family,
        family.operation(operation),
        {name: value for name, value in fields.items() if value is not None},
        callback_url=callback_url,
        check_media=check_media,
    )


class FamilyResource:
    """``generate``/``create``/``check`` for one of Kie's dedicated families, plus its
    ``get_task``/``wait_for_task``."""

    family: ClassVar[Family]

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __repr__(self) -> str:
        return f"<{type(self).__name__} family={self.family.name!r}>"

    @property
    def models(self) -> tuple[str, ...]:
        """The declarations of this family's create calls (``"veo/generate"``, ...)."""
        return tuple(op.model_id for op in self.family.operations.values())

    @property
    def specs(self) -> tuple[()]:
        """No friendly-argument specs: the declarations are Kie's fields (``_inputs``)."""
        return ()

    async def _check(
        self, operation: str, fields: Mapping[str, object], callback_url: str | None
    ) -> CheckReport:
        import anyio.to_thread

        def run() -> CheckReport:
            return prepare_family(self.family, operation, fields, callback_url=callback_url)[1]

        return await anyio.to_thread.run_sync(run)

    async def _checked(
        self, operation: str, fields: Mapping[str, object], options: RunOptions
    ) -> Prepared:
        def run() -> tuple[Prepared, CheckReport]:
            return prepare_family(
                self.family,
                operation,
                fields,
                callback_url=options.callback_url,
                check_media=options.check_media,
            )

        return await in_thread(run)

    async def _create(
        self, operation: str, fields: Mapping[str, object], options: RunOptions
    ) -> str:
        return await create(self._engine, await self._checked(operation, fields, options), options)

    async def _generate(
        self,
        operation: str,
        fields: Mapping[str, object],
        options: RunOptions,
        wait: WaitOptions,
        result_type: type[R],
    ) -> R:
        prepared = await self._checked(operation, fields, options)
        result = await generate(self._engine, prepared, options, wait, result_type)  # pyright: ignore[reportArgumentType]
        assert isinstance(result, result_type)
        return result

    async def get_task(self, task_id: str) -> Task:
        """The task's current snapshot, read from this family's record endpoint."""
        return await self._engine.get_task(task_id, family=self.family.name)

    async def wait_for_task(
        self,
        task_id: str,
        *,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT_S,
        poll_interval: float = DEFAULT_POLL_INTERVAL_S,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL_S,
        on_update: OnUpdate | None = None,
    ) -> Task:
        """``client.wait_for_task(task_id, family=...)`` for this family."""
        return await self._engine.wait(
            task_id,
            timeout=timeout,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            on_update=on_update,
            family=self.family.name,
        )
