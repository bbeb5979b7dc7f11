"""A newcomer's first hour, scripted: the built wheel in a fresh virtual environment, then what
the README tells them to do first.

1. ``python -m build --wheel`` into a temporary directory;
2. a fresh ``python -m venv`` with that wheel installed (not the checkout: a file left out of
   the wheel fails here);
3. ``kie demo``; ``kie demo --save-inputs .``; every Python block of README.md as a user pastes
   it (into ``python -m asyncio`` through its stdin, or saved and run with ``python`` for a
   ``script`` block) against a FakeKie on loopback;
4. ``kie generate`` with an ``-o`` that can never be written: exit 2, and the fake's request
   log shows nothing was sent; ``kie upload`` of a URL Kie cannot fetch: the real cause shown;
5. the API reference built by ``mkdocs build`` lists `SyncKieClient`'s methods.

No network, on a fresh CI machine as here: the wheel is built with ``--no-isolation`` by the
dev environment's hatchling (in the ``dev`` extra), so nothing is downloaded; the fresh
environment is made without pip and the dev environment's pip installs the wheel into it
(``--python``, ``--no-index --no-deps``); its dependencies (httpx, pydantic, typer, ...) come
from the dev environment through one ``.pth`` line, in the versions ``make test`` installed
moments before. kieai itself is imported from the fresh environment (checked), never from the
checkout.
"""

from __future__ import annotations

import html.parser
import os
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kieai.testing import FakeKie

from .docs.test_docs_code_blocks import Block, python_blocks

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
KEY = "newcomer-key"
COMMAND_TIMEOUT_S = 120


@dataclass(frozen=True)
class Installed:
    """The fresh environment: its python and its ``kie``."""

    python: Path
    kie: Path
    site_packages: Path


def _run(
    command: list[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        check=False,
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("newcomer")
    built = _run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(work / "dist"),
            str(ROOT),
        ]
    )
    assert built.returncode == 0, built.stderr[-3000:]
    [wheel] = (work / "dist").glob("kieai-*.whl")

    venv = work / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
    done = _run([*pip, "--no-index", "--no-deps", str(wheel)])
    assert done.returncode == 0, done.stderr
    site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
        ).stdout.strip()
    )
    dev_site = sysconfig.get_paths()["purelib"]
    (site / "_kieai_newcomer_dependencies.pth").write_text(dev_site + "\n", encoding="utf-8")
    return Installed(python=python, kie=venv / "bin" / "kie", site_packages=site)


@pytest.fixture
def fake() -> Iterator[tuple[FakeKie, dict[str, str]]]:
    """A FakeKie on loopback and the environment that points a newcomer's shell at it."""
    fake = FakeKie(api_key=KEY)
    with fake.serve_in_thread() as base_url:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("KIE_", "PYTHON"))},
            "KIE_API_KEY": KEY,
            "KIE_BASE_URL": base_url,
            "KIE_UPLOAD_BASE_URL": base_url,
            "COLUMNS": "200",
        }
        yield fake, env


def test_kieai_comes_from_the_wheel_not_the_checkout(installed: Installed) -> None:
    where = _run([str(installed.python), "-c", "import kieai; print(kieai.__file__)"])

    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(installed.site_packages)


def test_kie_demo_runs_and_saves_the_sample_inputs(installed: Installed, tmp_path: Path) -> None:
    demo = _run([str(installed.kie), "demo"], cwd=tmp_path)
    inputs = _run([str(installed.kie), "demo", "--save-inputs", "."], cwd=tmp_path)

    assert demo.returncode == 0, demo.stderr
    assert (tmp_path / "demo-output.mp4").stat().st_size > 0
    assert inputs.returncode == 0, inputs.stderr
    assert (tmp_path / "person.png").is_file() and (tmp_path / "dance.mp4").is_file()


def _paste(block: Block) -> str:
    """What the user pastes: the block, after the setup its ``needs`` marker stands for."""
    assert set(block.needs) <= {"client"}, f"{block.where}: no newcomer setup for {block.needs}"
    setup = "from kieai import KieClient\nclient = KieClient()\n\n" if block.needs else ""
    return setup + block.code + "\n"


def test_every_readme_block_runs_as_pasted(
    installed: Installed, fake: tuple[FakeKie, dict[str, str]], tmp_path: Path
) -> None:
    server, env = fake
    assert _run([str(installed.kie), "demo", "--save-inputs", "."], cwd=tmp_path).returncode == 0
    blocks = python_blocks(ROOT / "README.md")
    assert blocks

    for block in blocks:
        if block.script:
            script = tmp_path / "readme_script.py"
            script.write_text(block.code, encoding="utf-8")
            done = _run([str(installed.python), script.name], cwd=tmp_path, env=env)
            assert done.returncode == 0, f"{block.where}:\n{done.stderr[-3000:]}"
        else:
            done = _run(
                [str(installed.python), "-m", "asyncio"], cwd=tmp_path, env=env, stdin=_paste(block)
            )
            # The REPL exits 0 whatever happened; what went wrong is on stderr.
            problems = [
                line for line in done.stderr.splitlines() if "Error" in line or "Traceback" in line
            ]
            assert problems == [], f"{block.where}:\n{done.stderr[-3000:]}"
    assert server.tasks, "the README's blocks created no task on the fake"


def test_generate_with_an_impossible_output_exits_2_and_sends_nothing(
    installed: Installed, fake: tuple[FakeKie, dict[str, str]], tmp_path: Path
) -> None:
    server, env = fake
    assert _run([str(installed.kie), "demo", "--save-inputs", "."], cwd=tmp_path).returncode == 0
    command = [str(installed.kie), "generate", "-i", "person.png", "-v", "dance.mp4"]

    under_a_file = _run([*command, "-o", "person.png/out.mp4"], cwd=tmp_path, env=env)
    in_proc = _run([*command, "-o", "/proc/nope/out.mp4"], cwd=tmp_path, env=env)

    assert under_a_file.returncode == 2, under_a_file.stderr
    assert "person.png is a file, not a directory" in under_a_file.stderr
    assert in_proc.returncode == 2, in_proc.stderr
    assert "cannot write in /proc" in in_proc.stderr
    assert server.requests == []
    assert server.tasks == {}


def test_upload_of_an_unreachable_url_shows_the_real_cause(
    installed: Installed, fake: tuple[FakeKie, dict[str, str]]
) -> None:
    _, env = fake

    done = _run([str(installed.kie), "upload", "https://example.com/x.png"], env=env)

    assert done.returncode == 3
    assert "could not be fetched" in done.stderr
    assert "internal error" not in done.stderr


class _Anchors(html.parser.HTMLParser):
    """Every ``id`` in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.update(value for name, value in attrs if name == "id" and value)


SYNC_METHODS = (
    "upload",
    "upload_from_url",
    "create_task",
    "get_task",
    "get_credits",
    "get_download_url",
    "wait_for_task",
    "download",
    "close",
)


def test_the_api_reference_lists_the_sync_clients_methods(tmp_path: Path) -> None:
    site = tmp_path / "site"
    built = _run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(site)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert built.returncode == 0, built.stderr[-3000:]
    anchors = _Anchors()
    anchors.feed((site / "reference" / "index.html").read_text(encoding="utf-8"))

    missing = [m for m in SYNC_METHODS if f"kieai.SyncKieClient.{m}" not in anchors.ids]

    assert missing == []
