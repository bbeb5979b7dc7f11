"""``SyncKieClient.batch``: the same outcomes as a plain iterator, results as sync twins,
and leaving the loop early stops the jobs still running."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kieai import KieInputError, SyncKieClient, SyncVideoResult
from kieai.testing import FakeKie

from ._processes import KEY, jobs

FAST: dict[str, Any] = {"poll_interval": 0.02, "max_poll_interval": 0.05, "timeout": 60.0}


def test_a_sync_batch_yields_every_outcome_with_sync_results(tmp_path: Path) -> None:
    fake = FakeKie(create_rate_limit=None, record_rate_limit=None)
    with (
        fake.serve_in_thread() as url,
        SyncKieClient(
            KEY, base_url=url, upload_base_url=url, journal=str(tmp_path / "j.sqlite3")
        ) as client,
    ):
        outcomes = list(client.batch(jobs(6), concurrency=3, download_to=tmp_path / "out", **FAST))
        assert sorted(o.key for o in outcomes) == [f"fox-{n}" for n in range(6)]
        assert all(isinstance(o.result, SyncVideoResult) for o in outcomes)
        first = outcomes[0].result
        assert first is not None
        again = first.download(tmp_path / "again.mp4")  # a sync download, no await
        assert again.read_bytes() == outcomes[0].paths[0].read_bytes()


def test_breaking_out_of_a_sync_batch_stops_it_and_a_rerun_finishes_it(tmp_path: Path) -> None:
    fake = FakeKie(create_rate_limit=None, record_rate_limit=None)
    journal = str(tmp_path / "j.sqlite3")
    with fake.serve_in_thread() as url:
        with SyncKieClient(KEY, base_url=url, upload_base_url=url, journal=journal) as client:
            for outcome in client.batch(jobs(10), concurrency=2, **FAST):
                assert outcome.ok
                break
            # The client is still usable after the batch was left.
            assert client.get_credits() > 0
        with SyncKieClient(KEY, base_url=url, upload_base_url=url, journal=journal) as client:
            outcomes = list(client.batch(jobs(10), concurrency=4, **FAST))
    assert all(o.ok for o in outcomes) and len(outcomes) == 10
    assert sum(1 for r in fake.requests if r.route == "createTask") == 10


def test_a_sync_batch_refuses_bad_jobs_at_the_call(tmp_path: Path) -> None:
    fake = FakeKie()
    with (
        fake.serve_in_thread() as url,
        SyncKieClient(KEY, base_url=url, upload_base_url=url, journal=False) as client,
    ):
        with pytest.raises(KieInputError, match="used by an earlier job"):
            client.batch([*jobs(1), *jobs(1)])
    assert fake.requests == []
