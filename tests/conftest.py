"""Shared fixtures: every async test runs on both anyio backends (asyncio and trio), and no
test writes to the user's own journal (the ``kie`` command journals in the data directory)."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(autouse=True)
def _own_data_home(  # pyright: ignore[reportUnusedFunction]  (autouse)
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A data directory of the test's own, also for the processes it starts; no KIE_JOURNAL."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))
    monkeypatch.delenv("KIE_JOURNAL", raising=False)
