"""The createTask checks Kie documents, one table per model, and what each task costs.

This table is the fake's own and deliberately independent of the client's model specs
(``kieai._models``): when the client's checks drift from Kie's docs, the fake still answers the
way Kie documents and the client's tests catch the drift. Each check returns problems as
``"input.<field>: <why>"``; the fake answers ``422`` with all of them joined, so one round trip
shows every mistake. Fetching the media URLs lives in `_api`; judging what they hold is
`media_problems` here.

Where Kie's own pages disagree, the fake follows the page closest to the live service (the
live page over the docs schema), so it refuses only what Kie would.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from ._media import MediaFacts

__all__ = [
    "DEFAULT_MODELS",
    "EXTRA_MEDIA_RULES",
    "FALLBACK_PRICES",
    "MODEL_RULES",
    "MOTION_CONTROL_MODEL",
    "ModelRules",
    "UrlField",
    "check_callback_url",
    "check_input",
    "media_problems",
]

MOTION_CONTROL_MODEL = "kling-2.6/motion-control"
MOTION_CONTROL_3_MODEL = "kling-3.0/motion-control"
IMAGE_TO_VIDEO_MODEL = "kling-2.6/image-to-video"
TEXT_TO_VIDEO_MODEL = "kling-2.6/text-to-video"

MIB = 1024 * 1024
#: Containers report the longest track; Kie's limits are read with this much slack.
DURATION_TOLERANCE_S = 0.1

_MIME_NAMES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "video/mp4": "MP4",
    "video/quicktime": "MOV",
    "video/x-matroska": "MKV",
}


@dataclass(frozen=True)
class UrlField:
    """An ``input`` field holding exactly one URL of a stored image or video."""

    name: str
    kind: Literal["image", "video"]
    mime_types: tuple[str, ...]
    max_bytes: int
    #: Image/video sides must be above this many pixels.
    min_side_above_px: int | None = None
    #: Image/video width and height must be at least this many pixels.
    min_side_px: int | None = None
    #: Width / height must lie in this range.
    aspect: tuple[float, float] | None = None
    min_duration_s: float | None = None
    max_duration_s: float | None = None
    #: A shorter maximum with ``character_orientation="image"``.
    max_duration_image_orientation_s: float | None = None

    @property
    def wanted(self) -> str:
        names = [_MIME_NAMES.get(m, m) for m in self.mime_types]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        return f"{'an image' if self.kind == 'image' else 'a video'} ({listed})"


@dataclass(frozen=True)
class ModelRules:
    """One model's documented ``input``: fields, enums, lengths, media limits and price."""

    model: str
    urls: tuple[UrlField, ...] = ()
    #: Text fields and their maximum length; ``required`` holds the ones Kie requires.
    texts: Mapping[str, int] = field(default_factory=dict[str, int])
    choices: Mapping[str, tuple[object, ...]] = field(
        default_factory=dict[str, "tuple[object, ...]"]
    )
    booleans: tuple[str, ...] = ()
    required: frozenset[str] = frozenset()
    #: Credits for one task: ``price(input, video_seconds, credits_per_second)``.
    price: Callable[[Mapping[str, Any], float, Mapping[str, float]], float] = (
        lambda _input, _seconds, _rates: 0.0
    )

    @property
    def fields(self) -> frozenset[str]:
        return (
            frozenset(u.name for u in self.urls)
            | frozenset(self.texts)
            | frozenset(self.choices)
            | frozenset(self.booleans)
        )


def _motion_price_2_6(
    input_: Mapping[str, Any], seconds: float, rates: Mapping[str, float]
) -> float:
    """Per second of reference video, by ``mode`` (``credits_per_second``)."""
    return rates.get(str(input_.get("mode")), 0.0) * seconds


def _motion_price_3_0(
    input_: Mapping[str, Any], seconds: float, rates: Mapping[str, float]
) -> float:
    """[GW] pricing page: 20 credits per second at 720p, x1.35 at 1080p."""
    del rates
    high = input_.get("mode") in ("1080p", "pro")
    return 20.0 * seconds * (1.35 if high else 1.0)


def _kling_video_price(
    input_: Mapping[str, Any], seconds: float, rates: Mapping[str, float]
) -> float:
    """[GW] pricing page (image-to-video; text-to-video assumed the same): 55 credits for 5 s
    without sound, x2 for 10 s, x2 with sound."""
    del seconds, rates
    return (
        55.0
        * (2.0 if input_.get("duration") == "10" else 1.0)
        * (2.0 if input_.get("sound") is True else 1.0)
    )


