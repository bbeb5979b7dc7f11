"""Fixtures for the ``kie`` command: a FakeKie per test and a runner wired to it in-process.

Every invocation goes through :func:`invoke`, which also asserts that the API key never
appears in anything the command printed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from kieai._assets import asset_path
from kieai.cli._app import app
from kieai.cli._runtime import Runtime
from kieai.testing import FakeKie, Schedule

API_KEY = "kie-cli-secret-key-4f9a7c21"
#: The first poll comes at once; these keep the wait for the fake's 0.3 s schedule short.
FAST = ("--poll-interval", "0.05")
PERSON = str(asset_path("person.png"))
DANCE = str(asset_path("dance.mp4"))

Invoke = Callable[..., Result]

_CLEAN_ENV: dict[str, str | None] = {
    "KIE_API_KEY": API_KEY,
    "KIE_BASE_URL": None,
    "KIE_UPLOAD_BASE_URL": None,
    "FORCE_COLOR": None,
    "TTY_COMPATIBLE": None,
    "COLUMNS": "200",
}


#: Tasks finish 50 ms after creation (FakeKie's default takes 300 ms, through every state).
QUICK = Schedule(waiting=0.01, queuing=0.01, generating=0.03)


@pytest.fixture
def fake() -> FakeKie:
    return FakeKie(api_key=API_KEY, schedule=QUICK)


@pytest.fixture(autouse=True)
def data_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's ``XDG_DATA_HOME`` (outside ``tmp_path``): the CLI journals there by
    default, for every test here (also those that invoke the app by hand), never in the
    user's own data directory."""
    path = tmp_path_factory.mktemp("data-home")
    monkeypatch.setenv("XDG_DATA_HOME", str(path))
    monkeypatch.delenv("KIE_JOURNAL", raising=False)
    return path


@pytest.fixture
def invoke(
    fake: FakeKie, tmp_path: Path, data_home: Path, monkeypatch: pytest.MonkeyPatch
) -> Invoke:
    """``invoke(*args, env=...)``: run ``kie`` against ``fake`` in ``tmp_path``."""
    monkeypatch.chdir(tmp_path)
    runtime = Runtime(http_client_factory=fake.http_client)

    # The CLI journals in the user's data directory: here, this test's own.
    journal_env = {"XDG_DATA_HOME": str(data_home), "KIE_JOURNAL": None}

    def run(*args: str, env: Mapping[str, str | None] | None = None) -> Result:
        result = CliRunner().invoke(
            app,
            list(args),
            obj=runtime,
            env={**_CLEAN_ENV, **journal_env, **(env or {})},
            catch_exceptions=False,
        )
        for text in (result.stdout, result.stderr):
            assert API_KEY not in text
        return result

    return run


def fields(stdout: str) -> dict[str, str]:
    """The ``key: value`` lines of human output (a repeated key keeps its first value)."""
    found: dict[str, str] = {}
    for line in stdout.splitlines():
        key, sep, value = line.partition(":")
        if sep and key and " " not in key:
            found.setdefault(key, value.strip())
    return found
