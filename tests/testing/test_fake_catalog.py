"""FakeKie serves the whole catalog: for every model, a minimal valid input (files of the kinds
its fields accept, uploaded to the fake) creates a task that completes with a result of the
model's output kind, and a deliberately bad input is a 422 naming the field. The sweep runs
in-process (fast); a few models run over a loopback socket too."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from kieai import catalog
from kieai.catalog import ModelInfo
from kieai.testing import FakeKie, ManualClock

from ._catalog_inputs import is_kind, minimal_input, spoil
from ._support import API, AUTH, UPLOAD, socket_client, upload_url
from .conftest import START_S

pytestmark = pytest.mark.anyio

MODELS = catalog.models()


@pytest.fixture
def anyio_backend() -> str:
    """One backend: the sweep is about the catalog, the backends are covered elsewhere."""
    return "asyncio"


async def _run(
    client: httpx.AsyncClient, fake: FakeKie, info: ModelInfo, *, api: str, up: str
) -> Any:
    """Create a task of ``info`` with a minimal input; return recordInfo's data once done."""

    async def upload(name: str, data: bytes) -> str:
        return await upload_url(client, name, data, base=up)

    input_ = await minimal_input(info, upload)
    created = await client.post(
        f"{api}/api/v1/jobs/createTask", headers=AUTH, json={"model": info.id, "input": input_}
    )
    payload = created.json()
    assert payload["code"] == 200, (info.id, input_, payload)
    fake.advance(1)
    answer = await client.get(
        f"{api}/api/v1/jobs/recordInfo", headers=AUTH, params={"taskId": payload["data"]["taskId"]}
    )
    data = answer.json()["data"]
    assert data["state"] == "success", data
    return data


async def _check_result(client: httpx.AsyncClient, info: ModelInfo, data: Any) -> None:
    result = json.loads(data["resultJson"])
    if info.output == "text":
        assert isinstance(result["resultObject"], dict) and result["resultObject"]
        return
    (url,) = result["resultUrls"]
    download = await client.get(url)
    assert download.status_code == 200
    assert is_kind(info.output, download.content), (info.id, url, download.content[:16])


@pytest.mark.parametrize("info", MODELS, ids=[m.id for m in MODELS])
async def test_every_catalog_model_completes_with_a_result_of_its_kind(info: ModelInfo) -> None:
    fake = FakeKie(clock=ManualClock(start=START_S))
    async with fake.http_client() as client:
        data = await _run(client, fake, info, api=API, up=UPLOAD)
        await _check_result(client, info, data)


@pytest.mark.parametrize("info", MODELS, ids=[m.id for m in MODELS])
async def test_every_catalog_model_refuses_a_bad_input_naming_the_field(info: ModelInfo) -> None:
    fake = FakeKie(clock=ManualClock(start=START_S))
    async with fake.http_client() as client:

        async def upload(name: str, data: bytes) -> str:
            return await upload_url(client, name, data)

        bad, name = spoil(info, await minimal_input(info, upload))
        answer = await client.post(
            f"{API}/api/v1/jobs/createTask", headers=AUTH, json={"model": info.id, "input": bad}
        )
    payload = answer.json()
    assert payload["code"] == 422, (info.id, bad, payload)
    assert payload["msg"].startswith(f"{name}:"), payload
    assert fake.tasks == {}


def test_the_catalog_has_every_output_kind() -> None:
    """The sweep above covers a model of each kind (a catalog without one would hide a gap)."""
    assert {m.output for m in MODELS} == {"video", "image", "audio", "text"}


def _one_of_each_kind() -> list[ModelInfo]:
    chosen: dict[str, ModelInfo] = {}
    for info in MODELS:
        if info.file_fields:  # with an upload, so the socket run stores and reads files too
            chosen.setdefault(info.output, info)
    return sorted(chosen.values(), key=lambda m: m.output)


@pytest.mark.parametrize("info", _one_of_each_kind(), ids=lambda m: m.output)
async def test_a_model_of_each_kind_over_a_loopback_socket(info: ModelInfo) -> None:
    fake = FakeKie(clock=ManualClock(start=START_S))
    async with fake.serve() as base, socket_client() as client:
        data = await _run(client, fake, info, api=base, up=base)
        await _check_result(client, info, data)
