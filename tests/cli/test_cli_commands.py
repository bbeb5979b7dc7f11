"""``kie status``, ``credits``, ``upload`` and ``check``; configuration and usage errors."""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
import sys
from pathlib import Path
from typing import Any, cast

import anyio
import pytest

from kieai import CheckReport, KieClient
from kieai._resources.motion_control import MotionControlModel
from kieai.cli import main
from kieai.cli._runtime import Runtime
from kieai.testing import FakeKie, Outcome, Schedule

from .conftest import API_KEY, DANCE, FAST, PERSON, Invoke, fields


def _create_task(fake: FakeKie) -> str:
    async def create() -> str:
        async with fake.http_client() as http, KieClient(api_key=API_KEY, http_client=http) as c:
            return await c.motion_control.create(image=PERSON, video=DANCE)

    return anyio.run(create)


# -- status ----------------------------------------------------------------------------------


def test_status_shows_the_state_without_waiting(invoke: Invoke, fake: FakeKie) -> None:
    fake.queue_outcomes(Outcome.success(schedule=Schedule(waiting=math.inf)))
    task_id = _create_task(fake)

    result = invoke("status", task_id)

    assert result.exit_code == 0, result.output
    shown = fields(result.stdout)
    assert shown["task_id"] == task_id
    assert shown["state"] == "waiting"
    assert shown["model"] == "kling-2.6/motion-control"


def test_status_json_of_a_finished_task(invoke: Invoke, fake: FakeKie) -> None:
    task_id = _create_task(fake)
    fake.finish_task(task_id)

    result = invoke("status", task_id, "--json")

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["task_id"] == task_id
    assert document["state"] == "success"
    assert document["result_urls"] == [f"{fake.base_url}/results/{task_id}.mp4"]


def test_status_of_a_failed_task_shows_the_reason(invoke: Invoke, fake: FakeKie) -> None:
    fake.fail_next_task("422", "face not detected")
    task_id = _create_task(fake)
    fake.finish_task(task_id)

    result = invoke("status", task_id)

    assert result.exit_code == 0  # status reports; it does not judge
    shown = fields(result.stdout)
    assert shown["state"] == "fail"
    assert shown["failure"] == "422: face not detected"


def test_status_of_an_unknown_task_says_so_plainly(invoke: Invoke) -> None:
    result = invoke("status", "task_unknown")

    assert result.exit_code == 3
    assert result.stderr.startswith(
        "error: Kie has no task task_unknown (yet): check the id; a task just created can take "
        "a few seconds to appear\n"
    )
    # The raw code and message are for --debug and --json only.
    assert "recordInfo is null" not in result.stderr
    assert "422" not in result.stderr


# -- credits ---------------------------------------------------------------------------------


def test_credits_prints_the_balance(invoke: Invoke, fake: FakeKie) -> None:
    fake.credits = 1234.5

    human = invoke("credits")
    machine = invoke("credits", "--json")

    assert human.exit_code == 0
    assert human.stdout.strip() == "credits: 1234.5"
    assert json.loads(machine.stdout) == {"credits": 1234.5}


# -- upload ----------------------------------------------------------------------------------


def test_upload_prints_the_url_and_stores_the_file(invoke: Invoke, fake: FakeKie) -> None:
    result = invoke("upload", PERSON, "--upload-path", "cli", "--file-name", "me.png")

    assert result.exit_code == 0, result.output
    stored = fake.uploads["cli/me.png"]
    assert stored.data == Path(PERSON).read_bytes()
    assert fields(result.stdout)["url"] == stored.url
    assert "uploaded person.png" in result.stderr


def test_upload_json(invoke: Invoke) -> None:
    result = invoke("upload", DANCE, "--json")

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["url"].startswith("http")
    assert document["expires_at"]


def _keys(value: object) -> list[str]:
    """Every key of every mapping nested in ``value``."""
    if isinstance(value, dict):
        items = cast("dict[str, object]", value).items()
        return [key for key, item in items for key in (key, *_keys(item))]
    if isinstance(value, list):
        return [key for item in cast("list[object]", value) for key in _keys(item)]
    return []


SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


def test_upload_json_keys_are_snake_case(invoke: Invoke) -> None:
    result = invoke("upload", PERSON, "--json")

    document = json.loads(result.stdout)
    assert all(SNAKE.fullmatch(key) for key in _keys(document)), sorted(_keys(document))
    assert "downloadUrl" not in result.stdout
    assert {"url", "file_name", "file_path", "size", "expires_at"} <= set(document)


