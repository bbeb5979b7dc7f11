"""``kie veo``, ``kie suno``, ``kie runway`` and ``--family`` on ``kie wait``/``kie status``:
the same flow, progress and ``--json`` as ``kie generate``, against FakeKie."""

from __future__ import annotations

import json
from pathlib import Path

from kieai.testing import FakeKie

from .conftest import FAST, PERSON, Invoke, fields

HOOK = "https://example.com/kie/suno"


def test_kie_veo_generates_and_downloads(invoke: Invoke, fake: FakeKie, tmp_path: Path) -> None:
    result = invoke("veo", "--prompt", "a dog", "--image", PERSON, "--json", *FAST)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["state"] == "success"
    assert document["task"]["family"] == "veo"
    assert Path(document["output"]).read_bytes()[4:8] == b"ftyp"
    (body,) = [r.json() for r in fake.requests if r.path == "/api/v1/veo/generate"]
    assert body["model"] == "veo3_fast"
    assert len(body["imageUrls"]) == 1


def test_kie_suno_needs_a_callback_url(invoke: Invoke, fake: FakeKie) -> None:
    result = invoke("suno", "--prompt", "a tune", *FAST)
    assert result.exit_code != 0
    assert "--callback-url: is required for Suno" in result.stderr
    assert not fake.requests


def test_kie_suno_saves_the_first_track(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("suno", "--prompt", "a tune", "--callback-url", HOOK, *FAST)
    assert result.exit_code == 0, result.stderr
    saved = Path(fields(result.stdout)["saved"])
    assert saved.suffix == ".wav"
    assert saved.read_bytes().startswith(b"RIFF")


def test_kie_suno_json_names_its_tracks_urls_not_video_urls(invoke: Invoke) -> None:
    result = invoke(
        "suno", "--prompt", "a tune", "--callback-url", HOOK, "--no-download", "--json", *FAST
    )
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert "video_url" not in document
    assert "video_urls" not in document
    assert len(document["urls"]) == 2  # Suno's two tracks
    assert document["url"] == document["urls"][0]


def test_kie_runway_without_family_finds_it_in_the_journal(invoke: Invoke) -> None:
    result = invoke(
        "runway", "--prompt", "a cat", "--aspect-ratio", "1:1", "--no-download", "--json", *FAST
    )
    assert result.exit_code == 0, result.stderr
    task_id = json.loads(result.stdout)["task_id"]

    status = invoke("status", task_id, "--json")  # no --family: the CLI's journal knows it

    assert status.exit_code == 0, status.stderr
    assert json.loads(status.stdout)["family"] == "runway"


def test_kie_runway_then_status_and_wait_by_family(invoke: Invoke, fake: FakeKie) -> None:
    result = invoke(
        "runway", "--prompt", "a cat", "--aspect-ratio", "1:1", "--no-download", "--json", *FAST
    )
    assert result.exit_code == 0, result.stderr
    task_id = json.loads(result.stdout)["task_id"]
    status = invoke("status", task_id, "--family", "runway", "--json")
    assert json.loads(status.stdout)["raw"]["state"] == "success"
    waited = invoke("wait", task_id, "--family", "runway", "--no-download", *FAST)
    assert waited.exit_code == 0, waited.stderr
    assert fields(waited.stdout)["state"] == "success"


def _suno_task(invoke: Invoke) -> str:
    result = invoke(
        "suno", "--prompt", "a tune", "--callback-url", HOOK, "--no-download", "--json", *FAST
    )
    assert result.exit_code == 0, result.stderr
    return str(json.loads(result.stdout)["task_id"])


def test_kie_status_of_a_suno_task_names_its_tracks_audio_urls(invoke: Invoke) -> None:
    task_id = _suno_task(invoke)

    status = invoke("status", task_id)  # the family comes from the journal

    assert status.exit_code == 0, status.stderr
    assert "video_url" not in status.stdout
    assert status.stdout.count("audio_url:") == 2  # Suno's two tracks


def test_kie_wait_for_a_suno_task_names_its_tracks_urls(invoke: Invoke) -> None:
    task_id = _suno_task(invoke)

    waited = invoke("wait", task_id, "--no-download", "--json", *FAST)
    human = invoke("wait", task_id, "--no-download", *FAST)

    assert waited.exit_code == 0, waited.stderr
    document = json.loads(waited.stdout)
    assert "video_url" not in document
    assert "video_urls" not in document
    assert len(document["urls"]) == 2
    assert human.exit_code == 0, human.stderr
    assert "video_url" not in human.stdout
    assert fields(human.stdout)["audio_url"] == document["url"]


def test_kie_tasks_show_of_a_suno_task_lists_its_result_urls(invoke: Invoke) -> None:
    task_id = _suno_task(invoke)

    shown = invoke("tasks", "show", task_id)

    assert shown.exit_code == 0, shown.stderr
    assert "video_url" not in shown.stdout
    assert len(json.loads(fields(shown.stdout)["result_urls"])) == 2
