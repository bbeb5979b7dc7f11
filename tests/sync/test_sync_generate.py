"""``SyncKieClient.generate``/``create``/``check`` for any model: the same checks, pipeline and
errors as ``KieClient``'s, without ``await``; results come back as their sync twins, whose
``download`` and ``download_all`` block."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest

from kieai import (
    AudioResult,
    ImageResult,
    KieError,
    KieInputError,
    SyncAudioResult,
    SyncImageResult,
    SyncKieClient,
    SyncVideoResult,
    Task,
    TaskFailedError,
    VideoInfo,
    probe,
)
from kieai._generated.market import Kling2_6TextToVideoInput
from kieai.testing import FakeKie

from .conftest import KEY

FAST: dict[str, Any] = {"poll_interval": 0.02, "max_poll_interval": 0.05, "timeout": 30.0}
T2V: Kling2_6TextToVideoInput = {
    "prompt": "A fox.",
    "sound": False,
    "duration": "5",
    "aspect_ratio": "16:9",
}


def test_generate_any_model_returns_the_sync_twin_and_downloads_blocking(
    base_url: str, fake: FakeKie, tmp_path: Path
) -> None:
    created: list[str] = []
    with SyncKieClient(api_key=KEY, base_url=base_url, upload_base_url=base_url) as client:
        result = client.generate("kling-2.6/text-to-video", T2V, on_created=created.append, **FAST)
        assert isinstance(result, SyncVideoResult)
        paths = result.download_all(tmp_path / "all")
        path = result.download(tmp_path)
    assert created == [result.task_id] and result.kind == "video"
    assert result.urls == result.video_urls and result.url == result.video_url
    assert fake.task(result.task_id).input == T2V
    assert [p.parent for p in paths] == [tmp_path / "all"]
    assert isinstance(probe(path), VideoInfo) and paths[0].read_bytes() == path.read_bytes()


def test_check_and_create_without_await(base_url: str, fake: FakeKie) -> None:
    with SyncKieClient(api_key=KEY, base_url=base_url, upload_base_url=base_url) as client:
        # Wrong inputs on purpose: pyright strict reports them (reportDeprecated).
        report = client.check("kling-2.6/text-to-video", {**T2V, "duration": 5})  # pyright: ignore[reportDeprecated]
        with pytest.raises(KieInputError) as caught:
            client.create("kling-2.6/text-to-video", {**T2V, "sond": True})  # pyright: ignore[reportDeprecated]
        task_id = client.create("kling-2.6/text-to-video", T2V)
    assert report.problems == ['duration: must be "5" or "10", got 5']
    assert caught.value.problems == [
        "sond: kling-2.6/text-to-video has no such field (did you mean 'sound'?), got True"
    ]
    assert [r.route for r in fake.requests].count("createTask") == 1
    assert fake.task(task_id).model == "kling-2.6/text-to-video"


def test_a_failure_after_creation_names_the_task_id(base_url: str, fake: FakeKie) -> None:
    fake.fail_next_task("500", "upstream broke")
    with SyncKieClient(api_key=KEY, base_url=base_url, upload_base_url=base_url) as client:
        with pytest.raises(TaskFailedError) as caught:
            client.generate("kling-2.6/text-to-video", T2V, **FAST)
    assert caught.value.task_id is not None
    assert f"`kie wait {caught.value.task_id}`" in str(caught.value)


@pytest.mark.parametrize(
    ("twin", "async_result"),
    [(SyncImageResult, ImageResult), (SyncAudioResult, AudioResult)],
)
def test_image_and_audio_twins_download_blocking_with_the_async_arguments(
    twin: type[Any], async_result: type[Any]
) -> None:
    for name in ("download", "download_all"):
        sync_method, async_method = getattr(twin, name), getattr(async_result, name)
        assert not inspect.iscoroutinefunction(sync_method)
        assert inspect.iscoroutinefunction(async_method)
        assert list(inspect.signature(sync_method).parameters) == list(
            inspect.signature(async_method).parameters
        )
        assert sync_method.__doc__ == async_method.__doc__
    task = Task.model_validate({"taskId": "t1", "state": "success"})
    unbound = twin(task_id="t1", task=task, urls=["https://cdn.example/a.png"])
    with pytest.raises(KieError, match=r"use client\.download\(result\.url, dest\)"):
        unbound.download(".")
