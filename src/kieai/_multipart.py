"""The ``multipart/form-data`` body of one upload attempt, streamed from a `LocalFile` with
progress.

Its own module because it subclasses ``httpx.AsyncByteStream``: only the client, which sends
it, imports httpx for it, while `._files` (opening and checking inputs) stays free of httpx.
"""

from __future__ import annotations

import uuid
from typing import Literal

import httpx

from ._files import LocalFile
from ._hooks import Progress

__all__ = ["MultipartBody", "multipart_body"]


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "")


class MultipartBody(httpx.AsyncByteStream):
    """One attempt's ``multipart/form-data`` body: fields ``uploadPath``, ``fileName``, then
    ``file``, read chunk by chunk as the connection takes them, reporting progress.

    An iterator object rather than an async generator on purpose: when a dropped connection
    abandons the body half-way, an unfinished async generator is left for the event loop to
    finalise (trio warns with a ResourceWarning); this object is plain garbage.
    """

    def __init__(self, local: LocalFile, *, head: bytes, tail: bytes, progress: Progress) -> None:
        self._local = local
        self._head = head
        self._tail = tail
        self._progress = progress
        self._sent = 0
        self._ahead: list[bytes] = []  # chunks read but not yet sent, last first
        self._stage: Literal["head", "file", "tail", "done"] = "head"

    def __aiter__(self) -> MultipartBody:
        return self

    async def __anext__(self) -> bytes:
        if self._stage == "head":
            self._stage = "file"
            return self._head
        if self._stage == "file":
            if self._sent:
                # httpx asks for the next piece only once the previous one is written.
                await self._progress.update(self._sent)
            if not self._ahead:
                self._ahead = await self._local.read_chunks(self._sent)
                self._ahead.reverse()
            if self._ahead:
                chunk = self._ahead.pop()
                self._sent += len(chunk)
                return chunk
            self._stage = "tail"
            return self._tail
        if self._stage == "tail":
            self._stage = "done"
            await self._progress.finish(self._sent)
        raise StopAsyncIteration


def multipart_body(
    local: LocalFile,
    *,
    upload_path: str,
    file_name: str,
    progress: Progress,
) -> tuple[MultipartBody, dict[str, str]]:
    """One attempt's body and its headers (``Content-Length`` when the size is known)."""
    boundary = uuid.uuid4().hex
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="uploadPath"\r\n\r\n{upload_path}\r\n'
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="fileName"\r\n\r\n{file_name}\r\n'
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{_quote(file_name)}"\r\n'
        f"Content-Type: {local.mime}\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    if local.size is not None:
        headers["Content-Length"] = str(len(head) + local.size + len(tail))
    else:
        headers["Transfer-Encoding"] = "chunked"
    return MultipartBody(local, head=head, tail=tail, progress=progress), headers
