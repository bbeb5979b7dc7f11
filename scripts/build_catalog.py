"""Build kieai's Market catalog (``src/kieai/catalog/_data/market.json``) from Kie's pages.

    make catalog DOCS=/path/to/kie-docs        # or: python scripts/build_catalog.py DOCS

Inputs (a directory laid out like ``research/kie-docs``):

- the newest ``market-registry-*.json``: every Market model that runs as a task
  (``createTask`` + ``recordInfo``) with its ``input`` fields, normalised. It decides which
  models exist and what their fields are.
- ``pages/market/**/*.md``: Kie's page per model, each with its OpenAPI YAML. A limit the
  registry lacks (an enum, a range, a list size) is taken from the page's schema when the page
  has the same field.

Both carry Kie's field descriptions, where some limits exist only in prose: the accepted file
types, the size limit, "up to N images", a media file's duration. This script reads those few
patterns and keeps the facts; no description text goes into the output.

The output is deterministic (models sorted by id, fields in Kie's order, keys sorted), so
rebuilding from the same inputs gives no diff. A summary goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from kieai.catalog import TASK_TYPES  # noqa: E402  (the src layout, when run as a script)

OUT_PATH = ROOT / "src" / "kieai" / "catalog" / "_data" / "market.json"
DOCS_BASE_URL = "https://docs.kie.ai"
SCHEMA_VERSION = 1

#: Kie writes sizes as "10.0MB". kieai reads MB as MiB (2**20 bytes): the larger reading, so a
#: file Kie accepts under either reading is never refused locally (motion control has always
#: read Kie's "10MB" as 10,485,760 bytes).
BYTES_PER_MB = 1024 * 1024

Json = dict[str, Any]

# --- task types --------------------------------------------------------------------------

#: Id fragments that name the task type outright, checked in this order (first match wins).
_TASK_TYPE_BY_ID: tuple[tuple[str, str], ...] = (
    ("upscale", "upscale"),
    ("motion-control", "motion-control"),
    ("animate-move", "motion-control"),
    ("segment-map", "image-analysis"),
    ("subject-detection", "image-analysis"),
    ("human-identification", "image-analysis"),
    ("text-to-dialogue", "text-to-speech"),
    ("text-to-speech", "text-to-speech"),
    ("-tts", "text-to-speech"),
    ("audio-isolation", "audio-to-audio"),
    ("speech-to-video", "audio-to-video"),
    ("from-audio", "audio-to-video"),
    ("ai-avatar", "audio-to-video"),
    ("reference-to-video", "reference-to-video"),
    ("-r2v", "reference-to-video"),
    ("video-to-video", "video-to-video"),
    ("video-edit", "video-to-video"),
    ("videoedit", "video-to-video"),
    ("animate-replace", "video-to-video"),
    ("transformation", "video-to-video"),
    ("extend", "video-to-video"),
    ("lip-sync", "video-to-video"),
    ("image-to-video", "image-to-video"),
    ("text-to-video", "text-to-video"),
    ("text-to-image", "text-to-image"),
    ("image-to-image", "image-to-image"),
    ("remove-background", "image-to-image"),
    ("layer-decomposition", "image-to-image"),
    ("image-edit", "image-to-image"),
    ("-edit", "image-to-image"),
    ("-remix", "image-to-image"),
    ("transition", "image-to-video"),
)

#: Models whose id and page say too little to derive what they make; each line says why.
_OUTPUT_OVERRIDES: dict[str, str] = {
    # No page in the snapshot. Its masks feed omnihuman-1-5's mask_url (an image field).
    "omnihuman-1-5/subject-detection": "image",
    # No page in the snapshot. It answers whether the portrait is usable: a verdict, not media.
    "omnihuman-1-5/human-identification": "text",
    # No page in the snapshot. Its segments are images that grok image-edit takes by task id.
    "grok-imagine-image-2-0/segment-map": "image",
}

_OUTPUT_BY_TAG = {"Video Models": "video", "Image Models": "image", "Music Models": "audio"}


def task_type_of(model_id: str, output: str, fields: list[Json]) -> str:
    """The task type: named by the id when it says, else from the output and file inputs."""
    for fragment, task_type in _TASK_TYPE_BY_ID:
        if fragment in model_id:
            return task_type
    required_kinds = {f["file"]["kind"] for f in fields if "file" in f and f.get("required")}
    if output == "video":
        if "video" in required_kinds:
            return "video-to-video"
        if "audio" in required_kinds:
            return "audio-to-video"
        return "image-to-video" if "image" in required_kinds else "text-to-video"
    if output == "image":
        return "image-to-image" if "image" in required_kinds else "text-to-image"
    if output == "audio":
        return "audio-to-audio" if "audio" in required_kinds else "text-to-speech"
    return "image-analysis"


#: A text-to-X model with an optional file input of this kind also serves the second type.
_ALSO_WITH_OPTIONAL_FILE = {
    ("text-to-video", "image"): "image-to-video",
    ("text-to-video", "video"): "video-to-video",
    ("text-to-image", "image"): "image-to-image",
}


def also_task_types(task_type: str, fields: list[Json]) -> list[str]:
    """The other task types a model serves: a text-to-video model that takes an optional first
    frame is an image-to-video model too (``models(task_type="image-to-video")`` finds it)."""
    optional_kinds = {f["file"]["kind"] for f in fields if "file" in f and not f.get("required")}
    found = {_ALSO_WITH_OPTIONAL_FILE.get((task_type, kind)) for kind in optional_kinds}
    return sorted(t for t in found if t is not None)


def output_of(model_id: str, title: str, tags: list[str], field_names: set[str]) -> str:
    """What the model makes: the page's tag (its docs section) when there is a page, else what
    the id and title say, else a video when it takes a duration."""
    if model_id in _OUTPUT_OVERRIDES:
        return _OUTPUT_OVERRIDES[model_id]
    for tag in tags:
        for section, kind in _OUTPUT_BY_TAG.items():
            if section in re.sub(r"\s+", " ", tag):
                return kind
    words = f"{model_id} {title}".lower()
    if re.search(r"video|r2v|omnihuman|lip-sync", words):
        return "video"
    if re.search(r"image|seedream|banana|imagen", words):
        return "image"
    if re.search(r"tts|speech|audio|dialogue|music|sound", words):
        return "audio"
    return "video" if "duration" in field_names else "image"


# --- file fields -------------------------------------------------------------------------

_MIME = re.compile(r"\b((?:image|video|audio)/[a-z0-9](?:[a-z0-9.+-]*[a-z0-9])?)", re.IGNORECASE)
#: Format names Kie lists in prose ("Formats: JPEG, PNG, WEBP") and their MIME types.
_FORMAT_MIME = {
    "image": {
        "jpeg": "image/jpeg",
        "jpg": "image/jpeg",
        "png": "image/png",
        "webp": "image/webp",
        "bmp": "image/bmp",
        "gif": "image/gif",
        "tiff": "image/tiff",
        "heic": "image/heic",
        "heif": "image/heif",
    },
    "video": {"mp4": "video/mp4", "mov": "video/quicktime", "mkv": "video/x-matroska"},
    "audio": {
        "mp3": "audio/mpeg",
        "wav": "audio/wav",
        "aac": "audio/aac",
        "m4a": "audio/mp4",
        "ogg": "audio/ogg",
        "flac": "audio/flac",
    },
}
#: Where a sentence names formats instead of MIME types ("Formats: `wav`, `mp3`").
_FORMAT_SENTENCE = re.compile(r"\bformats?\b|\bsupports?\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.;])\s+|\n")
#: Names Kie writes that are not registered MIME types.
_MIME_ALIASES = {"image/jpg": "image/jpeg", "audio/mp3": "audio/mpeg"}
_SIZE = re.compile(r"`?(\d+(?:\.\d+)?)\s*(MB|M)\b`?", re.IGNORECASE)
_SIZE_CONTEXT = re.compile(
    r"size|exceed|larger|up to|less than|limited|max", re.IGNORECASE
)  # words before a number that make it a size limit
_UP_TO_COUNT = re.compile(
    r"(?:up to|max(?:imum)?(?: of)?|at most)\s+(\d+)\s+(?:images?|videos?|audios?|files?|items?)\b",
    re.IGNORECASE,
)
_COUNT_RANGE = re.compile(
    r"\(?(\d+)\s*[-–]\s*(\d+)\s+(?:images?|videos?|audios?|files?)\b", re.IGNORECASE
)
_UPLOADED = re.compile(
    r"url of (?:the )?uploaded file|file urls? after upload|uploaded file url", re.IGNORECASE
)
_DURATION_RANGE = re.compile(
    r"duration[^.;]*?(?:between|range|\[|:|\bis)\s*`?(\d+(?:\.\d+)?)`?\s*(?:s|seconds?)?\s*(?:to|and|-|–|,)\s*`?(\d+(?:\.\d+)?)`?\s*\]?\s*(?:s\b|seconds?)",
    re.IGNORECASE,
)
_DURATION_MAX = re.compile(
    r"duration (?:must be less than|must not exceed|cannot exceed|not exceeding|up to)\s*`?(\d+(?:\.\d+)?)\s*(?:s\b|seconds?)",
    re.IGNORECASE,
)

_URL_NAME = re.compile(r"(^|_)(url|urls|uri)$|_url_|image_input$")
_MEDIA_NAME = re.compile(
    r"^(image|video|audio|mask_url|first_frame|last_frame|reference_image|reference_video|reference_voice)$"
)
_KIND_BY_NAME = (
    ("video", re.compile(r"video|clip")),
    ("audio", re.compile(r"audio|voice|speech|sound")),
    ("image", re.compile(r"image|frame|mask|photo|input_urls|portrait")),
)


def _is_file_field(field: Json) -> bool:
    """Whether the field takes the URL(s) of uploaded files (Kie's own wording, its schema's
    ``format: uri``, or a media name): ids, task ids and booleans named ``audio`` are not."""
    name = field["name"]
    text = field.get("description") or ""
    if field["type"] == "string":
        uri = field.get("format") == "uri"
    elif field["type"] == "array" and field.get("itemType") == "string":
        uri = field.get("itemFormat") == "uri"
    else:
        return False
    if name.endswith(("_id", "_ids", "task_id")) or "callback" in name.lower():
        return False
    return bool(uri or _UPLOADED.search(text) or _URL_NAME.search(name) or _MEDIA_NAME.match(name))


def _file_kind(name: str, mime_types: list[str], text: str) -> str:
    kinds = {mime.split("/")[0] for mime in mime_types}
    if len(kinds) == 1:
        return kinds.pop()
    for kind, pattern in _KIND_BY_NAME:
        if pattern.search(name):
            return kind
    for kind, pattern in _KIND_BY_NAME:
        if pattern.search(text.lower()):
            return kind
    return "file"


def _mime_types(kind: str, text: str) -> list[str]:
    found: list[str] = [m.lower() for m in _MIME.findall(text)]
    if not found and kind in _FORMAT_MIME:
        for sentence in _SENTENCE_END.split(text):
            if _FORMAT_SENTENCE.search(sentence):
                words = re.findall(r"[A-Za-z0-9]+", sentence)
                found += [
                    _FORMAT_MIME[kind][w.lower()] for w in words if w.lower() in _FORMAT_MIME[kind]
                ]
    named = {_MIME_ALIASES.get(m, m) for m in found}
    return sorted(m for m in named if kind == "file" or m.startswith(kind + "/"))


def _max_bytes(text: str) -> int | None:
    """The single-file size limit (a "total" across several files is not one)."""
    for match in _SIZE.finditer(text):
        before = text[max(0, match.start() - 60) : match.start()]
        clause = re.split(r"[.;(]|\s-\s", before)[-1]
        if "total" in clause.lower() or not _SIZE_CONTEXT.search(clause):
            continue
        return round(float(match.group(1)) * BYTES_PER_MB)
    return None


def _durations(kind: str, text: str) -> tuple[float | None, float | None]:
    if kind not in ("video", "audio"):
        return None, None
    if (m := _DURATION_RANGE.search(text)) is not None:
        return float(m.group(1)), float(m.group(2))
    if (m := _DURATION_MAX.search(text)) is not None:
        return None, float(m.group(1))
    return None, None


def file_spec(field: Json) -> Json | None:
    if not _is_file_field(field):
        return None
    text = field.get("description") or ""
    provisional = _file_kind(field["name"], [m.lower() for m in _MIME.findall(text)], text)
    mime_types = _mime_types(provisional, text)
    kind = _file_kind(field["name"], mime_types, text)
    spec: Json = {"kind": kind, "multiple": field["type"] == "array"}
    if mime_types:
        spec["mime_types"] = mime_types
    if (size := _max_bytes(text)) is not None:
        spec["max_bytes"] = size
    low, high = _durations(kind, text)
    if low is not None:
        spec["min_duration_s"] = low
    if high is not None:
        spec["max_duration_s"] = high
    return spec


# --- fields ------------------------------------------------------------------------------

#: Registry key -> catalog key, for the limits copied as they are.
_LIMIT_KEYS = {
    "minimum": "minimum",
    "maximum": "maximum",
    "minLength": "min_length",
    "maxLength": "max_length",
    "minItems": "min_items",
    "maxItems": "max_items",
}
_TYPES = {"string", "integer", "number", "boolean", "array", "object"}


def _number(value: Any) -> Any:
    """JSON numbers as ints when whole (2.0 -> 2), so the output does not flip between runs."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _fill_from_page(field: Json, page_field: Json | None, counts: Counter[str]) -> Json:
    """The registry field, with the limits only the page's schema states filled in."""
    if not page_field or page_field.get("type") != field["type"]:
        # A field whose type changed since the page (a string enum became a number) keeps
        # only what the newer registry says.
        return field
    merged = dict(field)
    pairs = [
        ("enum", page_field.get("enum")),
        ("minimum", page_field.get("minimum")),
        ("maximum", page_field.get("maximum")),
        ("minLength", page_field.get("minLength")),
        ("maxLength", page_field.get("maxLength")),
        ("minItems", page_field.get("minItems")),
        ("maxItems", page_field.get("maxItems")),
    ]
    if field["type"] == "array":
        items: Json = page_field.get("items") or {}
        pairs += [("itemEnum", items.get("enum")), ("itemFormat", items.get("format"))]
    else:
        pairs.append(("format", page_field.get("format")))
    for key, value in pairs:
        if merged.get(key) is None and value is not None:
            merged[key] = value
            counts[f"limit {key} from a page"] += 1
    return merged


