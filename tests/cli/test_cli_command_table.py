"""``kie`` builds only the command its arguments name (`kieai.cli._app.app_for`): through
`kieai.cli.main`, as the console script runs it, that command still runs with the root options
given before it, and anything else (``kie --help``, ``kie`` alone, a misspelt command) still
gets click's own listing and messages, over every command of the table."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer.main
from typer.core import TyperGroup

from kieai.cli import main
from kieai.cli._app import COMMANDS, app_for
from kieai.cli._runtime import Runtime
from kieai.testing import FakeKie

from .conftest import API_KEY, DANCE, FAST, PERSON

DOCS_CLI = Path(__file__).parents[2] / "docs" / "cli.md"


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KIE_API_KEY", API_KEY)
    monkeypatch.setenv("COLUMNS", "200")  # one help line per command
    for name in ("KIE_BASE_URL", "KIE_UPLOAD_BASE_URL", "FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)


def _listed(help_text: str) -> set[str]:
    """The command names under ``Commands:`` in click's help."""
    section = help_text.split("\nCommands:\n", 1)[1]
    return {match.group(1) for match in re.finditer(r"^  (\S+)", section, re.MULTILINE)}


def test_the_named_command_runs(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--image", PERSON, "--video", DANCE, "--json"])

    assert code == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True


def test_a_root_option_before_the_command_still_applies(
    fake: FakeKie, data_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runtime = Runtime(http_client_factory=fake.http_client)
    generate = ["generate", "-i", PERSON, "-v", DANCE, "--no-download", "--json", *FAST]

    assert main(["--no-journal", *generate], runtime=runtime) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "success"
    assert not (data_home / "kieai").exists()  # --no-journal reached the command
    assert main(["--no-journal", "tasks", "ls"], runtime=runtime) == 2  # and a sub-app
    assert "journal" in capsys.readouterr().err


def test_a_sub_apps_commands_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "show", "kling-2.6/motion-control", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "kling-2.6/motion-control"
    assert main(["tasks", "ls", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tasks"] == []


@pytest.mark.parametrize("args", [["chekc"], ["--no-journal", "chekc"]])
def test_an_unknown_command_gets_clicks_message_and_exit_2(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(args)

    assert code == 2
    err = capsys.readouterr().err
    assert "No such command 'chekc'" in err
    assert "Did you mean 'check'?" in err  # click compared it with every command


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_alone_shows_its_own_usage(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([name, "--help"])

    assert code == 0
    assert f"Usage: kie {name} " in capsys.readouterr().out


@pytest.mark.parametrize("args", [["--help"], ["--no-journal", "--help"], []])
def test_help_lists_every_command_of_the_table(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(args)

    captured = capsys.readouterr()
    assert code == (0 if args else 2)  # `kie` alone: the help on stderr, as a usage error
    assert _listed(captured.out + captured.err) == set(COMMANDS)


def test_the_table_holds_every_command_the_docs_describe(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A command written but left out of the table would not exist; one registered some other
    way would be listed without being in the table. Both show up against docs/cli.md."""
    documented = set(re.findall(r"`kie ([a-z][a-z-]*)", DOCS_CLI.read_text(encoding="utf-8")))

    assert main(["--help"]) == 0
    assert _listed(capsys.readouterr().out) == set(COMMANDS) == documented


@pytest.mark.parametrize(
    ("args", "built"),
    [
        (["check", "--image", "a.png"], {"check"}),
        (["--no-journal", "generate", "--help"], {"generate"}),
        (["tasks", "ls"], {"tasks"}),
        (["--help"], set(COMMANDS)),
        (["--version", "check"], set(COMMANDS)),
        (["chekc"], set(COMMANDS)),
        ([], set(COMMANDS)),
    ],
)
def test_only_the_named_command_is_built(args: list[str], built: set[str]) -> None:
    """typer converts the signature of every command an app holds before running one: the
    app `main` runs holds the named command only, or every command when none is named."""
    group = typer.main.get_command(app_for(args))

    assert isinstance(group, TyperGroup)
    assert set(group.commands) == built


def test_version_before_any_command(capsys: pytest.CaptureFixture[str]) -> None:
    from kieai import __version__

    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out
