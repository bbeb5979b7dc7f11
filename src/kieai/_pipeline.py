"""The generation pipeline, the same for every model: check the input locally (every problem
at once), upload its local files concurrently (reused), create the task, hand out its id, wait,
return the result of the kind the model makes.

A model is its declaration: the catalog's `ModelInfo` and its extra media rules
(``catalog._rules``). Nothing model-specific lives here. The client's generic calls
(``client.generate("google/nano-banana-edit", {...})``) run `check_model`, then `create` or
`generate`; the resources (``client.motion_control``, ...) check their friendlier arguments
their own way (`check_spec`) and hand the same `Prepared` call to the same `create` and
`generate`. The client is reached only through its `Engine`.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio

from ._checks import Checked, CheckReport, FileSlot, check_input, file_rule, shown
from ._engine import Engine, OnCreated
from ._errors import (
    APIResponseValidationError,
    KieError,
    KieInputError,
    TaskCreationUncertainError,
    after_creation,
)
from ._files import is_url
from ._hooks import ProgressCallback, call_hook
from ._inputs import PreparedFile, prepare_file, uploaded_url
from ._media_rules import MediaRule
from ._spec import ModelSpec

if TYPE_CHECKING:
    from ._families import Family, Operation
    from ._journal import JournalEntry
    from ._polling import OnUpdate
    from .catalog._rules import ModelRules
    from .catalog._types import ModelInfo
    from .types import AnyResult, VideoResult

__all__ = [
    "CheckReport",
    "OnCreated",
    "Prepared",
    "RunOptions",
    "UploadProgress",
    "WaitOptions",
    "check_declared",
    "check_model",
    "check_spec",
    "create",
    "declared_file_rule",
    "find_model",
    "generate",
    "in_thread",
]

logger = logging.getLogger("kieai")

#: ``on_upload_progress(sent, total)``, or ``(sent, total, name)`` for a hook taking three
#: arguments (``name`` is the input: ``"image"``, ``"image_urls[1]"``).
UploadProgress = Callable[..., "Awaitable[None] | None"]


@dataclass(frozen=True)
class RunOptions:
    """How ``create`` runs, beside the model's own input."""

    callback_url: str | None = None
    on_upload_progress: UploadProgress | None = None
    on_created: OnCreated | None = None
    check_media: bool = True
    idempotency_key: str | None = None


@dataclass(frozen=True)
class WaitOptions:
    """How ``generate`` waits (as ``wait_for_task``)."""

    timeout: float | None
    poll_interval: float
    max_poll_interval: float
    on_update: OnUpdate | None = None


@dataclass
class Prepared:
    """A checked call, ready to run: Kie's ``input`` with the local files still in it, where
    each file goes, and what the model makes (``kind``: None for a model the catalog does not
    know). ``finish`` turns the input with URLs into what is sent (a resource's pydantic
    model validates it once more). ``operation``/``family``: a dedicated family's create
    endpoint and the family its task is read by (None/``"market"``: Market's createTask)."""

    model: str
    input: dict[str, object]
    slots: list[FileSlot] = field(default_factory=list[FileSlot])
    kind: str | None = None
    finish: Callable[[dict[str, object]], dict[str, Any]] | None = None
    operation: Operation | None = None
    family: str = "market"

    def with_urls(self, urls: Mapping[int, str]) -> dict[str, Any]:
        """The input to send: every file slot (by its position in ``slots``) replaced by its
        URL."""
        data: dict[str, Any] = dict(self.input)
        for position, slot in enumerate(self.slots):
            if slot.index is None:
                data[slot.field] = urls[position]
            else:
                items = list(data[slot.field])
                items[slot.index] = urls[position]
                data[slot.field] = items
        return self.finish(data) if self.finish is not None else data


# -- checking -----------------------------------------------------------------------------------


def find_model(model: str) -> ModelInfo | None:
    """The catalog's declaration of ``model``, or None for a model it does not know."""
    from . import catalog  # the catalog's data loads on first use, never on import

    try:
        return catalog.get(model)
    except KeyError:
        return None


def declared_file_rule(model: str, field: str) -> MediaRule:
    """The media rule of ``model``'s file field ``field``, from the same declaration
    ``client.generate`` checks by: the catalog's facts with the extra rule laid over them."""
    from .catalog._rules import rules_for

    info = find_model(model)
    if info is None:
        raise KeyError(f"{model} is not in kieai's catalog")
    return file_rule(info.field(field), rules_for(model))


