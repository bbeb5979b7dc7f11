"""Start-up cost of ``import kieai`` and of the ``kie`` command, as ratios to a reference.

    python benchmarks/startup.py                 # --runs N (default 21), --check exits 1 on a miss

Each case is a fresh interpreter (``subprocess.run``), timed from spawn to exit, so the figure
is what a user waits for. The cases run interleaved, round after round, and each figure is the
median over the rounds: a shared machine's noise hits every case alike, and the ratios (case
median / reference median, measured in the same run) carry over to other machines.

- ``import kieai`` against ``import httpx, pydantic, anyio, tenacity`` (kieai's runtime
  dependencies: what any program using the library pays anyway). Target: at most 1.25x.
- ``kie --help`` and ``kie check`` (a local check of the bundled sample files, under 1 ms of
  work) against ``python -c "import typer"`` (the CLI framework alone). Target: at most 4x.

``from kieai import KieClient`` is shown too, for information (it imports the client and
its transport, which a program that talks to Kie needs), and so is a plain typer app whose one
command takes ``kie check``'s eight options and does nothing. typer (0.29 here) converts each
option's value through a pydantic ``TypeAdapter``, so such a command imports pydantic and builds
one validator per option before it runs: the floor under ``kie check``, which pays that too.

What the ``kie`` command does to stay cheap, all through typer's and rich's public API (nothing
patches either):

- It builds only the command its arguments name (``cli/_app.app_for`` over the one table of
  commands, ``COMMANDS``). typer turns the signature of every command an app holds into click
  parameters before it runs any, about 40 ms for kie's 18; ``kie --help``, ``kie`` alone and a
  misspelt command still get every command, so click's listing and messages stay.
- Its output lines are plain text off a terminal, which ``cli/_output.Output`` writes itself
  (the bytes rich writes there), so a piped ``kie check`` never imports rich. On a terminal rich
  styles them: "kie check, styled" (``FORCE_COLOR=1``, for information) shows that cost.
- ``kie check`` builds no client (no httpx, transport or event loop) and the catalog builds only
  the model it checks; ``kie --help`` is click's plain help (typer's rich help imports rich's
  markdown, table and traceback modules); each command imports what it needs in its body.

Bytecode: every case runs with ``.pyc`` files cached (in a temporary ``PYTHONPYCACHEPREFIX``,
written by the warm-up round), as after ``pip install``. Without that, a
``PYTHONDONTWRITEBYTECODE=1`` environment with an editable install would compile kieai's
sources on every run, while its dependencies load the ``.pyc`` files pip wrote.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from kieai._assets import asset_path

LIBRARY_TARGET = 1.25
CLI_TARGET = 4.0


@dataclass(frozen=True)
class Case:
    name: str
    argv: list[str]
    reference: str | None = None  # name of the case this one is compared with
    target: float | None = None
    env: tuple[tuple[str, str], ...] = ()  # set on top of the benchmark's environment


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def _kie(*args: str) -> list[str]:
    # What the `kie` console script runs (pip's wrapper adds nothing measurable).
    return _python(f"import sys; from kieai.cli import main; sys.exit(main({list(args)!r}))")


#: A typer app whose one command takes what ``kie check`` takes (two required strings, four
#: optional ones, a JSON flag) and does nothing: what typer costs before any kie code runs.
_TYPER_FLOOR = """
from typing import Annotated, Optional
import typer
app = typer.Typer(add_completion=False, rich_markup_mode=None)
S = Annotated[str, typer.Option()]
O = Annotated[Optional[str], typer.Option()]
@app.command()
def check(image: S, video: S, orientation: S = "video", prompt: O = None, mode: S = "720p",
          model: S = "m", background_source: O = None,
          json_: Annotated[bool, typer.Option("--json")] = False) -> None:
    pass
@app.command()
def other() -> None:
    pass
app(["check", "--image", "a.png", "--video", "b.mp4"])
"""


def cases() -> list[Case]:
    image, video = str(asset_path("person.png")), str(asset_path("dance.mp4"))
    return [
        Case(
            "import httpx, pydantic, anyio, tenacity",
            _python("import httpx, pydantic, anyio, tenacity"),
        ),
        Case(
            "import kieai",
            _python("import kieai"),
            reference="import httpx, pydantic, anyio, tenacity",
            target=LIBRARY_TARGET,
        ),
        Case(
            "from kieai import KieClient",
            _python("from kieai import KieClient"),
            reference="import httpx, pydantic, anyio, tenacity",
        ),
        Case("import typer", _python("import typer")),
        Case(
            "plain typer command, 8 options, no work",
            _python(_TYPER_FLOOR),
            reference="import typer",
        ),
        Case("kie --help", _kie("--help"), reference="import typer", target=CLI_TARGET),
        Case(
            "kie check",
            _kie("check", "--image", image, "--video", video),
            reference="import typer",
            target=CLI_TARGET,
        ),
        Case(
            "kie check, styled (as on a terminal)",
            _kie("check", "--image", image, "--video", video),
            reference="import typer",
            env=(("FORCE_COLOR", "1"),),
        ),
    ]


def _run_once(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def _cached_bytecode_env(cache_dir: str) -> dict[str, str]:
    # Output goes to /dev/null: no terminal, unless a case says otherwise.
    unset = {"PYTHONDONTWRITEBYTECODE", "FORCE_COLOR", "TTY_COMPATIBLE"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env["PYTHONPYCACHEPREFIX"] = cache_dir
    return env


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Start-up cost of import kieai and of the kie command."
    )
    parser.add_argument("--runs", type=int, default=21, help="rounds (each runs every case)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args()
    all_cases = cases()
    times: dict[str, list[float]] = {case.name: [] for case in all_cases}
    with tempfile.TemporaryDirectory(prefix="kieai-startup-pyc-") as cache_dir:
        env = _cached_bytecode_env(cache_dir)
        for case in all_cases:  # warm-up: page cache, .pyc files
            _run_once(case.argv, {**env, **dict(case.env)})
        for _ in range(args.runs):
            for case in all_cases:
                times[case.name].append(_run_once(case.argv, {**env, **dict(case.env)}))
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"start-up, median of {args.runs} runs per case (Python {sys.version.split()[0]})")
    print(f"{'case':<42} {'median':>9} {'ratio':>7} {'target':>7}")
    missed = False
    for case in all_cases:
        median = medians[case.name]
        ratio = target = verdict = ""
        if case.reference is not None:
            value = median / medians[case.reference]
            ratio = f"{value:.2f}x"
            if case.target is not None:
                target = f"{case.target:.2f}x"
                verdict = "met" if value <= case.target else "MISSED"
                missed = missed or value > case.target
        print(f"{case.name:<42} {median * 1000:>7.1f}ms {ratio:>7} {target:>7} {verdict}")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
