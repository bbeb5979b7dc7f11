"""scripts/release.py, run as the release workflow and a maintainer run it: a real subprocess
on a copy of the repository's CHANGELOG.md and _version.py."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "release.py"

CHANGELOG = """# Changelog

Intro text.

## [Unreleased]

### Added
- A new thing.

### Fixed
- A bug.

## [0.1.0] - 2026-11-25

### Added
- The first thing.
"""


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--root", str(root), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def make_repo(tmp_path: Path, changelog: str = CHANGELOG, version: str = "0.2.0.dev0") -> Path:
    (tmp_path / "src" / "kieai").mkdir(parents=True)
    (tmp_path / "CHANGELOG.md").write_text(changelog, encoding="utf-8")
    (tmp_path / "src" / "kieai" / "_version.py").write_text(
        f'"""The version."""\n\n__version__ = "{version}"\n', encoding="utf-8"
    )
    return tmp_path


def test_notes_refuse_a_tag_the_package_does_not_carry(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    result = run(repo, "notes", "v0.2.0")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "tag v0.2.0 names 0.2.0 but src/kieai/_version.py says 0.2.0.dev0" in result.stderr
    assert "python scripts/release.py cut 0.2.0" in result.stderr


@pytest.mark.parametrize("tag", ["latest", "v0.2", "v0.2.0rc1", "0.2.0.dev0"])
def test_notes_refuse_a_tag_that_is_not_a_release_version(tmp_path: Path, tag: str) -> None:
    result = run(make_repo(tmp_path), "notes", tag)
    assert result.returncode == 1
    assert f"{tag!r} is not a release version" in result.stderr


def test_notes_refuse_a_version_without_a_changelog_section(tmp_path: Path) -> None:
    result = run(make_repo(tmp_path, version="0.3.0"), "notes", "v0.3.0")
    assert result.returncode == 1
    assert "CHANGELOG.md has no '## [0.3.0]' section" in result.stderr


def test_notes_print_the_section_without_its_heading(tmp_path: Path) -> None:
    result = run(make_repo(tmp_path, version="0.1.0"), "notes", "v0.1.0")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "### Added\n- The first thing.\n"


def test_cut_moves_unreleased_into_the_version_and_keeps_an_empty_unreleased(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path)
    result = run(repo, "cut", "0.2.0", "--date", "2026-12-08")
    assert result.returncode == 0, result.stderr
    changelog = (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.index("## [Unreleased]\n\n## [0.2.0] - 2026-12-08\n\n### Added\n- A new") > 0
    assert changelog.count("## [Unreleased]") == 1
    assert '__version__ = "0.2.0"' in (repo / "src/kieai/_version.py").read_text(encoding="utf-8")

    notes = run(repo, "notes", "v0.2.0")
    assert notes.returncode == 0, notes.stderr
    assert notes.stdout == "### Added\n- A new thing.\n\n### Fixed\n- A bug.\n"


def test_cut_refuses_an_existing_version_and_an_empty_unreleased(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    again = run(repo, "cut", "0.1.0")
    assert again.returncode == 1
    assert "already has a section [0.1.0]" in again.stderr

    assert run(repo, "cut", "0.2.0").returncode == 0
    empty = run(repo, "cut", "0.3.0")
    assert empty.returncode == 1
    assert "[Unreleased] section is empty: nothing to release" in empty.stderr


def test_the_projects_changelog_is_ready_to_cut(tmp_path: Path) -> None:
    """The real CHANGELOG.md cut as the first PyPI release would be: notes come out whole."""
    shutil.copy(ROOT / "CHANGELOG.md", make_repo(tmp_path) / "CHANGELOG.md")
    unreleased = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    first_entries = unreleased.split("## [Unreleased]", 1)[1].split("\n## [", 1)[0].strip()
    assert run(tmp_path, "cut", "0.2.0").returncode == 0
    notes = run(tmp_path, "notes", "v0.2.0")
    assert notes.returncode == 0, notes.stderr
    assert notes.stdout == first_entries + "\n"
    assert notes.stdout.startswith("### ")
