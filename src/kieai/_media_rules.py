"""The media limits a model documents, and judging a probed file against them.

A rule is data (formats, byte size, sides, aspect ratio, duration); `judge` turns a
``probe`` result into problems that name the input, the rule and the measured value, with just
enough decimals to show the violation (30.14 s against a 30 s limit, not "30.1 s").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .media import ImageInfo, VideoInfo

__all__ = ["ImageRule", "MediaRule", "VideoRule", "describe", "judge", "mib", "one_of"]

#: Containers report the longest track (audio often runs a few ms past the video).
DURATION_TOLERANCE_S = 0.1

_FORMAT_NAMES = {
    "jpeg": "JPEG",
    "png": "PNG",
    "webp": "WebP",
    "mp4": "MP4",
    "mov": "MOV",
    "mkv": "MKV",
    "webm": "WebM",
}
#: How a list of accepted containers spells them when suggesting an alternative.
_LONG_NAMES = {"mov": "MOV (QuickTime)", "mkv": "MKV (Matroska)"}
#: Letters whose spoken name starts with a vowel sound: "an MP4", "an MKV", but "a PNG".
_VOWEL_SOUND_LETTERS = frozenset("AEFHILMNORSX")


@dataclass(frozen=True)
class Aspect:
    """An allowed range of width / height, and how Kie's docs write it (``"2:5 to 5:2"``)."""

    low: float
    high: float
    text: str


#: The range every Kling model documents.
ASPECT_2_5_TO_5_2 = Aspect(2 / 5, 5 / 2, "2:5 to 5:2")


@dataclass(frozen=True)
class ImageRule:
    """What a model accepts as an image input."""

    formats: tuple[str, ...]
    max_bytes: int
    #: Width and height must be *above* this (Kie's wording: "greater than 300 px").
    min_side_above_px: int | None = None
    aspect: Aspect | None = None

    @property
    def expected(self) -> str:
        return f"{_with_article(_names(self.formats))} image"


@dataclass(frozen=True)
class VideoRule:
    """What a model accepts as a video input."""

    containers: tuple[str, ...]
    max_bytes: int
    min_duration_s: float
    max_duration_s: float
    #: The maximum for each valid value of another argument:
    #: ``("character_orientation", {"image": 10.0, "video": 30.0})``. An invalid value (not a
    #: key) gets ``max_duration_s``, and the message quotes no value.
    max_duration_when: tuple[str, Mapping[str, float]] | None = None
    #: Width and height at least this (``min_side_inclusive=True``) or above it.
    min_side_px: int | None = None
    min_side_inclusive: bool = True
    aspect: Aspect | None = None
    #: Containers refused by name with a suggestion (a WebM has a video track, but Kie refuses it).
    refused: tuple[str, ...] = field(default=("webm",))

    @property
    def expected(self) -> str:
        return f"{_with_article(_names(self.containers))} video"


MediaRule = ImageRule | VideoRule


def mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB ({size:,} bytes)"


