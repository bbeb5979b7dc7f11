"""Results in notebooks: a short repr, an HTML / Markdown view with a player and the task's
facts, and the progress lines `generate` shows by itself in an IPython kernel."""

from __future__ import annotations

import itertools
import sys
import types
from typing import Any

import pytest

from kieai import KieClient, SyncKieClient, Task, VideoResult
from kieai._assets import asset_path
from kieai._display import notebook_progress
from kieai.testing import FakeKie, Schedule

pytestmark = pytest.mark.anyio

KEY = "test-key"
QUICK = Schedule(waiting=0.01, queuing=0.01, generating=0.03)
LONG_URL = "https://tempfile.example.com/" + "a" * 200 + "/out.mp4?sig=1&x=<2>"


def make_result(urls: list[str]) -> VideoResult:
    task = Task.model_validate(
        {
            "taskId": "task_kling-2.6_1700000000000",
            "model": "kling-2.6/motion-control",
            "state": "success",
            "param": '{"model": "kling-2.6/motion-control", "input": {"prompt": "'
            + "p" * 500
            + '"}}',
            "resultJson": '{"resultUrls": ' + str(urls).replace("'", '"') + "}",
            "costTime": 15000,
            "createTime": 1700000000000,
        }
    )
    return VideoResult(task_id=task.task_id, task=task, video_urls=task.result_urls)


def jupyter_view(obj: object, kind: str) -> str:
    """What Jupyter shows: it looks the ``_repr_<kind>_`` method up by name."""
    view = getattr(obj, f"_repr_{kind}_")()
    assert isinstance(view, str)
    return view


async def generate_on_fake(**kwargs: Any) -> VideoResult:
    fake = FakeKie(api_key=KEY, schedule=QUICK)
    async with fake.http_client() as http, KieClient(api_key=KEY, http_client=http) as client:
        return await client.motion_control.generate(
            image=asset_path("person.png"),
            video=asset_path("dance.mp4"),
            poll_interval=0.02,
            **kwargs,
        )


def test_repr_is_short_and_names_the_task() -> None:
    result = make_result([LONG_URL])

    text = repr(result)

    assert len(text) < 250, text
    assert text.startswith("VideoResult(task_id='task_kling-2.6_1700000000000', ")
    assert "model='kling-2.6/motion-control'" in text and "state='success'" in text
    assert "ppppp" not in text  # the task's param stays in result.task
    assert result.video_url == LONG_URL  # shortened in the repr only


def test_html_view_has_a_player_and_every_fact_escaped() -> None:
    second = "https://tempfile.example.com/second.mp4"
    view = jupyter_view(make_result([LONG_URL, second]), "html")

    escaped = LONG_URL.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert view.startswith(f'<div><video src="{escaped}" controls')
    for fact in ("task_kling-2.6_1700000000000", "kling-2.6/motion-control", "success", "15000"):
        assert f"<code>{fact}</code>" in view
    assert f'href="{second}"' in view
    assert "<2>" not in view


def test_markdown_view_has_a_player_and_the_facts() -> None:
    view = jupyter_view(make_result([LONG_URL]), "markdown")

    lines = view.splitlines()
    assert lines[0].startswith("<video src=")
    assert "| state | `success` |" in lines
    assert "| cost_time | `15000` |" in lines
    assert f"| url | <{LONG_URL}> |" in lines


async def test_a_generated_result_renders_with_its_own_video() -> None:
    result = await generate_on_fake()

    assert f'<video src="{result.video_url}"' in jupyter_view(result, "html")
    assert len(repr(result)) < 250


def test_the_sync_result_has_the_same_views() -> None:
    fake = FakeKie(api_key=KEY, schedule=QUICK)
    with fake.serve_in_thread() as url:
        with SyncKieClient(api_key=KEY, base_url=url, upload_base_url=url) as client:
            result = client.motion_control.generate(
                image=asset_path("person.png"), video=asset_path("dance.mp4"), poll_interval=0.02
            )

    assert repr(result).startswith("SyncMotionControlResult(task_id=")
    assert len(repr(result)) < 250
    assert f'<video src="{result.video_url}"' in jupyter_view(result, "html")
    assert jupyter_view(result, "markdown").startswith("<video")


# -- progress in a notebook ------------------------------------------------------------------


class _Kernel:
    """What `get_ipython()` returns in Jupyter: a shell with a ``kernel``."""

    kernel = object()


@pytest.fixture
def kernel_lines(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A stand-in IPython kernel (the real one is not a dependency): what it displays."""
    shown: list[str] = []

    def display(bundle: dict[str, str], *, raw: bool = False) -> None:
        assert raw
        shown.append(bundle["text/plain"])

    ipython = types.ModuleType("IPython")
    ipython.get_ipython = _Kernel  # type: ignore[attr-defined]  # a stand-in module
    display_module = types.ModuleType("IPython.display")
    display_module.display = display  # type: ignore[attr-defined]  # a stand-in module
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display_module)
    return shown


def test_no_progress_outside_a_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert notebook_progress() is None


def test_no_progress_in_a_terminal_ipython(monkeypatch: pytest.MonkeyPatch) -> None:
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = object  # type: ignore[attr-defined]  # a shell without a kernel
    monkeypatch.setitem(sys.modules, "IPython", ipython)

    assert notebook_progress() is None


async def test_generate_in_a_kernel_shows_each_state_change(kernel_lines: list[str]) -> None:
    result = await generate_on_fake()

    prefix = f"kieai: task {result.task_id} (kling-2.6/motion-control) is "
    assert kernel_lines, "no progress shown"
    assert all(line.startswith(prefix) for line in kernel_lines)
    states = [line.removeprefix(prefix).split(" after ")[0] for line in kernel_lines]
    assert states[-1] == "success"
    assert all(a != b for a, b in itertools.pairwise(states))  # one line per change


async def test_an_on_update_of_the_callers_replaces_the_progress(
    kernel_lines: list[str],
) -> None:
    states: list[str] = []

    def on_update(task: Task) -> None:
        states.append(str(task.state))

    await generate_on_fake(on_update=on_update)

    assert states[-1] == "success"
    assert kernel_lines == []
