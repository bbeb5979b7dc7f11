"""``SyncKieClient(http_client=httpx.Client(...))``: every request goes through the caller's
client (its transport, mounts, event hooks and headers), which stays the caller's."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from kieai import APITimeoutError, SyncKieClient
from kieai._assets import asset_bytes, asset_path
from kieai.testing import FakeKie

from .conftest import KEY

PERSON = asset_path("person.png")
DANCE = asset_path("dance.mp4")


class CountingTransport(httpx.HTTPTransport):
    """A custom transport (as a proxy or a corporate CA setup would be)."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return super().handle_request(request)


def test_every_request_goes_through_the_callers_client(
    fake: FakeKie, base_url: str, tmp_path: Path
) -> None:
    transport = CountingTransport()
    hooked: list[str] = []

    def on_request(request: httpx.Request) -> None:
        hooked.append(request.method)

    with httpx.Client(
        transport=transport, headers={"X-Team": "video"}, event_hooks={"request": [on_request]}
    ) as http:
        with SyncKieClient(
            api_key=KEY, base_url=base_url, upload_base_url=base_url, http_client=http
        ) as client:
            result = client.motion_control.generate(
                image=PERSON, video=DANCE, poll_interval=0.02, max_poll_interval=0.05
            )
            path = result.download(tmp_path)
        through = list(transport.paths)
        assert not http.is_closed  # the caller's client stays open ...
        assert http.get(f"{base_url}/api/v1/chat/credit").status_code in (200, 401)  # ... usable

    assert path.read_bytes() == asset_bytes("result.mp4")
    assert sorted(u.data for u in fake.uploads.values()) == sorted(
        [PERSON.read_bytes(), DANCE.read_bytes()]
    )
    sent = fake.requests[: len(through)]
    assert [r.path for r in sent] == through and len(hooked) == len(through) + 1
    assert all(r.headers["x-team"] == "video" for r in sent)
    assert "/api/v1/jobs/createTask" in through
    download = next(r for r in fake.requests if r.route == "results")
    assert "authorization" not in download.headers


def test_mounts_choose_the_transport_per_host(fake: FakeKie, base_url: str) -> None:
    mounted = CountingTransport()
    with httpx.Client(mounts={"http://127.0.0.1": mounted}) as http:
        with SyncKieClient(
            api_key=KEY, base_url=base_url, upload_base_url=base_url, http_client=http
        ) as client:
            client.upload(PERSON, file_name="p.png")
            assert client.get_credits() == fake.credits
    assert mounted.paths == ["/api/file-stream-upload", "/api/v1/chat/credit"]


def test_a_callers_timeout_applies(fake: FakeKie, base_url: str) -> None:
    fake.inject("credit", delay=2.0)
    with httpx.Client(timeout=0.2) as http:
        with SyncKieClient(
            api_key=KEY,
            base_url=base_url,
            upload_base_url=base_url,
            http_client=http,
            max_retries=0,
        ) as client:
            with pytest.raises(APITimeoutError):
                client.get_credits()
