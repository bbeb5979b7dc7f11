"""The pydantic ``input`` models of Kling 2.6 image-to-video and text-to-video: what their
``create`` validates and sends. The limits and specs are in ``kling_video`` (imported without
pydantic, for the local checks)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from .kling_video import MAX_PROMPT_CHARS, AspectRatio

__all__ = ["ImageToVideoInput", "TextToVideoInput"]


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
