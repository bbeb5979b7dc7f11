"""What is generated from the catalog is up to date, and types what it should.

``scripts/generate_types.py`` runs here in memory on the committed catalog (never on Kie's
pages) and must reproduce the committed files byte for byte: after a change to the catalog,
``make generate`` and commit. One pyright run (strict) checks a user's code against the typed
inputs and the typed ``generate``/``create``/``check`` of both clients.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import re
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


def test_the_generated_calls_match_the_catalog(generator: ModuleType) -> None:
    committed = (ROOT / "src" / "kieai" / "_generated" / "calls.py").read_text(encoding="utf-8")

    assert generator.render_calls() == committed, "out of date: run `make generate`"


def test_the_generated_resources_match_their_declarations(generator: ModuleType) -> None:
    committed = (ROOT / "src" / "kieai" / "_generated" / "resources.py").read_text(encoding="utf-8")

    assert generator.render_resources() == committed, "out of date: run `make generate`"


@pytest.mark.parametrize(
    ("resource", "declaration"),
    [
        ("MotionControl", "kieai._models.motion_control:MOTION_CONTROL"),
        ("ImageToVideo", "kieai._models.kling_video:IMAGE_TO_VIDEO"),
        ("TextToVideo", "kieai._models.kling_video:TEXT_TO_VIDEO"),
    ],
)
def test_each_resource_takes_its_declared_arguments_and_the_shared_options(
    generator: ModuleType, resource: str, declaration: str
) -> None:
    import importlib

    import kieai

    module, _, name = declaration.partition(":")
    declared = getattr(importlib.import_module(module), name)
    cls = getattr(kieai, resource)
    options = {o.name: o for o in generator.GENERATE_OPTIONS}

    for method in ("check", "create", "generate"):
        parameters = inspect.signature(getattr(cls, method)).parameters
        taken = [p for p in parameters if p not in {"self", "model"} and p not in options]
        assert taken == [a.name for a in declared.arguments], method
        for argument in declared.arguments:
            parameter = parameters[argument.name]
            assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
            assert parameter.annotation == argument.annotation
            expected = inspect.Parameter.empty if argument.required else argument.default
            assert parameter.default == expected, (method, argument.name)
        assert parameters["model"].default == declared.models[0][0]
    assert [p for p in inspect.signature(cls.check).parameters if p in options] == []
    create = [p for p in inspect.signature(cls.create).parameters if p in options]
    assert create == [o.name for o in generator.CREATE_OPTIONS]
    generate = [p for p in inspect.signature(cls.generate).parameters if p in options]
    assert generate == list(options)
    # The specs the checks run are the declaration's, one per model, in its order.
    assert cls.specs == declared.specs
    assert [s.model for s in cls.specs] == [m for m, _ in declared.models]


@pytest.mark.parametrize(
    ("resource", "declaration"),
    [
        ("Veo", "kieai._models.veo:VEO"),
        ("Suno", "kieai._models.suno:SUNO"),
        ("Runway", "kieai._models.runway:RUNWAY"),
    ],
)
def test_each_family_call_takes_its_declared_arguments_and_the_shared_options(
    generator: ModuleType, resource: str, declaration: str
) -> None:
    import importlib

    import kieai

    module, _, name = declaration.partition(":")
    declared = getattr(importlib.import_module(module), name)
    cls = getattr(kieai, resource)
    options = {o.name for o in generator.GENERATE_OPTIONS}

    for call in declared.calls:
        for method in call.methods:
            parameters = inspect.signature(getattr(cls, method.name)).parameters
            taken = [p for p in parameters if p != "self" and p not in options]
            assert taken == [a.name for a in call.arguments], method.name
            for argument in call.arguments:
                parameter = parameters[argument.name]
                kind = (
                    inspect.Parameter.POSITIONAL_OR_KEYWORD
                    if argument.positional
                    else inspect.Parameter.KEYWORD_ONLY
                )
                assert parameter.kind is kind
                assert parameter.annotation == argument.annotation
                expected = inspect.Parameter.empty if argument.required else argument.default
                assert parameter.default == expected, (method.name, argument.name)
            passed = [p for p in parameters if p in options]
            if method.kind == "check":
                assert passed == ["callback_url"]
            else:
                listed = (
                    generator.GENERATE_OPTIONS
                    if method.kind == "generate"
                    else generator.CREATE_OPTIONS
                )
                uploads = {"on_upload_progress", "check_media"}
                assert passed == [o.name for o in listed if call.uploads or o.name not in uploads]


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


@pytest.mark.parametrize("name", ["generate", "create", "check"])
def test_the_typed_calls_take_the_pipelines_options_as_it_declares_them(name: str) -> None:
    from kieai import KieClient, SyncKieClient

    pipeline = inspect.signature(getattr(KieClient, f"_{name}_model"))
    typed = inspect.signature(getattr(KieClient, name))
    sync = inspect.signature(getattr(SyncKieClient, name))

    def shape(signature: inspect.Signature) -> list[tuple[str, object, object, object]]:
        return [(p.name, p.kind, p.default, p.annotation) for p in signature.parameters.values()]

    assert shape(typed) == shape(pipeline)
    assert shape(sync) == shape(pipeline)


@pytest.mark.parametrize("client_class", ["KieClient", "SyncKieClient"])
def test_help_shows_the_typed_calls_parameters_and_docstring(client_class: str) -> None:
    import pydoc

    import kieai

    cls = getattr(kieai, client_class)
    shown = pydoc.plain(pydoc.render_doc(cls, renderer=pydoc.TextDoc()))
    method = pydoc.plain(pydoc.render_doc(cls.generate, renderer=pydoc.TextDoc()))

    for name in ("generate", "create", "check"):
        assert f"{name}(self, model: 'str', input: 'Mapping[str, object]'" in shown
    assert "idempotency_key: 'str | None' = None" in method
    assert "Typed per catalog model" in method


def test_kieai_loads_no_generated_code_and_the_client_only_the_calls() -> None:
    probe = (
        "import json, sys\n"
        "import kieai\n"
        "before = sorted(m for m in sys.modules if m.startswith('kieai._generated'))\n"
        "from kieai import KieClient\n"
        "after = sorted(m for m in sys.modules if m.startswith('kieai._generated'))\n"
        "print(json.dumps([before, after]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    before, after = json.loads(done.stdout)

    assert before == []
    # The overloads are for type checkers: the client loads the implementations, not the
    # 135 TypedDicts.
    assert after == ["kieai._generated", "kieai._generated.calls"]


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


#: A user's calls, async and sync. ``# error RULE`` marks the lines that must be errors (of that
#: pyright rule), ``# is TYPE`` the type pyright must reveal; every other line must be clean.
CALLS = """\
# pyright: strict
from kieai import (
    AudioResult,
    CheckReport,
    ImageResult,
    KieClient,
    SyncAudioResult,
    SyncImageResult,
    SyncKieClient,
    SyncTextResult,
    SyncVideoResult,
    TextResult,
    VideoResult,
)


