"""The media limits a model documents, and judging a probed file against them.

A rule is data (formats, byte size, sides, aspect ratio, duration); `judge` turns a
``probe`` result into problems that name the input, the rule and the measured value, with just
enough decimals to show the violation (30.14 s against a 30 s limit, not "30.1 s").

`ImageRule` and `VideoRule` are for what the prober can measure (JPEG/PNG/WebP; MP4/MOV/MKV/
WebM); `TypeRule` judges any other file (audio, documents, a GIF) by the type its first bytes
show. `rule_for` derives a field's rule from its catalog `FileSpec`; `merge` lays a
model's hand-written extras (``catalog._rules``) over it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .media import FileKind, ImageInfo, VideoInfo

if TYPE_CHECKING:
    from .catalog._types import FileSpec

__all__ = [
    "ImageRule",
    "MediaRule",
    "TypeRule",
    "VideoRule",
    "describe",
    "judge",
    "judge_type",
    "merge",
    "mib",
    "one_of",
    "rule_for",
]

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

    #: Empty in a hand-written extra rule: the catalog's formats apply (see `merge`).
    formats: tuple[str, ...] = ()
    max_bytes: int | None = None
    #: Width and height must be *above* this (Kie's wording: "greater than 300 px").
    min_side_above_px: int | None = None
    aspect: Aspect | None = None

    @property
    def expected(self) -> str:
        return f"{_with_article(_names(self.formats))} image"


@dataclass(frozen=True)
class VideoRule:
    """What a model accepts as a video input."""

    #: Empty in a hand-written extra rule: the catalog's containers apply (see `merge`).
    containers: tuple[str, ...] = ()
    max_bytes: int | None = None
    min_duration_s: float | None = None
    max_duration_s: float | None = None
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


@dataclass(frozen=True)
class TypeRule:
    """A file judged by its type alone (audio, documents, images the prober cannot measure):
    the MIME types its bytes may show (empty: any file of ``kind``; ``kind="file"``: any)."""

    kind: str
    mime_types: tuple[str, ...] = ()
    max_bytes: int | None = None

    @property
    def expected(self) -> str:
        """``"an MP3 or WAV audio file"``; ``"an audio file"`` when any type of ``kind`` goes."""
        noun = "file" if self.kind == "file" else f"{self.kind} file"
        if not self.mime_types:
            return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"
        names = one_of([_MIME_NAMES.get(m, m) for m in self.mime_types])
        return f"{_with_article(names)} {noun}"


MediaRule = ImageRule | VideoRule | TypeRule

#: The prober measures these; other types are judged by `TypeRule`.
_PROBED_IMAGE_FORMATS = frozenset({"jpeg", "png", "webp"})
_PROBED_VIDEO_FORMATS = frozenset({"mp4", "mov", "mkv", "webm"})
#: Kie's pages spell some types several ways; each is read as the type `sniff` reports.
_MIME_SPELLINGS = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "video/mov": "video/quicktime",
    "video/x-quicktime": "video/quicktime",
    "video/mkv": "video/x-matroska",
    "audio/mp3": "audio/mpeg",
    "audio/mpeg3": "audio/mpeg",
    "audio/x-mpeg": "audio/mpeg",
    "audio/x-mp3": "audio/mpeg",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "audio/x-m4a": "audio/mp4",
    "audio/m4a": "audio/mp4",
    "audio/x-aac": "audio/aac",
    "audio/aacp": "audio/aac",
    "audio/x-flac": "audio/flac",
    "audio/x-ogg": "audio/ogg",
    "application/ogg": "audio/ogg",
}
#: The format names `ImageRule`/`VideoRule` use, by MIME type.
_MIME_FORMATS = {
    "image/jpeg": "jpeg",
    "image/png": "png",
    "image/webp": "webp",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/x-matroska": "mkv",
    "video/webm": "webm",
}
#: How `TypeRule` messages name a MIME type.
_MIME_NAMES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "image/gif": "GIF",
    "image/bmp": "BMP",
    "image/tiff": "TIFF",
    "image/heic": "HEIC",
    "image/avif": "AVIF",
    "video/mp4": "MP4",
    "video/quicktime": "MOV",
    "video/x-matroska": "MKV",
    "video/webm": "WebM",
    "audio/mpeg": "MP3",
    "audio/wav": "WAV",
    "audio/mp4": "M4A",
    "audio/aac": "AAC",
    "audio/flac": "FLAC",
    "audio/ogg": "Ogg",
    "application/pdf": "PDF",
    "text/plain": "text",
}


def normal_mime(mime: str) -> str:
    """One spelling per type: ``image/jpg`` -> ``image/jpeg``, ``audio/x-wav`` -> ``audio/wav``."""
    mime = mime.strip().lower()
    return _MIME_SPELLINGS.get(mime, mime)


def rule_for(spec: FileSpec) -> MediaRule:
    """The rule a catalog file field states: the prober's rules when it can measure every
    accepted type (so the messages show formats, sizes and durations), else a rule by type
    alone (an audio file's duration is not measured: the prober reads images and videos)."""
    mimes = tuple(dict.fromkeys(normal_mime(m) for m in spec.mime_types))
    formats = tuple(_MIME_FORMATS.get(m, "") for m in mimes)
    if spec.kind == "image" and mimes and set(formats) <= _PROBED_IMAGE_FORMATS:
        return ImageRule(formats=formats, max_bytes=spec.max_bytes)
    timed = spec.min_duration_s is not None or spec.max_duration_s is not None
    if spec.kind == "video" and not mimes and timed:  # any type, but a stated duration
        formats = ("mp4", "mov", "mkv", "webm")
    if spec.kind == "video" and formats and set(formats) <= _PROBED_VIDEO_FORMATS:
        return VideoRule(
            containers=formats,
            max_bytes=spec.max_bytes,
            min_duration_s=spec.min_duration_s,
            max_duration_s=spec.max_duration_s,
            refused=(),
        )
    return TypeRule(kind=spec.kind, mime_types=mimes, max_bytes=spec.max_bytes)


def merge(base: MediaRule, extra: MediaRule | None) -> MediaRule:
    """``base`` (from the catalog) with what a hand-written ``extra`` states laid over it: its
    limits, and its formats and size where it gives them (empty or None: the catalog's)."""
    if extra is None:
        return base
    if isinstance(extra, TypeRule):
        return extra
    if isinstance(base, TypeRule):
        # The catalog also lists types the prober cannot measure; the extra's limits need it,
        # so the measurable ones stay accepted.
        known = [_MIME_FORMATS[m] for m in base.mime_types if m in _MIME_FORMATS]
        if isinstance(extra, ImageRule):
            base = ImageRule(
                formats=tuple(f for f in known if f in _PROBED_IMAGE_FORMATS),
                max_bytes=base.max_bytes,
            )
        else:
            base = VideoRule(
                containers=tuple(f for f in known if f in _PROBED_VIDEO_FORMATS),
                max_bytes=base.max_bytes,
                refused=(),
            )
    elif type(extra) is not type(base):
        return extra
    stated = {
        f.name: getattr(extra, f.name)
        for f in dataclasses.fields(extra)
        if getattr(extra, f.name) not in (None, ())
    }
    return dataclasses.replace(base, **stated)


def judge_type(label: str, kind: FileKind | None, rule: TypeRule) -> list[str]:
    """Problems of a file judged by its type alone (``kind``: what its first bytes show)."""
    if rule.kind == "file" and not rule.mime_types:
        return []
    if kind is None:
        return [f"{label}: not a recognised file type; expected {rule.expected}"]
    mime = normal_mime(kind.mime)
    if rule.mime_types:
        # An audio-only MP4 often carries a generic brand: it sniffs as video/mp4.
        accepted = set(rule.mime_types)
        if "audio/mp4" in accepted:
            accepted.add("video/mp4")
        if mime in accepted:
            return []
        what = _with_article(kind.label)
        return [f"{label}: is {what}; expected {rule.expected}"]
    if rule.kind == "audio" and mime == "video/mp4":
        return []
    if mime.startswith(f"{rule.kind}/"):
        return []
    return [f"{label}: is {_with_article(kind.label)}; expected {rule.expected}"]


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
    if isinstance(rule, TypeRule):
        return []  # judged by its type before probing (see `judge_type`)
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
    low = rule.min_duration_s
    if low is not None and duration < low - DURATION_TOLERANCE_S:
        shown = measured(duration, low - DURATION_TOLERANCE_S, above=False)
        problems.append(f"{label}: duration {shown} s is below the {low:g} s minimum")
    elif limit is not None and duration > limit + DURATION_TOLERANCE_S:
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