def _callback_problems(callback_url: str | None) -> list[str]:
    if callback_url is not None and not is_url(callback_url):
        return [f"callback_url: must be an http(s) URL, got {callback_url!r}"]
    return []


def check_family(
    family: Family,
    operation: Operation,
    fields: Mapping[str, object],
    *,
    callback_url: str | None = None,
    check_media: bool = True,
) -> tuple[Prepared, CheckReport]:
    """A dedicated family's call checked by its operation's declaration, the rules between
    its fields and the callback URL the family may require; the result goes to that family's
    endpoint (``client.veo`` and ``client.generate("veo/generate", ...)`` alike)."""
    import dataclasses

    from ._families._inputs import FAMILY_INPUTS, cross_field_problems

    info = FAMILY_INPUTS[operation.model_id]
    prepared, report = check_declared(
        info, fields, check_media=check_media, callback_url=callback_url
    )
    problems = list(report.problems)
    if family.callback_required and callback_url is None:
        problems.insert(
            0,
            f"callback_url: is required for {family.title} (Kie's callBackUrl is a required "
            "field there); pass the URL of your webhook receiver, e.g. "
            "callback_url='https://your-app.example/kie'",
        )
    problems += [p for p in cross_field_problems(info.id, fields) if p not in problems]
    prepared.operation = operation
    prepared.family = family.name
    return prepared, dataclasses.replace(report, problems=problems)


def check_model(
    model: str,
    input: Mapping[str, object],
    *,
    check_media: bool = True,
    callback_url: str | None = None,
) -> tuple[Prepared, CheckReport]:
    """`check_declared` for a model by id: its catalog entry and extra rules. A model the
    catalog does not know is sent as given: no checks, no uploads (a local file in its input
    is refused, since nothing says where it would go)."""
    if not isinstance(model, str) or not model.strip():  # pyright: ignore[reportUnnecessaryIsInstance]
        raise KieInputError(f"model: must be a non-empty model id, got {model!r}")
    info = find_model(model)
    if info is not None:
        from .catalog._rules import rules_for

        return check_declared(
            info,
            input,
            rules=rules_for(model),
            check_media=check_media,
            callback_url=callback_url,
        )
    from ._families import family_operation

    found = family_operation(model)
    if found is not None:  # "veo/generate", "suno/extend", ...: a dedicated family's call
        return check_family(*found, dict(input), callback_url=callback_url, check_media=check_media)
    problems = _mapping_problems(input) + _callback_problems(callback_url)
    sent: dict[str, object] = {}
    if not problems:
        for name, value in dict(input).items():
            problems += _unknown_model_value(model, name, value)
            sent[name] = _as_sent(value)
    return Prepared(model, sent), CheckReport(problems=problems)


def _mapping_problems(input: object) -> list[str]:
    if not isinstance(input, Mapping):
        return [f"input: must be a dict of Kie's field names and values, got {shown(input)}"]
    return [
        f"input: field names must be strings, got {key!r}"
        for key in input  # pyright: ignore[reportUnknownVariableType]
        if not isinstance(key, str)
    ]


def _unknown_model_value(model: str, name: str, value: object) -> list[str]:
    items: list[object] = list(value) if isinstance(value, (list, tuple)) else [value]  # pyright: ignore[reportUnknownArgumentType]
    if any(
        isinstance(item, (bytes, bytearray, memoryview))
        or hasattr(item, "__fspath__")
        or (hasattr(item, "read") and not isinstance(item, str))
        for item in items
    ):
        return [
            f"{name}: {model} is not in kieai's catalog, so which fields take files is not "
            "known and a local file cannot be uploaded for it; upload it with client.upload() "
            "and pass the URL"
        ]
    return []


def _as_sent(value: object) -> object:
    """An `UploadedFile` as its URL (also in a list); anything else as given."""
    if isinstance(value, (list, tuple)):
        items: list[object] = list(value)  # pyright: ignore[reportUnknownArgumentType]
        return [_as_sent(item) for item in items]
    url = uploaded_url(value)
    return value if url is None else url


