"""``kie batch jobs.jsonl --out DIR``: every line checked first (exit 2, nothing sent), outputs
written under their keys, a summary (``--json``: counts and each job's outcome), exit 0 only
when every job succeeded, and the same command again resumes without a second create."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kieai.testing import FAIL_MARKER, FakeKie

from .conftest import FAST, PERSON, Invoke

T2V = "kling-2.6/text-to-video"


def _line(key: str, prompt: str = "A fox.", **extra: Any) -> str:
    input = {"prompt": prompt, "sound": False, "duration": "5", "aspect_ratio": "1:1", **extra}
    return json.dumps({"key": key, "model": T2V, "input": input})


def _write(tmp_path: Path, lines: list[str]) -> str:
    path = tmp_path / "jobs.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _creates(fake: FakeKie) -> int:
    return sum(1 for r in fake.requests if r.route == "createTask")


def test_every_job_done_writes_each_output_and_exits_0(
    invoke: Invoke, fake: FakeKie, tmp_path: Path
) -> None:
    jobs = _write(tmp_path, [_line(f"fox-{n}") for n in range(5)])
    result = invoke("batch", jobs, "--out", "out", "--json", *FAST)

    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["jobs"], summary["done"], summary["failed"], summary["uncertain"]) == (
        5,
        5,
        0,
        0,
    )
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        f"fox-{n}.mp4" for n in range(5)
    ]
    assert [o["key"] for o in summary["outcomes"]] == [f"fox-{n}" for n in range(5)]
    assert all(o["error"] is None and o["task_id"] for o in summary["outcomes"])


def test_a_failed_job_is_named_with_its_reason_and_the_exit_code_is_1(
    invoke: Invoke, fake: FakeKie, tmp_path: Path
) -> None:
    jobs = _write(tmp_path, [_line("good"), _line("bad", f"Fox {FAIL_MARKER}"), _line("also")])
    result = invoke("batch", jobs, "--out", "out", "--json", *FAST)

    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert (summary["done"], summary["failed"]) == (2, 1)
    bad = next(o for o in summary["outcomes"] if o["key"] == "bad")
    assert bad["state"] == "failed"
    assert bad["error"]["type"] == "TaskFailedError"
    assert "Internal server error" in bad["error"]["message"]


def test_the_human_summary_lists_failures_first_with_their_reasons(
    invoke: Invoke, fake: FakeKie, tmp_path: Path
) -> None:
    jobs = _write(tmp_path, [_line("good"), _line("bad", f"Fox {FAIL_MARKER}")])
    result = invoke("batch", jobs, "--out", "out", *FAST)

    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    bad = next(n for n, line in enumerate(lines) if line.strip().startswith("bad"))
    good = next(n for n, line in enumerate(lines) if line.strip().startswith("good"))
    assert bad < good and "failed" in lines[bad] and "Internal server error" in lines[bad]
    assert "1 done, 1 failed, 0 uncertain of 2" in result.stdout
    assert "jobs 2/2" in result.stderr  # the plain progress line off a terminal


def test_every_bad_line_is_reported_together_and_nothing_is_sent(
    invoke: Invoke, fake: FakeKie, tmp_path: Path
) -> None:
    jobs = _write(
        tmp_path,
        [
            _line("a"),
            "not json",
            json.dumps({"key": "b", "model": T2V}),
            _line("a"),
            _line("c", duraton="5"),
        ],
    )
    result = invoke("batch", jobs, "--out", "out", "--json")

    assert result.exit_code == 2
    problems = json.loads(result.stdout)["error"]["problems"]
    assert any(p.startswith("jobs.jsonl:2: not a JSON object") for p in problems)
    assert "jobs.jsonl:3: input: must be an object" in problems
    assert "jobs.jsonl:4: key 'a' is already used on line 1" in problems
    assert fake.requests == []


def test_an_input_problem_of_any_job_stops_the_batch_before_anything_is_paid(
    invoke: Invoke, fake: FakeKie, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.png"
    line = json.dumps(
        {
            "key": "img",
            "model": "kling-2.6/image-to-video",
            "input": {"prompt": "A fox.", "image_urls": [f"@{missing}"], "duration": "5"},
        }
    )
    jobs = _write(tmp_path, [_line("ok"), line, _line("typo", duraton="5")])
    result = invoke("batch", jobs, "--out", "out", "--json")

    assert result.exit_code == 2
    problems = json.loads(result.stdout)["error"]["problems"]
    assert any(p.startswith("img: ") and "missing.png" in p for p in problems)
    assert any(p.startswith("typo: ") and "duration" in p for p in problems)
    assert fake.requests == []


def test_the_same_command_again_resumes_without_creating_any_job_twice(
    invoke: Invoke, fake: FakeKie, tmp_path: Path
) -> None:
    jobs = _write(tmp_path, [_line(f"fox-{n}") for n in range(4)])
    first = invoke("batch", jobs, "--out", "out", "--json", *FAST)
    (tmp_path / "out" / "fox-2.mp4").unlink()  # lost: written again from the recorded result
    again = invoke("batch", jobs, "--out", "out", "--json", *FAST)

    assert (first.exit_code, again.exit_code) == (0, 0)
    assert json.loads(again.stdout)["done"] == 4
    assert _creates(fake) == 4
    assert (tmp_path / "out" / "fox-2.mp4").exists()


def test_a_local_file_given_as_at_path_is_uploaded(
    invoke: Invoke, fake: FakeKie, tmp_path: Path
) -> None:
    line = json.dumps(
        {
            "key": "person",
            "model": "kling-2.6/image-to-video",
            "input": {
                "prompt": "A wave.",
                "image_urls": [f"@{PERSON}"],
                "duration": "5",
                "sound": False,
            },
        }
    )
    result = invoke("batch", _write(tmp_path, [line]), "--out", "out", "--json", *FAST)

    assert result.exit_code == 0, result.stdout + result.stderr
    assert [r.route for r in fake.requests].count("stream-upload") == 1
    assert (tmp_path / "out" / "person.mp4").exists()


def test_an_out_that_is_a_file_is_refused(invoke: Invoke, fake: FakeKie, tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("x")
    result = invoke("batch", _write(tmp_path, [_line("a")]), "--out", "taken/", "--json")

    assert result.exit_code == 2
    assert fake.requests == []
