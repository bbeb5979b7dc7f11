"""Release helpers: the changelog section of a version (the release notes) and the cut.

    python scripts/release.py notes v0.2.0     # print 0.2.0's CHANGELOG section; fail unless
                                               # src/kieai/_version.py says 0.2.0 too
    python scripts/release.py cut 0.2.0        # [Unreleased] -> [0.2.0] - today, a new empty
                                               # [Unreleased] above it, _version.py -> 0.2.0

The release workflow (.github/workflows/release.yml) runs ``notes`` on the pushed tag, so a tag
whose version the package or the changelog does not carry publishes nothing. docs/releasing.md
walks through a release. Standard library only: CI runs it before installing anything.
"""

from __future__ import annotations

import argparse
import datetime
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHANGELOG = Path("CHANGELOG.md")
VERSION_FILE = Path("src", "kieai", "_version.py")
UNRELEASED = "## [Unreleased]"
_HEADING = re.compile(r"^## \[(?P<name>[^\]]+)\]", re.MULTILINE)
_VERSION_LINE = re.compile(r'^__version__ = "(?P<version>[^"]+)"$', re.MULTILINE)
#: Final releases only (PEP 440 public versions without pre/dev/post parts): what a tag names.
_RELEASE_VERSION = re.compile(r"^\d+\.\d+\.\d+$")


class ReleaseError(Exception):
    """Something the release cannot go on with; the message says what and where."""


def plain_version(tag_or_version: str) -> str:
    """``v0.2.0`` or ``0.2.0`` -> ``0.2.0``; anything else is refused."""
    version = tag_or_version.removeprefix("v")
    if not _RELEASE_VERSION.fullmatch(version):
        raise ReleaseError(f"{tag_or_version!r} is not a release version like 0.2.0 or v0.2.0")
    return version


def section(changelog: str, name: str) -> str:
    """The text under ``## [name]`` up to the next ``## [`` heading, stripped."""
    headings = list(_HEADING.finditer(changelog))
    for index, heading in enumerate(headings):
        if heading.group("name") == name:
            end = headings[index + 1].start() if index + 1 < len(headings) else len(changelog)
            body = changelog[heading.end() : end]
            # The rest of the heading line (" - 2026-12-08") is not part of the notes.
            return body.split("\n", 1)[1].strip() if "\n" in body else ""
    raise ReleaseError(f"CHANGELOG.md has no '## [{name}]' section")


def package_version(version_file: str) -> str:
    match = _VERSION_LINE.search(version_file)
    if match is None:
        raise ReleaseError('src/kieai/_version.py has no __version__ = "..." line')
    return match.group("version")


def notes(changelog: str, version_file: str, tag: str) -> str:
    """The release notes for ``tag``: its changelog section, after checking that the package
    carries the same version (a mismatch would publish a wheel under another number)."""
    version = plain_version(tag)
    packaged = package_version(version_file)
    if packaged != version:
        raise ReleaseError(
            f"tag {tag} names {version} but src/kieai/_version.py says {packaged}: "
            f"cut the release first (python scripts/release.py cut {version})"
        )
    text = section(changelog, version)
    if not text:
        raise ReleaseError(f"CHANGELOG.md's section [{version}] is empty")
    return text


def cut(changelog: str, version_file: str, version: str, date: datetime.date) -> tuple[str, str]:
    """The changelog and version file after releasing ``version`` on ``date``: the
    [Unreleased] entries become the version's section, and a new empty [Unreleased] stays on
    top for the next lines."""
    version = plain_version(version)
    if any(h.group("name") == version for h in _HEADING.finditer(changelog)):
        raise ReleaseError(f"CHANGELOG.md already has a section [{version}]")
    if not section(changelog, "Unreleased"):
        raise ReleaseError("CHANGELOG.md's [Unreleased] section is empty: nothing to release")
    released = changelog.replace(
        UNRELEASED, f"{UNRELEASED}\n\n## [{version}] - {date.isoformat()}", 1
    )
    bumped = _VERSION_LINE.sub(f'__version__ = "{version}"', version_file, count=1)
    return released, bumped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the repository (default: this script's)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    notes_parser = commands.add_parser("notes", help="print a version's changelog section")
    notes_parser.add_argument("tag", help="v0.2.0 or 0.2.0")
    cut_parser = commands.add_parser("cut", help="turn [Unreleased] into a version's section")
    cut_parser.add_argument("version", help="0.2.0")
    cut_parser.add_argument(
        "--date", type=datetime.date.fromisoformat, default=None, help="YYYY-MM-DD (today, UTC)"
    )
    args = parser.parse_args(argv)
    changelog_path: Path = args.root / CHANGELOG
    version_path: Path = args.root / VERSION_FILE
    changelog = changelog_path.read_text(encoding="utf-8")
    version_file = version_path.read_text(encoding="utf-8")
    try:
        if args.command == "notes":
            sys.stdout.write(notes(changelog, version_file, args.tag) + "\n")
        else:
            date = args.date or datetime.datetime.now(datetime.timezone.utc).date()
            released, bumped = cut(changelog, version_file, args.version, date)
            changelog_path.write_text(released, encoding="utf-8")
            version_path.write_text(bumped, encoding="utf-8")
            sys.stdout.write(f"CHANGELOG.md and src/kieai/_version.py now release {args.version}\n")
    except ReleaseError as exc:
        sys.stderr.write(f"release: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