async def run(client: KieClient, any_id: str) -> None:
    reveal_type(await client.generate("google/nano-banana-edit", {"prompt": "snow", "image_urls": ["street.jpg"]}))  # is ImageResult
    reveal_type(await client.generate("kling-2.6/text-to-video", {"prompt": "p", "aspect_ratio": "16:9", "duration": "5", "sound": False}, timeout=None))  # is VideoResult
    reveal_type(await client.generate("elevenlabs/text-to-speech-turbo-2-5", {"text": "hello", "speed": 1.2}))  # is AudioResult
    reveal_type(await client.generate("omnihuman-1-5/human-identification", {"image_url": b"png bytes"}))  # is TextResult
    reveal_type(await client.generate("acme/model-of-next-month", {"anything": [1, "two"]}))  # is VideoResult | ImageResult | AudioResult | TextResult
    reveal_type(await client.generate(any_id, {"prompt": "p"}))  # is VideoResult | ImageResult | AudioResult | TextResult
    reveal_type(await client.create("z-image", {"prompt": "p", "aspect_ratio": "1:1"}, idempotency_key="k"))  # is str
    reveal_type(await client.check("z-image", {"prompt": "p", "aspect_ratio": "1:1"}))  # is CheckReport
    image: ImageResult = await client.generate("z-image", {"prompt": "p", "aspect_ratio": "1:1"})
    audio: AudioResult = await client.generate("elevenlabs/text-to-speech-turbo-2-5", {"text": "hi"})
    video: VideoResult = await client.generate("z-image", {"prompt": "p", "aspect_ratio": "1:1"})  # error reportAssignmentType
    await client.generate("google/nano-banana-edit", {"prompt": "p", "imageurls": ["a.png"]})  # error reportDeprecated
    await client.generate("google/nano-banana-edit", {"prompt": "p", "image_urls": [], "output_format": "gif"})  # error reportDeprecated
    await client.create("z-image", {"prompt": "p"})  # error reportDeprecated
    await client.check("z-image", {"prompt": "p", "aspect_ratio": "2:1"})  # error reportDeprecated
    await client.generate("z-image", {"prompt": "p", "aspect_ratio": "1:1"}, poll_intervall=1.0)  # error reportCallIssue
    text: TextResult = await client.generate("omnihuman-1-5/human-identification", {"image_url": "a.png"})
    print(image, audio, video, text)


