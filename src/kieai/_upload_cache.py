"""Reuse of uploads within one client: the same content is uploaded once ("single flight").

A batch applying one motion video to 100 images must upload that video once, also when the
100 ``generate`` calls start at the same moment: the first caller uploads, the others wait for
its result. A failed or cancelled upload is not cached; a waiter then becomes the uploader.
Entries are used only while they stay valid for more than an hour (Kie deletes after 3 days).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from datetime import timedelta

from ._constants import UPLOAD_REUSE_MIN_VALIDITY_S
from ._single_flight import SingleFlight
from .types import UploadedFile

__all__ = ["UploadCache"]

_MIN_VALIDITY = timedelta(seconds=UPLOAD_REUSE_MIN_VALIDITY_S)


class UploadCache:
    def __init__(self) -> None:
        self._entries: dict[Hashable, UploadedFile] = {}
        self._flights = SingleFlight()

    def __len__(self) -> int:
        return len(self._entries)

    async def get_or_upload(
        self, key: Hashable, upload: Callable[[], Awaitable[UploadedFile]]
    ) -> tuple[UploadedFile, bool]:
        """(file, reused). Runs ``upload`` only if no valid entry exists and none is in flight."""

        async def load() -> tuple[UploadedFile, bool]:
            return await upload(), False

        return await self.get_or_load(key, load)

    async def get_or_load(
        self, key: Hashable, load: Callable[[], Awaitable[tuple[UploadedFile, bool]]]
    ) -> tuple[UploadedFile, bool]:
        """`get_or_upload` for a ``load`` that may itself find an earlier upload (a
        fleet-wide store behind this cache): it returns (file, reused) and its flag is passed
        on to the caller that ran it; callers served from this cache get ``reused=True``."""

        def valid_entry() -> tuple[UploadedFile, bool] | None:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.valid_for() > _MIN_VALIDITY:
                return entry, True
            del self._entries[key]
            return None

        async def load_and_keep() -> tuple[UploadedFile, bool]:
            uploaded, reused = await load()
            if uploaded.valid_for() > _MIN_VALIDITY:
                self._entries[key] = uploaded
            return uploaded, reused

        return await self._flights.run(key, valid_entry, load_and_keep)
