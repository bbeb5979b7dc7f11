"""What ``import kieai`` and the ``kie`` command import at start-up (no timings: see
benchmarks/startup.py for those).

Each check runs a fresh interpreter: this test process has long since imported everything.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import kieai._constants
from kieai._assets import asset_path

SRC = Path(kieai._constants.__file__).parent


def _new_modules(code: str, *, after: str = "pass") -> set[str]:
    """Top-level names of the modules ``code`` imports, beyond those ``after`` imported."""
    probe = (
        "import sys, json\n"
        f"{after}\n"
        "before = set(sys.modules)\n"
        f"{code}\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def _top(modules: set[str]) -> set[str]:
    return {name.partition(".")[0] for name in modules}


EXTRAS = {"typer", "rich", "click", "uvicorn", "coredis"}
LAZY_SUBMODULES = {"kieai.media", "kieai.webhooks", "kieai.motion_control", "kieai._client"}


def test_import_kieai_imports_no_extra_and_nothing_it_may_not_need() -> None:
    # httpx imports rich and click itself when they are installed (its own CLI): count only
    # what kieai adds on top of its runtime dependencies.
    new = _new_modules("import kieai", after="import httpx, pydantic, anyio, tenacity")

    assert _top(new) & EXTRAS == set()
    assert new & LAZY_SUBMODULES == set()
    assert "kieai.testing" not in new


def test_import_kieai_alone_does_not_import_httpx_or_pydantic() -> None:
    new = _new_modules("import kieai")

    assert _top(new) & {"httpx", "pydantic", "anyio", "tenacity", *EXTRAS} == set()


def test_a_lazy_name_imports_its_module_on_first_use() -> None:
    new = _new_modules("from kieai import parse_callback", after="import kieai")

    assert "kieai.webhooks" in new
    assert "kieai.media" not in new


def test_kie_help_imports_neither_the_client_nor_rich() -> None:
    new = _new_modules("import kieai.cli._app")

    assert "kieai._client" not in new
    assert _top(new) & {"httpx", "pydantic", "rich", "anyio"} == set()


@pytest.mark.parametrize(
    "module",
    [
        "kieai._resources.motion_control",
        "kieai._resources.image_to_video",
        "kieai._resources.text_to_video",
        "kieai._files",
    ],
)
def test_the_local_checks_import_no_httpx(module: str) -> None:
    """Every resource's checks (and opening local files) work without the HTTP stack."""
    new = _new_modules(f"import {module}")

    assert module in new
    assert _top(new) & {"httpx", "httpcore", "tenacity"} == set()
    assert new & {"kieai._client", "kieai._transport", "kieai._polling", "kieai._retry"} == set()


def _kie_check(*args: str) -> tuple[int, set[str]]:
    """Run ``kie check`` on the sample files in a fresh interpreter: its exit code and every
    module loaded by the time it returned."""
    argv = [
        "check",
        "--image",
        str(asset_path("person.png")),
        "--video",
        str(asset_path("dance.mp4")),
    ]
    probe = (
        "import sys, json\n"
        "from kieai.cli import main\n"
        f"code = main({[*argv, *args]!r})\n"
        "print(json.dumps([code, sorted(sys.modules)]))\n"
    )
    # Off a terminal (its output is piped here), whatever the environment says.
    env = {k: v for k, v in os.environ.items() if k not in {"FORCE_COLOR", "TTY_COMPATIBLE"}}
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env=env,
    )
    code, modules = json.loads(done.stdout.strip().splitlines()[-1])
    return code, set(modules)


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("--json",),
        ("--model", "kling-3.0/motion-control", "--background-source", "input_image"),
        ("--prompt", "a dancer", "--orientation", "video", "--mode", "pro"),
    ],
)
def test_kie_check_builds_no_client_and_starts_no_event_loop(args: tuple[str, ...]) -> None:
    """``kie check`` runs the resource's local checks on its class: no client, so no httpx
    (which imports click, rich and pygments for its own CLI), no transport, no event loop."""
    code, loaded = _kie_check(*args)

    assert code == 0
    assert "kieai._resources.motion_control" in loaded  # the checks really ran here
    assert _top(loaded) & {"httpx", "httpcore", "tenacity"} == set()
    assert (
        loaded & {"kieai._client", "kieai._transport", "kieai._polling", "kieai._multipart"}
        == set()
    )
    assert "anyio._backends._asyncio" not in loaded


@pytest.mark.parametrize("args", [(), ("--json",)])
def test_kie_check_off_a_terminal_imports_no_rich(args: tuple[str, ...]) -> None:
    """Off a terminal its lines are plain text, which `cli._output.Output` writes itself."""
    code, loaded = _kie_check(*args)

    assert code == 0
    assert "rich" not in _top(loaded)


@pytest.mark.parametrize(
    "args",
    [
        ("--model", "kling-9/motion-control"),  # refused before any check runs
        ("--prompt", "x" * 3000, "--mode", "8k"),  # problems reported
    ],
)
def test_kie_check_failing_builds_no_client_either(args: tuple[str, ...]) -> None:
    code, loaded = _kie_check(*args)

    assert code == 2
    assert _top(loaded) & {"httpx", "httpcore", "tenacity"} == set()
    assert "kieai._client" not in loaded


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("DEFAULT_TIMEOUT", httpx.Timeout(60.0, connect=10.0)),
        ("DEFAULT_UPLOAD_TIMEOUT", httpx.Timeout(300.0, connect=10.0)),
    ],
)
def test_lazy_timeouts_match_what_type_checkers_and_the_docs_see(
    name: str, expected: httpx.Timeout
) -> None:
    """``_constants`` builds its httpx.Timeout defaults on first use; the TYPE_CHECKING block
    that pyright and the API reference read must state the same values."""
    tree = ast.parse((SRC / "_constants.py").read_text(encoding="utf-8"))
    declared = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and node.target.id == name
        and node.value is not None
    ]
    assert len(declared) == 1
    stated = eval(compile(ast.Expression(declared[0]), "<_constants>", "eval"), {"httpx": httpx})

    assert getattr(kieai._constants, name) == expected == stated
