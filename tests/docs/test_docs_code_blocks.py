"""Every Python code block in README.md and docs/ runs, against FakeKie, as the test suite runs.

The blocks are extracted from the Markdown (never copied by hand), so the docs cannot drift
from the code. A page added to docs/ later is picked up by the glob; a fence is executed when
its info string is ``python`` (or ``py``). Shell sessions, JSON and signatures are not Python
fences by nature: give them ``bash``, ``console``, ``json`` or ``text``.

How a block runs
----------------
Each page gets a fresh working directory holding the sample inputs the quick start names
(``person.png`` and ``dance.mp4``, as ``kie demo --save-inputs .`` writes them), and an
environment whose ``KIE_API_KEY``, ``KIE_BASE_URL`` and ``KIE_UPLOAD_BASE_URL`` point at one
``FakeKie.serve()`` on a loopback port: ``KieClient()`` in a block talks to the fake.
``KIE_WEBHOOK_HMAC_KEY`` is set too. The fake finishes tasks the moment they are created.

A block is compiled as a module with top-level ``await`` allowed (what ``python -m asyncio``
and notebooks accept). A block without top-level ``await`` runs as a plain script, so it may
call ``anyio.run(main)`` itself; a block with top-level ``await``, or one that needs a fixture
below, runs inside an event loop (and so must not call ``anyio.run``).

Pasted into ``python -m asyncio``
--------------------------------
The docs recommend ``python -m asyncio`` (and notebooks) for snippets with a bare ``await``,
so every block is also fed, line by line, to a console compiling as that REPL does (top-level
``await`` allowed): a blank line inside an indented body, or a statement right after an
indented block with no blank line between, is a ``SyntaxError`` there, and so is a failure
here. A block may not call ``anyio.run``/``asyncio.run``/``trio.run`` at its top level either:
inside a running loop that raises "Already running asyncio in this thread". A block meant to be
saved as a file and run with ``python`` carries the ``script`` marker instead (and says so on
its first line, a comment naming the file).

Markers
-------
An HTML comment on the line just before the fence (invisible in the rendered page) changes
how the block runs; several directives are separated by ``;``::

    <!-- docs-test: needs client, task_id -->
    <!-- docs-test: continue -->
    <!-- docs-test: file conftest.py -->
    <!-- docs-test: pytest -->
    <!-- docs-test: script -->

``needs NAME, ...``
    The block uses names the page does not define; they are bound before it runs:
    ``client`` (an open ``KieClient()`` on the fake), ``fake`` (a fresh ``FakeKie`` of the
    block's own, so a snippet that injects faults or failures leaves the others alone), ``task_id`` (a
    finished task's id), ``url`` (that task's video URL), ``body`` and ``headers`` (a callback
    for that task as Kie would POST it, signed with ``KIE_WEBHOOK_HMAC_KEY``), ``png_bytes``
    and ``mp4_bytes`` (the sample inputs' bytes), ``redis_url`` (a real ``redis-server`` of the
    block's own on a free loopback port, as ``tests/redis`` starts it). Fixtures live for one block: the client is
    closed when the block ends, so a ``continue`` block that uses it again names it again.
``continue``
    The block runs in the namespace the page's previous block left (a snippet that goes on
    from the one before it).
``file PATH``
    The block is the content of the file PATH (relative to the working directory): it is
    written there and compiled, not run. Later blocks import it; ``pytest`` blocks use it as
    ``conftest.py``.
``script``
    The block is a file run with ``python FILE.py`` (it may call ``anyio.run(main)``), not a
    paste: it runs as usual, without the paste check. Its first line is a comment naming
    the file.
``pytest``
    The block is a test module: it is written to the working directory (as the ``file`` name,
    else ``test_block_LINE.py``) and run with ``python -m pytest``, which must pass.

An unknown directive fails the test, so a typo cannot silently skip a block.
"""

from __future__ import annotations

import ast
import code as interactive
import inspect
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import anyio.from_thread
import httpx
import pytest

