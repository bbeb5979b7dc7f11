"""Kling Motion Control: one image of a person + one motion video -> a video of that person
performing the motion. ``kling-2.6/motion-control`` (the default) and
``kling-3.0/motion-control``, and their pydantic ``input`` model, `MotionControlInput`.

The media limits (sides, aspect ratio, durations) are in ``kieai.catalog._rules``, with their
sources.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from .._spec import Argument, Choice, FileSlot, ResourceDeclaration, Text

__all__ = [
    "KLING_2_6_MOTION_CONTROL",
    "KLING_3_0_MOTION_CONTROL",
    "MODE_ALIASES",
    "MOTION_CONTROL",
    "BackgroundSource",
    "Mode",
    "ModeInput",
    "MotionControlInput",
    "Orientation",
]

MAX_PROMPT_CHARS = 2500

Orientation = Literal["image", "video"]
Mode = Literal["720p", "1080p"]
#: What callers may pass as ``mode``: the resolutions, or Kie's older names for them.
ModeInput = Literal["720p", "1080p", "std", "pro"]
MODE_ALIASES: dict[object, object] = {"std": "720p", "pro": "1080p"}
#: Kling 3.0 only: which input supplies the background of the generated video.
BackgroundSource = Literal["input_video", "input_image"]


def _mode_alias(value: Any) -> Any:
    return MODE_ALIASES.get(value, value) if isinstance(value, str) else value


class MotionControlInput(BaseModel):
    """The ``input`` object of a ``kling-2.6/motion-control`` or ``kling-3.0/motion-control``
    createTask request.

    ``model_dump(exclude_none=True)`` is exactly the JSON Kie expects.
    """

    # defer_build: the validator is built on first use (``create``), not at import, which
    # the local checks (``kie check``) never need.
    model_config: ClassVar[ConfigDict] = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    prompt: str | None = Field(default=None, max_length=MAX_PROMPT_CHARS)
    input_urls: list[str] = Field(min_length=1, max_length=1)
    video_urls: list[str] = Field(min_length=1, max_length=1)
    character_orientation: Orientation = "video"
    mode: Annotated[Mode, BeforeValidator(_mode_alias)] = "720p"
    background_source: BackgroundSource | None = None
    """Kling 3.0 only (Kie's 3.0 docs; the live page does not show it): ``input_video`` is
    Kie's default."""


#: ``client.motion_control``: each argument once, in the order its problems are reported.
#: ``image`` -> ``input_urls`` and ``video`` -> ``video_urls``, each judged by its field's rule
#: in the model's declaration (the catalog, with ``catalog._rules`` over it).
MOTION_CONTROL = ResourceDeclaration(
    name="MotionControl",
    models=(
        ("kling-2.6/motion-control", MotionControlInput),
        ("kling-3.0/motion-control", MotionControlInput),
    ),
    arguments=(
        Argument(
            FileSlot("image", "input_urls"),
            "MediaInput",
            "The person to animate: a URL, a local path, bytes or an open file.",
        ),
        Argument(
            FileSlot("video", "video_urls"),
            "MediaInput",
            "The motion to perform: a URL, a local path, bytes or an open file.",
        ),
        Argument(
            Text("prompt", MAX_PROMPT_CHARS),
            "str | None",
            "What to add or change, in words.",
        ),
        Argument(
            Choice("character_orientation", get_args(Orientation), default="video"),
            "Orientation",
            "Whose orientation the person keeps: the image's or the video's.",
        ),
        # mode: the 3.0 schema has no enum and its description says std/pro, while its
        # example and the live page send 720p/1080p: 720p/1080p are sent, std/pro accepted as
        # aliases.
        Argument(
            Choice("mode", get_args(Mode), default="720p", aliases=MODE_ALIASES),
            "ModeInput",
            'The resolution; "std"/"pro" are accepted for "720p"/"1080p".',
        ),
        Argument(
            Choice("background_source", get_args(BackgroundSource)),
            "BackgroundSource | None",
            "Which input supplies the background (Kie's default: the video).",
            only=("kling-3.0/motion-control",),
        ),
    ),
    result="MotionControlResult",
    docs={
        "check": "Run every local check (no network) and report all problems found.",
        "create": (
            "Check, upload local inputs concurrently, create the task; returns its id.\n\n"
            "`on_created(task_id)` runs as soon as Kie returns the id, so an app can persist it "
            "before anything else can fail."
        ),
        "generate": (
            "`create` then `wait_for_task`: the finished video's URL(s).\n\n"
            "If the wait is interrupted (timeout, cancellation, crash), the task keeps running "
            "at Kie: resume with `client.wait_for_task(task_id)` using the id given to "
            "`on_created`."
        ),
    },
)

KLING_2_6_MOTION_CONTROL, KLING_3_0_MOTION_CONTROL = MOTION_CONTROL.specs
