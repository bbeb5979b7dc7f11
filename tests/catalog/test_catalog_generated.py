"""What is generated from the catalog is up to date, and types what it should.

``scripts/generate_types.py`` runs here in memory on the committed catalog (never on Kie's
pages) and must reproduce the committed files byte for byte: after a change to the catalog,
``make generate`` and commit.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "generate_types", ROOT / "scripts" / "generate_types.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return _generator()


def test_the_generated_module_matches_the_catalog(generator: ModuleType) -> None:
    committed = (ROOT / "src" / "kieai" / "_generated" / "market.py").read_text(encoding="utf-8")

    assert generator.render_python() == committed, "out of date: run `make generate`"


def test_the_catalog_docs_page_matches_the_catalog(generator: ModuleType) -> None:
    committed = (ROOT / "docs" / "catalog.md").read_text(encoding="utf-8")

    assert generator.render_docs() == committed, "out of date: run `make generate`"


def test_class_names_follow_the_documented_rule(generator: ModuleType) -> None:
    assert generator.class_name("kling-2.6/motion-control") == "Kling2_6MotionControlInput"
    assert generator.class_name("bytedance/seedance-1.5-pro") == "BytedanceSeedance1_5ProInput"
    assert generator.class_name("z-image") == "ZImageInput"
    assert generator.class_name("gpt-image/1.5-text-to-image") != generator.class_name(
        "gpt-image/15-text-to-image"
    )


def test_the_generated_module_imports_without_pydantic_or_httpx() -> None:
    probe = (
        "import json, sys\n"
        "from kieai._generated import market\n"
        "print(json.dumps([len(market.INPUT_TYPES), sorted(m for m in ('pydantic', 'httpx') if m in sys.modules)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    count, heavy = json.loads(done.stdout)

    assert count >= 130
    assert heavy == []


#: A user's code: the marked lines must be errors, every other line clean.
USAGE = """\
# pyright: strict
from kieai._generated.market import (
    INPUT_TYPES,
    GoogleNanoBananaEditInput,
    Kling2_6MotionControlInput,
    MarketModelId,
    VideoModelId,
)

good: GoogleNanoBananaEditInput = {"prompt": "snow", "image_urls": ["street.jpg"], "output_format": "png"}
motion: Kling2_6MotionControlInput = {
    "input_urls": [b"raw bytes"],
    "video_urls": ["https://example.com/dance.mp4"],
    "character_orientation": "video",
    "mode": "720p",
}
model: MarketModelId = "google/nano-banana-edit"
video: VideoModelId = "kling-2.6/motion-control"
input_type = INPUT_TYPES["google/nano-banana-edit"]
bad_choice: GoogleNanoBananaEditInput = {"prompt": "p", "image_urls": [], "output_format": "gif"}  # error
bad_name: GoogleNanoBananaEditInput = {"prompt": "p", "image_urls": [], "imageurls": []}  # error
missing: GoogleNanoBananaEditInput = {"prompt": "p"}  # error
bad_id: VideoModelId = "google/nano-banana-edit"  # error
bad_file: Kling2_6MotionControlInput = {"input_urls": [3], "video_urls": [], "character_orientation": "video", "mode": "720p"}  # error
"""


def test_pyright_strict_accepts_valid_inputs_and_flags_wrong_fields_choices_and_ids(
    tmp_path: Path,
) -> None:
    pyright = shutil.which("pyright", path=str(Path(sys.executable).parent))
    assert pyright is not None, "pyright is a dev dependency: install the dev extra"
    usage = tmp_path / "usage.py"
    usage.write_text(USAGE, encoding="utf-8")

    done = subprocess.run(
        [pyright, "--outputjson", "--pythonpath", sys.executable, str(usage)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    report = json.loads(done.stdout)
    error_lines = {
        d["range"]["start"]["line"] + 1
        for d in report["generalDiagnostics"]
        if d["severity"] == "error"
    }
    expected = {n for n, line in enumerate(USAGE.splitlines(), start=1) if line.endswith("# error")}

    assert error_lines == expected, report["generalDiagnostics"]