def test_status_json_keys_are_snake_case(invoke: Invoke, fake: FakeKie) -> None:
    task_id = _create_task(fake)
    fake.finish_task(task_id)

    document = json.loads(invoke("status", task_id, "--json").stdout)

    assert all(SNAKE.fullmatch(key) for key in _keys(document)), sorted(_keys(document))


def test_upload_says_uploaded_only_after_kies_answer(invoke: Invoke) -> None:
    refused = invoke("upload", PERSON, "--api-key", "sk-wrong-key-0123456789abcdef")
    accepted = invoke("upload", PERSON)

    assert refused.exit_code == 3
    assert "waiting for Kie" in refused.stderr
    assert "uploaded" not in refused.stderr
    assert accepted.stderr.splitlines()[-2:] == [
        "sent person.png (2.4 kB), waiting for Kie",
        "uploaded person.png (2.4 kB)",
    ]


def test_upload_from_a_url(invoke: Invoke, fake: FakeKie) -> None:
    fake.add_remote_file("https://example.com/pose.png", Path(PERSON).read_bytes())

    result = invoke("upload", "https://example.com/pose.png", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["url"].startswith(fake.base_url)


def test_upload_of_a_missing_file_exits_2(invoke: Invoke, fake: FakeKie) -> None:
    result = invoke("upload", "nowhere.mp4")

    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert "nowhere.mp4" in result.stderr
    assert fake.requests == []


# -- check -----------------------------------------------------------------------------------


def test_check_good_inputs_exits_0_showing_what_was_measured(invoke: Invoke) -> None:
    result = invoke("check", "--image", PERSON, "--video", DANCE, env={"KIE_API_KEY": None})

    assert result.exit_code == 0, result.output
    assert fields(result.stdout) == {"image": "PNG 480x720", "video": "MP4 720x720, 4.0 s"}
    assert "ok:" in result.stderr


def test_check_bad_inputs_exits_2_listing_every_problem(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "empty.mp4").write_bytes(b"")
    result = invoke(
        "check", "-i", DANCE, "-v", "empty.mp4", "--orientation", "sideways", "--mode", "8k"
    )

    assert result.exit_code == 2
    assert "4 problems with the input:" in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.startswith("  - ")]) == 4
    # Worded for the command line: the flag the user typed, not the library's argument.
    assert '  - --orientation: must be "image" or "video", got \'sideways\'' in result.stderr
    assert "character_orientation" not in result.stderr


def test_check_json_reports_measurements_and_problems(invoke: Invoke) -> None:
    # dance.mp4 is 4 s: fine for "video", and for "image" too (<= 10 s); a PNG is no video.
    result = invoke("check", "-i", PERSON, "-v", PERSON, "--orientation", "image", "--json")

    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert document["ok"] is False
    assert document["image"] == {"format": "png", "width": 480, "height": 720}
    assert document["video"] is None
    assert len(document["problems"]) == 1
    assert document["problems"][0].startswith("video:")


@pytest.mark.parametrize("model", ["kling-2.6/motion-control", "kling-3.0/motion-control"])
def test_check_reports_exactly_what_the_library_check_reports(
    invoke: Invoke, tmp_path: Path, model: MotionControlModel
) -> None:
    """``kie check`` builds no client but runs the same checks: the same problems, in the
    same order and words (the "does not take" one included), and the same measurements."""
    (tmp_path / "empty.mp4").write_bytes(b"")
    prompt = "p" * 2600

    result = invoke(
        *("check", "-i", DANCE, "-v", "empty.mp4", "--model", model, "--mode", "8k"),
        *("--prompt", prompt, "--background-source", "input_image", "--json"),
    )

    async def library() -> CheckReport:
        async with KieClient(api_key=API_KEY) as client:
            return await client.motion_control.check(
                image=DANCE,
                video="empty.mp4",
                model=model,
                mode=cast(Any, "8k"),
                prompt=prompt,
                background_source="input_image",
            )

    report = anyio.run(library)
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert document["problems"] == report.problems
    assert len(report.problems) == (5 if model == "kling-2.6/motion-control" else 4)
    assert document["image"] is None and report.image is None


