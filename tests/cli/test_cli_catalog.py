"""``kie models`` and ``kie models show ID``: the catalog offline, as lines or one JSON
document, with exit 2 and the closest names for a wrong task type or id."""

from __future__ import annotations

import json
import subprocess
import sys

from kieai import catalog
from kieai.testing import FakeKie

from .conftest import Invoke


def test_models_lists_every_model_with_its_task_type_output_and_price(
    invoke: Invoke, fake: FakeKie
) -> None:
    result = invoke("models")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["model", "task", "type", "output", "price"]
    assert len(lines) == 1 + len(catalog.models())
    motion = next(line for line in lines if line.startswith("kling-2.6/motion-control "))
    assert motion.split()[:3] == ["kling-2.6/motion-control", "motion-control", "video"]
    assert "11 credits per second (mode=720p)" in motion  # the shipped price table
    unpriced = next(m.id for m in catalog.models() if m.price is None)
    assert any(line.split()[0] == unpriced and line.endswith("unknown") for line in lines)
    assert f"{len(catalog.models())} of {len(catalog.models())} models" in result.stderr
    assert fake.requests == []  # offline


def test_models_filters_by_task_type(invoke: Invoke) -> None:
    result = invoke("models", "--task-type", "motion-control")

    assert result.exit_code == 0, result.output
    listed = [line.split()[0] for line in result.stdout.splitlines()[1:]]
    assert listed == [m.id for m in catalog.models(task_type="motion-control")]
    assert "kling-2.6/motion-control" in listed


def test_models_json_is_one_document_with_snake_case_keys(invoke: Invoke) -> None:
    result = invoke("models", "--search", "NANO-BANANA-EDIT", "--json")

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["snapshot_date"] == catalog.snapshot_date
    assert document["models"] == [
        {
            "id": "google/nano-banana-edit",
            "title": catalog.get("google/nano-banana-edit").title,
            "task_type": "image-to-image",
            "also_task_types": [],
            "output": "image",
            "docs_url": "https://docs.kie.ai/market/google/nano-banana-edit",
            "price": {
                "credits": 4.0,
                "unit": "image",
                "source": catalog.get("google/nano-banana-edit").prices[0].source,
                "as_of": "2026-09-21",
                "when": {},
            },
        }
    ]


def test_models_matching_nothing_lists_nothing_and_succeeds(invoke: Invoke) -> None:
    result = invoke("models", "--search", "no such model", "--json")

    assert result.exit_code == 0
    assert json.loads(result.stdout)["models"] == []


def test_an_unknown_task_type_exits_2_naming_the_choices(invoke: Invoke) -> None:
    result = invoke("models", "--task-type", "text-to-smell")

    assert result.exit_code == 2
    assert "--task-type: 'text-to-smell' is not a task type; choose from" in result.stderr
    assert "image-to-video" in result.stderr
    assert result.stdout == ""


def test_an_unknown_task_type_with_json_prints_an_error_document(invoke: Invoke) -> None:
    result = invoke("models", "--task-type", "text-to-smell", "--json")

    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["exit_code"] == 2
    assert "text-to-smell" in error["message"]


def test_show_prints_the_models_facts_and_every_field_with_its_rules(invoke: Invoke) -> None:
    result = invoke("models", "show", "kling-2.6/motion-control")

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "task type: motion-control" in out
    assert "price:     11 credits per second (mode=720p); 18 credits per second" in out
    assert "docs:      https://docs.kie.ai/market/kling/motion-control" in out
    video = next(line for line in out.splitlines() if line.startswith("video_urls"))
    assert "required" in video
    assert "≤ 1 items" in video
    assert "video files" in video
    assert "≤ 100 MiB each" in video
    assert "3–30 s long" in video
    mode = next(line for line in out.splitlines() if line.startswith("mode "))
    assert "default 720p" in mode
    assert "one of 720p, 1080p" in mode


def test_show_json_has_every_field_with_its_limits_and_file_spec(invoke: Invoke) -> None:
    result = invoke("models", "show", "google/nano-banana-edit", "--json")

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert (document["id"], document["output"]) == ("google/nano-banana-edit", "image")
    assert document["price"] == document["prices"][0]
    assert (document["price"]["credits"], document["price"]["unit"]) == (4.0, "image")
    fields = {f["name"]: f for f in document["fields"]}
    assert fields["image_urls"]["required"] is True
    assert fields["image_urls"]["max_items"] == 10
    assert fields["image_urls"]["is_file"] is True
    assert fields["image_urls"]["file"] == {
        "kind": "image",
        "multiple": True,
        "mime_types": ["image/jpeg", "image/png", "image/webp"],
        "max_bytes": 10485760,
        "min_duration_s": None,
        "max_duration_s": None,
    }
    assert fields["output_format"]["choices"] == ["png", "jpeg"]
    assert fields["prompt"]["is_file"] is False


def test_show_an_unknown_id_exits_2_naming_the_closest_ids(invoke: Invoke) -> None:
    result = invoke("models", "show", "kling-2.6/motion-contrl")

    assert result.exit_code == 2
    assert "'kling-2.6/motion-contrl' is not in kieai's catalog" in result.stderr
    assert "did you mean 'kling-2.6/motion-control'" in result.stderr


def test_show_an_unknown_id_with_json_prints_an_error_document(invoke: Invoke) -> None:
    result = invoke("models", "show", "nope/nothing", "--json")

    assert result.exit_code == 2
    assert (
        "'nope/nothing' is not in kieai's catalog" in json.loads(result.stdout)["error"]["message"]
    )


def test_show_a_model_without_fields_says_so(invoke: Invoke) -> None:
    empty = next(m.id for m in catalog.models() if not m.fields)

    result = invoke("models", "show", empty)

    assert result.exit_code == 0
    assert "lists no fields" in result.stderr


def test_kie_models_imports_neither_httpx_nor_the_client() -> None:
    """(pydantic it may: typer converts options with it, as for every command.)"""
    probe = (
        "import contextlib, io, json, sys\n"
        "from kieai.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    code = main(['models', 'show', 'google/nano-banana-edit', '--json'])\n"
        "heavy = ('httpx', 'anyio', 'kieai._client')\n"
        "print(json.dumps([code, [m for m in heavy if m in sys.modules]]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )

    assert json.loads(done.stdout.splitlines()[-1]) == [0, []]