def _prose_counts(field: Json, text: str) -> tuple[int | None, int | None]:
    """List sizes stated only in prose ("up to 10 images", "1-8 images")."""
    if field["type"] != "array":
        return None, None
    if (m := _COUNT_RANGE.search(text)) is not None:
        return int(m.group(1)), int(m.group(2))
    if (m := _UP_TO_COUNT.search(text)) is not None:
        return None, int(m.group(1))
    return None, None


def build_field(raw: Json, counts: Counter[str]) -> Json:
    kind = raw["type"] if raw["type"] in _TYPES else "string"
    field: Json = {"name": raw["name"], "type": kind}
    if raw.get("required"):
        field["required"] = True
    if raw.get("default") is not None:
        field["default"] = _number(raw["default"])
    if raw.get("enum"):
        field["choices"] = [_number(v) for v in raw["enum"]]
    for source, target in _LIMIT_KEYS.items():
        if raw.get(source) is not None:
            field[target] = _number(raw[source])
    for source, target in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        # OpenAPI 3.1 puts the bound in exclusiveMinimum; 3.0 makes it a flag on minimum.
        value = raw.get(source)
        if isinstance(value, bool):
            if value:
                field[f"exclusive_{target}"] = True
        elif value is not None:
            field[target] = _number(value)
            field[f"exclusive_{target}"] = True
    if kind == "array" and raw.get("itemType") in _TYPES:
        field["item_type"] = raw["itemType"]
        if raw.get("itemEnum"):
            field["item_choices"] = [_number(v) for v in raw["itemEnum"]]
    text = raw.get("description") or ""
    low, high = _prose_counts(raw, text)
    if "min_items" not in field and low is not None:
        field["min_items"] = low
        counts["list size from prose"] += 1
    if "max_items" not in field and high is not None:
        field["max_items"] = high
        counts["list size from prose"] += 1
    spec = file_spec(raw)
    if spec is not None:
        field["file"] = spec
    return field


