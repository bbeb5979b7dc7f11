"""``kie run ID key=value ...`` (generate with any model) and ``kie check ID key=value ...``
(its local checks): Kie's own field names on the command line.

``key=value`` pairs become Kie's ``input`` object, each value read by the field's declared type
in the catalog (`assignments`): numbers, ``true``/``false``, JSON for objects and arrays, text
as is. ``key=@path`` marks a local file to upload; a key given again fills a list field. A model
the catalog does not know is sent as given: a value that reads as JSON (a number, ``true``, an
object...) is sent as that, anything else as text.

Problems are worded with Kie's field names (``aspect_ratio``), not the flags of the friendlier
commands (``--aspect-ratio``), so they are reported here rather than by ``_messages.explain``.
Start-up: this module imports only typer; the catalog, the checks and the client load in the
commands' bodies.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn
from urllib.parse import unquote, urlsplit

import typer

from .._constants import (
    DEFAULT_MAX_POLL_INTERVAL_S,
    DEFAULT_POLL_INTERVAL_S,
    DEFAULT_WAIT_TIMEOUT_S,
)
from ._messages import resume_command
from ._output import Output
from ._paths import check_destination, destination
from ._runtime import (
    API_KEY_HELP,
    BASE_URL_HELP,
    EXIT_USAGE,
    UPLOAD_BASE_URL_HELP,
    ClientOptions,
    DownloadFailedError,
    Runtime,
    execute,
    execute_now,
)

if TYPE_CHECKING:
    from ..catalog import Field, ModelInfo
    from ..types import AnyResult
    from ._progress import FlowProgress

__all__ = ["assignments", "check_any", "run"]

#: What ``-o`` is checked against before the task exists (its real name needs the task id).
_STAND_IN_NAME = "TASK_ID.out"
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}

Assignments = Annotated[
    list[str],
    typer.Argument(
        help="The model's id, then its input as key=value (key=@path: a local file to upload; "
        "a key given again fills a list field).",
        metavar="ID KEY=VALUE...",
        show_default=False,
    ),
]


# -- key=value -> Kie's input -----------------------------------------------------------------


def assignments(info: ModelInfo | None, pairs: list[str]) -> tuple[dict[str, object], list[str]]:
    """``pairs`` (``key=value``) as Kie's ``input`` for the model ``info`` (None: not in the
    catalog), and every problem found reading them."""
    values: dict[str, list[object]] = {}
    problems: list[str] = []
    fields = {f.name: f for f in info.fields} if info is not None else {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key:
            problems.append(f"{pair!r}: expected key=value (key=@path for a local file)")
            continue
        value, problem = _value(fields.get(key), key, text, known_model=info is not None)
        if problem is not None:
            problems.append(problem)
        values.setdefault(key, []).append(value)
    input: dict[str, object] = {}
    for key, given in values.items():
        field = fields.get(key)
        if field is not None and _is_list(field):
            # One array written as JSON (key='["a","b"]') or one item per key=value.
            whole = len(given) == 1 and isinstance(given[0], list)
            input[key] = given[0] if whole else given
        elif len(given) == 1:
            input[key] = given[0]
        elif field is None and info is None:
            input[key] = given  # a model kieai does not know: a repeated key is a list
        else:
            problems.append(f"{key}: given {len(given)} times; it takes one value")
    return input, problems


def _is_list(field: Field) -> bool:
    return field.type == "array" or (field.file is not None and field.file.multiple)


def _value(
    field: Field | None, key: str, text: str, *, known_model: bool
) -> tuple[object, str | None]:
    """One value read by ``field``'s type: (the value, a problem or None)."""
    if text.startswith("@"):
        return Path(text[1:]).expanduser(), None  # the pipeline uploads it or names the field
    if field is None:
        # An unknown field of a catalog model is reported by the checks, with its value as text;
        # a model kieai does not know gets what the text reads as.
        return (text, None) if known_model else (_json_or_text(text), None)
    if field.file is not None or field.type == "string":
        return text, None
    kind = field.item_type if field.type == "array" and not text.startswith("[") else field.type
    return _typed(kind or "string", key, text)


