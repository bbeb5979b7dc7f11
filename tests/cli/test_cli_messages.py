"""Error lines in plain language: what Kie refused, why, what to do; raw facts behind --debug."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from kieai import (
    APIResponseValidationError,
    APITimeoutError,
    KieError,
    TaskCreationUncertainError,
)
from kieai._errors import make_status_error
from kieai.cli import main
from kieai.cli._messages import cli_wording, explain, install_hint
from kieai.cli._output import Output, snake_case
from kieai.testing import FakeKie

from .conftest import API_KEY, DANCE, FAST, PERSON, Invoke

FIXTURES = Path(__file__).parent.parent / "fixtures" / "media"
WRONG_KEY = "sk-wrong-key-0123456789abcdef"


def test_an_unknown_task_shows_the_raw_answer_only_with_debug(invoke: Invoke) -> None:
    result = invoke("status", "abc123", "--debug")

    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    assert lines[0] == (
        "error: Kie has no task abc123 (yet): check the id; a task just created can take a few "
        "seconds to appear"
    )
    debug = [line for line in lines if line.startswith("debug: ")]
    assert debug[0] == "debug: HTTP 200, Kie code 422"
    assert debug[1].startswith("debug: request: GET https://api.kie.ai/api/v1/jobs/recordInfo")
    assert any("recordInfo is null" in line for line in debug)


def test_json_errors_carry_the_plain_message_and_the_raw_facts(invoke: Invoke) -> None:
    result = invoke("status", "abc123", "--json")

    error = json.loads(result.stdout)["error"]
    assert error["message"].startswith("Kie has no task abc123 (yet)")
    assert error["status_code"] == 200
    assert error["code"] == 422
    assert "recordInfo is null" in error["detail"]
    assert error["request"] == "GET https://api.kie.ai/api/v1/jobs/recordInfo"
    assert error["hint"] == "look again with: kie status abc123"


def test_a_wrong_key_is_no_contradiction_of_codes(invoke: Invoke) -> None:
    result = invoke("credits", "--api-key", WRONG_KEY)

    assert result.exit_code == 3
    first = result.stderr.splitlines()[0]
    assert first == (
        "error: Kie refused the API key (while reading the credit balance): it is wrong, "
        "revoked, or not allowed from here"
    )
    assert "Error code" not in result.stderr
    assert "HTTP" not in result.stderr
    assert "debug:" not in result.stderr


def test_a_wrong_key_during_generate_names_the_upload(invoke: Invoke, fake: FakeKie) -> None:
    result = invoke("generate", "-i", PERSON, "-v", DANCE, "--api-key", WRONG_KEY, *FAST)

    assert result.exit_code == 3
    assert "error: Kie refused the API key (while uploading a file)" in result.stderr
    assert "uploaded" not in result.stderr  # Kie never accepted the files
    assert [r.route for r in fake.requests].count("createTask") == 0


def test_no_credits_says_what_to_do(invoke: Invoke, fake: FakeKie) -> None:
    fake.credits = 0
    result = invoke("generate", "-i", PERSON, "-v", DANCE, *FAST)

    assert result.exit_code == 3
    assert (
        "error: Kie refused (while creating the task): the account does not have enough credits"
        in result.stderr
    )
    assert "top up the Kie account (kie credits shows the balance)" in result.stderr


def test_an_unreachable_host_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    # A real socket (no in-process fake): nothing listens on port 1.
    code = main(["credits", "--api-key", "kie-key-1234", "--base-url", "http://127.0.0.1:1"])

    assert code == 3
    err = capsys.readouterr().err
    assert (
        err.splitlines()[0] == "error: could not reach 127.0.0.1 (while reading the credit balance)"
    )
    assert "check the network connection, a proxy, or --base-url / KIE_BASE_URL" in err


def test_a_hint_about_media_checks_names_the_flag(invoke: Invoke) -> None:
    small = str(FIXTURES / "fmp4_moov_samples_160x90_4s.mp4")
    result = invoke("check", "-i", PERSON, "-v", small)

    assert result.exit_code == 2
    assert "(--no-check-media skips this)" in result.stderr
    assert "check_media=False" not in result.stderr


def test_a_failed_task_says_what_kie_said(invoke: Invoke, fake: FakeKie) -> None:
    fake.fail_next_task("501", "no person found")
    result = invoke("generate", "-i", PERSON, "-v", DANCE, *FAST)

    assert result.exit_code == 1
    assert ": no person found (fail code 501)" in result.stderr
    assert "the failure is final" in result.stderr


@pytest.mark.parametrize(
    ("library", "cli"),
    [
        ("video: 160x90 px is too small (check_media=False skips this)", "(--no-check-media"),
        (
            'video: duration 41.2 s exceeds 30 s (character_orientation="video")',
            "--orientation video",
        ),
        ("character_orientation: must be", "--orientation: must be"),
        ("callback_url: must be an http(s) URL", "--callback-url: must be"),
        ("background_source: kling-2.6/motion-control does not take", "--background-source: kling"),
        ('needs background_source="input_video"', "needs --background-source input_video"),
        ('aspect_ratio: must be "1:1", "16:9" or "9:16"', '--aspect-ratio: must be "1:1"'),
        ('(aspect_ratio="16:9")', "(--aspect-ratio 16:9)"),
        ("needs uvicorn: pip install kieai[testing]", "pip install 'kieai[testing]'"),
    ],
)
def test_cli_wording_names_flags(library: str, cli: str) -> None:
    assert cli in cli_wording(library)


def test_install_hints_are_quoted_for_every_shell() -> None:
    assert install_hint("testing") == "pip install 'kieai[testing]'"
    assert cli_wording("pip install 'kieai[cli]'") == "pip install 'kieai[cli]'"


def _answer(code: int, msg: str, url: str = "https://api.kie.ai/api/v1/jobs/createTask") -> Any:
    request = httpx.Request("POST", url)
    body = {"code": code, "msg": msg}
    response = httpx.Response(200, json=body, request=request)
    return make_status_error(f"Error code: {code} - {msg}", response=response, body=body, code=code)


@pytest.mark.parametrize(
    ("exc", "message", "hint"),
    [
        (
            _answer(429, "Too many requests"),
            "Kie refused (while creating the task): too many requests for this account right now",
            "wait a minute",
        ),
        (
            _answer(455, "maintenance"),
            "Kie is unavailable (maintenance or overload)",
            "few minutes",
        ),
        (_answer(500, "boom"), "Kie had an internal error (while creating the task)", "--debug"),
        (
            _answer(400, "prompt is required"),
            "Kie refused the request's parameters (while creating the task): prompt is required",
            None,
        ),
        (
            _answer(404, "no such thing", "https://api.kie.ai/api/v1/common/download-url"),
            "Kie does not know what was asked for (while asking for a download URL)",
            None,
        ),
        (
            _answer(418, "teapot", "https://kieai.redpandaai.co/api/file-stream-upload"),
            "Kie refused the request (while uploading a file): teapot",
            "--debug",
        ),
        (
            APITimeoutError(request=httpx.Request("GET", "https://api.kie.ai/api/v1/chat/credit")),
            "api.kie.ai did not answer in time (while reading the credit balance)",
            "network",
        ),
        (
            APIResponseValidationError("not JSON", request=httpx.Request("GET", "https://x/y")),
            "Kie's answer was not in the shape its documentation describes",
            "--debug shows the answer",
        ),
        (
            TaskCreationUncertainError("read timeout after send"),
            "the task may have been created: the request reached Kie but no answer came back",
            "https://kie.ai/logs",
        ),
        (KieError("check_media=False would skip it"), "--no-check-media would skip it", None),
        (PermissionError(13, "Permission denied", "out.mp4"), "Permission denied: out.mp4", None),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else None,
)
def test_explain_words_each_failure(exc: BaseException, message: str, hint: str | None) -> None:
    explained = explain(exc)

    assert explained.exit_code == 3
    assert explained.message.startswith(message), explained.message
    if hint is None:
        assert explained.hint is None
    else:
        assert explained.hint is not None
        assert hint in explained.hint
    assert explained.debug[-1].startswith(("caused by", type(exc).__name__))


def test_debug_lines_carry_the_raw_facts() -> None:
    explained = explain(_answer(500, "boom"))

    assert explained.debug == [
        "HTTP 200, Kie code 500",
        "request: POST https://api.kie.ai/api/v1/jobs/createTask",
        "InternalServerError: Error code: 500 - boom",
    ]


def test_raw_json_output_keys_are_snake_case_too(capsys: pytest.CaptureFixture[str]) -> None:
    Output(json_mode=True).emit_json({"baseUrl": "u", "env": {"KIE_API_KEY": "k"}}, scrub=False)

    assert json.loads(capsys.readouterr().out) == {"base_url": "u", "env": {"KIE_API_KEY": "k"}}


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("downloadUrl", "download_url"),
        ("callBackUrl", "call_back_url"),
        ("task_id", "task_id"),
        ("KIE_API_KEY", "KIE_API_KEY"),
        ("720p", "720p"),
        ("url", "url"),
    ],
)
def test_snake_case(key: str, expected: str) -> None:
    assert snake_case(key) == expected


def test_upload_of_an_unreachable_url_shows_kies_reason_not_an_internal_error(
    invoke: Invoke, fake: FakeKie
) -> None:
    result = invoke("upload", "https://example.com/x.png")

    assert result.exit_code == 3
    first, hint = result.stderr.splitlines()[:2]
    assert first.startswith(
        "error: Kie could not fetch the URL (while having Kie fetch a file from a URL): "
        "File download failed: https://example.com/x.png could not be fetched"
    )
    assert "internal error" not in result.stderr
    assert "try again" not in result.stderr
    assert "kie upload FILE" in hint


def test_an_internal_error_with_a_reason_shows_the_reason() -> None:
    explained = explain(_answer(500, "database unavailable"))

    assert explained.message == (
        "Kie had an internal error (while creating the task), also after retrying: "
        "database unavailable"
    )


def test_every_problem_names_the_flag_and_a_bad_orientation_quotes_no_limit(
    invoke: Invoke, fake: FakeKie
) -> None:
    long_video = str(Path(__file__).parent.parent / "fixtures" / "motion" / "long_720x720_31s.mp4")

    result = invoke(
        "check", "-i", DANCE, "-v", long_video, "--orientation", "sideways", "--mode", "4k"
    )

    assert result.exit_code == 2
    problems = [line[4:] for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert problems == [
        f"--image: {DANCE!r} is an MP4 video; expected a JPEG, PNG or WebP image",
        "--video: duration 31.0 s exceeds 30 s",
        '--orientation: must be "image" or "video", got \'sideways\'',
        '--mode: must be "720p" or "1080p" ("std"/"pro" accepted), got \'4k\'',
    ]


@pytest.mark.parametrize("flag", ["--debug", "--json"])
def test_an_echoed_fragment_of_the_key_is_not_printed(
    invoke: Invoke, fake: FakeKie, flag: str
) -> None:
    fragment = API_KEY[:18]  # "kie-cli-secret-key": 18 characters of the key, not all of it
    fake.inject("credit", status=401, code=401, msg=f"key {fragment} is not allowed")

    result = invoke("credits", flag)

    printed = result.stdout + result.stderr
    runs = [API_KEY[i : i + 8] for i in range(len(API_KEY) - 7)]
    assert [run for run in runs if run in printed] == []
    assert "key [REDACTED] is not allowed" in printed
