"""Downloading a result to disk atomically, without ever sending the Kie API key.

The body is streamed into a temporary file beside the destination and renamed over it only
when complete, so a failure or cancellation at any point leaves no partial file at ``dest``
(and removes the temporary one). Result URLs live on CDNs unrelated to Kie: requests here go
out with ``auth=False``, and redirects are followed (no credential exists to leak).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import urlsplit

import anyio
import httpx

from ._constants import STREAM_CHUNK_BYTES
from ._errors import APIResponseValidationError, KieInputError, describe_request
from ._files import name_from_url
from ._hooks import Progress, ProgressCallback
from ._response import (
    anext_or_none,
    body_text,
    error_for_status,
    read_bounded,
    snippet,
    stop_reading,
)
from ._retry import RetryPolicy

if TYPE_CHECKING:
    from ._transport import Transport

__all__ = ["download", "resolve_destination"]

_FALLBACK_NAME = "kie-download"


def _name_from_url(url: str) -> str:
    """The URL's last path segment, made safe as a file name on any platform."""
    name = "".join(ch for ch in name_from_url(url) if ch not in '\\/:*?"<>|\0').strip(". ")
    return name or _FALLBACK_NAME


def resolve_destination(url: str, dest: str | os.PathLike[str]) -> Path:
    """``dest`` itself, or ``dest / <file name from the URL>`` when it is a directory."""
    raw = os.fspath(dest)
    path = Path(raw).expanduser()
    if path.is_dir() or raw.endswith(("/", os.sep)):
        return path / _name_from_url(url)
    return path


#: Content types of error pages and API answers: what a download host sends instead of media.
_NOT_MEDIA_SUBTYPES = ("json", "html", "xml", "javascript")
#: How an error page starts (after whitespace and a byte-order mark): no media format does.
_NOT_MEDIA_STARTS = (b"{", b"[", b"<")


def _not_media(response: httpx.Response, first: bytes) -> str | None:
    """Why a 2xx answer is not media (an error page, a JSON answer), or None.

    The content type is checked first; as hosts mislabel bodies both ways, the first bytes
    are checked too, so an HTML page served as ``video/mp4`` is refused as well."""
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    main, _, sub = content_type.partition("/")
    if main == "text" or any(word in sub for word in _NOT_MEDIA_SUBTYPES):
        return f"its content type is {content_type}"
    head = first[:64].lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(_NOT_MEDIA_STARTS):
        return "its first bytes are text, not media"
    return None


def _refused(response: httpx.Response, why: str, shown: str = "") -> APIResponseValidationError:
    return APIResponseValidationError(
        f"{describe_request(response.request)}: the download host answered HTTP "
        f"{response.status_code} with {why}"
        + (f": {shown!r}" if shown else "")
        + "; nothing was written",
        response=response,
        body=shown or None,
    )


def _content_encodings(response: httpx.Response) -> list[str]:
    """The ``Content-Encoding`` layers other than ``identity``. Downloads ask for the bytes
    as stored (``Accept-Encoding: identity``) and are never inflated here: a compressed body
    could inflate without bound (a 1 MB gzip bomb is a 1 GiB file), and media is compressed
    already, so a host that compresses it anyway is refused."""
    header = response.headers.get("content-encoding", "")
    return [
        p.strip().lower() for p in header.split(",") if p.strip().lower() not in ("", "identity")
    ]


def _check_url(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise KieInputError(f"url: must be an http(s) URL, got {url!r}")


async def download(
    transport: Transport,
    url: str,
    dest: str | os.PathLike[str],
    *,
    on_progress: ProgressCallback | None = None,
) -> Path:
    _check_url(url)
    target = resolve_destination(url, dest)
    if target.exists() and target.is_dir():
        raise KieInputError(f"dest: {str(target)!r} is a directory")
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.part")
    progress: Progress | None = None
    done = False

    async def handle(response: httpx.Response) -> None:
        nonlocal progress
        if not 200 <= response.status_code < 300:
            try:
                await read_bounded(response)
                text = body_text(response)
            except APIResponseValidationError:  # a huge or garbled error page: the status says it
                text = ""
            raise error_for_status(response, snippet(text), code=None, message=None)
        encodings = _content_encodings(response)
        if encodings:
            raise _refused(
                response,
                f"a compressed body (Content-Encoding: {', '.join(encodings)}) although "
                "kieai asked for identity; compressed media is not inflated (no bound on its "
                "size)",
            )
        # Raw: the bytes as sent. (aiter_bytes would inflate whatever the header names.)
        chunks = response.aiter_raw(STREAM_CHUNK_BYTES)
        first = await anext_or_none(chunks)
        if not first:
            await stop_reading(response, chunks)
            raise _refused(response, "an empty body: no media to save")
        why = _not_media(response, first)
        if why is not None:
            await stop_reading(response, chunks)
            shown = snippet(first[:400].decode("utf-8", "replace"))
            raise _refused(response, f"something that is not media ({why})", shown)
        length = response.headers.get("content-length")
        total = int(length) if length and length.isdigit() else None
        if progress is None:
            progress = Progress(on_progress, total)
        sent = 0
        # Writes go to a worker thread; open/close are metadata calls cheap enough inline.
        handle_file: BinaryIO = open(temp, "wb")  # noqa: SIM115, ASYNC230
        try:
            chunk: bytes | None = first
            while chunk is not None:
                # Shielded (one chunk's write is short): a cancellation then lands in the next
                # network read, inside httpx's body generators, which unwinds them cleanly.
                # Landing here instead would abandon them half-iterated, and trio reports
                # abandoned async generators with a ResourceWarning when they are collected.
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(handle_file.write, chunk)
                sent += len(chunk)
                await progress.update(sent)
                chunk = await anext_or_none(chunks)
        finally:
            handle_file.close()
        await progress.finish(sent)

    try:
        await transport.send(
            "GET",
            url,
            handle=handle,
            policy=RetryPolicy.SAFE,
            auth=False,
            stream=True,
            follow_redirects=True,
        )
        os.replace(temp, target)
        done = True
    finally:
        if not done:
            temp.unlink(missing_ok=True)
    return target
