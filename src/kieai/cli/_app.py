"""The ``kie`` command: a typer app over `kieai.KieClient`.

Each command parses its options, builds one `Output` (human or ``--json``) and runs one
coroutine through `execute` (in ``_runtime``), which turns expected failures into plain-language
lines (``_messages``) and an exit code. Progress goes to stderr. ``-o`` is resolved by
``_paths.destination`` (a trailing separator or an existing directory: write into it) and
checked by ``_paths.check_destination`` before anything is uploaded or paid for.

The commands are plain functions, registered from one table (`COMMANDS`, at the end).
`app_for` builds an app with only the command the arguments name, as typer converts the
signature of every command it holds before running one.

Start-up: this module imports only typer and kieai's constants, so ``kie --help`` pays for
nothing else; each command imports the client, the models and the progress bars in its body.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Annotated, Any, TypedDict, cast
from urllib.parse import urlsplit

import typer

from .._constants import (
    DEFAULT_MAX_POLL_INTERVAL_S,
    DEFAULT_POLL_INTERVAL_S,
    DEFAULT_WAIT_TIMEOUT_S,
)
from .._version import __version__
from ._batch import batch
from ._catalog import models_app
from ._ledger import costs, tasks_app
from ._messages import resume_command
from ._output import Output
from ._paths import check_destination, destination
from ._run import check_any, run
from ._runtime import (
    API_KEY_HELP,
    BASE_URL_HELP,
    EXIT_USAGE,
    UPLOAD_BASE_URL_HELP,
    ClientOptions,
    DownloadFailedError,
    Runtime,
    UsageProblem,
    execute,
    execute_now,
    fail,
)

if TYPE_CHECKING:
    from .._client import KieClient
    from .._pipeline import OnCreated, UploadProgress
    from .._polling import OnUpdate
    from ..media import ImageInfo, VideoInfo
    from ..types import AudioResult, Task, UploadedFile, VideoResult
    from ._progress import FlowProgress

__all__ = ["COMMANDS", "ROOT_FLAGS", "app", "app_for", "build_app"]

# -- shared options --------------------------------------------------------------------------

CONNECTION = "Connection"
WAITING = "Waiting"

JsonOpt = Annotated[
    bool,
    typer.Option(
        "--json", help="Print one JSON document on stdout (also on errors); no progress bars."
    ),
]
DebugOpt = Annotated[
    bool,
    typer.Option(
        "--debug", help="On errors, also show the raw facts: HTTP status, Kie's code, request."
    ),
]
ApiKeyOpt = Annotated[
    str | None,
    typer.Option("--api-key", help=API_KEY_HELP, show_default=False, rich_help_panel=CONNECTION),
]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option("--base-url", help=BASE_URL_HELP, show_default=False, rich_help_panel=CONNECTION),
]
UploadBaseUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--upload-base-url",
        help=UPLOAD_BASE_URL_HELP,
        show_default=False,
        rich_help_panel=CONNECTION,
    ),
]
TimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout",
        help="Give up waiting after this many seconds (0: wait forever).",
        min=0,
        rich_help_panel=WAITING,
    ),
]
PollOpt = Annotated[
    float,
    typer.Option(
        "--poll-interval",
        help="Seconds before the second status poll (grows x1.5 up to 15 s).",
        rich_help_panel=WAITING,
    ),
]
OutputOpt = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        help="Where to save the video: a file, or a directory to save TASK_ID.mp4 in (ending "
        "in / or existing). Default: ./TASK_ID.mp4.",
        show_default=False,
    ),
]
NoDownloadOpt = Annotated[
    bool, typer.Option("--no-download", help="Only print the video URL; do not download it.")
]
ImageOpt = Annotated[
    str,
    typer.Option(
        "--image",
        "-i",
        help="The person: a JPEG/PNG/WebP file or an http(s) URL.",
        show_default=False,
    ),
]
VideoOpt = Annotated[
    str,
    typer.Option(
        "--video",
        "-v",
        help="The motion: an MP4/MOV/MKV file or an http(s) URL.",
        show_default=False,
    ),
]
OrientationOpt = Annotated[
    str,
    typer.Option(
        "--orientation",
        help='Character orientation: "image" (video <= 10 s) or "video" (video <= 30 s).',
    ),
]
ModeOpt = Annotated[
    str, typer.Option("--mode", help='Resolution: "720p" or "1080p" ("std"/"pro" accepted).')
]
PromptOpt = Annotated[
    str | None,
    typer.Option(
        "--prompt", "-p", help="Optional text prompt (<= 2500 characters).", show_default=False
    ),
]


MotionModelOpt = Annotated[
    str,
    typer.Option("--model", help='"kling-2.6/motion-control" or "kling-3.0/motion-control".'),
]
BackgroundSourceOpt = Annotated[
    str | None,
    typer.Option(
        "--background-source",
        help='Kling 3.0 only: the background from "input_video" (Kie\'s default) or "input_image".',
        show_default=False,
    ),
]
CallbackUrlOpt = Annotated[
    str | None,
    typer.Option("--callback-url", help="Kie POSTs the result here when done.", show_default=False),
]
NoCheckMediaOpt = Annotated[
    bool,
    typer.Option(
        "--no-check-media",
        help="Skip the local media-content checks (type, duration, dimensions).",
    ),
]
DurationOpt = Annotated[int, typer.Option("--duration", help="Seconds of video: 5 or 10.")]
FamilyOpt = Annotated[
    str | None,
    typer.Option(
        "--family",
        help='Which of Kie\'s task families: "market", "veo", "suno", "runway" or "aleph" '
        "(default: the one the journal recorded for the task, else market).",
    ),
]
SoundOpt = Annotated[
    bool, typer.Option("--sound/--no-sound", help="Generate sound with the video (costs more).")
]


def _runtime(ctx: typer.Context) -> Runtime:
    obj: object = ctx.obj
    return obj if isinstance(obj, Runtime) else Runtime()


def _client_options(
    ctx: typer.Context,
    api_key: str | None,
    base_url: str | None,
    upload_base_url: str | None,
    *,
    read_only: bool = False,
) -> ClientOptions:
    """``read_only``: the command creates no task, so it never creates the journal."""
    return ClientOptions(
        api_key=api_key,
        base_url=base_url,
        upload_base_url=upload_base_url,
        runtime=_runtime(ctx),
        read_only=read_only,
    )


def _wait_timeout(seconds: float) -> float | None:
    return None if seconds == 0 else seconds


def _progress(
    out: Output, names: dict[str, str] | None = None, *, resumable: bool = True
) -> FlowProgress:
    from ._progress import FlowProgress

    return FlowProgress(out.stderr, enabled=not out.json_mode, names=names, resumable=resumable)


def _is_url(value: str) -> bool:
    return value.lower().startswith(("http://", "https://"))


def _name_of(value: str) -> str:
    return value if _is_url(value) else Path(value).name or value


# -- result rendering ------------------------------------------------------------------------


def _iso(task: Task, name: str) -> str | None:
    value = getattr(task, name)
    return value.isoformat(sep=" ", timespec="seconds") if value is not None else None


def _output_kind(task: Task) -> str:
    """What a task's URLs hold (video, image, audio or text), as its result class would say:
    a dedicated family's declared output, else the Market model's catalog entry, else the
    first URL's suffix."""
    from .._families import FAMILIES
    from .._pipeline import find_model
    from ..types import result_class

    family = FAMILIES.get(task.family)
    if family is not None and family.name != "market":
        return family.output
    info = find_model(task.model) if task.model else None
    return result_class(info.output if info is not None else None, task.result_urls).kind


