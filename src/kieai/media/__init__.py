"""Stdlib-only media inspection: what a file is (``sniff``) and what it holds (``probe``).

``probe`` reads headers and the index only (``moov``; Matroska Info/Tracks/cluster headers),
seeking past the media data, so a 100 MB video costs kilobytes of reading. Every refusal is a
``KieInputError`` naming the file and what it really is. Nothing here imports the rest of
kieai except its error type, and nothing outside the standard library is needed (``aprobe``
uses anyio, imported when called).
"""

from __future__ import annotations

from functools import partial

from ._info import ImageInfo, VideoInfo
from ._probe import ProbeInput, probe
from ._sniff import FileKind, sniff

__all__ = ["FileKind", "ImageInfo", "ProbeInput", "VideoInfo", "aprobe", "probe", "sniff"]


async def aprobe(file: ProbeInput, *, name: str | None = None) -> ImageInfo | VideoInfo:
    """``probe`` in a worker thread, for async code: the file may sit on slow storage.

    Works under any anyio backend (asyncio or trio).
    """
    import anyio.to_thread

    return await anyio.to_thread.run_sync(partial(probe, file, name=name))