# --- pages -------------------------------------------------------------------------------

_YAML_BLOCK = re.compile(r"```yaml\n(.*?)\n```", re.DOTALL)


@dataclass
class Page:
    tags: list[str]
    fields: dict[str, Json]
    required: set[str]


def read_page(path: Path) -> Page | None:
    """The createTask schema of one page (None: no page, or not a task page)."""
    if not path.is_file():
        return None
    block = _YAML_BLOCK.search(path.read_text(encoding="utf-8"))
    if block is None:
        return None
    spec = _mapping(yaml.safe_load(block.group(1)))
    operation = _mapping(
        _mapping(_mapping(spec.get("paths")).get("/api/v1/jobs/createTask")).get("post")
    )
    if not operation:
        return None
    schema: Json = operation["requestBody"]["content"]["application/json"]["schema"]
    input_schema = _mapping(_mapping(schema.get("properties")).get("input"))
    tags: list[str] = operation.get("tags") or []
    required: list[str] = input_schema.get("required") or []
    # Some pages name a field with a trailing space ("image_urls "); the registry does not.
    fields = {name.strip(): spec for name, spec in _mapping(input_schema.get("properties")).items()}
    return Page(tags=tags, fields=fields, required={name.strip() for name in required})


def _mapping(value: object) -> Json:
    """``value`` when it is a JSON object, else an empty one (YAML may hold null)."""
    return cast("Json", value) if isinstance(value, dict) else {}