def one_of(names: list[str]) -> str:
    """``"a"``, ``"a or b"``, ``"a, b or c"``: the wording of every "must be one of" message."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _names(formats: tuple[str, ...]) -> str:
    return one_of([_FORMAT_NAMES.get(f, f.upper()) for f in formats])


def _long_names(formats: tuple[str, ...]) -> str:
    return one_of([_LONG_NAMES.get(f, _FORMAT_NAMES.get(f, f.upper())) for f in formats])


def _with_article(name: str) -> str:
    return f"{'an' if name[:1] in _VOWEL_SOUND_LETTERS else 'a'} {name}"


def describe(info: ImageInfo | VideoInfo) -> str:
    """``"a PNG image"``, ``"an MP4 video"``."""
    if isinstance(info, ImageInfo):
        return _with_article(_FORMAT_NAMES.get(info.format, info.format.upper())) + " image"
    return _with_article(_FORMAT_NAMES.get(info.container, info.container.upper())) + " video"


def measured(
    value: float, bound: float, *, above: bool, digits: tuple[int, ...] = (1, 2, 3)
) -> str:
    """``value`` with the fewest decimals that still show it is past ``bound`` (30.14 s is
    "30.14", not "30.1", against a 30 s limit with 0.1 s of tolerance)."""
    for places in digits:
        shown = round(value, places)
        if (shown > bound) if above else (shown < bound):
            return f"{value:.{places}f}"
    return f"{value:.{digits[-1]}f}"


def _aspect_problem(label: str, aspect: Aspect, width: int, height: int) -> list[str]:
    ratio = width / height
    if aspect.low <= ratio <= aspect.high:
        return []
    low = ratio < aspect.low
    shown = measured(ratio, aspect.low if low else aspect.high, above=not low, digits=(2, 3, 4))
    return [
        f"{label}: aspect ratio {shown} ({width}x{height}) is outside {aspect.text} "
        f"({aspect.low:.2f} to {aspect.high:.2f})"
    ]


def judge(
    label: str,
    info: ImageInfo | VideoInfo,
    rule: MediaRule,
    *,
    model: str,
    args: Mapping[str, Any],
    file_name: str | None = None,
) -> list[str]:
    """Problems of a probed file against ``rule``; ``args`` are the call's other arguments
    (a duration limit may depend on one). ``file_name``: the path as given, named when the
    file is not the kind of media the argument takes."""
    subject = f"{file_name!r} is" if file_name is not None else "is"
    if isinstance(rule, ImageRule):
        if not isinstance(info, ImageInfo):
            return [f"{label}: {subject} {describe(info)}; expected {rule.expected}"]
        return _judge_image(label, info, rule, model)
    if not isinstance(info, VideoInfo):
        return [f"{label}: {subject} {describe(info)}; expected {rule.expected}"]
    return _judge_video(label, info, rule, model, args)


def _judge_image(label: str, info: ImageInfo, rule: ImageRule, model: str) -> list[str]:
    if info.format not in rule.formats:
        name = _FORMAT_NAMES.get(info.format, info.format.upper())
        return [f"{label}: {name} is not accepted by {model}; use {_names(rule.formats)}"]
    problems: list[str] = []
    w, h = info.width, info.height
    if rule.min_side_above_px is not None and min(w, h) <= rule.min_side_above_px:
        problems.append(
            f"{label}: {w}x{h} px is too small: width and height must be above "
            f"{rule.min_side_above_px} px"
        )
    if rule.aspect is not None:
        problems += _aspect_problem(label, rule.aspect, w, h)
    return problems


def _judge_video(
    label: str, info: VideoInfo, rule: VideoRule, model: str, args: Mapping[str, Any]
) -> list[str]:
    if info.container not in rule.containers:
        name = _FORMAT_NAMES.get(info.container, info.container.upper())
        who = "Kie" if info.container in rule.refused else model
        return [f"{label}: {name} is not accepted by {who}; use {_long_names(rule.containers)}"]
    problems: list[str] = []
    duration = info.duration
    limit, because = rule.max_duration_s, ""
    if rule.max_duration_when is not None:
        name, limits = rule.max_duration_when
        value = args.get(name)
        if isinstance(value, str) and value in limits:
            # Only a valid value earns its own limit in the message; an invalid one is
            # reported by its own check, and the general limit applies meanwhile.
            limit, because = limits[value], f' ({name}="{value}")'
    if duration < rule.min_duration_s - DURATION_TOLERANCE_S:
        shown = measured(duration, rule.min_duration_s - DURATION_TOLERANCE_S, above=False)
        problems.append(
            f"{label}: duration {shown} s is below the {rule.min_duration_s:g} s minimum"
        )
    elif duration > limit + DURATION_TOLERANCE_S:
        shown = measured(duration, limit + DURATION_TOLERANCE_S, above=True)
        problems.append(f"{label}: duration {shown} s exceeds {limit:g} s{because}")
    side = rule.min_side_px
    if side is not None:
        small = (
            min(info.width, info.height) < side
            if rule.min_side_inclusive
            else (min(info.width, info.height) <= side)
        )
        if small:
            bound = f"at least {side} px" if rule.min_side_inclusive else f"above {side} px"
            problems.append(
                f"{label}: {info.width}x{info.height} px is too small: width and height must "
                f"be {bound} (check_media=False skips this)"
            )
    if rule.aspect is not None:
        problems += _aspect_problem(label, rule.aspect, info.width, info.height)
    return problems