def run_sync(client: SyncKieClient, any_id: str) -> None:
    reveal_type(client.generate("google/nano-banana-edit", {"prompt": "snow", "image_urls": ["street.jpg"]}))  # is SyncImageResult
    reveal_type(client.generate("kling-2.6/text-to-video", {"prompt": "p", "aspect_ratio": "16:9", "duration": "5", "sound": False}))  # is SyncVideoResult
    reveal_type(client.generate("elevenlabs/text-to-speech-turbo-2-5", {"text": "hello"}))  # is SyncAudioResult
    reveal_type(client.generate("omnihuman-1-5/human-identification", {"image_url": "https://example.com/a.png"}))  # is SyncTextResult
    reveal_type(client.generate(any_id, {"prompt": "p"}))  # is SyncVideoResult | SyncImageResult | SyncAudioResult | SyncTextResult
    reveal_type(client.create("z-image", {"prompt": "p", "aspect_ratio": "1:1"}))  # is str
    reveal_type(client.check("z-image", {"prompt": "p", "aspect_ratio": "1:1"}))  # is CheckReport
    image: SyncImageResult = client.generate("z-image", {"prompt": "p", "aspect_ratio": "1:1"})
    audio: SyncAudioResult = client.generate("elevenlabs/text-to-speech-turbo-2-5", {"text": "hi"})
    video: SyncVideoResult = client.generate("z-image", {"prompt": "p", "aspect_ratio": "1:1"})  # error reportAssignmentType
    await_free: VideoResult = client.generate("kling-2.6/text-to-video", {"prompt": "p", "aspect_ratio": "1:1", "duration": "10", "sound": True})
    client.generate("google/nano-banana-edit", {"prompt": "p", "imageurls": ["a.png"]})  # error reportDeprecated
    client.generate("kling-2.6/text-to-video", {"prompt": "p", "aspect_ratio": "1:1", "duration": 5, "sound": True})  # error reportDeprecated
    client.create("z-image", {"prompt": "p", "aspect_ratio": "1:1", "nsfw": True})  # error reportDeprecated
    client.check("z-image", {"aspect_ratio": "1:1"})  # error reportDeprecated
    text: SyncTextResult = client.generate("omnihuman-1-5/human-identification", {"image_url": "a.png"})
    print(image, audio, video, await_free, text, CheckReport)
"""


def _marked(source: str, mark: str) -> dict[int, str]:
    """Line number -> what follows ``# <mark> `` on that line."""
    found: dict[int, str] = {}
    for number, line in enumerate(source.splitlines(), start=1):
        match = re.search(rf"# {mark}(?: (.*))?$", line)
        if match:
            found[number] = match.group(1) or ""
    return found


def test_pyright_strict_checks_inputs_calls_and_results_on_both_clients(tmp_path: Path) -> None:
    pyright = shutil.which("pyright", path=str(Path(sys.executable).parent))
    assert pyright is not None, "pyright is a dev dependency: install the dev extra"
    sources = {"usage.py": USAGE, "calls.py": CALLS}
    for name, source in sources.items():
        (tmp_path / name).write_text(source, encoding="utf-8")

    done = subprocess.run(
        [pyright, "--outputjson", "--pythonpath", sys.executable, *sources],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    diagnostics = json.loads(done.stdout)["generalDiagnostics"]

    def found(name: str, severity: str) -> dict[int, str]:
        """Line -> the rule of an error, or the revealed type of an information."""
        return {
            d["range"]["start"]["line"] + 1: (
                d.get("rule", "")
                if severity == "error"
                else re.sub(r'^Type of ".*" is "(.*)"$', r"\1", d["message"], flags=re.DOTALL)
            )
            for d in diagnostics
            if Path(d["file"]).name == name and d["severity"] == severity
        }

    assert set(found("usage.py", "error")) == set(_marked(USAGE, "error")), diagnostics
    assert found("calls.py", "error") == _marked(CALLS, "error"), diagnostics
    assert found("calls.py", "information") == _marked(CALLS, "is"), diagnostics
