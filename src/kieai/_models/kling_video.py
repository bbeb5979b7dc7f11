"""Kling 2.6 video generation: ``kling-2.6/image-to-video`` (animate one image, guided by a
prompt) and ``kling-2.6/text-to-video`` (a prompt alone).

Sources: Kie's 2026-08 docs schemas and the checked pages of ``shared/research/kie-models.md``
([REG], [GW]). Kie wants ``duration`` as a string (``"5"``/``"10"``); callers pass seconds as a
number and the input models (`ImageToVideoInput`, `TextToVideoInput`) convert.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from .._spec import Argument, Choice, FileSlot, Flag, ResourceDeclaration, Text

__all__ = [
    "IMAGE_TO_VIDEO",
    "KLING_2_6_IMAGE_TO_VIDEO",
    "KLING_2_6_TEXT_TO_VIDEO",
    "TEXT_TO_VIDEO",
    "AspectRatio",
    "Duration",
    "ImageToVideoInput",
    "TextToVideoInput",
]

MAX_PROMPT_CHARS = 1000

#: Seconds of video: Kie offers 5 and 10.
Duration = Literal[5, 10]
AspectRatio = Literal["1:1", "16:9", "9:16"]
_DURATION_ALIASES: dict[object, object] = {"5": 5, "10": 10}


def _duration_text(value: Any) -> Any:
    """5 -> "5": Kie's schema types ``duration`` as a string."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


KieDuration = Annotated[Literal["5", "10"], BeforeValidator(_duration_text)]


class ImageToVideoInput(BaseModel):
    """The ``input`` object of a ``kling-2.6/image-to-video`` createTask request.

    ``model_dump(exclude_none=True)`` is exactly the JSON Kie expects.
    """

    # defer_build: the validator is built on first use (``create``), not at import, which
    # the local checks (``kie check``) never need.
    model_config: ClassVar[ConfigDict] = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    prompt: str = Field(min_length=1, max_length=MAX_PROMPT_CHARS)
    image_urls: list[str] = Field(min_length=1, max_length=1)
    sound: bool = False
    duration: KieDuration = "5"


class TextToVideoInput(BaseModel):
    """The ``input`` object of a ``kling-2.6/text-to-video`` createTask request.

    ``model_dump(exclude_none=True)`` is exactly the JSON Kie expects.
    """

    # defer_build: the validator is built on first use (``create``), not at import, which
    # the local checks (``kie check``) never need.
    model_config: ClassVar[ConfigDict] = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    prompt: str = Field(min_length=1, max_length=MAX_PROMPT_CHARS)
    sound: bool = False
    aspect_ratio: AspectRatio = "1:1"
    duration: KieDuration = "5"


_PROMPT = Argument(
    Text("prompt", MAX_PROMPT_CHARS, required=True), "str", "What happens in the video."
)
_DURATION = Argument(
    Choice("duration", get_args(Duration), default=5, aliases=_DURATION_ALIASES, unit="seconds"),
    "Duration",
    "Seconds of video (sent to Kie as text).",
)
_SOUND = Argument(Flag("sound", default=False), "bool", "Generate sound with the video.")
_WAIT_DOC = (
    "`create` then `wait_for_task`: the finished video's URL(s). An interrupted wait resumes "
    "with `client.wait_for_task(task_id)`."
)

#: ``client.image_to_video``: each argument once, in the order its problems are reported.
IMAGE_TO_VIDEO = ResourceDeclaration(
    name="ImageToVideo",
    models=(("kling-2.6/image-to-video", ImageToVideoInput),),
    arguments=(
        # The image is judged by image_urls' rule in the catalog (JPEG/PNG, 10 MB).
        Argument(
            FileSlot("image", "image_urls"),
            "MediaInput",
            "The image to animate: a URL, a local path, bytes or an open file.",
        ),
        _PROMPT,
        _DURATION,
        _SOUND,
    ),
    result="VideoResult",
    docs={
        "check": "Run every local check (no network) and report all problems found.",
        "create": (
            "Check, upload the image, create the task; returns its id (also handed to "
            "`on_created` as soon as Kie returns it)."
        ),
        "generate": _WAIT_DOC,
    },
)

#: ``client.text_to_video``: each argument once, in the order its problems are reported.
TEXT_TO_VIDEO = ResourceDeclaration(
    name="TextToVideo",
    models=(("kling-2.6/text-to-video", TextToVideoInput),),
    arguments=(
        _PROMPT,
        Argument(
            Choice("aspect_ratio", get_args(AspectRatio), default="1:1"),
            "AspectRatio",
            "The video's width:height.",
        ),
        _DURATION,
        _SOUND,
    ),
    result="VideoResult",
    docs={
        "check": "Run every local check (no network) and report all problems found.",
        "create": (
            "Check the arguments and create the task; returns its id (also handed to "
            "`on_created` as soon as Kie returns it). `on_upload_progress` and `check_media` "
            "are accepted for the shape every resource shares; there is nothing to upload."
        ),
        "generate": _WAIT_DOC,
    },
)

(KLING_2_6_IMAGE_TO_VIDEO,) = IMAGE_TO_VIDEO.specs
(KLING_2_6_TEXT_TO_VIDEO,) = TEXT_TO_VIDEO.specs