def check_declared(
    info: ModelInfo,
    input: Mapping[str, object],
    *,
    rules: ModelRules | None = None,
    check_media: bool = True,
    callback_url: str | None = None,
) -> tuple[Prepared, CheckReport]:
    """Every local check of ``input`` against the declaration ``info`` (no network, no
    client): problems in the order unknown fields, files, ``callback_url``, other fields.

    Reads and probes local files: from async code, run it in a worker thread."""
    problems = _mapping_problems(input)
    if problems:
        return Prepared(info.id, {}), CheckReport(problems=problems)
    checked: Checked = check_input(info, input, rules=rules, check_media=check_media)
    problems = [
        *checked.unknown,
        *checked.files,
        *_callback_problems(callback_url),
        *checked.values,
    ]
    sent = {name: value for name, value in input.items() if value is not None}
    prepared = Prepared(info.id, sent, checked.slots, kind=info.output)
    return prepared, checked.report(problems)


def check_spec(
    spec: ModelSpec,
    args: Mapping[str, object],
    *,
    not_taken: Callable[[str, object], str],
    check_media: bool = True,
    callback_url: str | None = None,
) -> tuple[Prepared, CheckReport]:
    """A resource's call checked by its spec (its friendly argument names): arguments the
    model does not take, file arguments (in the spec's order, each by its Kie field's rule in
    the model's declaration), the callback URL, then the other arguments. Kie's input is built
    from them by the spec's pydantic model once the URLs are known."""
    problems: list[str] = [
        not_taken(name, value)
        for name, value in args.items()
        if value is not None and name not in spec.arguments
    ]
    slots: list[FileSlot] = []
    sent: dict[str, object] = {}
    for slot in spec.files:
        prepared, file_problems = prepare_file(
            args.get(slot.name),
            slot.name,
            declared_file_rule(spec.model, slot.field),
            model=spec.model,
            args=args,
            check_media=check_media,
        )
        problems += file_problems
        slots.append(FileSlot(slot.field, 0 if slot.as_list else None, slot.name, prepared))
        sent[slot.field] = [None] if slot.as_list else None
    problems += _callback_problems(callback_url)
    for param in spec.params:
        param_problems, value = param.judge(args.get(param.name))
        problems += param_problems
        if value is not None:
            sent[param.name] = value
    report = Checked(slots=slots).report(problems)

    def finish(data: dict[str, object]) -> dict[str, Any]:
        model = spec.input_model.model_validate(data)
        return model.model_dump(mode="json", exclude_none=True)

    return Prepared(spec.model, sent, slots, kind="video", finish=finish), report


# -- running ------------------------------------------------------------------------------------


def _progress_for(hook: UploadProgress | None, name: str) -> ProgressCallback | None:
    """Per-file progress: a hook taking three arguments also receives the file's name."""
    if hook is None:
        return None
    try:
        params = inspect.signature(hook).parameters.values()
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        takes_name = len(positional) >= 3 or any(p.kind is p.VAR_POSITIONAL for p in params)
    except (TypeError, ValueError):
        takes_name = False
    if takes_name:
        return lambda sent, total: hook(sent, total, name)
    return hook


async def _resolve_urls(
    engine: Engine, slots: list[FileSlot], on_upload_progress: UploadProgress | None
) -> dict[int, str]:
    """Every file slot's URL, uploading local files concurrently. The first upload to fail
    cancels the others and is raised as itself (not wrapped in an ExceptionGroup)."""
    urls: dict[int, str] = {}
    failures: list[Exception] = []

    async def resolve(
        position: int, slot: FileSlot, prepared: PreparedFile, scope: anyio.CancelScope
    ) -> None:
        if prepared.url is not None:
            urls[position] = prepared.url
            return
        assert prepared.local is not None
        try:
            uploaded = await engine.upload(
                prepared.local, on_progress=_progress_for(on_upload_progress, slot.label)
            )
        except Exception as exc:
            failures.append(exc)
            scope.cancel()
            return
        urls[position] = uploaded.url

    async with anyio.create_task_group() as group:
        for position, slot in enumerate(slots):
            group.start_soon(resolve, position, slot, slot.prepared, group.cancel_scope)
    if failures:
        raise failures[0]
    return urls


async def create(engine: Engine, prepared: Prepared, options: RunOptions) -> str:
    """Upload the checked call's local files concurrently, create the task; returns its id
    (handed to ``on_created`` first). With an idempotency key the journal already holds, the
    id of that task."""
    return (await _start(engine, prepared, options)).task_id


