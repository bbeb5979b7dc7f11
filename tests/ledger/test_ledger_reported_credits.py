"""What Kie reports a task cost reaches the journal: ``creditsConsumed`` on the finished record
(seen in answers, not in Kie's pages, so FakeKie does not send it) becomes the entry's
``credits``, next to kieai's estimate; a record without a usable number leaves ``credits`` None,
never 0. Request-level (respx), with a real SQLite journal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import respx

from ..core._support import CREATE_URL, INPUT, MODEL, RECORD_URL, created, kie, ok, task_data

pytestmark = pytest.mark.anyio

ANY_MODEL: str = MODEL  # a plain str: the typed overloads want a TypedDict input


@pytest.mark.parametrize(
    ("reported", "expected"),
    [(42, 42.0), ("17.5", 17.5), (None, None), (True, None), ("lots", None), ([3], None)],
)
async def test_the_credits_kie_reports_at_the_end_are_journaled(
    tmp_path: Path, reported: object, expected: float | None
) -> None:
    extra: dict[str, Any] = {} if reported is None else {"creditsConsumed": reported}
    with respx.mock(assert_all_called=True) as mock:
        mock.post(CREATE_URL).mock(return_value=created())
        mock.get(RECORD_URL).mock(return_value=ok(task_data("success", **extra)))
        async with kie(journal=str(tmp_path / "tasks.sqlite3")) as client:
            result = await client.generate(ANY_MODEL, INPUT, poll_interval=0.01, timeout=30.0)
            entry = await client.tasks.get(result.task_id)
    assert entry is not None
    assert (entry.state, entry.credits) == ("success", expected)
    assert entry.estimate is not None and entry.estimate > 0  # the estimate stays beside it