def _url_label(kind: str) -> str:
    """The human label of an output URL: ``video_url``/``audio_url``, else ``url``."""
    return f"{kind}_url" if kind in ("video", "audio") else "url"


def _finished_document(
    task: Task, urls: list[str], saved: Path | None, kind: str = "video"
) -> dict[str, Any]:
    """``url``/``urls`` for every kind of output (as `kie run`); a video also keeps the
    ``video_url``/``video_urls`` keys it always had."""
    document: dict[str, Any] = {"task_id": task.task_id, "state": str(task.state)}
    if kind == "video":
        document |= {"video_url": urls[0] if urls else None, "video_urls": urls}
    document |= {
        "url": urls[0] if urls else None,
        "urls": urls,
        "output": str(saved.resolve()) if saved is not None else None,
        "task": task.model_dump(mode="json"),
    }
    return document


def _show_finished(
    out: Output, task: Task, urls: list[str], saved: Path | None, kind: str = "video"
) -> None:
    out.result(
        _finished_document(task, urls, saved, kind),
        [
            ("task_id", task.task_id),
            ("state", task.state),
            (_url_label(kind), urls[0] if urls else None),
            ("saved", saved),
        ],
    )


async def _save(
    client: KieClient,
    ui: FlowProgress,
    task_id: str,
    url: str,
    output: str | None,
) -> Path:
    from .._errors import APIError

    # The result's own extension (a Suno track is audio), .mp4 when its URL has none.
    suffix = PurePosixPath(urlsplit(url).path).suffix or ".mp4"
    dest = destination(output, f"{task_id}{suffix}")
    try:
        path = await client.download(url, dest, on_progress=ui.download)
    except (APIError, OSError) as exc:
        # A file that could not be written there will not be next time: no -o to repeat.
        retry = (
            f"{resume_command(task_id)} -o ANOTHER_PATH"
            if isinstance(exc, OSError)
            else resume_command(task_id, output)
        )
        raise DownloadFailedError(
            f"task {task_id} succeeded but the download failed ({exc}); the result is at {url} "
            f"(retry with: {retry})",
            task_id=task_id,
            video_url=url,
        ) from exc
    ui.downloaded(path)
    return path


class CommonArgs(TypedDict):
    """What every ``generate`` of the library takes besides the model's own arguments."""

    callback_url: str | None
    timeout: float | None
    poll_interval: float
    max_poll_interval: float
    on_upload_progress: UploadProgress
    on_created: OnCreated
    on_update: OnUpdate
    check_media: bool


@dataclasses.dataclass(frozen=True)
class Flow:
    """The options every generating command shares."""

    output: str | None
    no_download: bool
    callback_url: str | None
    check_media: bool
    timeout: float
    poll_interval: float


