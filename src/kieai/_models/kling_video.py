"""Kling 2.6 video generation: ``kling-2.6/image-to-video`` (animate one image, guided by a
prompt) and ``kling-2.6/text-to-video`` (a prompt alone).

Sources: Kie's 2026-08 docs schemas and the checked pages of ``shared/research/kie-models.md``
([REG], [GW]). Kie wants ``duration`` as a string (``"5"``/``"10"``); callers pass seconds as a
number and the input models (`ImageToVideoInput`, `TextToVideoInput`) convert.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from .._spec import Choice, FileSlot, Flag, ModelSpec, Text

__all__ = [
    "KLING_2_6_IMAGE_TO_VIDEO",
    "KLING_2_6_TEXT_TO_VIDEO",
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


_PROMPT = Text("prompt", MAX_PROMPT_CHARS, required=True)
_DURATION = Choice("duration", (5, 10), default=5, aliases=_DURATION_ALIASES, unit="seconds")
_SOUND = Flag("sound", default=False)

KLING_2_6_IMAGE_TO_VIDEO = ModelSpec(
    model="kling-2.6/image-to-video",
    input_model=ImageToVideoInput,
    # The image is judged by image_urls' rule in the catalog (JPEG/PNG, 10 MB).
    files=(FileSlot("image", "image_urls"),),
    params=(_PROMPT, _DURATION, _SOUND),
)

KLING_2_6_TEXT_TO_VIDEO = ModelSpec(
    model="kling-2.6/text-to-video",
    input_model=TextToVideoInput,
    params=(
        _PROMPT,
        Choice("aspect_ratio", ("1:1", "16:9", "9:16"), default="1:1"),
        _DURATION,
        _SOUND,
    ),
)
