"""The pydantic ``input`` model of Kling Motion Control (2.6 and 3.0): what
``client.motion_control.create`` validates and sends. The limits and specs are in
``motion_control`` (imported without pydantic, for the local checks)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from .motion_control import (
    MAX_PROMPT_CHARS,
    MODE_ALIASES,
    BackgroundSource,
    Mode,
    Orientation,
)

__all__ = ["MotionControlInput"]


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