from kieai import KieClient, samples, sign_callback
from kieai.testing import FakeKie, Schedule

from ..redis.conftest import RedisServer

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "test-key"
HMAC_KEY = "docs-hmac-key"
REMOTE_VIDEO = "https://example.com/dance.mp4"
BLOCK_TIMEOUT_S = 60.0
FIXTURE_NAMES = frozenset(
    {"client", "fake", "task_id", "url", "body", "headers", "png_bytes", "mp4_bytes", "redis_url"}
)

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
_MARKER = re.compile(r"^\s*<!--\s*docs-test:(?P<body>.*?)-->\s*$")


def markdown_pages() -> list[Path]:
    """README.md and every Markdown page under docs/ (new pages included automatically)."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


@dataclass
class Block:
    page: Path
    line: int  # 1-based line of the opening fence
    code: str
    needs: list[str] = field(default_factory=list[str])
    continues: bool = False
    file: str | None = None
    pytest: bool = False
    script: bool = False

    @property
    def where(self) -> str:
        page = self.page.relative_to(ROOT) if self.page.is_relative_to(ROOT) else self.page.name
        return f"{page}:{self.line}"


def _apply_marker(block: Block, text: str) -> None:
    for directive in filter(None, (part.strip() for part in text.split(";"))):
        word, _, rest = directive.partition(" ")
        if word == "needs":
            names = [name.strip() for name in rest.split(",") if name.strip()]
            unknown = sorted(set(names) - FIXTURE_NAMES)
            if not names or unknown:
                raise ValueError(f"{block.where}: unknown fixture(s) {unknown or rest!r}")
            block.needs = names
        elif word == "continue" and not rest:
            block.continues = True
        elif word == "file" and rest.strip():
            block.file = rest.strip()
        elif word == "pytest" and not rest:
            block.pytest = True
        elif word == "script" and not rest:
            block.script = True
        else:
            raise ValueError(f"{block.where}: unknown docs-test directive {directive!r}")


def python_blocks(page: Path) -> list[Block]:
    """The page's Python fences, in order, with the marker before each applied."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        language = opening["info"].split()[0].lower() if opening["info"].split() else ""
        body: list[str] = []
        end = index + 1
        while end < len(lines):
            closing = _FENCE.match(lines[end])
            if (
                closing is not None
                and closing["fence"].startswith(fence)
                and not closing["info"].strip()
            ):
                break
            body.append(lines[end].removeprefix(indent))
            end += 1
        if language in ("python", "py"):
            block = Block(page, index + 1, "\n".join(body) + "\n")
            marker = _MARKER.match(lines[index - 1]) if index > 0 else None
            if marker is not None:
                _apply_marker(block, marker["body"])
            blocks.append(block)
        index = end + 1
    return blocks


# -- the fake Kie the blocks talk to -------------------------------------------------------


@dataclass
class Served:
    fake: FakeKie
    base_url: str


def _callback_sink() -> httpx.AsyncClient:
    """Where the fake delivers callbacks for example.com URLs: a sink that says 200."""
    return httpx.AsyncClient(transport=httpx.MockTransport(lambda _: httpx.Response(200)))


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    fake = FakeKie(
        api_key=API_KEY,
        schedule=Schedule(0, 0, 0),
        callback_http_client=_callback_sink,
        hmac_key=HMAC_KEY,
    )
    fake.add_remote_file(REMOTE_VIDEO, samples.path(samples.DANCE_VIDEO).read_bytes())
    with (
        anyio.from_thread.start_blocking_portal() as portal,
        portal.wrap_async_context_manager(fake.serve()) as base_url,
    ):
        yield Served(fake, base_url)


@pytest.fixture
def workdir(served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    samples.save_inputs(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KIE_API_KEY", API_KEY)
    monkeypatch.setenv("KIE_BASE_URL", served.base_url)
    monkeypatch.setenv("KIE_UPLOAD_BASE_URL", served.base_url)
    monkeypatch.setenv("KIE_WEBHOOK_HMAC_KEY", HMAC_KEY)
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])  # blocks import `file` blocks
    yield tmp_path
    for module in [name for name, mod in sys.modules.items() if _defined_in(mod, tmp_path)]:
        del sys.modules[module]


