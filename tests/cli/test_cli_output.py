"""`Output` writes a line itself only where rich would write the same bytes: printable text to a
stream rich cannot style. Each test prints the same lines through `Output` and through rich
(the rich calls `Output` used to make for every line) and compares what came out."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.text import Text

from kieai.cli._output import Output

#: Printable text Output writes itself, and text only rich may write (tabs expanded, carriage
#: returns and bells stripped, ...).
VALUES = [
    "PNG 480x720",
    "MP4 720x720, 4.0 s",
    "x" * 300 + " y" * 60,  # longer than any terminal: rich does not wrap it (soft wrap)
    "trailing   ",
    "宽字符 and emoji 🎬",
    "[bold]not markup[/bold] :smile: not an emoji",
    "/tmp/a path/ünïcödé.mp4",
    "a\tb",
    "a\rb",
    "bell\x07",
    "two\nlines",
    "zero\u200bwidth",
]


@pytest.fixture(autouse=True)
def no_forced_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Off a terminal, whatever the environment running the tests says."""
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)


def _rich(*texts: Text) -> str:
    """What rich writes for ``texts`` off a terminal, with the settings `Output` gives it."""
    buffer = io.StringIO()
    console = Console(file=buffer, highlight=False, soft_wrap=True, emoji=False, markup=False)
    for text in texts:
        console.print(text)
    return buffer.getvalue()


@pytest.mark.parametrize("value", VALUES)
def test_fields_off_a_terminal_are_byte_for_byte_what_rich_writes(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    Output(json_mode=False).fields([("image", value), ("skipped", None), ("video", "ok")])

    assert capsys.readouterr().out == _rich(
        Text.assemble(("image:", "bold"), " ", value),
        Text.assemble(("video:", "bold"), " ", "ok"),
    )


@pytest.mark.parametrize("value", VALUES)
def test_notes_and_errors_off_a_terminal_are_what_rich_writes(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = Output(json_mode=False, debug=True)

    out.note(value, style="green")
    out.error(value, details=[value], hint=value, debug=[value])

    assert capsys.readouterr().err == _rich(
        Text(value, style="green"),
        Text.assemble(("error: ", "bold red"), value),
        Text(f"  - {value}"),
        Text(value, style="dim"),
        Text(f"debug: {value}", style="dim"),
    )


def test_a_stream_rich_treats_as_a_terminal_gets_rich_styles(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """FORCE_COLOR makes rich style a pipe: then rich prints, bold keys and all."""
    monkeypatch.setenv("FORCE_COLOR", "1")

    Output(json_mode=False).fields([("image", "PNG 480x720")])
    Output(json_mode=False).note("ok", style="green")

    captured = capsys.readouterr()
    assert "\x1b[1mimage:\x1b[0m PNG 480x720" in captured.out
    assert "ok" in captured.err and "\x1b[" in captured.err


def test_the_api_key_is_scrubbed_from_plain_lines_too(capsys: pytest.CaptureFixture[str]) -> None:
    out = Output(json_mode=False)
    out.add_secret("kie-secret-key-123456")

    out.fields([("url", "https://x/?key=kie-secret-key-123456")])
    out.note("key kie-secret-key-123456 refused")

    captured = capsys.readouterr()
    assert "kie-secret-key-123456" not in captured.out + captured.err