_ASPECT = (0.4, 2.5)
_MOTION_TEXTS = {"prompt": 2500}
_ORIENTATIONS = ("image", "video")

MODEL_RULES: Mapping[str, ModelRules] = {
    rules.model: rules
    for rules in (
        # Kie's Kling 2.6 Motion Control page and 2026-08 schema.
        ModelRules(
            model=MOTION_CONTROL_MODEL,
            urls=(
                UrlField(
                    "input_urls",
                    "image",
                    ("image/jpeg", "image/png", "image/webp"),
                    10 * MIB,
                    min_side_above_px=300,
                    aspect=_ASPECT,
                ),
                # 720 px: the page this project started from ("the minimum width and height
                # for videos must be 720 pixels"); newer pages are silent.
                UrlField(
                    "video_urls",
                    "video",
                    ("video/mp4", "video/quicktime", "video/x-matroska"),
                    100 * MIB,
                    min_side_px=720,
                    min_duration_s=3.0,
                    max_duration_s=30.0,
                    max_duration_image_orientation_s=10.0,
                ),
            ),
            texts=_MOTION_TEXTS,
            choices={"character_orientation": _ORIENTATIONS, "mode": ("720p", "1080p")},
            required=frozenset({"input_urls", "video_urls", "character_orientation", "mode"}),
            price=_motion_price_2_6,
        ),
        # Kie's Kling 3.0 Motion Control docs and live page: sides above 300 px (live page;
        # the docs say 340), mode without an enum (std/pro in the description, 720p/1080p in
        # the example): all four accepted.
        ModelRules(
            model=MOTION_CONTROL_3_MODEL,
            urls=(
                UrlField(
                    "input_urls",
                    "image",
                    ("image/jpeg", "image/png"),
                    10 * MIB,
                    min_side_above_px=300,
                    aspect=_ASPECT,
                ),
                UrlField(
                    "video_urls",
                    "video",
                    ("video/mp4", "video/quicktime"),
                    100 * MIB,
                    min_side_above_px=300,
                    aspect=_ASPECT,
                    min_duration_s=3.0,
                    max_duration_s=30.0,
                    max_duration_image_orientation_s=10.0,
                ),
            ),
            texts=_MOTION_TEXTS,
            choices={
                "character_orientation": _ORIENTATIONS,
                "mode": ("720p", "1080p", "std", "pro"),
                "background_source": ("input_video", "input_image"),
            },
            required=frozenset({"input_urls", "video_urls"}),
            price=_motion_price_3_0,
        ),
        # Kie's 2026-08 schema: JPEG/PNG only (WebP dropped), no pixel limits documented.
        ModelRules(
            model=IMAGE_TO_VIDEO_MODEL,
            urls=(UrlField("image_urls", "image", ("image/jpeg", "image/png"), 10 * MIB),),
            texts={"prompt": 1000},
            choices={"duration": ("5", "10")},
            booleans=("sound",),
            required=frozenset({"prompt", "image_urls", "sound", "duration"}),
            price=_kling_video_price,
        ),
        ModelRules(
            model=TEXT_TO_VIDEO_MODEL,
            texts={"prompt": 1000},
            choices={"aspect_ratio": ("1:1", "16:9", "9:16"), "duration": ("5", "10")},
            booleans=("sound",),
            required=frozenset({"prompt", "sound", "aspect_ratio", "duration"}),
            price=_kling_video_price,
        ),
    )
}

#: What ``FakeKie(models=...)`` accepts by default: every model kieai supports (each has rules
#: above; spelled out so the API reference shows the values).
DEFAULT_MODELS: tuple[str, ...] = (
    "kling-2.6/motion-control",
    "kling-3.0/motion-control",
    "kling-2.6/image-to-video",
    "kling-2.6/text-to-video",
)


def _single_url(input_: Mapping[str, Any], name: str) -> list[str]:
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


def _text(input_: Mapping[str, Any], name: str, max_chars: int) -> list[str]:
    value = input_[name]
    if not isinstance(value, str):
        return [f"input.{name}: must be a string, got {type(value).__name__}"]
    if len(value) > max_chars:
        return [f"input.{name}: {len(value)} characters exceeds {max_chars}"]
    return []


