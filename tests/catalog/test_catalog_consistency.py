"""Every model's declaration holds together: what the checks, the typed inputs and FakeKie
read from it can be trusted without a second look."""

from __future__ import annotations

import pytest

from kieai import catalog
from kieai.catalog import Field, ModelInfo

MODELS = catalog.models()
PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def _is(value: object, field_type: str) -> bool:
    if isinstance(value, bool) and field_type in ("integer", "number"):
        return False  # JSON's true is not a number
    return isinstance(value, PY_TYPES[field_type])


def _problems(field: Field) -> list[str]:
    problems: list[str] = []
    if field.has_default and not _is(field.default, field.type):
        problems.append(f"default {field.default!r} is not a {field.type}")
    if field.choices is not None:
        if not field.choices:
            problems.append("empty choices")
        problems += [
            f"choice {c!r} is not a {field.type}" for c in field.choices if not _is(c, field.type)
        ]
        if field.has_default and field.default not in field.choices:
            problems.append(f"default {field.default!r} is not a choice")
    for low, high, what in (
        (field.minimum, field.maximum, "range"),
        (field.min_length, field.max_length, "length"),
        (field.min_items, field.max_items, "items"),
    ):
        if low is not None and high is not None and low > high:
            problems.append(f"{what}: {low} > {high}")
    if field.has_default and isinstance(field.default, (int, float)):
        if field.minimum is not None and field.default < field.minimum:
            problems.append("default below the minimum")
        if field.maximum is not None and field.default > field.maximum:
            problems.append("default above the maximum")
    if (field.min_items is not None or field.max_items is not None) and field.type != "array":
        problems.append("a list size on a field that is not a list")
    if field.item_type is not None and field.type != "array":
        problems.append("an item type on a field that is not a list")
    return problems


def _file_problems(field: Field) -> list[str]:
    spec = field.file
    if spec is None:
        return []
    problems: list[str] = []
    if spec.multiple != (field.type == "array"):
        problems.append(f"multiple={spec.multiple} on a {field.type}")
    if field.type not in ("string", "array") or (
        field.type == "array" and field.item_type != "string"
    ):
        problems.append("a file field that does not hold URL strings")
    problems += [
        f"{m} is not a {spec.kind} type"
        for m in spec.mime_types
        if spec.kind != "file" and not m.startswith(f"{spec.kind}/")
    ]
    if list(spec.mime_types) != sorted(set(spec.mime_types)):
        problems.append("mime_types not sorted and unique")
    if spec.max_bytes is not None and spec.max_bytes <= 0:
        problems.append("max_bytes not positive")
    low, high = spec.min_duration_s, spec.max_duration_s
    if (low is not None or high is not None) and spec.kind not in ("video", "audio"):
        problems.append("a duration on a file that is neither video nor audio")
    if low is not None and high is not None and low > high:
        problems.append("duration range reversed")
    return problems


@pytest.mark.parametrize("model", MODELS, ids=[m.id for m in MODELS])
def test_every_field_of_every_model_is_consistent(model: ModelInfo) -> None:
    problems = {
        field.name: _problems(field) + _file_problems(field)
        for field in model.fields
        if _problems(field) + _file_problems(field)
    }

    assert problems == {}
    assert len({f.name for f in model.fields}) == len(model.fields)
    assert all(f.name.isidentifier() for f in model.fields)


@pytest.mark.parametrize("model", MODELS, ids=[m.id for m in MODELS])
def test_every_model_has_a_known_task_type_output_and_kie_page(model: ModelInfo) -> None:
    assert model.task_type in catalog.TASK_TYPES
    assert model.output in ("video", "image", "audio", "text")
    assert model.docs_url.startswith("https://docs.kie.ai/market/")
    assert model.title.strip() == model.title
    assert model.title


def test_the_catalog_covers_kies_market() -> None:
    by_output = {
        kind: len([m for m in MODELS if m.output == kind])
        for kind in ("video", "image", "audio", "text")
    }

    assert len(MODELS) >= 130
    assert by_output["video"] > 50
    assert by_output["image"] > 40
    assert by_output["audio"] >= 4


def test_a_field_that_takes_a_url_of_a_media_file_is_a_file_field() -> None:
    # Names that say "the URL of a media file": none may be left a plain string.
    missed = [
        (m.id, f.name)
        for m in MODELS
        for f in m.fields
        if f.file is None
        and (f.type == "string" or f.item_type == "string")
        and f.name.endswith(
            ("image_url", "image_urls", "video_url", "video_urls", "audio_url", "audio_urls")
        )
    ]

    assert missed == []


def test_no_chat_endpoint_is_in_the_catalog() -> None:
    chat = [
        m.id
        for m in MODELS
        if m.id.startswith(("claude", "gpt-5", "gemini-2", "gemini-3", "codex"))
    ]

    assert chat == []
