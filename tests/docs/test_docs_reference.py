"""The API reference renders cleanly: no raw Sphinx roles, defaults shown as values, code blocks
that fit the content column.

The reference is built by mkdocstrings from griffe's static reading of ``src/``; these tests read
the package the same way (with the same ``scripts/griffe_*.py`` extensions), so
they check what the built pages show without building them. The built site was also checked by
eye in headless Chromium at 1280 px (see docs/architecture.md, "Docs are tested").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import griffe
import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
#: Sphinx/RST cross-reference roles, which mkdocstrings prints verbatim.
RAW_ROLE = re.compile(r":(?:class|meth|attr|func|mod|exc|data|obj|ref|py:\w+):`")
#: A default written as a constant's name (DEFAULT_MAX_RETRIES) instead of its value, also
#: inside a tuple; a quoted string may contain anything.
CONSTANT_NAME = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")
#: The widest code line that fits the content column (measured in headless Chromium at a
#: 1280 px window with mkdocs-material's toc.integrate: 110 fit, 113 scrolled).
MAX_CODE_COLUMNS = 110


@pytest.fixture(scope="module")
def package() -> griffe.Module:
    # The same extension specs as mkdocs.yml's.
    extensions = (
        f"{ROOT / 'scripts' / 'griffe_literal_defaults.py'}:LiteralDefaults",
        f"{ROOT / 'scripts' / 'griffe_sync_mirrors.py'}:SyncMirrors",
    )
    loaded = griffe.load(
        "kieai",
        search_paths=[str(ROOT / "src")],
        extensions=griffe.load_extensions(*extensions),
        resolve_aliases=True,
    )
    assert isinstance(loaded, griffe.Module)
    return loaded


def rendered_identifiers() -> list[str]:
    """Every ``::: identifier`` of the docs pages: the objects the reference renders."""
    found: list[str] = []
    for page in sorted(DOCS.rglob("*.md")):
        found += re.findall(r"^:::\s+(\S+)", page.read_text(encoding="utf-8"), re.MULTILINE)
    return found


def _documented(obj: griffe.Object | griffe.Alias) -> Iterator[griffe.Object]:
    """``obj`` and its public members, as mkdocstrings renders them (aliases followed)."""
    target = obj.final_target if isinstance(obj, griffe.Alias) else obj
    yield target
    for name, member in target.members.items():
        if name.startswith("_") and name != "__init__":
            continue
        if isinstance(member, griffe.Alias):
            continue  # an import, not rendered as a member
        if isinstance(member, (griffe.Function, griffe.Attribute)):
            yield member
        elif isinstance(member, griffe.Class):
            yield from _documented(member)


def _objects(package: griffe.Module) -> Iterator[griffe.Object]:
    for identifier in rendered_identifiers():
        yield from _documented(package.modules_collection[identifier])


def test_the_reference_renders_objects() -> None:
    assert "kieai.KieClient" in rendered_identifiers()


def test_no_raw_sphinx_roles_in_rendered_docstrings(package: griffe.Module) -> None:
    raw = [
        f"{obj.path}: {match.group(0)}"
        for obj in _objects(package)
        if obj.docstring is not None
        for match in RAW_ROLE.finditer(obj.docstring.value)
    ]

    assert raw == []


def test_defaults_show_values_not_constant_names(package: griffe.Module) -> None:
    named = [
        f"{obj.path}({parameter.name}={parameter.default})"
        for obj in _objects(package)
        if isinstance(obj, griffe.Function)
        for parameter in obj.parameters
        if parameter.default is not None
        and CONSTANT_NAME.search(re.sub(r"'[^']*'|\"[^\"]*\"", "", str(parameter.default)))
    ]

    assert named == []
    client = package.modules_collection["kieai.KieClient.__init__"].final_target
    assert isinstance(client, griffe.Function)
    assert str(client.parameters["max_retries"].default) == "2"
    assert str(client.parameters["create_task_rate"].default) == "(20, 10.0)"


def _code_lines(page: Path) -> Iterator[tuple[int, str]]:
    fence = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")
    inside: tuple[str, str] | None = None
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        match = fence.match(line)
        if match and inside is None:
            inside = (match.group(1), match.group(2))
        elif match and inside and match.group(2).startswith(inside[1]) and not match.group(3):
            inside = None
        elif inside is not None:
            yield number, line.removeprefix(inside[0])


@pytest.mark.parametrize("page", sorted(DOCS.rglob("*.md")), ids=lambda page: page.name)
def test_code_blocks_fit_the_content_column(page: Path) -> None:
    too_wide = [
        f"{page.name}:{number}: {len(line)} columns"
        for number, line in _code_lines(page)
        if len(line) > MAX_CODE_COLUMNS
    ]

    assert too_wide == []


@pytest.mark.parametrize(
    ("sync_path", "async_path"),
    [
        ("kieai.SyncKieClient.get_task", "kieai.KieClient.get_task"),
        ("kieai.SyncKieClient.wait_for_task", "kieai.KieClient.wait_for_task"),
        ("kieai.SyncKieClient.upload", "kieai.KieClient.upload"),
        ("kieai.SyncMotionControl.generate", "kieai.MotionControl.generate"),
    ],
)
def test_the_sync_reference_shows_each_method_with_parameters_and_docstring(
    package: griffe.Module, sync_path: str, async_path: str
) -> None:
    """The reference lists a sync method as a (not async) method with the async one's
    parameters, defaults and docstring, not as an assignment ``_mirror(...)``."""
    sync = package.modules_collection[sync_path]
    source = package.modules_collection[async_path]
    sync = sync.final_target if isinstance(sync, griffe.Alias) else sync
    source = source.final_target if isinstance(source, griffe.Alias) else source
    assert isinstance(sync, griffe.Function) and isinstance(source, griffe.Function)
    assert "async" not in sync.labels
    assert [(p.name, str(p.default)) for p in sync.parameters] == [
        (p.name, str(p.default)) for p in source.parameters
    ]
    assert sync.docstring is not None and source.docstring is not None
    assert sync.docstring.value == source.docstring.value


def test_the_sync_reference_types_generate_and_resources_as_sync_twins(
    package: griffe.Module,
) -> None:
    generate = package.modules_collection["kieai._sync.SyncMotionControl.generate"]
    resource = package.modules_collection["kieai._sync.SyncKieClient.motion_control"]
    assert isinstance(generate, griffe.Function)
    assert str(generate.returns) == "SyncMotionControlResult"
    assert isinstance(resource, griffe.Attribute)
    assert str(resource.annotation) == "SyncMotionControl"
    assert resource.docstring is not None and "Motion Control" in resource.docstring.value
