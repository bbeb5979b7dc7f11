"""The createTask checks Kie documents for ``kling-2.6/motion-control``.

Each check returns problems as ``"<field>: <why>"`` strings; the fake answers ``422`` with all
of them joined, so one round trip shows every mistake. What is checked beyond the documented
schema (media kinds and durations of stored files) lives in `_app` next to the file
lookup.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

__all__ = [
    "MOTION_CONTROL_MODEL",
    "MOTION_INPUT_FIELDS",
    "check_callback_url",
    "check_motion_input",
]

MOTION_CONTROL_MODEL = "kling-2.6/motion-control"
MAX_PROMPT_CHARS = 2500
ORIENTATIONS = ("image", "video")
MODES = ("720p", "1080p")
MOTION_INPUT_FIELDS = frozenset(
    {"prompt", "input_urls", "video_urls", "character_orientation", "mode"}
)


def _single_url(input_: Mapping[str, Any], name: str) -> list[str]:
    if name not in input_:
        return [f"input.{name}: is required"]
    value = input_[name]
    if not isinstance(value, list):
        return [f"input.{name}: must be an array with exactly 1 URL"]
    items = cast("list[Any]", value)
    if len(items) != 1:
        return [f"input.{name}: must hold exactly 1 URL, got {len(items)}"]
    url = items[0]
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return [f"input.{name}: {url!r} is not an http(s) URL"]
    return []


def _choice(input_: Mapping[str, Any], name: str, allowed: tuple[str, ...]) -> list[str]:
    if name not in input_:
        return [f"input.{name}: is required"]
    value = input_[name]
    if value not in allowed:
        options = " or ".join(repr(a) for a in allowed)
        return [f"input.{name}: must be {options}, got {value!r}"]
    return []


def check_motion_input(input_: Mapping[str, Any], *, strict: bool) -> list[str]:
    """Problems with a motion-control ``input`` object (empty when it is fine)."""
    problems: list[str] = []
    prompt = input_.get("prompt")
    if prompt is not None:
        if not isinstance(prompt, str):
            problems.append(f"input.prompt: must be a string, got {type(prompt).__name__}")
        elif len(prompt) > MAX_PROMPT_CHARS:
            problems.append(f"input.prompt: {len(prompt)} characters exceeds {MAX_PROMPT_CHARS}")
    problems += _single_url(input_, "input_urls")
    problems += _single_url(input_, "video_urls")
    problems += _choice(input_, "character_orientation", ORIENTATIONS)
    problems += _choice(input_, "mode", MODES)
    if strict:
        problems += [
            f"input.{name}: unknown field" for name in sorted(set(input_) - MOTION_INPUT_FIELDS)
        ]
    return problems


def check_callback_url(body: Mapping[str, Any]) -> list[str]:
    """``callBackUrl`` is optional; when present (and not empty) it must be an http(s) URL."""
    value = body.get("callBackUrl")
    if value is None or value == "":
        return []
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        return [f"callBackUrl: {value!r} is not an http(s) URL"]
    return []
