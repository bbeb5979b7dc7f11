"""Extra media rules, per model id, where Kie states a limit only in prose that the generated
catalog cannot carry: durations, pixel sides, aspect ratios, a duration limit that depends on
another field. Hand-written; at most one entry per model; keyed by Kie's field names.

Each rule is laid over the one the catalog's `FileSpec` states (`kieai._media_rules.merge`):
formats and ``max_bytes`` left empty take the catalog's; given, they win (where this project
keeps a type a newer page dropped, the comment says so).

Sources: Kie's Kling 2.6 Motion Control page this project started from
(``research/kie-motion-control-page.txt``), Kie's 2026-08 docs schemas, and Kie's Kling 3.0
Motion Control docs page and live page (``research/kie-models.md``). Where they disagree the
stricter limit is kept, so an input that passes here passes every page; ``check_media=False``
skips the media limits for users who know better.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .._media_rules import ASPECT_2_5_TO_5_2, ImageRule, MediaRule, VideoRule

__all__ = ["RULES", "ModelRules", "rules_for"]

MIB = 1024 * 1024
MAX_KLING_IMAGE_BYTES = 10 * MIB
MAX_KLING_VIDEO_BYTES = 100 * MIB
MIN_MOTION_VIDEO_DURATION_S = 3.0
MAX_MOTION_VIDEO_DURATION_S = 30.0
#: With ``character_orientation="image"`` the reference video may be at most 10 s.
MAX_MOTION_VIDEO_DURATION_IMAGE_ORIENTATION_S = 10.0
#: Kling 3.0: the docs say sides above 340 px, the live page above 300 px: 340 is kept.
MIN_SIDE_KLING_3_0_PX = 340


@dataclass(frozen=True)
class ModelRules:
    """One model's extra rules: Kie field name -> the media rule for each file in it."""

    files: Mapping[str, MediaRule]


_MOTION_VIDEO_DURATION_BY_ORIENTATION = (
    "character_orientation",
    {"image": MAX_MOTION_VIDEO_DURATION_IMAGE_ORIENTATION_S, "video": MAX_MOTION_VIDEO_DURATION_S},
)

RULES: Mapping[str, ModelRules] = {
    # The catalog states the sizes (10 MiB, 100 MiB) and the video's 3 to 30 s.
    "kling-2.6/motion-control": ModelRules(
        files={
            "input_urls": ImageRule(
                # WebP: the page this project started from lists it (the contract keeps it);
                # the 2026-08 schema lists JPEG and PNG.
                formats=("jpeg", "png", "webp"),
                min_side_above_px=300,
                aspect=ASPECT_2_5_TO_5_2,
            ),
            "video_urls": VideoRule(
                # MKV: listed on the page this project started from; the 2026-08 schema lists
                # only mp4/quicktime. The contract (API.md section 2) keeps accepting it.
                containers=("mp4", "mov", "mkv"),
                max_duration_when=_MOTION_VIDEO_DURATION_BY_ORIENTATION,
                # 720 px: the page this project started from; newer pages are silent.
                min_side_px=720,
            ),
        }
    ),
    # The 3.0 schema states no types, sizes or durations: all of them are from its prose.
    "kling-3.0/motion-control": ModelRules(
        files={
            "input_urls": ImageRule(
                # The 3.0 docs list jpeg/png/jpg only (no WebP).
                formats=("jpeg", "png"),
                max_bytes=MAX_KLING_IMAGE_BYTES,
                min_side_above_px=MIN_SIDE_KLING_3_0_PX,
                aspect=ASPECT_2_5_TO_5_2,
            ),
            "video_urls": VideoRule(
                containers=("mp4", "mov"),
                max_bytes=MAX_KLING_VIDEO_BYTES,
                min_duration_s=MIN_MOTION_VIDEO_DURATION_S,
                max_duration_s=MAX_MOTION_VIDEO_DURATION_S,
                max_duration_when=_MOTION_VIDEO_DURATION_BY_ORIENTATION,
                min_side_px=MIN_SIDE_KLING_3_0_PX,
                min_side_inclusive=False,
                aspect=ASPECT_2_5_TO_5_2,
            ),
        }
    ),
    # kling-2.6/image-to-video: none. The catalog states JPEG/PNG (the 2026-08 schema dropped
    # WebP, which older pages listed) and 10 MiB; Kie documents no pixel limits for it.
}


def rules_for(model: str) -> ModelRules | None:
    """The extra rules of ``model``, or None when the catalog's facts are all there is."""
    return RULES.get(model)
