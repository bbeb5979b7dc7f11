"""``-o``: a trailing separator or an existing directory means "write into it", everywhere."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kieai import VideoInfo, probe
from kieai.cli._paths import destination
from kieai.testing import FakeKie

from .conftest import DANCE, FAST, PERSON, Invoke


def _task_id(stderr: str) -> str:
    match = re.search(r"task (\S+) created", stderr)
    assert match is not None, stderr
    return match.group(1)


def test_generate_into_a_directory_not_there_yet(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("generate", "-i", PERSON, "-v", DANCE, "-o", "outdir/", *FAST)

    assert result.exit_code == 0, result.output
    task_id = _task_id(result.stderr)
    assert (tmp_path / "outdir").is_dir()
    assert isinstance(probe(tmp_path / "outdir" / f"{task_id}.mp4"), VideoInfo)


def test_generate_into_an_existing_directory_without_separator(
    invoke: Invoke, tmp_path: Path
) -> None:
    (tmp_path / "clips").mkdir()
    result = invoke("generate", "-i", PERSON, "-v", DANCE, "-o", "clips", "--json", *FAST)

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert Path(document["output"]) == (tmp_path / "clips" / f"{document['task_id']}.mp4")


def test_wait_into_a_directory(invoke: Invoke, fake: FakeKie, tmp_path: Path) -> None:
    created = invoke("generate", "-i", PERSON, "-v", DANCE, "--no-download", *FAST)
    task_id = _task_id(created.stderr)

    result = invoke("wait", task_id, "-o", "videos/", *FAST)

    assert result.exit_code == 0, result.output
    assert isinstance(probe(tmp_path / "videos" / f"{task_id}.mp4"), VideoInfo)


def test_demo_into_a_directory(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("demo", "-o", "outdir/")

    assert result.exit_code == 0, result.output
    assert isinstance(probe(tmp_path / "outdir" / "demo-output.mp4"), VideoInfo)
    assert not (tmp_path / "outdir").is_file()


def test_a_file_name_stays_a_file(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("demo", "-o", "new/sub/clip.mp4")

    assert result.exit_code == 0, result.output
    assert (tmp_path / "new" / "sub" / "clip.mp4").is_file()


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        (None, "t1.mp4"),
        ("out.mp4", "out.mp4"),
        ("out/", "out/t1.mp4"),
        ("a/b/", "a/b/t1.mp4"),
        ("existing", "existing/t1.mp4"),
        ("existing/x.mp4", "existing/x.mp4"),
    ],
)
def test_destination(
    output: str | None, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "existing").mkdir()

    assert destination(output, "t1.mp4") == Path(expected)
