"""``-o``: a trailing separator or an existing directory means "write into it", everywhere."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kieai import VideoInfo, probe
from kieai.cli._paths import check_destination, destination
from kieai.cli._runtime import UsageProblem
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


# -- a destination that can never be written is refused before anything is sent ------------

#: Every command that downloads, with the arguments it needs besides ``-o``.
DOWNLOADING_COMMANDS = {
    "generate": ("generate", "-i", PERSON, "-v", DANCE, *FAST),
    "image-to-video": ("image-to-video", "-i", PERSON, "-p", "A wave.", *FAST),
    "text-to-video": ("text-to-video", "-p", "A wave.", *FAST),
    "wait": ("wait", "task_kling-2.6_1700000000000", *FAST),
    "demo": ("demo",),
}


@pytest.mark.parametrize("command", DOWNLOADING_COMMANDS)
def test_output_under_a_file_is_refused_before_any_request(
    invoke: Invoke, fake: FakeKie, tmp_path: Path, command: str
) -> None:
    (tmp_path / "person.png").write_bytes(Path(PERSON).read_bytes())

    result = invoke(*DOWNLOADING_COMMANDS[command], "-o", "person.png/out.mp4")

    assert result.exit_code == 2, result.output
    assert "-o person.png/out.mp4: person.png is a file, not a directory" in result.stderr
    assert "File exists" not in result.output
    assert "kie wait" not in result.stderr  # no task, nothing to resume
    assert fake.requests == []
    assert fake.tasks == {}


@pytest.mark.parametrize("command", DOWNLOADING_COMMANDS)
def test_output_where_no_file_can_be_created_is_refused_before_any_request(
    invoke: Invoke, fake: FakeKie, command: str
) -> None:
    result = invoke(*DOWNLOADING_COMMANDS[command], "-o", "/proc/nope/out.mp4", "--json")

    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)["error"]
    assert error["message"].startswith("-o /proc/nope/out.mp4: cannot write in /proc (")
    assert fake.requests == []


def test_output_deep_under_a_file_names_the_file(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a directory", encoding="utf-8")

    result = invoke("generate", "-i", PERSON, "-v", DANCE, "-o", "notes.txt/a/b/", *FAST)

    assert result.exit_code == 2, result.output
    assert "notes.txt is a file, not a directory" in result.stderr


def test_no_download_skips_the_output_check(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "person.png").write_bytes(b"a file")

    result = invoke(
        "generate", "-i", PERSON, "-v", DANCE, "-o", "person.png/x.mp4", "--no-download", *FAST
    )

    assert result.exit_code == 0, result.output


def test_check_destination_creates_nothing(tmp_path: Path) -> None:
    target = check_destination(str(tmp_path / "new" / "dir") + "/", "TASK_ID.mp4")

    assert target == tmp_path / "new" / "dir" / "TASK_ID.mp4"
    assert list(tmp_path.iterdir()) == []


def test_check_destination_refuses_an_existing_directory_as_the_file(tmp_path: Path) -> None:
    (tmp_path / "clips" / "TASK_ID.mp4").mkdir(parents=True)

    with pytest.raises(UsageProblem, match=r"TASK_ID\.mp4 is a directory; name a file inside it"):
        check_destination(str(tmp_path / "clips"), "TASK_ID.mp4")


def test_check_destination_refuses_a_broken_symbolic_link(tmp_path: Path) -> None:
    (tmp_path / "gone").symlink_to(tmp_path / "nowhere")

    with pytest.raises(UsageProblem, match="is a broken symbolic link"):
        check_destination(str(tmp_path / "gone" / "out.mp4"), "x.mp4")


def test_a_write_failure_after_the_check_suggests_another_path(
    invoke: Invoke, fake: FakeKie, tmp_path: Path
) -> None:
    def block_the_directory(_: object) -> None:
        (tmp_path / "later").write_text("a file where the directory was to be")  # after the check

    fake.outcome_hook = block_the_directory

    result = invoke("generate", "-i", PERSON, "-v", DANCE, "-o", "later/out.mp4", *FAST)

    assert result.exit_code == 3, result.output
    task_id = _task_id(result.stderr)
    assert f"retry with: kie wait {task_id} -o ANOTHER_PATH" in result.stderr
    assert "-o later/out.mp4" not in result.stderr