def _generation(
    flow: Flow,
    options: ClientOptions,
    out: Output,
    names: dict[str, str],
    generate: Callable[[KieClient, CommonArgs], Awaitable[VideoResult | AudioResult]],
) -> None:
    """One generating command, for any model: progress for uploads and states, the task id
    as soon as Kie returns it, the download, the result, and a resume hint on failure."""
    if not flow.no_download:
        execute_now(out, lambda: check_destination(flow.output, "TASK_ID.mp4"))
    ui = _progress(out, names)
    common = CommonArgs(
        callback_url=flow.callback_url,
        timeout=_wait_timeout(flow.timeout),
        poll_interval=flow.poll_interval,
        max_poll_interval=max(flow.poll_interval, DEFAULT_MAX_POLL_INTERVAL_S),
        on_upload_progress=ui.upload,
        on_created=ui.created,
        on_update=ui.update,
        check_media=flow.check_media,
    )

    async def work() -> tuple[VideoResult | AudioResult, Path | None]:
        async with options.open(out) as client:
            try:
                result = await generate(client, common)
                saved = (
                    None
                    if flow.no_download
                    else await _save(client, ui, result.task_id, result.url, flow.output)
                )
            finally:
                ui.close()
        return result, saved

    result, saved = execute(
        out,
        work,
        resume=lambda: (ui.task_id, resume_command(ui.task_id or "", flow.output)),
    )
    _show_finished(out, result.task, result.urls, saved, result.kind)


# -- commands --------------------------------------------------------------------------------


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"kie (kieai {__version__})")
        raise typer.Exit()