def _defined_in(module: object, directory: Path) -> bool:
    origin = getattr(module, "__file__", None)
    return isinstance(origin, str) and Path(origin).is_relative_to(directory)


# -- running the blocks ----------------------------------------------------------------------


async def _fixtures(block: Block, served: Served, stack: AsyncExitStack) -> dict[str, Any]:
    values: dict[str, Any] = {}
    wanted = set(block.needs)
    if "fake" in wanted:
        values["fake"] = FakeKie(api_key=API_KEY)
    if "png_bytes" in wanted:
        values["png_bytes"] = samples.path(samples.PERSON_IMAGE).read_bytes()
    if "mp4_bytes" in wanted:
        values["mp4_bytes"] = samples.path(samples.DANCE_VIDEO).read_bytes()
    if "redis_url" in wanted:
        server = RedisServer(Path(stack.enter_context(tempfile.TemporaryDirectory())))
        server.start()
        stack.callback(server.kill)
        values["redis_url"] = server.url
    if wanted & {"client", "task_id", "url", "body", "headers"}:
        client = await stack.enter_async_context(KieClient())
        values["client"] = client
        if wanted & {"task_id", "url", "body", "headers"}:
            result = await client.motion_control.generate(
                image=samples.PERSON_IMAGE, video=samples.DANCE_VIDEO
            )
            values["task_id"], values["url"] = result.task_id, result.video_url
            callback = {"code": 200, "msg": "success", "data": result.task.model_dump()}
            values["body"] = json.dumps(callback, default=str).encode()
            values["headers"] = sign_callback(result.task_id, HMAC_KEY)
    return {name: values[name] for name in block.needs}


def _compile(block: Block) -> Any:
    # Line numbers in a traceback point into the page itself.
    source = "\n" * (block.line) + block.code
    return compile(
        source, str(block.page), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
    )


def _run(block: Block, namespace: dict[str, Any], served: Served, workdir: Path) -> None:
    code = _compile(block)
    if block.file is not None or block.pytest:
        name = block.file or f"test_block_{block.line}.py"
        (workdir / name).parent.mkdir(parents=True, exist_ok=True)
        (workdir / name).write_text(block.code, encoding="utf-8")
        if block.pytest:
            _run_pytest(workdir / name, block)
        return
    is_async = bool(code.co_flags & inspect.CO_COROUTINE)
    if not is_async and not block.needs:
        exec(code, namespace)
        return

    async def main() -> None:
        async with AsyncExitStack() as stack:
            namespace.update(await _fixtures(block, served, stack))
            with anyio.fail_after(BLOCK_TIMEOUT_S):
                result = eval(code, namespace)
                if inspect.iscoroutine(result):
                    await result

    anyio.run(main)


def _run_pytest(path: Path, block: Block) -> None:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error", path.name],
        cwd=path.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"{block.where}: pytest failed\n{done.stdout}\n{done.stderr}"


class _PasteConsole(interactive.InteractiveConsole):
    """``python -m asyncio``'s console (top-level ``await`` allowed) that only compiles, and
    keeps the syntax errors a paste would show."""

    def __init__(self) -> None:
        super().__init__()
        self.compile.compiler.flags |= ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        self.errors: list[str] = []

    def runcode(self, code: Any) -> None:
        pass

    def showsyntaxerror(self, *args: Any, **kwargs: Any) -> None:
        error = sys.exc_info()[1]
        self.errors.append(f"{type(error).__name__}: {error}")


_LOOP_RUNNERS = frozenset({"anyio", "asyncio", "trio"})


def _top_level_loop_runs(source: str) -> list[int]:
    """Lines that start an event loop (``anyio.run(...)``, ...) outside any function."""
    lines: list[int] = []
    for statement in ast.parse(source).body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for node in ast.walk(statement):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "run"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in _LOOP_RUNNERS
            ):
                lines.append(node.lineno)
    return lines


