"""One SyncKieClient shared by many threads: one pacing window and one upload cache for all."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kieai import SyncKieClient
from kieai._assets import asset_path
from kieai.testing import FakeKie, Schedule

from ..motion._media import write_png
from .conftest import KEY

DANCE = asset_path("dance.mp4")
THREADS = 16
CALLS_PER_THREAD = 10
#: Kie's limits (20 createTask per 10 s, 10 recordInfo per s) scaled down 20x in time, with
#: the same counts, on both sides: the test takes seconds, and the windows are as tight.
CREATE_RATE = (20, 0.5)
RECORD_RATE = (10, 0.05)


def test_sixteen_threads_share_pacing_and_uploads_without_a_429(tmp_path: Path) -> None:
    fake = FakeKie(
        api_key=KEY,
        create_rate_limit=CREATE_RATE,
        record_rate_limit=RECORD_RATE,
        schedule=Schedule(waiting=0, queuing=0, generating=0.01),
    )
    images = [write_png(tmp_path / f"person{n}.png", 400 + n, 640) for n in range(THREADS)]
    with (
        fake.serve_in_thread() as url,
        SyncKieClient(
            api_key=KEY,
            base_url=url,
            upload_base_url=url,
            create_task_rate=CREATE_RATE,
            get_task_rate=RECORD_RATE,
        ) as client,
    ):

        def worker(image: Path) -> list[str]:
            return [
                client.motion_control.generate(
                    image=image, video=DANCE, poll_interval=0.01, max_poll_interval=0.02
                ).task_id
                for _ in range(CALLS_PER_THREAD)
            ]

        with ThreadPoolExecutor(THREADS) as pool:
            ids = [task_id for batch in pool.map(worker, images) for task_id in batch]

    assert len(set(ids)) == THREADS * CALLS_PER_THREAD
    assert all(fake.task(task_id).state == "success" for task_id in ids)
    refused = [r for r in fake.requests if r.status == 429 or b'"code":429' in r.response_body]
    assert refused == []
    uploads = [r for r in fake.requests if r.route == "stream-upload"]
    assert len(uploads) == THREADS + 1  # each image once, the shared video once
    assert len([u for u in fake.uploads.values() if u.data == DANCE.read_bytes()]) == 1
    assert [t.name for t in threading.enumerate() if t.name.startswith("kieai-sync")] == []
