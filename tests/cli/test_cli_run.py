"""``kie run ID key=value ...`` and ``kie check ID key=value ...`` end to end against FakeKie
in-process: values read by the field's declared type, ``@path`` uploads, repeated keys, models
the catalog does not know, and nothing sent before the input and ``-o`` pass."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from kieai import VideoInfo, catalog, probe
from kieai.cli._app import app
from kieai.cli._run import assignments
from kieai.cli._runtime import Runtime
from kieai.testing import DEFAULT_MODELS, FakeKie, Outcome, Schedule

from .conftest import API_KEY, FAST, PERSON, QUICK, Invoke, fields

#: A model Kie might add next month: not in kieai's catalog; this fake accepts it with any input.
NEW_MODEL = "acme/model-of-next-month"
IMAGE_TO_VIDEO = ("kling-2.6/image-to-video", "prompt=She waves.", "duration=5", "sound=false")


@pytest.fixture
def fake() -> FakeKie:
    return FakeKie(api_key=API_KEY, schedule=QUICK, models=[*DEFAULT_MODELS, NEW_MODEL])


def _created_id(stderr: str) -> str:
    match = re.search(r"task (\S+) created \(resume with: kie wait \1\)", stderr)
    assert match is not None, stderr
    return match.group(1)


# -- reading key=value ----------------------------------------------------------------------


def test_values_are_read_by_the_fields_declared_type() -> None:
    seedream = catalog.get("bytedance/seedream")
    dialogue = catalog.get("elevenlabs/text-to-dialogue-v3")

    input, problems = assignments(
        seedream, ["prompt=a 3 in the sky", "seed=42", "guidance_scale=2.5"]
    )
    listed, list_problems = assignments(
        dialogue, ['dialogue=[{"text": "hi", "voice": "Adam"}]', "stability=0.5"]
    )

    assert problems == list_problems == []
    assert input == {"prompt": "a 3 in the sky", "seed": 42, "guidance_scale": 2.5}
    assert listed == {"dialogue": [{"text": "hi", "voice": "Adam"}], "stability": 0.5}


def test_unreadable_values_are_all_reported_by_field() -> None:
    seedream = catalog.get("bytedance/seedream")
    i2v = catalog.get("kling-2.6/image-to-video")

    _, problems = assignments(seedream, ["seed=4.5", "guidance_scale=lots", "no-equals-sign"])
    _, more = assignments(i2v, ["sound=maybe", "prompt=a", "prompt=b"])

    assert problems == [
        "seed: must be an integer, got '4.5'",
        "guidance_scale: must be a number, got 'lots'",
        "'no-equals-sign': expected key=value (key=@path for a local file)",
    ]
    assert more == [
        "sound: must be true or false, got 'maybe'",
        "prompt: given 2 times; it takes one value",
    ]


def test_at_marks_a_local_file_and_a_repeated_key_fills_a_list_field() -> None:
    edit = catalog.get("google/nano-banana-edit")

    input, problems = assignments(
        edit, ["image_urls=@a.png", "image_urls=https://example.com/b.png", "prompt=@notes.txt"]
    )

    assert problems == []
    assert input == {
        "image_urls": [Path("a.png"), "https://example.com/b.png"],
        "prompt": Path("notes.txt"),  # not a file field: the checks refuse it, naming it
    }


def test_a_model_the_catalog_does_not_know_gets_what_each_value_reads_as() -> None:
    input, problems = assignments(
        None, ["count=3", "ratio=0.5", "flag=true", "name=x", "tags=a", "tags=b", "opts={}"]
    )

    assert problems == []
    assert input == {
        "count": 3,
        "ratio": 0.5,
        "flag": True,
        "name": "x",
        "tags": ["a", "b"],
        "opts": {},
    }


# -- kie run --------------------------------------------------------------------------------


def test_run_uploads_the_at_file_creates_and_saves_the_output(
    invoke: Invoke, fake: FakeKie, tmp_path: Path
) -> None:
    result = invoke("run", *IMAGE_TO_VIDEO, f"image_urls=@{PERSON}", "-o", "out.mp4", *FAST)

    assert result.exit_code == 0, result.output
    assert "uploaded person.png" in result.stderr
    task_id = _created_id(result.stderr)
    sent = fake.task(task_id).input
    assert (sent["duration"], sent["sound"], sent["prompt"]) == ("5", False, "She waves.")
    assert len(sent["image_urls"]) == 1
    assert sent["image_urls"][0].startswith("http")
    assert len(fake.uploads) == 1
    assert isinstance(probe(tmp_path / "out.mp4"), VideoInfo)
    shown = fields(result.stdout)
    assert (shown["task_id"], shown["state"]) == (task_id, "success")


def test_run_json_is_one_document_with_every_url(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("run", *IMAGE_TO_VIDEO, f"image_urls=@{PERSON}", "--json", *FAST)

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["kind"] == "video"
    assert document["urls"] == [document["url"]]
    saved = Path(document["output"])
    assert saved == (tmp_path / f"{document['task_id']}.mp4").resolve()
    assert saved.is_file()


def test_run_with_a_model_the_catalog_does_not_know_sends_it_as_given(
    invoke: Invoke, fake: FakeKie
) -> None:
    result = invoke(
        "run", NEW_MODEL, "count=3", "flag=true", "name=x", "tags=a", "tags=b", "--no-download",
        "--json", *FAST,
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    task = fake.task(json.loads(result.stdout)["task_id"])
    assert task.model == NEW_MODEL
    assert task.input == {"count": 3, "flag": True, "name": "x", "tags": ["a", "b"]}


def test_run_with_bad_input_exits_2_listing_every_problem_in_kies_names(
    invoke: Invoke, fake: FakeKie, tmp_path: Path
) -> None:
    (tmp_path / "note.png").write_bytes(b"text, not an image")
    result = invoke(
        "run", "kling-2.6/image-to-video", "promt=hi", "duration=7", "sound=maybe",
        "image_urls=@note.png",
    )  # fmt: skip

    assert result.exit_code == 2
    assert "problems with the input:" in result.stderr
    problems = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert any(p.startswith("  - sound: must be true or false") for p in problems)
    assert any(p.startswith("  - promt:") and "'prompt'" in p for p in problems)
    assert any(p.startswith("  - duration:") for p in problems)
    assert any(p.startswith("  - image_urls[0]:") for p in problems)
    assert "Traceback" not in result.output
    assert fake.requests == []  # nothing uploaded, nothing created


def test_run_bad_input_json_lists_the_problems(invoke: Invoke, fake: FakeKie) -> None:
    result = invoke("run", "z-image", "prompt=p", "aspect_ratio=2:1", "--json")

    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert (error["type"], error["exit_code"]) == ("KieInputError", 2)
    assert len(error["problems"]) == 1
    assert error["problems"][0].startswith("aspect_ratio:")  # Kie's name, not a flag
    assert fake.requests == []


def test_run_refuses_an_unwritable_destination_before_uploading(
    invoke: Invoke, fake: FakeKie
) -> None:
    result = invoke("run", *IMAGE_TO_VIDEO, f"image_urls=@{PERSON}", "-o", f"{PERSON}/out.mp4")

    assert result.exit_code == 2
    assert "is a file, not a directory" in result.stderr
    assert fake.requests == []


def test_run_a_failed_task_exits_1(invoke: Invoke, fake: FakeKie, tmp_path: Path) -> None:
    fake.fail_next_task("500", "model exploded")
    result = invoke("run", *IMAGE_TO_VIDEO, f"image_urls=@{PERSON}", "-o", "out.mp4", *FAST)

    assert result.exit_code == 1
    task_id = _created_id(result.stderr)
    assert f"Kie could not generate task {task_id}: model exploded" in result.stderr
    assert not (tmp_path / "out.mp4").exists()


def test_run_a_timeout_exits_1_with_the_resume_command(invoke: Invoke, fake: FakeKie) -> None:
    fake.queue_outcomes(Outcome.success(schedule=Schedule(generating=math.inf)))
    result = invoke(
        "run", *IMAGE_TO_VIDEO, f"image_urls=@{PERSON}", "-o", "a.mp4", "--timeout", "0.2", *FAST
    )

    assert result.exit_code == 1
    task_id = _created_id(result.stderr)
    assert f"resume with: kie wait {task_id} -o a.mp4" in result.stderr


def test_run_without_a_key_exits_2_before_anything_is_sent(invoke: Invoke, fake: FakeKie) -> None:
    result = invoke("run", *IMAGE_TO_VIDEO, f"image_urls=@{PERSON}", env={"KIE_API_KEY": None})

    assert result.exit_code == 2
    assert "KIE_API_KEY" in result.stderr
    assert fake.requests == []


# -- kie check ID key=value -----------------------------------------------------------------


def test_check_any_model_reports_every_problem_with_no_request(
    invoke: Invoke, fake: FakeKie
) -> None:
    result = invoke(
        "check", "google/nano-banana-edit", "promt=snow", f"image_urls=@{PERSON}",
        "output_format=gif",
    )  # fmt: skip

    assert result.exit_code == 2
    assert "3 problems with the input:" in result.stderr
    assert "did you mean 'prompt'?" in result.stderr
    assert "output_format:" in result.stderr
    assert fake.requests == []


def test_check_any_model_ok(invoke: Invoke) -> None:
    result = invoke("check", "google/nano-banana-edit", "prompt=snow", f"image_urls=@{PERSON}")
    unknown = invoke("check", NEW_MODEL, "anything=1", "--json")

    assert result.exit_code == 0, result.output
    assert "ok: the input passes every local check" in result.stderr
    assert unknown.exit_code == 0, unknown.output
    assert json.loads(unknown.stdout) == {
        "ok": True,
        "problems": [],
        "model": NEW_MODEL,
        "in_catalog": False,
    }


def test_check_takes_one_form_or_the_other(invoke: Invoke) -> None:
    both = invoke("check", "z-image", "prompt=p", "--image", PERSON, "--video", PERSON)
    neither = invoke("check")

    assert both.exit_code == neither.exit_code == 2
    assert "not both" in both.stderr
    assert "--image and --video" in neither.stderr


def test_check_any_model_builds_no_client_and_loads_no_http_stack() -> None:
    argv = ["check", "google/nano-banana-edit", "prompt=snow", f"image_urls=@{PERSON}"]
    probe = (
        "import contextlib, io, json, sys\n"
        "from kieai.cli import main\n"
        "with contextlib.redirect_stderr(io.StringIO()):\n"
        f"    code = main({argv!r})\n"
        "print(json.dumps([code, sorted(sys.modules)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    code, modules = json.loads(done.stdout.strip().splitlines()[-1])

    assert code == 0
    assert "kieai._checks" in modules  # the checks really ran here
    heavy = {"httpx", "httpcore", "tenacity", "kieai._client", "kieai._generated.calls"}
    assert heavy & set(modules) == set()


def _answers_with_data(request: httpx.Request) -> httpx.Response:
    """Kie for a model whose output is data, not files: createTask, then a finished record
    whose result is a ``resultObject`` (what FakeKie does not serve)."""
    if request.url.path.endswith("/createTask"):
        data: dict[str, object] = {"taskId": "task_data_1"}
    else:
        data = {
            "taskId": "task_data_1",
            "model": NEW_MODEL,
            "state": "success",
            "resultJson": json.dumps({"resultObject": {"people": 2}}),
        }
    return httpx.Response(200, json={"code": 200, "msg": "success", "data": data})


def test_run_a_result_of_data_prints_it_and_saves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    def client() -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(_answers_with_data))

    runtime = Runtime(http_client_factory=client)
    result = CliRunner().invoke(
        app,
        ["run", NEW_MODEL, "image_url=https://cdn.example/p.png", "--json", *FAST],
        obj=runtime,
        env={"KIE_API_KEY": API_KEY},
        catch_exceptions=False,
    )

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert (document["kind"], document["urls"], document["output"]) == ("text", [], None)
    assert document["result"] == {"people": 2}
    assert list(tmp_path.iterdir()) == []