def test_check_an_unknown_model_exits_2_naming_the_choices(invoke: Invoke) -> None:
    result = invoke("check", "-i", PERSON, "-v", DANCE, "--model", "kling-9/motion-control")

    assert result.exit_code == 2
    assert "model: must be 'kling-2.6/motion-control' or 'kling-3.0/motion-control'" in (
        result.stderr
    )


# -- configuration and usage -----------------------------------------------------------------


def test_missing_api_key_exits_2_naming_the_variable(invoke: Invoke, fake: FakeKie) -> None:
    result = invoke("credits", env={"KIE_API_KEY": None})

    assert result.exit_code == 2
    assert "KIE_API_KEY" in result.stderr
    assert "--api-key" in result.stderr
    assert fake.requests == []


def test_missing_api_key_json_error(invoke: Invoke) -> None:
    result = invoke("status", "task_x", "--json", env={"KIE_API_KEY": ""})

    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["exit_code"] == 2
    assert "KIE_API_KEY" in error["message"]


def test_wrong_api_key_exits_3_and_is_never_printed(invoke: Invoke, fake: FakeKie) -> None:
    wrong = "sk-wrong-key-0123456789abcdef"
    result = invoke("credits", "--api-key", wrong, "--json")

    assert result.exit_code == 3
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "AuthenticationError"
    assert error["code"] == 401
    assert error["message"].startswith("Kie refused the API key")
    assert "check KIE_API_KEY or --api-key" in result.stderr
    assert wrong not in result.stdout + result.stderr
    assert fake.requests[0].headers["authorization"] == f"Bearer {wrong}"


def test_api_key_option_wins_over_the_environment(invoke: Invoke) -> None:
    result = invoke("credits", "--api-key", API_KEY, env={"KIE_API_KEY": "something-else"})

    assert result.exit_code == 0, result.output


def test_base_url_option_is_used(invoke: Invoke, fake: FakeKie) -> None:
    result = invoke("credits", "--base-url", "https://kie.example.test/")

    assert result.exit_code == 0, result.output
    assert fake.requests[0].host == "kie.example.test"


def test_a_bad_base_url_exits_2(invoke: Invoke) -> None:
    result = invoke("credits", "--base-url", "ftp://nope")

    assert result.exit_code == 2
    assert "base_url: must start with http:// or https://" in result.stderr


def test_insufficient_credits_exits_3_with_a_hint(invoke: Invoke, fake: FakeKie) -> None:
    fake.credits = 0
    result = invoke("generate", "-i", PERSON, "-v", DANCE, *FAST)

    assert result.exit_code == 3
    assert "top up" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["generate", "--video", DANCE],  # --image missing
        ["credits", "--no-such-option"],
        ["no-such-command"],
        ["status"],  # TASK_ID missing
        ["wait", "task_x", "--timeout", "-1"],
    ],
)
def test_usage_errors_exit_2(invoke: Invoke, args: list[str]) -> None:
    result = invoke(*args)

    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_no_arguments_shows_help(invoke: Invoke) -> None:
    result = invoke()

    assert "generate" in result.output
    assert "fake-server" in result.output


def test_version(invoke: Invoke) -> None:
    from kieai import __version__

    result = invoke("--version")

    assert result.exit_code == 0
    assert __version__ in result.stdout


# -- main() ----------------------------------------------------------------------------------


def test_main_returns_the_exit_code(
    fake: FakeKie, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KIE_API_KEY", API_KEY)
    runtime = Runtime(http_client_factory=fake.http_client)

    assert main(["credits", "--json"], runtime=runtime) == 0
    assert json.loads(capsys.readouterr().out) == {"credits": 100000}
    assert main(["status"], runtime=runtime) == 2


def test_main_without_the_cli_extra_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delitem(sys.modules, "kieai.cli._app", raising=False)
    monkeypatch.setitem(sys.modules, "typer", None)  # makes `import typer` raise ImportError

    assert main(["credits"]) == 2
    assert "pip install 'kieai[cli]'" in capsys.readouterr().err


def test_json_output_stays_valid_with_a_short_api_key() -> None:
    with (
        contextlib.redirect_stdout(io.StringIO()) as out,
        contextlib.redirect_stderr(io.StringIO()),
    ):
        code = main(
            [
                "credits",
                "--json",
                "--api-key",
                "x",
                "--base-url",
                "http://127.0.0.1:1",
            ]
        )
    assert code == 3
    document = json.loads(out.getvalue())
    assert document["error"]["exit_code"] == 3