def paste_problems(block: Block) -> list[str]:
    """What goes wrong when ``block`` is pasted into ``python -m asyncio`` (empty: nothing)."""
    if block.script:
        first = block.code.lstrip().splitlines()[0] if block.code.strip() else ""
        named = first.startswith("#") and ".py" in first
        return [] if named else ["a script block's first line must be a comment naming its file"]
    if block.file is not None or block.pytest:
        return []
    console = _PasteConsole()
    waiting = False
    for line in block.code.splitlines():
        waiting = console.push(line)
    if waiting:
        console.push("")
    runs = [
        f"line {line}: starts an event loop (fails inside python -m asyncio and notebooks: "
        "use top-level await, or mark the block `script`)"
        for line in _top_level_loop_runs(block.code)
    ]
    return console.errors + runs


@pytest.mark.parametrize("page", markdown_pages(), ids=lambda page: str(page.relative_to(ROOT)))
def test_python_blocks_paste_into_the_asyncio_repl(page: Path) -> None:
    problems = [
        f"{block.where}: {problem}"
        for block in python_blocks(page)
        for problem in paste_problems(block)
    ]
    assert problems == []


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("async with x() as c:\n    await c.f()\nprint(1)\n", "SyntaxError"),
        ("def f():\n    a = 1\n\n    return a\n", "IndentationError"),
        ("import anyio\n\n\nasync def main():\n    pass\n\n\nanyio.run(main)\n", "line 8"),
    ],
)
def test_the_paste_check_catches_what_the_repl_refuses(code: str, problem: str) -> None:
    problems = paste_problems(Block(Path("page.md"), 1, code))

    assert len(problems) == 1 and problem in problems[0], problems


def test_the_paste_check_accepts_top_level_await_and_script_blocks() -> None:
    pasted = Block(Path("page.md"), 1, "async with x() as c:\n    await c.f()\n\nprint(1)\n")
    script = Block(Path("page.md"), 1, "# main.py\nimport anyio\nanyio.run(main)\n", script=True)

    assert paste_problems(pasted) == []
    assert paste_problems(script) == []


@pytest.mark.parametrize("page", markdown_pages(), ids=lambda page: str(page.relative_to(ROOT)))
def test_python_blocks_run(page: Path, served: Served, workdir: Path) -> None:
    namespace: dict[str, Any] = {}
    for block in python_blocks(page):
        if not block.continues:
            namespace = {"__name__": "__main__"}
        try:
            _run(block, namespace, served, workdir)
        except Exception as exc:
            raise AssertionError(f"{block.where}: the code block failed: {exc!r}") from exc


# -- the extractor itself --------------------------------------------------------------------


def test_the_quick_start_pages_have_blocks_to_run() -> None:
    assert python_blocks(ROOT / "README.md")
    assert python_blocks(ROOT / "docs" / "quickstart.md")


def test_extractor_reads_markers_and_indented_fences(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "text\n"
        "```bash\necho no\n```\n"
        "<!-- docs-test: needs client, task_id; continue -->\n"
        "```python\nx = 1\n```\n"
        "!!! note\n"
        "    ```py\n    y = 2\n    ```\n"
        "````python\n```\nnested fence stays inside\n````\n"
    )

    blocks = python_blocks(page)

    assert [b.code for b in blocks] == ["x = 1\n", "y = 2\n", "```\nnested fence stays inside\n"]
    assert (blocks[0].needs, blocks[0].continues) == (["client", "task_id"], True)
    assert (blocks[1].needs, blocks[1].continues) == ([], False)


@pytest.mark.parametrize(
    "marker", ["<!-- docs-test: skip -->", "<!-- docs-test: needs nonsense -->"]
)
def test_an_unknown_marker_fails_rather_than_skipping(tmp_path: Path, marker: str) -> None:
    page = tmp_path / "page.md"
    page.write_text(f"{marker}\n```python\nx = 1\n```\n")

    with pytest.raises(ValueError, match=r"page\.md:2: unknown"):
        python_blocks(page)
