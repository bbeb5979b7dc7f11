"""Shared fixtures: every async test runs on both anyio backends (asyncio and trio), and no
test writes to the user's own journal (the ``kie`` command journals in the data directory)."""

from __future__ import annotations

import signal

import pytest

# A suite started as a background job of a non-interactive shell (`make test &`, nohup, some
# CI runners) inherits SIGINT ignored, and so would every process it starts: the tests that
# stop `kie fake-server` or a sync call with Ctrl-C would then wait for nothing. Python's own
# handler, installed here, is reset to the default in each child at exec.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


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