def _typed(kind: str, key: str, text: str) -> tuple[object, str | None]:
    if kind == "integer":
        try:
            return int(text), None
        except ValueError:
            return text, f"{key}: must be an integer, got {text!r}"
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            return text, f"{key}: must be a number, got {text!r}"
        return (int(number) if number.is_integer() and "." not in text else number), None
    if kind == "boolean":
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE, None
        return text, f"{key}: must be true or false, got {text!r}"
    if kind in ("object", "array"):
        try:
            parsed: object = json.loads(text)
        except ValueError:
            parsed = None
        wanted = dict if kind == "object" else list
        if not isinstance(parsed, wanted):
            return text, f"{key}: must be a JSON {kind}, got {text!r}"
        return parsed, None  # pyright: ignore[reportUnknownVariableType]  # JSON: any values
    return text, None


def _json_or_text(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _model_and_input(words: list[str]) -> tuple[ModelInfo | None, dict[str, object], list[str]]:
    """The catalog's entry for ``words[0]`` (None: not in it), the input, reading problems."""
    from .. import catalog

    try:
        info: ModelInfo | None = catalog.get(words[0])
    except KeyError:
        info = None
    input, problems = assignments(info, words[1:])
    return info, input, problems


# -- reporting --------------------------------------------------------------------------------


def _refuse(out: Output, problems: list[str]) -> NoReturn:
    """Exit 2 listing every problem, in Kie's field names (see the module doc)."""
    message = problems[0] if len(problems) == 1 else f"{len(problems)} problems with the input:"
    out.error(message, details=problems if len(problems) > 1 else ())
    if out.json_mode:
        out.emit_json(
            {
                "error": {
                    "type": "KieInputError",
                    "message": message,
                    "problems": problems,
                    "exit_code": EXIT_USAGE,
                }
            }
        )
    raise typer.Exit(EXIT_USAGE)


def _local_problems(
    out: Output,
    model: str,
    input: dict[str, object],
    parsed: list[str],
    *,
    check_media: bool = True,
    callback_url: str | None = None,
) -> list[str]:
    """The reading problems and every local check's, in this thread (no event loop)."""
    from .._pipeline import check_model

    _, report = execute_now(
        out,
        lambda: check_model(model, input, check_media=check_media, callback_url=callback_url),
    )
    return parsed + list(report.problems)


# -- commands ---------------------------------------------------------------------------------


def check_any(words: list[str], json_: bool) -> None:
    """``kie check ID key=value ...``: the local checks of any model (no network, no key)."""
    out = Output(json_mode=json_)
    model = words[0]
    info, input, parsed = _model_and_input(words)
    problems = _local_problems(out, model, input, parsed)
    if problems:
        _refuse(out, problems)
    if out.json_mode:
        out.emit_json({"ok": True, "problems": [], "model": model, "in_catalog": info is not None})
    elif info is not None:
        out.note("ok: the input passes every local check", style="green")
    else:
        out.note(
            f"ok: {model} is not in kieai's catalog, so there is nothing to check; "
            "it would be sent as given",
            style="green",
        )


def run(
    ctx: typer.Context,
    words: Assignments,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Where to save the first output: a file, or a directory to save it in under "
            "TASK_ID and the URL's suffix (ending in / or existing). Default: ./TASK_ID.<ext>.",
            show_default=False,
        ),
    ] = None,
    no_download: Annotated[
        bool, typer.Option("--no-download", help="Only print the output URLs; download nothing.")
    ] = False,
    callback_url: Annotated[
        str | None,
        typer.Option(
            "--callback-url", help="Kie POSTs the result here when done.", show_default=False
        ),
    ] = None,
    no_check_media: Annotated[
        bool,
        typer.Option(
            "--no-check-media", help="Skip the local media-content checks (type, duration, sides)."
        ),
    ] = False,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout", help="Give up waiting after this many seconds (0: wait forever).", min=0
        ),
    ] = DEFAULT_WAIT_TIMEOUT_S,
    poll_interval: Annotated[
        float,
        typer.Option(
            "--poll-interval", help="Seconds before the second status poll (grows x1.5 up to 15 s)."
        ),
    ] = DEFAULT_POLL_INTERVAL_S,
    api_key: Annotated[
        str | None, typer.Option("--api-key", help=API_KEY_HELP, show_default=False)
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help=BASE_URL_HELP, show_default=False)
    ] = None,
    upload_base_url: Annotated[
        str | None,
        typer.Option("--upload-base-url", help=UPLOAD_BASE_URL_HELP, show_default=False),
    ] = None,
    json_: Annotated[
        bool,
        typer.Option(
            "--json", help="Print one JSON document on stdout (also on errors); no progress bars."
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", help="On errors, also show the raw facts: HTTP status, Kie's code, request."
        ),
    ] = False,
) -> None:
    """Generate with any Kie Market model: `kie run google/nano-banana-edit prompt="make it
    snow" image_urls=@street.jpg -o out.png`.

    Kie's own field names (`kie models show ID` lists them); key=@path uploads a local file, a
    key given again fills a list field. The input is checked before anything is uploaded or
    paid for; a model kieai does not know is sent as given. The task id is printed as soon as
    Kie returns it: after Ctrl-C, `kie wait TASK_ID` picks the task up again.
    """
    from ._progress import FlowProgress

    out = Output(json_mode=json_, debug=debug)
    if not no_download:
        execute_now(out, lambda: check_destination(output, _STAND_IN_NAME))
    model = words[0]
    _, input, parsed = _model_and_input(words)
    problems = _local_problems(
        out, model, input, parsed, check_media=not no_check_media, callback_url=callback_url
    )
    if problems:
        _refuse(out, problems)
    runtime = ctx.obj if isinstance(ctx.obj, Runtime) else Runtime()
    options = ClientOptions(
        api_key=api_key, base_url=base_url, upload_base_url=upload_base_url, runtime=runtime
    )
    ui = FlowProgress(out.stderr, enabled=not out.json_mode, names=_upload_names(input))

    async def work() -> tuple[AnyResult, Path | None]:
        async with options.open(out) as client:
            try:
                result = await client.generate(
                    model,
                    input,
                    callback_url=callback_url,
                    timeout=None if timeout == 0 else timeout,
                    poll_interval=poll_interval,
                    max_poll_interval=max(poll_interval, DEFAULT_MAX_POLL_INTERVAL_S),
                    on_update=ui.update,
                    on_upload_progress=ui.upload,
                    on_created=ui.created,
                    check_media=not no_check_media,
                )
                # A text model's result may be data alone (TextResult.result): nothing to save.
                saved = None if no_download or not result.urls else await _save(result, ui, output)
            finally:
                ui.close()
        return result, saved

    result, saved = execute(
        out, work, resume=lambda: (ui.task_id, resume_command(ui.task_id or "", output))
    )
    data = getattr(result, "result", None)  # a TextResult's data (Kie's resultObject)
    out.result(
        {
            "task_id": result.task_id,
            "state": str(result.task.state),
            "kind": result.kind,
            "url": result.urls[0] if result.urls else None,
            "urls": result.urls,
            "output": str(saved.resolve()) if saved is not None else None,
            "result": data,
            "task": result.task.model_dump(mode="json"),
        },
        [
            ("task_id", result.task_id),
            ("state", result.task.state),
            *[("url", url) for url in result.urls],
            ("result", json.dumps(data, ensure_ascii=False) if data is not None else None),
            ("saved", saved),
        ],
    )


def _upload_names(input: dict[str, object]) -> dict[str, str]:
    """Upload labels (``image_urls[1]``) -> the file names the progress shows."""
    names: dict[str, str] = {}
    for key, value in input.items():
        if isinstance(value, Path):
            names[key] = value.name
        elif isinstance(value, list):
            items: list[object] = value  # pyright: ignore[reportUnknownVariableType]
            for index, item in enumerate(items):
                if isinstance(item, Path):
                    names[f"{key}[{index}]"] = item.name
    return names


async def _save(result: AnyResult, ui: FlowProgress, output: str | None) -> Path:
    """Download the first output; a failure keeps the task's URL and the resume command."""
    from .._errors import APIError

    url = result.url
    suffix = Path(unquote(urlsplit(url).path)).suffix
    dest = destination(output, f"{result.task_id}{suffix}")
    try:
        path = await result.download(dest, on_progress=ui.download)
    except (APIError, OSError) as exc:
        raise DownloadFailedError(
            f"task {result.task_id} succeeded but the download failed ({exc}); the output is "
            f"at {url} (retry with: {resume_command(result.task_id, output)})",
            task_id=result.task_id,
            video_url=url,
        ) from exc
    ui.downloaded(path)
    return path
