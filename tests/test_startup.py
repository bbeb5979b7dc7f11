"""What ``import kieai`` and the ``kie`` command import at start-up (no timings: see
benchmarks/startup.py for those).

Each check runs a fresh interpreter: this test process has long since imported everything.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import kieai._constants

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