# --- the whole catalog -------------------------------------------------------------------


def newest_registry(docs: Path) -> Path:
    found = sorted(docs.glob("market-registry-*.json"))
    if not found:
        sys.exit(f"no market-registry-*.json in {docs}")
    return found[-1]


def build(docs: Path) -> tuple[Json, Counter[str]]:
    registry_path = newest_registry(docs)
    registry = json.loads(registry_path.read_text(encoding="utf-8"))
    counts: Counter[str] = Counter()
    models: list[Json] = []
    for entry in registry["models"]:
        (model_id,) = entry["model_values"]
        source_file = entry["source_file"]
        page = read_page(docs / "pages" / source_file.lstrip("/"))
        counts["with a page" if page else "without a page"] += 1
        if page:
            # Fields a page has that the newer registry dropped stay out (counted, for review).
            dropped = set(page.fields) - {raw["name"] for raw in entry["input_fields"]}
            counts["page-only fields left out"] += len(dropped)
        fields: list[Json] = []
        for raw in entry["input_fields"]:
            merged = _fill_from_page(raw, page.fields.get(raw["name"]) if page else None, counts)
            fields.append(build_field(merged, counts))
        title = re.sub(r"\s+", " ", entry["title"]).strip()
        names = {f["name"] for f in fields}
        output = output_of(model_id, title, page.tags if page else [], names)
        task_type = task_type_of(model_id, output, fields)
        model: Json = {
            "id": model_id,
            "title": title,
            "output": output,
            "task_type": task_type,
            "docs_url": DOCS_BASE_URL + source_file.removesuffix(".md"),
            "fields": fields,
        }
        if also := also_task_types(task_type, fields):
            model["also_task_types"] = also
        models.append(model)
    models.sort(key=lambda m: m["id"])
    unknown = {t for m in models for t in [m["task_type"], *m.get("also_task_types", [])]}
    unknown -= set(TASK_TYPES)
    if unknown:
        sys.exit(f"task types missing from kieai.catalog.TASK_TYPES: {sorted(unknown)}")
    snapshot_date = re.sub(r"^market-registry-|\.json$", "", registry_path.name)
    catalog = {"schema": SCHEMA_VERSION, "snapshot_date": snapshot_date, "models": models}
    return catalog, counts