@dataclass(frozen=True)
class _Started:
    """A created task's id, or the journal's entry of the task an idempotency key named."""

    task_id: str
    existing: JournalEntry | None = None


async def _start(engine: Engine, prepared: Prepared, options: RunOptions) -> _Started:
    """The ledger's claim (budget, intent, idempotency key) before any upload, then the
    uploads, the input as sent to the journal, and ``createTask``."""
    if prepared.kind is None and engine.first_use_of_unknown_model(prepared.model):
        logger.info(
            "model %s is not in kieai's catalog: its input is sent as given, without local "
            "checks or uploads",
            prepared.model,
        )
    ledger = engine.ledger
    claim = await ledger.claim(
        prepared, idempotency_key=options.idempotency_key, family=prepared.family
    )
    if claim.existing is not None and claim.existing.task_id is not None:
        task_id = claim.existing.task_id
        logger.info("idempotency key %r: task %s exists", options.idempotency_key, task_id)
        await call_hook(options.on_created, task_id)
        return _Started(task_id, claim.existing)
    entry_id = claim.entry_id
    try:
        urls = await _resolve_urls(engine, prepared.slots, options.on_upload_progress)
        input = prepared.with_urls(urls)
    except BaseException:
        await ledger.release(entry_id)
        raise

    async def sending() -> None:
        # With the pacing slot taken, right before the send: the intent's input becomes the
        # input as sent. Until then the entry says "not sent yet" (a crash while uploading or
        # waiting for a slot frees the key); from here on a crash leaves it uncertain.
        if entry_id is not None:
            await ledger.record_input(entry_id, input)

    async def created(task_id: str) -> None:
        await ledger.record_task_id(entry_id, task_id)
        await call_hook(options.on_created, task_id)

    try:
        task_id = await engine.create(
            prepared.model,
            input,
            callback_url=options.callback_url,
            on_created=created,
            idempotency_key=options.idempotency_key,
            operation=prepared.operation,
            before_send=sending,
        )
    except TaskCreationUncertainError:
        raise  # the request may have reached Kie: the intent stays, reported as uncertain
    except BaseException:
        await ledger.release(entry_id)  # a no-op once the task id is recorded
        raise
    return _Started(task_id)


async def generate(
    engine: Engine,
    prepared: Prepared,
    options: RunOptions,
    wait: WaitOptions,
    result_type: type[VideoResult] | None = None,
) -> AnyResult:
    """`create`, then wait for the task and return its result: of ``result_type`` when given,
    else of the class for the model's output kind (`types.result_class`).

    Every `KieError` raised once Kie returned the task id carries it (``.task_id``) and its
    message says how to resume (`after_creation`): the task exists and may be billed.
    """
    # Here, not at the top: _polling imports the retry table and with it httpx, and `types`
    # pydantic, which the local checks (``kie check``) never need.
    from ._display import notebook_progress
    from ._ledger import recorded_end
    from ._polling import validate_wait_args
    from .types import bound_result, result_class

    validate_wait_args(wait.timeout, wait.poll_interval, wait.max_poll_interval)
    started = await _start(engine, prepared, options)
    task_id = started.task_id
    try:
        task = (started.existing and recorded_end(started.existing)) or await engine.wait(
            task_id,
            timeout=wait.timeout,
            poll_interval=wait.poll_interval,
            max_poll_interval=wait.max_poll_interval,
            # In a notebook, a wait without an on_update of the caller's shows the states.
            on_update=wait.on_update if wait.on_update is not None else notebook_progress(),
            family=prepared.family,
        )
        # A text model answers with a resultObject; every other model with files.
        if not task.result_urls and (prepared.kind != "text" and task.result_object is None):
            raise APIResponseValidationError(
                f"task {task_id} succeeded but its record holds no result URL",
                body=task.model_dump(),
            )
    except KieError as exc:
        after_creation(exc, task_id)
        raise
    cls = result_type or result_class(prepared.kind, task.result_urls)
    return bound_result(
        cls, task_id=task_id, task=task, urls=task.result_urls, downloader=engine.download
    )


async def in_thread(check: Callable[[], tuple[Prepared, CheckReport]]) -> Prepared:
    """Run a check in a worker thread (probing reads the disk); its `Prepared` call, or
    `KieInputError` with every problem."""
    prepared, report = await anyio.to_thread.run_sync(check)
    if not report.ok:
        raise KieInputError(report.problems)
    return prepared
