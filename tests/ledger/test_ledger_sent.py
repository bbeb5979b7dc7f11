"""``JournalEntry.sent`` through ``client.tasks``, against a real SQLite file and a real
redis-server: did ``createTask`` leave (True), not leave (False), or may it have reached Kie
(None)? Creators are SIGKILLed in real processes; the ledger's internal pending-send mark
never shows in an entry's ``input``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import httpx
import pytest

from kieai import JournalEntry, KieClient, KieError
from kieai._journal import Journal, SQLiteJournal
from kieai.redis import RedisJournal
from kieai.testing import FakeKie

from ..motion._media import write_png
from ._journals import JournalSpec
from ._processes import (
    CRASH_KEY,
    KEY,
    T2V_INPUT,
    crash_client,
    journal_for,
    run_until,
    served_fake,
    started_until,
    upload_then_hang,
)

#: The ledger's internal mark (kieai._journal.PENDING_SEND_KEY), spelled out: what a user
#: would see if it leaked.
MARK = "kieai-pending-send"


def _unmarked(entry: JournalEntry) -> bool:
    return MARK not in entry.input and MARK not in repr(entry)


def test_an_entry_whose_creator_was_killed_while_uploading_is_not_sent(
    journal_spec: JournalSpec, tmp_path: Path
) -> None:
    events = tmp_path / "events.txt"
    image = write_png(tmp_path / "person.png", 800, 800)
    with served_fake() as fake:
        exit_code = run_until(
            upload_then_hang, (journal_spec, fake.url, image, events), events, "uploading"
        )

        async def look() -> list[JournalEntry]:
            async with KieClient(
                KEY, base_url=fake.url, upload_base_url=fake.url, journal=journal_for(journal_spec)
            ) as client:
                return await client.tasks.list()

        [entry] = anyio.run(look)
        routes, _ = fake.log()

    assert exit_code == -9
    assert "createTask" not in routes
    assert (entry.task_id, entry.sent, entry.uncertain) == (None, False, True)
    assert _unmarked(entry)
    # The file it was about to upload is named by its stand-in (its URL never came).
    assert entry.input["image_urls"] == ["kieai-local-file:person.png"]


def test_an_entry_whose_creator_was_killed_after_the_send_may_have_reached_kie(
    journal_spec: JournalSpec, tmp_path: Path
) -> None:
    events = tmp_path / "events.txt"
    with served_fake(delay_creates=True) as fake:
        exit_code = run_until(
            crash_client,
            (journal_spec, fake.url, "sent_no_answer", events, tmp_path / "out.mp4"),
            events,
            "create-request",
            also=lambda: fake.creates() == 1,
        )

        async def look() -> tuple[list[JournalEntry], list[JournalEntry]]:
            async with KieClient(
                KEY, base_url=fake.url, upload_base_url=fake.url, journal=journal_for(journal_spec)
            ) as client:
                return await client.tasks.list(), await client.tasks.list(state="uncertain")

        every, uncertain = anyio.run(look)

    assert exit_code == -9
    assert every == uncertain
    [entry] = uncertain
    assert (entry.task_id, entry.sent, entry.idempotency_key) == (None, None, CRASH_KEY)
    assert entry.input == T2V_INPUT  # the input as sent, nothing of the ledger's own


@pytest.mark.anyio
async def test_sent_follows_a_live_create_from_the_upload_to_the_task_id(
    journal_spec: JournalSpec, tmp_path: Path
) -> None:
    image = write_png(tmp_path / "person.png", 800, 800)
    fake = FakeKie()
    seen: dict[str, JournalEntry] = {}
    client_box: list[KieClient] = []

    async def on_request(request: httpx.Request) -> None:
        # What the journal says at the two moments of a create: the upload, and the send.
        if request.url.path.endswith("/createTask"):
            point = "createTask"
        elif "upload" in request.url.path:
            point = "upload"
        else:
            return
        [entry] = await client_box[0].tasks.list()
        seen.setdefault(point, entry)

    http = fake.http_client()
    http.event_hooks = {"request": [on_request]}
    async with (
        http,
        KieClient(KEY, http_client=http, journal=journal_for(journal_spec)) as client,
    ):
        client_box.append(client)
        task_id = await client.image_to_video.create(
            image=image, prompt="Wave.", idempotency_key="order-1"
        )
        created = await client.tasks.get(task_id)
        listed = await client.tasks.list()

    uploading, sending = seen["upload"], seen["createTask"]
    assert (uploading.sent, uploading.uncertain) == (False, False)  # not yet: uploading
    assert uploading.input["image_urls"] == ["kieai-local-file:person.png"]
    assert (sending.sent, sending.uncertain) == (None, False)  # on its way right now
    assert created is not None and created.sent is True
    assert listed == [created]
    for entry in (uploading, sending, created):
        assert _unmarked(entry)
    [url] = created.input["image_urls"]
    assert url in {u.url for u in fake.uploads.values()}
    assert sending.input == created.input  # the input as sent, before Kie's answer


@pytest.mark.anyio
async def test_a_create_that_failed_before_the_send_is_not_sent(
    journal_spec: JournalSpec, tmp_path: Path
) -> None:
    image = write_png(tmp_path / "person.png", 800, 800)
    fake = FakeKie()
    fake.inject("upload", status=400, msg="no uploads today", times=None)
    async with (
        fake.http_client() as http,
        KieClient(KEY, http_client=http, journal=journal_for(journal_spec)) as client,
    ):
        with pytest.raises(KieError):
            await client.image_to_video.create(image=image, prompt="Wave.", idempotency_key="k")
        [entry] = await client.tasks.list()

    assert (entry.state, entry.task_id, entry.sent, entry.uncertain) == (
        "not_sent",
        None,
        False,
        False,
    )
    assert _unmarked(entry)


# -- a caller waiting on a key whose creator dies before the send --------------------------------


class _WatchedSQLite(SQLiteJournal):
    """The SQLite journal, saying when a caller starts waiting for another's create (the only
    reader of ``get_by_key`` is `kieai._journal.wait_for_create`)."""

    def __init__(self, path: str, waiting: anyio.Event) -> None:
        super().__init__(path)
        self.waiting = waiting

    async def get_by_key(self, idempotency_key: str) -> JournalEntry | None:
        self.waiting.set()
        return await super().get_by_key(idempotency_key)


class _WatchedRedis(RedisJournal):
    """`_WatchedSQLite`, on Redis."""

    def __init__(self, url: str, waiting: anyio.Event) -> None:
        super().__init__(url)
        self.waiting = waiting

    async def get_by_key(self, idempotency_key: str) -> JournalEntry | None:
        self.waiting.set()
        return await super().get_by_key(idempotency_key)


def _watched(spec: JournalSpec, waiting: anyio.Event) -> Journal:
    kind, where = spec
    return _WatchedSQLite(where, waiting) if kind == "sqlite" else _WatchedRedis(where, waiting)


def test_a_caller_waiting_on_a_creator_that_dies_before_the_send_creates_the_task(
    journal_spec: JournalSpec, tmp_path: Path
) -> None:
    events = tmp_path / "events.txt"
    image = write_png(tmp_path / "person.png", 800, 800)
    with (
        served_fake() as fake,
        started_until(
            upload_then_hang, (journal_spec, fake.url, image, events), events, "uploading"
        ) as creator,
    ):

        async def wait_then_create() -> tuple[str, list[Any]]:
            waiting = anyio.Event()
            async with KieClient(
                KEY,
                base_url=fake.url,
                upload_base_url=fake.url,
                journal=_watched(journal_spec, waiting),
            ) as client:
                task_ids: list[str] = []

                async def create() -> None:
                    task_ids.append(
                        await client.image_to_video.create(
                            image=image, prompt="Wave.", idempotency_key=CRASH_KEY
                        )
                    )

                async with anyio.create_task_group() as group:
                    group.start_soon(create)
                    await waiting.wait()  # the creator is alive: this call waits for it
                    await anyio.to_thread.run_sync(_kill, creator)
                entries = await client.tasks.list()
            return task_ids[0], [(e.task_id, e.sent, e.state) for e in entries]

        task_id, entries = anyio.run(wait_then_create)
        routes, billed = fake.log()

    assert creator.exitcode == -9
    assert (billed, routes.count("createTask")) == ([task_id], 1)
    assert entries == [(None, False, "not_sent"), (task_id, True, "waiting")]


def _kill(process: Any) -> None:
    process.kill()  # SIGKILL, as a crashed host
    process.join()