def _choice(input_: Mapping[str, Any], name: str, allowed: tuple[object, ...]) -> list[str]:
    value = input_[name]
    if not any(type(value) is type(a) and value == a for a in allowed):
        options = " or ".join(repr(a) for a in allowed)
        return [f"input.{name}: must be {options}, got {value!r}"]
    return []


def check_input(rules: ModelRules, input_: Mapping[str, Any], *, strict: bool) -> list[str]:
    """Problems with an ``input`` object for ``rules.model`` (empty when it is fine): required
    fields, URL arrays, text lengths, enums, booleans, and (``strict``) unknown fields."""
    problems: list[str] = []
    order = [u.name for u in rules.urls] + [*rules.texts, *rules.choices, *rules.booleans]
    for name in sorted(rules.fields, key=order.index):
        if name not in input_ or (input_[name] is None and name in rules.texts):
            if name in rules.required:
                problems.append(f"input.{name}: is required")
            continue
        if name in rules.texts:
            problems += _text(input_, name, rules.texts[name])
        elif name in rules.choices:
            problems += _choice(input_, name, rules.choices[name])
        elif name in rules.booleans:
            if not isinstance(input_[name], bool):
                problems.append(f"input.{name}: must be a boolean, got {input_[name]!r}")
        else:
            problems += _single_url(input_, name)
    if strict:
        for unknown in sorted(set(input_) - rules.fields):
            close = difflib.get_close_matches(unknown, sorted(rules.fields), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"input.{unknown}: unknown field{hint}")
    return problems


def media_problems(
    url_field: UrlField, mime: str, size: int, facts: MediaFacts | None, orientation: object
) -> tuple[list[str], float | None]:
    """Kie's documented media limits for a file the fake can read; also returns the video's
    duration when the prober measured it (tasks are priced by it)."""
    name = url_field.name
    if mime not in url_field.mime_types:
        return [f"input.{name}: expected {url_field.wanted}, the file is {mime}"], None
    if size > url_field.max_bytes:
        return [f"input.{name}: {size} bytes exceeds {url_field.max_bytes} bytes"], None
    if facts is None:
        return [], None
    if facts.kind == "invalid" or facts.kind != url_field.kind:
        return [f"input.{name}: unreadable media ({facts.problem or facts.kind})"], None
    problems: list[str] = []
    width, height = facts.width or 0, facts.height or 0
    side = url_field.min_side_above_px
    least = url_field.min_side_px
    if side is not None and min(width, height) <= side:
        problems.append(f"input.{name}: {width}x{height} px, sides must exceed {side} px")
    elif least is not None and min(width, height) < least:
        problems.append(
            f"input.{name}: {width}x{height} px, width and height must be at least {least} px"
        )
    elif url_field.aspect is not None and not (
        url_field.aspect[0] <= width / height <= url_field.aspect[1]
    ):
        problems.append(f"input.{name}: aspect ratio {width}x{height} is outside 2:5 to 5:2")
    if url_field.kind == "image":
        return problems, None
    duration = facts.duration_s or 0.0
    longest = url_field.max_duration_s
    if orientation == "image" and url_field.max_duration_image_orientation_s is not None:
        longest = url_field.max_duration_image_orientation_s
    shortest = url_field.min_duration_s
    if shortest is not None and duration < shortest - DURATION_TOLERANCE_S:
        problems.append(f"input.{name}: duration {duration:.1f} s is under {shortest:g} s")
    elif longest is not None and duration > longest + DURATION_TOLERANCE_S:
        problems.append(
            f"input.{name}: duration {duration:.1f} s exceeds {longest:g} s "
            f'(character_orientation="{orientation or "video"}")'
        )
    return problems, duration


def check_callback_url(body: Mapping[str, Any]) -> list[str]:
    """``callBackUrl`` is optional; when present (and not empty) it must be an http(s) URL."""
    value = body.get("callBackUrl")
    if value is None or value == "":
        return []
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        return [f"callBackUrl: {value!r} is not an http(s) URL"]
    return []


#: The fake's extra media rules per model, by field: limits Kie states only in prose or on
#: the live page (sides, aspect ratios, durations), checked on top of the declaration.
EXTRA_MEDIA_RULES: Mapping[str, tuple[UrlField, ...]] = {
    model: rules.urls for model, rules in MODEL_RULES.items() if rules.urls
}
#: The fake's own price formulas, for models the catalog has no price for.
FALLBACK_PRICES: Mapping[str, Callable[[Mapping[str, Any], float, Mapping[str, float]], float]] = {
    model: rules.price for model, rules in MODEL_RULES.items()
}