def render(catalog: Json) -> str:
    return json.dumps(catalog, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def summary(catalog: Json, counts: Counter[str]) -> str:
    models = catalog["models"]
    lines = [f"{len(models)} models, snapshot {catalog['snapshot_date']}"]
    for label, key in (("output", "output"), ("task type", "task_type")):
        tally = Counter(m[key] for m in models)
        lines.append(f"per {label}: " + ", ".join(f"{k} {n}" for k, n in sorted(tally.items())))
    fields = [f for m in models for f in m["fields"]]
    files = [f["file"] for f in fields if "file" in f]
    lines.append(
        f"{len(fields)} fields, {len(files)} file fields ("
        + ", ".join(f"{k} {n}" for k, n in sorted(Counter(s["kind"] for s in files).items()))
        + f"); {sum('mime_types' in s for s in files)} with accepted types, "
        f"{sum('max_bytes' in s for s in files)} with a size limit, "
        f"{sum('max_duration_s' in s for s in files)} with a duration limit"
    )
    lines.extend(f"{k}: {n}" for k, n in sorted(counts.items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build kieai's Market catalog from Kie's pages.")
    parser.add_argument("docs", type=Path, help="the kie-docs directory (registry + pages/)")
    parser.add_argument("--out", type=Path, default=OUT_PATH)
    args = parser.parse_args(argv)
    catalog, counts = build(args.docs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(catalog), encoding="utf-8")
    print(summary(catalog, counts))
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


if __name__ == "__main__":
    main()
