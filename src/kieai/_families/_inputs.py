"""The dedicated families' inputs as `ModelInfo` declarations, so the same checks judge them
as Market models, plus the rules between fields that a field list cannot say.

Hand-written facts from Kie's pages (snapshot 2026-04-29); each declaration names its page.
``callBackUrl`` is no field here: it is the ``callback_url`` argument of every call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..catalog._types import Field, FileSpec, ModelInfo

__all__ = ["FAMILY_INPUTS", "SUNO_MODELS", "cross_field_problems"]

_IMAGE = FileSpec(kind="image", multiple=False)
_IMAGES = FileSpec(kind="image", multiple=True)
_VIDEO = FileSpec(kind="video", multiple=False)

# veo3-api/generate-veo-3-video. ``seeds`` is sent in the page's example request but missing
# from its schema; the extend page documents it with the range 10000-99999: declared so.
VEO_GENERATE = ModelInfo(
    id="veo/generate",
    title="Veo 3.1: generate a video",
    task_type="text-to-video",
    output="video",
    docs_url="https://docs.kie.ai/veo3-api/generate-veo-3-video",
    fields=(
        Field("prompt", "string", required=True),
        Field("imageUrls", "array", item_type="string", min_items=1, max_items=3, file=_IMAGES),
        Field(
            "model",
            "string",
            default="veo3_fast",
            has_default=True,
            choices=("veo3", "veo3_fast", "veo3_lite"),
        ),
        Field(
            "generationType",
            "string",
            choices=("TEXT_2_VIDEO", "FIRST_AND_LAST_FRAMES_2_VIDEO", "REFERENCE_2_VIDEO"),
        ),
        Field(
            "aspect_ratio",
            "string",
            default="16:9",
            has_default=True,
            choices=("16:9", "9:16", "Auto"),
        ),
        Field(
            "resolution",
            "string",
            default="720p",
            has_default=True,
            choices=("720p", "1080p", "4k"),
        ),
        Field("enableFallback", "boolean", default=False, has_default=True),  # deprecated
        Field("enableTranslation", "boolean", default=True, has_default=True),
        Field("watermark", "string"),
        Field("seeds", "integer", minimum=10000, maximum=99999),
    ),
)

# veo3-api/extend-video: model here is fast/quality/lite, not the generate page's ids.
VEO_EXTEND = ModelInfo(
    id="veo/extend",
    title="Veo 3.1: extend a video",
    task_type="video-to-video",
    output="video",
    docs_url="https://docs.kie.ai/veo3-api/extend-video",
    fields=(
        Field("taskId", "string", required=True, min_length=1),
        Field("prompt", "string", required=True),
        Field("seeds", "integer", minimum=10000, maximum=99999),
        Field(
            "model", "string", default="fast", has_default=True, choices=("fast", "quality", "lite")
        ),
        Field("watermark", "string"),
    ),
)

# veo3-api/get-veo-3-1080-p-video (query) and get-veo-3-4k-video (body).
VEO_GET_1080P = ModelInfo(
    id="veo/get-1080p",
    title="Veo 3.1: the 1080P version",
    task_type="video-upscale",
    output="video",
    docs_url="https://docs.kie.ai/veo3-api/get-veo-3-1080-p-video",
    fields=(
        Field("taskId", "string", required=True, min_length=1),
        Field("index", "integer", minimum=0),
    ),
)
VEO_GET_4K = ModelInfo(
    id="veo/get-4k",
    title="Veo 3.1: the 4K version",
    task_type="video-upscale",
    output="video",
    docs_url="https://docs.kie.ai/veo3-api/get-veo-3-4k-video",
    fields=(
        Field("taskId", "string", required=True, min_length=1),
        Field("index", "integer", default=0, has_default=True, minimum=0),
    ),
)

# runway-api/generate-ai-video: duration is typed "number" with 5 or 10 in the text and "5"
# (a string) in the example: the numbers 5 and 10 are accepted. aspectRatio: the quickstart
# calls it required, the generate page "required for text-to-video, ignored with imageUrl":
# the generate page's reading (a cross-field rule below).
RUNWAY_GENERATE = ModelInfo(
    id="runway/generate",
    title="Runway: generate a video",
    task_type="text-to-video",
    output="video",
    docs_url="https://docs.kie.ai/runway-api/generate-ai-video",
    fields=(
        Field("prompt", "string", required=True, min_length=1, max_length=1800),
        Field("imageUrl", "string", file=_IMAGE),
        Field("duration", "number", required=True, choices=(5, 10)),
        Field("quality", "string", required=True, choices=("720p", "1080p")),
        Field("aspectRatio", "string", choices=("16:9", "4:3", "1:1", "3:4", "9:16")),
        Field("waterMark", "string"),
    ),
)

# runway-api/extend-ai-video.
RUNWAY_EXTEND = ModelInfo(
    id="runway/extend",
    title="Runway: extend a video",
    task_type="video-to-video",
    output="video",
    docs_url="https://docs.kie.ai/runway-api/extend-ai-video",
    fields=(
        Field("taskId", "string", required=True, min_length=1),
        Field("prompt", "string", required=True, min_length=1),
        Field("quality", "string", required=True, choices=("720p", "1080p")),
        Field("waterMark", "string"),
    ),
)

# runway-api/generate-aleph-video.
ALEPH_GENERATE = ModelInfo(
    id="aleph/generate",
    title="Runway Aleph: transform a video",
    task_type="video-to-video",
    output="video",
    docs_url="https://docs.kie.ai/runway-api/generate-aleph-video",
    fields=(
        Field("prompt", "string", required=True, min_length=1),
        Field("videoUrl", "string", required=True, file=_VIDEO),
        Field("waterMark", "string"),
        Field("uploadCn", "boolean", default=False, has_default=True),
        Field("aspectRatio", "string", choices=("16:9", "9:16", "4:3", "3:4", "1:1", "21:9")),
        Field("seed", "integer"),
        Field("referenceImage", "string", file=_IMAGE),
    ),
)

#: suno-api/generate-music, model enum.
SUNO_MODELS = ("V4", "V4_5", "V4_5PLUS", "V4_5ALL", "V5", "V5_5")
_SUNO_COMMON = (
    Field("model", "string", required=True, choices=SUNO_MODELS),
    Field("negativeTags", "string"),
    Field("vocalGender", "string", choices=("m", "f")),
    Field("styleWeight", "number", minimum=0.0, maximum=1.0),
    Field("weirdnessConstraint", "number", minimum=0.0, maximum=1.0),
    Field("audioWeight", "number", minimum=0.0, maximum=1.0),
    Field("personaId", "string"),
)

# suno-api/generate-music. ``prompt`` is in the schema's required list, yet the page says an
# instrumental custom-mode request needs only style and title: required unless customMode and
# instrumental (a cross-field rule). ``personaModel`` appears only in the page's example.
SUNO_GENERATE = ModelInfo(
    id="suno/generate",
    title="Suno: generate music",
    task_type="text-to-audio",
    output="audio",
    docs_url="https://docs.kie.ai/suno-api/generate-music",
    fields=(
        Field("prompt", "string", max_length=5000),
        Field("style", "string", max_length=1000),
        Field("title", "string", max_length=80),
        Field("customMode", "boolean", required=True),
        Field("instrumental", "boolean", required=True),
        *_SUNO_COMMON,
        Field("personaModel", "string"),
    ),
)

# suno-api/extend-music. ``prompt`` is in the schema's required list, yet with
# defaultParamFlag false "only audioId is required": required only with defaultParamFlag true.
# Title limits differ from generate-music's (80 for all models): 100 for V4_5, V4_5PLUS, V5,
# V5_5 here.
SUNO_EXTEND = ModelInfo(
    id="suno/extend",
    title="Suno: extend music",
    task_type="audio-to-audio",
    output="audio",
    docs_url="https://docs.kie.ai/suno-api/extend-music",
    fields=(
        Field("defaultParamFlag", "boolean", required=True),
        Field("audioId", "string", required=True, min_length=1),
        Field("prompt", "string", max_length=5000),
        Field("style", "string", max_length=1000),
        Field("title", "string", max_length=100),
        Field("continueAt", "number", minimum=0, exclusive_minimum=True),
        *_SUNO_COMMON,
    ),
)

FAMILY_INPUTS: dict[str, ModelInfo] = {
    info.id: info
    for info in (
        VEO_GENERATE,
        VEO_EXTEND,
        VEO_GET_1080P,
        VEO_GET_4K,
        RUNWAY_GENERATE,
        RUNWAY_EXTEND,
        ALEPH_GENERATE,
        SUNO_GENERATE,
        SUNO_EXTEND,
    )
}

# -- rules between fields ---------------------------------------------------------------------


def _present(input_: Mapping[str, Any], name: str) -> bool:
    value = input_.get(name)
    return value is not None and value != "" and value != []


def _count(value: Any) -> int:
    return len(value) if isinstance(value, list) else (1 if value else 0)  # pyright: ignore[reportUnknownArgumentType]


def _veo_generate(input_: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    mode = input_.get("generationType")
    images = _count(input_.get("imageUrls"))
    if mode == "REFERENCE_2_VIDEO":
        if input_.get("model", "veo3_fast") != "veo3_fast":
            problems.append(
                f"model: generationType REFERENCE_2_VIDEO works only with veo3_fast, "
                f"got {input_.get('model')!r}"
            )
        if not 1 <= images <= 3:
            problems.append(
                f"imageUrls: generationType REFERENCE_2_VIDEO takes 1 to 3 images, got {images}"
            )
        if input_.get("aspect_ratio", "16:9") not in ("16:9", "9:16"):
            problems.append(
                "aspect_ratio: generationType REFERENCE_2_VIDEO supports 16:9 or 9:16, "
                f"got {input_.get('aspect_ratio')!r}"
            )
    elif mode == "TEXT_2_VIDEO" and images:
        problems.append(f"imageUrls: generationType TEXT_2_VIDEO takes no images, got {images}")
    elif images > 2:
        problems.append(
            "imageUrls: at most 2 images (first and last frame) unless generationType is "
            f"REFERENCE_2_VIDEO, got {images}"
        )
    elif mode == "FIRST_AND_LAST_FRAMES_2_VIDEO" and images == 0:
        problems.append(
            "imageUrls: generationType FIRST_AND_LAST_FRAMES_2_VIDEO needs 1 or 2 images"
        )
    return problems


def _runway_generate(input_: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    if input_.get("quality") == "1080p" and input_.get("duration") == 10:
        problems.append("duration: 10 s videos are 720p only (quality 1080p takes duration 5)")
    if not _present(input_, "imageUrl") and not _present(input_, "aspectRatio"):
        problems.append("aspectRatio: is required for text-to-video (without imageUrl)")
    return problems


def _two_decimals(input_: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    for name in ("styleWeight", "weirdnessConstraint", "audioWeight"):
        value = input_.get(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if abs(round(value, 2) - value) > 1e-9:
            problems.append(f"{name}: at most 2 decimal places, got {value!r}")
    return problems


def _suno_lengths(input_: Mapping[str, Any], limits: Mapping[str, int], why: str) -> list[str]:
    problems: list[str] = []
    for name, limit in limits.items():
        value = input_.get(name)
        if isinstance(value, str) and len(value) > limit:
            problems.append(f"{name}: at most {limit} characters {why}, got {len(value)}")
    return problems


def _suno_generate(input_: Mapping[str, Any]) -> list[str]:
    problems = _two_decimals(input_)
    custom = input_.get("customMode") is True
    instrumental = input_.get("instrumental") is True
    model = input_.get("model")
    if custom:
        needed = ("style", "title") if instrumental else ("style", "title", "prompt")
        for name in needed:
            if not _present(input_, name):
                kind = "instrumental custom mode" if instrumental else "custom mode with vocals"
                problems.append(f"{name}: is required in {kind} (customMode true)")
        if model == "V4":
            problems += _suno_lengths(input_, {"prompt": 3000, "style": 200}, "with model V4")
    else:
        if not _present(input_, "prompt"):
            problems.append("prompt: is required when customMode is false")
        problems += _suno_lengths(input_, {"prompt": 500}, "when customMode is false")
        if _present(input_, "personaId"):
            problems.append("personaId: works only in custom mode (customMode true)")
    return problems


def _suno_extend(input_: Mapping[str, Any]) -> list[str]:
    problems = _two_decimals(input_)
    if input_.get("defaultParamFlag") is True:
        for name in ("prompt", "style", "title", "continueAt"):
            if not _present(input_, name):
                problems.append(f"{name}: is required when defaultParamFlag is true")
    model = input_.get("model")
    if model == "V4":
        problems += _suno_lengths(
            input_, {"prompt": 3000, "style": 200, "title": 80}, "with model V4"
        )
    elif model == "V4_5ALL":
        problems += _suno_lengths(input_, {"title": 80}, "with model V4_5ALL")
    return problems


_CROSS_FIELD: dict[str, Callable[[Mapping[str, Any]], list[str]]] = {
    "veo/generate": _veo_generate,
    "runway/generate": _runway_generate,
    "suno/generate": _suno_generate,
    "suno/extend": _suno_extend,
}


def cross_field_problems(model_id: str, input_: Mapping[str, Any]) -> list[str]:
    """Problems between fields of one input (none for a model with no such rules)."""
    rule = _CROSS_FIELD.get(model_id)
    return rule(input_) if rule is not None else []
