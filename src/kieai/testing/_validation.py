"""The fake's own knowledge of some models, on top of their catalog entries: media limits Kie
states only in prose or on its live pages (sides, aspect ratios, durations, accepted types),
field limits the catalog's schema lacks, and the Kling prices from before the catalog knew
prices.

Hand-written from Kie's pages, apart from the client's checks (``kieai._checks``,
``kieai._models``): when the client drifts from Kie's docs, the fake still answers the way
Kie documents, and the client's tests catch the drift. Problems read ``"input.<field>: <why>"``.
Where Kie's own pages disagree, the fake follows the page closest to the live service, so it
refuses only what Kie would.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..catalog._types import Field, ModelInfo
from ._media import MediaFacts

__all__ = [
    "DEFAULT_MODELS",
    "EXTRA_FIELD_LIMITS",
    "EXTRA_MEDIA_RULES",
    "FALLBACK_PRICES",
    "MOTION_CONTROL_MODEL",
    "UrlField",
    "check_callback_url",
    "media_problems",
    "with_extra_limits",
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
_ORIENTATIONS = ("image", "video")
Price = Callable[[Mapping[str, Any], float, Mapping[str, float]], float]

#: Media rules per model: each replaces the catalog's type and size check of its field and
#: adds sides, aspect ratios and durations.
EXTRA_MEDIA_RULES: Mapping[str, tuple[UrlField, ...]] = {
    # Kie's Kling 2.6 Motion Control page and 2026-08 schema; WebP and MKV as the page this
    # project started from lists them (the newest schema names only JPEG/PNG and MP4/MOV).
    MOTION_CONTROL_MODEL: (
        UrlField(
            "input_urls",
            "image",
            ("image/jpeg", "image/png", "image/webp"),
            10 * MIB,
            min_side_above_px=300,
            aspect=_ASPECT,
        ),
        # 720 px: the page this project started from ("the minimum width and height for
        # videos must be 720 pixels"); newer pages are silent.
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
    # Kie's Kling 3.0 Motion Control docs and live page: sides above 300 px (live page; the
    # docs say 340).
    MOTION_CONTROL_3_MODEL: (
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
}

#: Field limits the catalog's schema leaves out, by model and field: applied only where the
#: catalog states nothing (its facts win). Kling 3.0's schema has no enums: its descriptions
#: name std/pro, its example 720p/1080p, so all four are accepted.
EXTRA_FIELD_LIMITS: Mapping[str, Mapping[str, Mapping[str, object]]] = {
    MOTION_CONTROL_3_MODEL: {
        "prompt": {"max_length": 2500},
        "character_orientation": {"choices": _ORIENTATIONS},
        "mode": {"choices": ("720p", "1080p", "std", "pro")},
        "background_source": {"choices": ("input_video", "input_image")},
    },
}

#: The fake's own price formulas, for models the catalog has no price for.
FALLBACK_PRICES: Mapping[str, Price] = {
    MOTION_CONTROL_MODEL: _motion_price_2_6,
    MOTION_CONTROL_3_MODEL: _motion_price_3_0,
    IMAGE_TO_VIDEO_MODEL: _kling_video_price,
    TEXT_TO_VIDEO_MODEL: _kling_video_price,
}

#: The models kieai has front doors for (``client.motion_control``, ``image_to_video``,
#: ``text_to_video``). FakeKie accepts every catalog model by default; this list is for
#: ``FakeKie(models=[*DEFAULT_MODELS, "acme/remix-1"])`` and the like.
DEFAULT_MODELS: tuple[str, ...] = (
    "kling-2.6/motion-control",
    "kling-3.0/motion-control",
    "kling-2.6/image-to-video",
    "kling-2.6/text-to-video",
)


def with_extra_limits(info: ModelInfo) -> ModelInfo:
    """``info`` with the fake's `EXTRA_FIELD_LIMITS` filled in where the catalog has none."""
    extras = EXTRA_FIELD_LIMITS.get(info.id)
    if not extras:
        return info
    fields: list[Field] = []
    for field in info.fields:
        limits = extras.get(field.name, {})
        missing = {k: v for k, v in limits.items() if getattr(field, k) is None}
        fields.append(dataclasses.replace(field, **missing) if missing else field)  # pyright: ignore[reportArgumentType]
    return dataclasses.replace(info, fields=tuple(fields))


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