def _root(
    ctx: typer.Context,
    no_journal: Annotated[
        bool,
        typer.Option(
            "--no-journal",
            help="Do not record tasks in the journal (the user's data directory, or KIE_JOURNAL).",
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Show the version and exit.",
            callback=_version_callback,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Kie AI from the command line."""
    del version  # handled by its eager callback
    if no_journal:
        ctx.obj = dataclasses.replace(_runtime(ctx), journal=False)


def generate(
    ctx: typer.Context,
    image: ImageOpt,
    video: VideoOpt,
    prompt: PromptOpt = None,
    orientation: OrientationOpt = "video",
    mode: ModeOpt = "720p",
    model: MotionModelOpt = "kling-2.6/motion-control",
    background_source: BackgroundSourceOpt = None,
    output: OutputOpt = None,
    no_download: NoDownloadOpt = False,
    callback_url: CallbackUrlOpt = None,
    no_check_media: NoCheckMediaOpt = False,
    timeout: TimeoutOpt = DEFAULT_WAIT_TIMEOUT_S,
    poll_interval: PollOpt = DEFAULT_POLL_INTERVAL_S,
    api_key: ApiKeyOpt = None,
    base_url: BaseUrlOpt = None,
    upload_base_url: UploadBaseUrlOpt = None,
    json_: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Check, upload, create a motion-control task, wait for it and download the video
    (Kling 2.6 by default; `--model kling-3.0/motion-control` for 3.0).

    The task id is printed as soon as Kie returns it: after Ctrl-C, `kie wait TASK_ID` picks
    the task up again without paying twice.
    """
    _generation(
        Flow(output, no_download, callback_url, not no_check_media, timeout, poll_interval),
        _client_options(ctx, api_key, base_url, upload_base_url),
        Output(json_mode=json_, debug=debug),
        {"image": _name_of(image), "video": _name_of(video)},
        # The CLI passes any string through; the library's checks report it.
        lambda client, common: client.motion_control.generate(
            image=image,
            video=video,
            prompt=prompt,
            character_orientation=cast(Any, orientation),
            mode=cast(Any, mode),
            model=cast(Any, model),
            background_source=cast(Any, background_source),
            **common,
        ),
    )


def image_to_video(
    ctx: typer.Context,
    image: Annotated[
        str,
        typer.Option(
            "--image",
            "-i",
            help="The picture: a JPEG/PNG file or an http(s) URL.",
            show_default=False,
        ),
    ],
    prompt: Annotated[
        str,
        typer.Option(
            "--prompt",
            "-p",
            help="What happens in the video (<= 1000 characters).",
            show_default=False,
        ),
    ],
    duration: DurationOpt = 5,
    sound: SoundOpt = False,
    output: OutputOpt = None,
    no_download: NoDownloadOpt = False,
    callback_url: CallbackUrlOpt = None,
    no_check_media: NoCheckMediaOpt = False,
    timeout: TimeoutOpt = DEFAULT_WAIT_TIMEOUT_S,
    poll_interval: PollOpt = DEFAULT_POLL_INTERVAL_S,
    api_key: ApiKeyOpt = None,
    base_url: BaseUrlOpt = None,
    upload_base_url: UploadBaseUrlOpt = None,
    json_: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Animate one image with Kling 2.6 image-to-video: check, upload, create, wait, download.

    The task id is printed as soon as Kie returns it: after Ctrl-C, `kie wait TASK_ID` picks
    the task up again without paying twice.
    """
    _generation(
        Flow(output, no_download, callback_url, not no_check_media, timeout, poll_interval),
        _client_options(ctx, api_key, base_url, upload_base_url),
        Output(json_mode=json_, debug=debug),
        {"image": _name_of(image)},
        lambda client, common: client.image_to_video.generate(
            image=image, prompt=prompt, duration=cast(Any, duration), sound=sound, **common
        ),
    )


def text_to_video(
    ctx: typer.Context,
    prompt: Annotated[
        str,
        typer.Option(
            "--prompt", "-p", help="What the video shows (<= 1000 characters).", show_default=False
        ),
    ],
    aspect_ratio: Annotated[
        str, typer.Option("--aspect-ratio", help='Frame shape: "1:1", "16:9" or "9:16".')
    ] = "1:1",
    duration: DurationOpt = 5,
    sound: SoundOpt = False,
    output: OutputOpt = None,
    no_download: NoDownloadOpt = False,
    callback_url: CallbackUrlOpt = None,
    timeout: TimeoutOpt = DEFAULT_WAIT_TIMEOUT_S,
    poll_interval: PollOpt = DEFAULT_POLL_INTERVAL_S,
    api_key: ApiKeyOpt = None,
    base_url: BaseUrlOpt = None,
    json_: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Make a video from a prompt with Kling 2.6 text-to-video: create, wait, download.

    The task id is printed as soon as Kie returns it: after Ctrl-C, `kie wait TASK_ID` picks
    the task up again without paying twice.
    """
    _generation(
        Flow(output, no_download, callback_url, True, timeout, poll_interval),
        _client_options(ctx, api_key, base_url, None),
        Output(json_mode=json_, debug=debug),
        {},
        lambda client, common: client.text_to_video.generate(
            prompt=prompt,
            aspect_ratio=cast(Any, aspect_ratio),
            duration=cast(Any, duration),
            sound=sound,
            **common,
        ),
    )


# -- Kie's dedicated families ------------------------------------------------------------------


def veo(
    ctx: typer.Context,
    prompt: Annotated[
        str, typer.Option("--prompt", "-p", help="What the video shows.", show_default=False)
    ],
    image: Annotated[
        list[str] | None,
        typer.Option(
            "--image",
            "-i",
            help="A frame (repeat for first and last frame, or up to 3 references): a file or "
            "an http(s) URL.",
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        str, typer.Option("--model", help='"veo3" (Quality), "veo3_fast" or "veo3_lite".')
    ] = "veo3_fast",
    aspect_ratio: Annotated[
        str, typer.Option("--aspect-ratio", help='"16:9", "9:16" or "Auto".')
    ] = "16:9",
    generation_type: Annotated[
        str | None,
        typer.Option(
            "--generation-type",
            help='"TEXT_2_VIDEO", "FIRST_AND_LAST_FRAMES_2_VIDEO" or "REFERENCE_2_VIDEO".',
            show_default=False,
        ),
    ] = None,
    resolution: Annotated[
        str | None,
        typer.Option("--resolution", help='"720p", "1080p" or "4k".', show_default=False),
    ] = None,
    watermark: Annotated[
        str | None, typer.Option("--watermark", help="Watermark text.", show_default=False)
    ] = None,
    seeds: Annotated[
        int | None, typer.Option("--seeds", help="10000-99999.", show_default=False)
    ] = None,
    output: OutputOpt = None,
    no_download: NoDownloadOpt = False,
    callback_url: CallbackUrlOpt = None,
    no_check_media: NoCheckMediaOpt = False,
    timeout: TimeoutOpt = DEFAULT_WAIT_TIMEOUT_S,
    poll_interval: PollOpt = DEFAULT_POLL_INTERVAL_S,
    api_key: ApiKeyOpt = None,
    base_url: BaseUrlOpt = None,
    upload_base_url: UploadBaseUrlOpt = None,
    json_: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Make a video with Veo 3.1 (Kie's /api/v1/veo endpoints): check, upload, create, wait,
    download. Resume with `kie wait TASK_ID --family veo`."""
    images = list(image or [])
    _generation(
        Flow(output, no_download, callback_url, not no_check_media, timeout, poll_interval),
        _client_options(ctx, api_key, base_url, upload_base_url),
        Output(json_mode=json_, debug=debug),
        {f"imageUrls[{n}]": _name_of(value) for n, value in enumerate(images)},
        lambda client, common: client.veo.generate(
            prompt=prompt,
            image=images or None,
            model=cast(Any, model),
            aspect_ratio=cast(Any, aspect_ratio),
            generation_type=cast(Any, generation_type),
            resolution=cast(Any, resolution),
            watermark=watermark,
            seeds=seeds,
            **common,
        ),
    )


def suno(
    ctx: typer.Context,
    prompt: Annotated[
        str | None,
        typer.Option(
            "--prompt", "-p", help="The idea (or, with --custom, the lyrics).", show_default=False
        ),
    ] = None,
    callback_url: Annotated[
        str | None,
        typer.Option(
            "--callback-url",
            help="Required by Kie for every Suno task: your webhook receiver's URL.",
            show_default=False,
        ),
    ] = None,
    instrumental: Annotated[bool, typer.Option("--instrumental", help="No vocals.")] = False,
    custom: Annotated[
        bool, typer.Option("--custom", help="Custom mode: --style and --title are required.")
    ] = False,
    model: Annotated[
        str, typer.Option("--model", help='"V4", "V4_5", "V4_5PLUS", "V4_5ALL", "V5", "V5_5".')
    ] = "V5",
    style: Annotated[
        str | None, typer.Option("--style", help="Genre and mood.", show_default=False)
    ] = None,
    title: Annotated[
        str | None, typer.Option("--title", help="The track's title.", show_default=False)
    ] = None,
    output: OutputOpt = None,
    no_download: NoDownloadOpt = False,
    timeout: TimeoutOpt = DEFAULT_WAIT_TIMEOUT_S,
    poll_interval: PollOpt = DEFAULT_POLL_INTERVAL_S,
    api_key: ApiKeyOpt = None,
    base_url: BaseUrlOpt = None,
    json_: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Make music with Suno (Kie's /api/v1/generate): create, wait for both tracks, download
    the first. Resume with `kie wait TASK_ID --family suno`."""
    _generation(
        Flow(output, no_download, callback_url, True, timeout, poll_interval),
        _client_options(ctx, api_key, base_url, None),
        Output(json_mode=json_, debug=debug),
        {},
        lambda client, common: client.suno.generate(
            prompt=prompt,
            instrumental=instrumental,
            custom_mode=custom,
            model=cast(Any, model),
            style=style,
            title=title,
            callback_url=common["callback_url"],
            timeout=common["timeout"],
            poll_interval=common["poll_interval"],
            max_poll_interval=common["max_poll_interval"],
            on_update=common["on_update"],
            on_created=common["on_created"],
        ),
    )


def runway(
    ctx: typer.Context,
    prompt: Annotated[
        str, typer.Option("--prompt", "-p", help="What the video shows.", show_default=False)
    ],
    image: Annotated[
        str | None,
        typer.Option(
            "--image", "-i", help="An image to animate: a file or a URL.", show_default=False
        ),
    ] = None,
    duration: DurationOpt = 5,
    quality: Annotated[
        str, typer.Option("--quality", help='"720p" or "1080p" (1080p: 5 s only).')
    ] = "720p",
    aspect_ratio: Annotated[
        str | None,
        typer.Option(
            "--aspect-ratio",
            help='"16:9", "4:3", "1:1", "3:4" or "9:16" (required without --image).',
            show_default=False,
        ),
    ] = None,
    watermark: Annotated[
        str | None, typer.Option("--watermark", help="Watermark text.", show_default=False)
    ] = None,
    output: OutputOpt = None,
    no_download: NoDownloadOpt = False,
    callback_url: CallbackUrlOpt = None,
    no_check_media: NoCheckMediaOpt = False,
    timeout: TimeoutOpt = DEFAULT_WAIT_TIMEOUT_S,
    poll_interval: PollOpt = DEFAULT_POLL_INTERVAL_S,
    api_key: ApiKeyOpt = None,
    base_url: BaseUrlOpt = None,
    upload_base_url: UploadBaseUrlOpt = None,
    json_: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Make a video with Runway (Kie's /api/v1/runway endpoints): check, upload, create, wait,
    download. Resume with `kie wait TASK_ID --family runway`."""
    _generation(
        Flow(output, no_download, callback_url, not no_check_media, timeout, poll_interval),
        _client_options(ctx, api_key, base_url, upload_base_url),
        Output(json_mode=json_, debug=debug),
        {"imageUrl": _name_of(image)} if image else {},
        lambda client, common: client.runway.generate(
            prompt=prompt,
            image=image,
            duration=cast(Any, duration),
            quality=cast(Any, quality),
            aspect_ratio=cast(Any, aspect_ratio),
            watermark=watermark,
            **common,
        ),
    )


def wait(
    ctx: typer.Context,
    task_id: Annotated[str, typer.Argument(help="The id `kie generate` printed.")],
    family: FamilyOpt = None,
    output: OutputOpt = None,
    no_download: NoDownloadOpt = False,
    timeout: TimeoutOpt = DEFAULT_WAIT_TIMEOUT_S,
    poll_interval: PollOpt = DEFAULT_POLL_INTERVAL_S,
    api_key: ApiKeyOpt = None,
    base_url: BaseUrlOpt = None,
    json_: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Wait for a task to finish (resumable at any time), then download its result.

    The elapsed time shown counts from the task's creation at Kie.
    """
    out = Output(json_mode=json_, debug=debug)
    if not no_download:
        execute_now(out, lambda: check_destination(output, f"{task_id}.mp4"))
    options = _client_options(ctx, api_key, base_url, None, read_only=True)
    ui = _progress(out)
    ui.task_id = task_id

    async def work() -> tuple[Task, Path | None]:
        async with options.open(out) as client:
            try:
                task = await client.wait_for_task(
                    task_id,
                    timeout=_wait_timeout(timeout),
                    poll_interval=poll_interval,
                    max_poll_interval=max(poll_interval, DEFAULT_MAX_POLL_INTERVAL_S),
                    on_update=ui.update,
                    family=family,
                )
                saved: Path | None = None
                if not no_download:
                    if not task.result_urls:
                        raise DownloadFailedError(
                            f"task {task_id} succeeded but Kie returned no result URL",
                            task_id=task_id,
                            video_url=None,
                        )
                    saved = await _save(client, ui, task.task_id, task.result_urls[0], output)
            finally:
                ui.close()
        return task, saved

    task, saved = execute(out, work, resume=lambda: (task_id, resume_command(task_id, output)))
    _show_finished(out, task, task.result_urls, saved, _output_kind(task))


def status(
    ctx: typer.Context,
    task_id: Annotated[str, typer.Argument(help="The task's id.")],
    family: FamilyOpt = None,
    api_key: ApiKeyOpt = None,
    base_url: BaseUrlOpt = None,
    json_: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Show a task's current state (one request, no waiting)."""
    out = Output(json_mode=json_, debug=debug)
    options = _client_options(ctx, api_key, base_url, None, read_only=True)

    async def work() -> Task:
        async with options.open(out) as client:
            return await client.get_task(task_id, family=family)

    task = execute(out, work)
    fail = ": ".join(part for part in (task.fail_code, task.fail_msg) if part) or None
    out.result(
        task.model_dump(mode="json"),
        [
            ("task_id", task.task_id),
            ("model", task.model),
            ("state", task.state),
            ("stage", task.stage),
            ("created", _iso(task, "create_time")),
            ("completed", _iso(task, "complete_time")),
            ("failure", fail),
            *[(_url_label(_output_kind(task)), url) for url in task.result_urls],
        ],
    )


def credits(
    ctx: typer.Context,
    api_key: ApiKeyOpt = None,
    base_url: BaseUrlOpt = None,
    json_: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Show the account's remaining credits."""
    out = Output(json_mode=json_, debug=debug)
    options = _client_options(ctx, api_key, base_url, None, read_only=True)

    async def work() -> float:
        async with options.open(out) as client:
            return await client.get_credits()

    balance = execute(out, work)
    out.result({"credits": balance}, [("credits", f"{balance:g}")])


def upload(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="A local file, or an http(s) URL for Kie to fetch.")],
    upload_path: Annotated[
        str, typer.Option("--upload-path", help="Folder on Kie's file host.")
    ] = "kieai",
    file_name: Annotated[
        str | None,
        typer.Option(
            "--file-name", help="Name on Kie's file host (default: unique).", show_default=False
        ),
    ] = None,
    api_key: ApiKeyOpt = None,
    upload_base_url: UploadBaseUrlOpt = None,
    json_: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Upload a file to Kie's temporary file host (free; kept 3 days) and print its URL."""
    out = Output(json_mode=json_, debug=debug)
    options = _client_options(ctx, api_key, None, upload_base_url, read_only=True)
    ui = _progress(out, {"file": _name_of(file)})

    async def work() -> UploadedFile:
        async with options.open(out) as client:
            try:
                if _is_url(file):
                    return await client.upload_from_url(
                        file, upload_path=upload_path, file_name=file_name
                    )
                uploaded = await client.upload(
                    file, upload_path=upload_path, file_name=file_name, on_progress=ui.upload
                )
                ui.accepted()  # Kie answered: only now is the file "uploaded"
                return uploaded
            finally:
                ui.close()

    uploaded = execute(out, work)
    out.result(
        # The model's own fields only: Kie's raw camelCase extras (downloadUrl, ...) repeat
        # them under other names.
        uploaded.model_dump(mode="json", exclude=set(uploaded.model_extra or {})),
        [
            ("url", uploaded.url),
            ("file_path", uploaded.file_path),
            ("size", uploaded.size),
            ("expires_at", uploaded.expires_at.isoformat(sep=" ", timespec="seconds")),
        ],
    )


def _describe_image(info: ImageInfo | None) -> str | None:
    if info is None:
        return None
    return f"{info.format.upper()} {info.width}x{info.height}"


def _describe_video(info: VideoInfo | None) -> str | None:
    if info is None:
        return None
    rotation = f", rotated {info.rotation}°" if info.rotation else ""
    return f"{info.container.upper()} {info.width}x{info.height}, {info.duration:.1f} s{rotation}"


def check(
    words: Annotated[
        list[str] | None,
        typer.Argument(
            help="Any model: its id, then its input as key=value (key=@path: a local file). "
            "Without them: motion control's --image and --video.",
            metavar="[ID KEY=VALUE...]",
            show_default=False,
        ),
    ] = None,
    image: Annotated[
        str | None,
        typer.Option(
            "--image",
            "-i",
            help="The person: a JPEG/PNG/WebP file or an http(s) URL.",
            show_default=False,
        ),
    ] = None,
    video: Annotated[
        str | None,
        typer.Option(
            "--video",
            "-v",
            help="The motion: an MP4/MOV/MKV file or an http(s) URL.",
            show_default=False,
        ),
    ] = None,
    orientation: OrientationOpt = "video",
    prompt: PromptOpt = None,
    mode: ModeOpt = "720p",
    model: MotionModelOpt = "kling-2.6/motion-control",
    background_source: BackgroundSourceOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Run every local check on the inputs (no network, no API key). Exit 2 lists all problems.

    `kie check ID key=value ...` checks any model's input (Kie's field names, as `kie run`);
    `kie check --image ... --video ...` checks motion control's.
    """
    if words:
        if image is not None or video is not None:
            raise typer.BadParameter(
                "give either ID key=value ... or --image and --video, not both"
            )
        check_any(words, json_)
        return
    if image is None or video is None:
        raise typer.BadParameter(
            "give --image and --video (motion control), or ID key=value ... (any model)"
        )
    # No client: the checks need only the model's spec, and skipping the client skips httpx
    # (whose own CLI imports click, rich and pygments) and the transport stack at start-up.
    from .._errors import KieInputError
    from .._resources._base import check_now
    from .._resources.motion_control import MotionControl, arguments

    out = Output(json_mode=json_)
    # What client.motion_control.check runs, with the same argument dict; in this thread, as
    # there is nothing to wait for (no event loop to start).
    report = execute_now(
        out,
        lambda: check_now(
            MotionControl,
            model,
            # The CLI passes any string through; the library's checks report it.
            arguments(
                image,
                video,
                prompt,
                cast(Any, orientation),
                cast(Any, mode),
                cast(Any, background_source),
            ),
        ),
    )
    document = {
        "ok": report.ok,
        "problems": list(report.problems),
        "image": dataclasses.asdict(report.image) if report.image is not None else None,
        "video": dataclasses.asdict(report.video) if report.video is not None else None,
    }
    if out.json_mode:
        out.emit_json(document)
    else:
        out.fields(
            [
                ("image", _describe_image(report.image)),
                ("video", _describe_video(report.video)),
            ]
        )
    if not report.ok:
        from ._messages import explain

        explained = explain(KieInputError(report.problems))
        out.error(explained.message, details=explained.details)
        raise typer.Exit(EXIT_USAGE)
    if not out.json_mode:
        out.note("ok: the inputs pass every local check", style="green")


def demo(
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Where to save the generated video: a file, or a directory (ending in / or "
            "existing). Default: ./demo-output.mp4.",
            show_default=False,
        ),
    ] = None,
    save_inputs: Annotated[
        Path | None,
        typer.Option(
            "--save-inputs",
            help="Only write the sample inputs (person.png, dance.mp4) into this directory, "
            "for trying the quick start, and exit.",
            show_default=False,
        ),
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Run the whole generate flow against the built-in fake of Kie (no key, no network)."""
    out = Output(json_mode=json_)
    if save_inputs is not None:
        _save_sample_inputs(out, save_inputs)
        return
    from .._assets import asset_path
    from ._fake import run_demo

    target = execute_now(out, lambda: check_destination(output, "demo-output.mp4"))

    # The fake lives in this process only: there is no task to resume after it ends.
    ui = _progress(out, {"image": "person.png", "video": "dance.mp4"}, resumable=False)
    if not out.json_mode:
        out.note("demo: the built-in fake of Kie, in-process (no API key, no network, no credits)")
    result, saved = execute(
        out,
        lambda: run_demo(
            ui,
            image=asset_path("person.png"),
            video=asset_path("dance.mp4"),
            output=target,
        ),
    )
    _show_finished(out, result.task, result.video_urls, saved)


def _save_sample_inputs(out: Output, directory: Path) -> None:
    from .. import samples

    try:
        written = samples.save_inputs(directory)
    except FileExistsError as exc:
        problem = f"{exc.filename}: exists with other content; not overwritten (remove it or "
        fail(out, UsageProblem(problem + "choose another directory)"))
    except OSError as exc:
        fail(out, exc)
    out.result(
        {"saved_inputs": [str(path.resolve()) for path in written]},
        [("saved", path) for path in written],
    )


def _schedule(value: str | None) -> tuple[float, float, float] | None:
    """``--schedule WAITING,QUEUING,GENERATING`` (seconds) -> the three durations."""
    if value is None:
        return None
    parts = [part.strip() for part in value.split(",")]
    try:
        seconds = tuple(float(part) for part in parts)
    except ValueError:
        seconds = ()
    if len(seconds) != 3 or not all(0 <= s < float("inf") for s in seconds):
        raise typer.BadParameter(
            f"expected three seconds >= 0 as WAITING,QUEUING,GENERATING (e.g. 1,2,10), "
            f"got {value!r}",
            param_hint="--schedule",
        )
    return seconds


AWKWARD = "Kie's awkward behaviours (all on with --harsh)"


def _text_option(flag: str, help_: str) -> Any:
    return typer.Option(flag, help=help_, show_default=False, rich_help_panel=AWKWARD)


def fake_server(
    port: Annotated[
        int, typer.Option("--port", help="Loopback port (0: any free port).", min=0, max=65535)
    ] = 8787,
    api_key: Annotated[
        str, typer.Option("--api-key", help="The API key the fake accepts.")
    ] = "test-key",
    hmac_key: Annotated[
        str | None,
        typer.Option(
            "--hmac-key",
            help="Sign callbacks with this webhook HMAC key (verify them with "
            "KIE_WEBHOOK_HMAC_KEY set to the same value).",
            show_default=False,
        ),
    ] = None,
    allow_external_urls: Annotated[
        bool,
        typer.Option(
            "--allow-external-urls",
            help="Accept input URLs the fake does not host (it cannot fetch them; their "
            "content is not checked).",
        ),
    ] = False,
    schedule: Annotated[
        str | None,
        typer.Option(
            "--schedule",
            help="Seconds a task spends waiting, queuing and generating, as W,Q,G "
            "(default: 0.05,0.1,0.15).",
            show_default=False,
        ),
    ] = None,
    harsh: Annotated[
        bool,
        typer.Option(
            "--harsh",
            help="Turn on every awkward behaviour below at once, at rates an app that "
            "handles them survives (flags given as well win). See docs/testing.md.",
            rich_help_panel=AWKWARD,
        ),
    ] = False,
    errors: Annotated[
        str | None,
        _text_option(
            "--errors",
            "json: errors as a JSON code in an HTTP 200 (default); http: as the HTTP status too.",
        ),
    ] = None,
    message_key: Annotated[
        str | None,
        _text_option("--message-key", "msg (default) or message: the envelope's message key."),
    ] = None,
    callback_task_id: Annotated[
        str | None,
        _text_option(
            "--callback-task-id",
            "data.taskId (default) or data.task_id (plus a top-level "
            "taskId): where callbacks carry the task id.",
        ),
    ] = None,
    failed_task_code: Annotated[
        str | None,
        _text_option(
            "--failed-task-code",
            "200 (default): a failed task is a record with state fail; "
            "501 or 408: the envelope code says so, the record in data.",
        ),
    ] = None,
    record_null_polls: Annotated[
        str | None,
        _text_option(
            "--record-null-polls",
            "Answer 'recordInfo is null' to each task's first N polls (default 0).",
        ),
    ] = None,
    unknown_fields: Annotated[
        str | None,
        _text_option("--unknown-fields", "accept (default) or refuse: unknown input fields."),
    ] = None,
    rate_limits: Annotated[
        str,
        typer.Option(
            "--rate-limits",
            help="kie: 20 createTask per 10 s and 10 recordInfo per second, then HTTP 429 "
            "with Retry-After; off: no limits.",
            rich_help_panel=AWKWARD,
        ),
    ] = "kie",
    fail_every: Annotated[
        str | None,
        _text_option("--fail-every", "Every Nth task created fails (default 0: none)."),
    ] = None,
    faults: Annotated[
        list[str] | None,
        typer.Option(
            "--fault",
            help="Misbehave: ROUTE:OPTION,... with status=N, code=N, msg=TEXT, html, "
            "retry-after=S, delay=S, drop, processed=yes|no, every=N, times=N; e.g. "
            "createTask:retry-after=2,every=5. Repeatable.",
            show_default=False,
            rich_help_panel=AWKWARD,
        ),
    ] = None,
    credits: Annotated[
        str | None,
        _text_option("--credits", "The starting balance (default 100000)."),
    ] = None,
    upload_ttl: Annotated[
        str | None,
        _text_option(
            "--upload-ttl", "Seconds an upload lives (default: 3 days, as on Kie; 0: forever)."
        ),
    ] = None,
    result_ttl: Annotated[
        str | None,
        _text_option(
            "--result-ttl", "Seconds a result file lives (default: 24 hours; 0: forever)."
        ),
    ] = None,
    models: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            help="Also accept this model id (with any input, free), besides every catalog "
            "model. Repeatable.",
            show_default=False,
        ),
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Serve the fake of Kie on 127.0.0.1 until Ctrl-C, for developing apps against it."""
    from ._fake import serve_fake, server_settings

    out = Output(json_mode=json_)
    try:
        settings = server_settings(
            api_key=api_key,
            hmac_key=hmac_key,
            allow_external_urls=allow_external_urls,
            schedule=_schedule(schedule),
            harsh=harsh,
            errors=errors,
            message_key=message_key,
            callback_task_id=callback_task_id,
            failed_task_code=failed_task_code,
            record_null_polls=record_null_polls,
            unknown_fields=unknown_fields,
            rate_limits=rate_limits,
            fail_every=fail_every,
            faults=faults or [],
            credits=credits,
            upload_ttl=upload_ttl,
            result_ttl=result_ttl,
            models=models or [],
        )
    except UsageProblem as exc:
        fail(out, exc)
    serve_fake(out, port=port, settings=settings)


# -- the command table -----------------------------------------------------------------------

#: Every ``kie`` command, by the name typed after ``kie``: a function, or a sub-app with commands
#: of its own. ``kie --help`` lists them in this order (typer puts the sub-apps last).
COMMANDS: dict[str, Callable[..., None] | typer.Typer] = {
    "generate": generate,
    "image-to-video": image_to_video,
    "text-to-video": text_to_video,
    "veo": veo,
    "suno": suno,
    "runway": runway,
    "run": run,  # any Market model (_run)
    "batch": batch,  # many jobs from a file (_batch)
    "wait": wait,
    "status": status,
    "credits": credits,
    "upload": upload,
    "check": check,
    "costs": costs,  # the journal's costs (_ledger)
    "demo": demo,
    "fake-server": fake_server,
    "models": models_app,  # kie models [show ID]: the catalog (_catalog)
    "tasks": tasks_app,  # kie tasks ls|show|resume|collect: the journal (_ledger)
}

#: The root options (`_root`) that may come before a command's name: flags, they take no value.
#: A root flag missing here still works; its commands just run from the full `app`.
ROOT_FLAGS = frozenset({"--no-journal"})


def build_app(names: Iterable[str]) -> typer.Typer:
    """A ``kie`` app with the root options and the named commands of `COMMANDS`."""
    kie = typer.Typer(
        name="kie",
        help="Kie AI from the command line: any Kie Market model (kie run, kie models), "
        "Kling, Veo, Suno and Runway, local checks, a journal of paid tasks and their costs "
        "(kie tasks, kie costs), many jobs at once (kie batch), and a built-in fake of Kie "
        "(kie demo, kie fake-server).",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_show_locals=False,  # locals would include the API key
        context_settings={"help_option_names": ["-h", "--help"]},
        # Plain click help: typer's rich help imports rich's markdown, traceback and table
        # modules (about as long as typer itself), which would double what `kie --help` costs.
        # Paragraphs still reflow; docstrings stay wrapped at 100 columns.
        rich_markup_mode=None,
    )
    kie.callback()(_root)
    for name in names:
        entry = COMMANDS[name]
        if isinstance(entry, typer.Typer):
            kie.add_typer(entry, name=name)
        else:
            kie.command(name)(entry)
    return kie


#: Every command: what `kie --help` lists and what the tests invoke.
app = build_app(COMMANDS)


def app_for(args: Sequence[str]) -> typer.Typer:
    """The app that runs ``args``: only the command they name, if they name one (after any
    `ROOT_FLAGS`); else every command (`app`), so ``kie``, ``kie --help`` and a misspelt
    command get click's own listing and messages.

    typer turns the signature of every command an app holds into click parameters before it
    runs any: about 40 ms for all of kie's, about 2 ms for one.
    """
    for arg in args:
        if arg in ROOT_FLAGS:
            continue
        if arg in COMMANDS:
            return build_app([arg])
        break
    return app
