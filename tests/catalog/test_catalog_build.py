"""``scripts/build_catalog.py`` on a small made-up snapshot of Kie's docs (never the real one:
``make test`` reads nothing outside the repository): which registry it reads, what it takes
from a page, what it reads in a description, and that a rebuild gives the same bytes."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_catalog", ROOT / "scripts" / "build_catalog.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _field(name: str, kind: str = "string", **limits: Any) -> dict[str, Any]:
    keys = ("format", "enum", "default", "description", "minimum", "maximum", "exclusiveMinimum")
    keys += ("exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems", "itemType")
    keys += ("itemFormat", "itemEnum")
    return {"name": name, "type": kind, "required": False, **dict.fromkeys(keys), **limits}


def _model(model_id: str, source: str, fields: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "title": f"  {model_id}   title ",
        "model_values": [model_id],
        "input_fields": fields,
        "source_file": source,
    }


PAGE = """# A page

```yaml
paths:
  /api/v1/jobs/createTask:
    post:
      tags:
        - docs/en/Market/Video    Models/Acme
      requestBody:
        content:
          application/json:
            schema:
              properties:
                input:
                  properties:
                    mode:
                      type: string
                      enum: ['std', 'pro']
                    duration:
                      type: string
                      enum: ['5', '10']
```
"""


def _docs(tmp_path: Path, models: list[dict[str, Any]], *, date: str = "2026-09-01") -> Path:
    docs = tmp_path / "docs"
    (docs / "pages" / "market" / "acme").mkdir(parents=True, exist_ok=True)
    (docs / "pages" / "market" / "acme" / "clip.md").write_text(PAGE, encoding="utf-8")
    registry = {"models": models}
    (docs / f"market-registry-{date}.json").write_text(json.dumps(registry), encoding="utf-8")
    return docs


def _by_name(model: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in model["fields"]}


def test_the_newest_registry_decides_and_names_the_snapshot(
    builder: ModuleType, tmp_path: Path
) -> None:
    _docs(tmp_path, [_model("acme/old", "/market/acme/none.md", [])], date="2026-01-01")
    docs = _docs(tmp_path, [_model("acme/new", "/market/acme/none.md", [])], date="2026-09-01")

    catalog, _ = builder.build(docs)

    assert catalog["snapshot_date"] == "2026-09-01"
    assert [m["id"] for m in catalog["models"]] == ["acme/new"]
    assert catalog["models"][0]["title"] == "acme/new title"
    assert catalog["models"][0]["docs_url"] == "https://docs.kie.ai/market/acme/none"


def test_a_page_fills_limits_the_registry_lacks_unless_the_type_changed(
    builder: ModuleType, tmp_path: Path
) -> None:
    fields = [_field("mode"), _field("duration", "integer", description="4-12 seconds")]
    docs = _docs(tmp_path, [_model("acme/clip", "/market/acme/clip.md", fields)])

    (model,), counts = builder.build(docs)[0]["models"], builder.build(docs)[1]

    assert _by_name(model)["mode"]["choices"] == ["std", "pro"]
    assert "choices" not in _by_name(model)["duration"]  # the page's string enum is older
    assert model["output"] == "video"  # the page's docs section
    assert counts["limit enum from a page"] == 1


def test_file_fields_get_kind_types_size_count_and_duration_from_the_description(
    builder: ModuleType, tmp_path: Path
) -> None:
    fields = [
        _field(
            "image_urls",
            "array",
            itemType="string",
            itemFormat="uri",
            description="Images, up to 4 images (File URL after upload; Accepted types: image/jpeg, image/jpg, image/png.; Max size: 10.0MB)",
        ),
        _field(
            "video_url",
            description="The clip. Formats: `mp4`, `mov`. Duration: between 3 and 15.5 seconds. Single file must not exceed 200 MB, total 500 MB.",
        ),
        _field(
            "voice",
            format="uri",
            description="Audio of the voice. Supports WAV, MP3. Max file size: 5MB.",
        ),
        _field("audio", "boolean", description="Whether to add audio."),
        _field("audio_ids", "array", itemType="string", description="Ids from another endpoint."),
        _field("task_id", description="The URL-free id of a task."),
    ]
    docs = _docs(tmp_path, [_model("acme/make", "/market/acme/none.md", fields)])

    (model,) = builder.build(docs)[0]["models"]
    by_name = _by_name(model)

    assert by_name["image_urls"]["max_items"] == 4
    assert by_name["image_urls"]["file"] == {
        "kind": "image",
        "multiple": True,
        "mime_types": ["image/jpeg", "image/png"],
        "max_bytes": 10 * MIB,
    }
    assert by_name["video_url"]["file"] == {
        "kind": "video",
        "multiple": False,
        "mime_types": ["video/mp4", "video/quicktime"],
        "max_bytes": 200 * MIB,
        "min_duration_s": 3.0,
        "max_duration_s": 15.5,
    }
    assert by_name["voice"]["file"] == {
        "kind": "audio",
        "multiple": False,
        "mime_types": ["audio/mpeg", "audio/wav"],
        "max_bytes": 5 * MIB,
    }
    assert all("file" not in by_name[name] for name in ("audio", "audio_ids", "task_id"))


def test_limits_keep_their_numbers_and_exclusive_bounds(
    builder: ModuleType, tmp_path: Path
) -> None:
    fields = [
        _field("strength", "number", minimum=0.0, exclusiveMaximum=1.0, default=0.5),
        _field("steps", "integer", minimum=1.0, maximum=50.0, default=30.0, required=True),
        _field("prompt", maxLength=2500),
    ]
    docs = _docs(tmp_path, [_model("acme/image", "/market/acme/none.md", fields)])

    (model,) = builder.build(docs)[0]["models"]
    by_name = _by_name(model)

    assert by_name["strength"] == {
        "name": "strength",
        "type": "number",
        "default": 0.5,
        "minimum": 0,
        "maximum": 1,
        "exclusive_maximum": True,
    }
    assert by_name["steps"] == {
        "name": "steps",
        "type": "integer",
        "required": True,
        "default": 30,
        "minimum": 1,
        "maximum": 50,
    }
    assert by_name["prompt"] == {"name": "prompt", "type": "string", "max_length": 2500}
    assert model["output"] == "image"
    assert model["task_type"] == "text-to-image"


def test_a_rebuild_writes_the_same_bytes_with_models_sorted(
    builder: ModuleType, tmp_path: Path
) -> None:
    models = [
        _model("zeta/text-to-video", "/market/acme/none.md", [_field("prompt")]),
        _model("acme/clip", "/market/acme/clip.md", [_field("mode")]),
    ]
    docs = _docs(tmp_path, models)
    first, second = tmp_path / "one.json", tmp_path / "two.json"

    builder.main([str(docs), "--out", str(first)])
    builder.main([str(docs), "--out", str(second)])

    assert first.read_bytes() == second.read_bytes()
    assert [m["id"] for m in json.loads(first.read_text())["models"]] == [
        "acme/clip",
        "zeta/text-to-video",
    ]


def test_the_summary_counts_models_per_output_and_task_type(
    builder: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = _docs(tmp_path, [_model("acme/clip", "/market/acme/clip.md", [_field("mode")])])

    builder.main([str(docs), "--out", str(tmp_path / "out.json")])

    printed = capsys.readouterr().out
    assert "1 models, snapshot 2026-09-01" in printed
    assert "per output: video 1" in printed
    assert "per task type: text-to-video 1" in printed


def test_a_text_to_video_model_with_an_optional_first_frame_also_serves_image_to_video(
    builder: ModuleType, tmp_path: Path
) -> None:
    frame = _field("first_frame_url", format="uri", description="First frame image URL.")
    models = [
        _model("acme/text-to-video", "/market/acme/none.md", [_field("prompt"), frame]),
        _model("acme/image-to-video", "/market/acme/none.md", [{**frame, "required": True}]),
    ]
    docs = _docs(tmp_path, models)

    by_id = {m["id"]: m for m in builder.build(docs)[0]["models"]}

    assert by_id["acme/text-to-video"]["task_type"] == "text-to-video"
    assert by_id["acme/text-to-video"]["also_task_types"] == ["image-to-video"]
    assert by_id["acme/image-to-video"]["task_type"] == "image-to-video"
    assert "also_task_types" not in by_id["acme/image-to-video"]
