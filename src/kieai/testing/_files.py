"""The upload host (stream, base64 and URL uploads) and the file host that serves what was
stored, plus result videos and temporary download links.

Kie's upload answers carry ``"success"`` next to ``code``; missing parameters are ``400`` with
``Missing required parameter: <name>``. Same-named uploads overwrite, as on Kie.
"""

from __future__ import annotations

import base64
import binascii
import posixpath
import re
from datetime import datetime, timezone
from typing import Any

from ._http import Request, Response
from ._media import extension_for, guess_mime
from ._multipart import MultipartError, boundary_of, parse_multipart
from ._outputs import RESULT_FILES, result_file
from ._records import StoredFile
from ._state import FakeState

__all__ = [
    "base64_upload",
    "serve_file",
    "serve_remote",
    "serve_result",
    "stream_upload",
    "url_upload",
]

_DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?:;[^,]*)?;base64,", re.IGNORECASE)


def _error(state: FakeState, code: int, msg: str) -> Response:
    return state.error(code, msg, upload=True)


def _path_problem(upload_path: object) -> str | None:
    if not isinstance(upload_path, str) or not upload_path.strip():
        return "Missing required parameter: uploadPath"
    if upload_path.startswith("/") or upload_path.endswith("/"):
        return "Invalid parameter: uploadPath must not start or end with '/'"
    segments = upload_path.split("/")
    if any(s in ("", ".", "..") for s in segments) or "\\" in upload_path:
        return f"Invalid parameter: uploadPath {upload_path!r}"
    return None


def _name_problem(file_name: object) -> str | None:
    if file_name is None or file_name == "":
        return None
    if not isinstance(file_name, str) or file_name in (".", "..") or re.search(r"[/\\]", file_name):
        return f"Invalid parameter: fileName {file_name!r}"
    return None


def _store(
    state: FakeState,
    request: Request,
    *,
    upload_path: str,
    file_name: str | None,
    original_name: str,
    declared_mime: str | None,
    data: bytes,
) -> Response:
    if not data:
        return _error(state, 400, "File is empty")
    if not file_name:  # Kie: no fileName -> a random one (keeping the extension)
        extension = posixpath.splitext(original_name)[1]
        if not extension:
            extension = extension_for(guess_mime(original_name, declared_mime, data))
        file_name = state.new_name() + extension
    mime = guess_mime(file_name, declared_mime, data)
    stored = state.store_file(upload_path, file_name, data, mime, request.base_url)
    return state.upload_ok(_upload_data(stored))


def _upload_data(stored: StoredFile) -> dict[str, Any]:
    uploaded = datetime.fromtimestamp(stored.uploaded_at, tz=timezone.utc)
    return {
        "fileName": stored.name,
        "filePath": stored.path,
        "downloadUrl": stored.url,
        "fileSize": stored.size,
        "mimeType": stored.mime_type,
        "uploadedAt": uploaded.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


def stream_upload(state: FakeState, request: Request) -> Response:
    """``POST /api/file-stream-upload`` (multipart: ``file``, ``uploadPath``, ``fileName``)."""
    try:
        parts = parse_multipart(request.body, boundary_of(request.headers.get("content-type", "")))
    except MultipartError as exc:
        return _error(state, 400, f"Invalid multipart body: {exc}")
    fields = {p.name: p for p in parts}
    file_part = fields.get("file")
    if file_part is None:
        return _error(state, 400, "Missing required parameter: file")
    upload_path = (
        fields["uploadPath"].data.decode("utf-8", "replace") if "uploadPath" in fields else None
    )
    file_name = fields["fileName"].data.decode("utf-8", "replace") if "fileName" in fields else None
    problem = _path_problem(upload_path) or _name_problem(file_name)
    if problem:
        return _error(state, 400, problem)
    assert upload_path is not None
    return _store(
        state,
        request,
        upload_path=upload_path,
        file_name=file_name,
        original_name=file_part.filename or "",
        declared_mime=file_part.content_type,
        data=file_part.data,
    )


def base64_upload(state: FakeState, request: Request) -> Response:
    """``POST /api/file-base64-upload`` (JSON: ``base64Data``, ``uploadPath``, ``fileName``)."""
    body = request.json_object()
    if body is None:
        return _error(state, 400, "Request body must be a JSON object")
    encoded = body.get("base64Data")
    if not isinstance(encoded, str) or not encoded:
        return _error(state, 400, "Missing required parameter: base64Data")
    problem = _path_problem(body.get("uploadPath")) or _name_problem(body.get("fileName"))
    if problem:
        return _error(state, 400, problem)
    declared: str | None = None
    match = _DATA_URL.match(encoded)
    if match:
        declared = match.group("mime")
        encoded = encoded[match.end() :]
    try:
        data = base64.b64decode("".join(encoded.split()), validate=True)
    except (binascii.Error, ValueError):
        return _error(state, 400, "Base64 decoding failed: Invalid Base64 format")
    return _store(
        state,
        request,
        upload_path=body["uploadPath"],
        file_name=body.get("fileName"),
        original_name="",
        declared_mime=declared,
        data=data,
    )


def url_upload(state: FakeState, request: Request) -> Response:
    """``POST /api/file-url-upload`` (JSON: ``fileUrl``, ``uploadPath``, ``fileName``). There is
    no network: only the fake's own URLs and ``fake.add_remote_file`` URLs can be fetched."""
    body = request.json_object()
    if body is None:
        return _error(state, 400, "Request body must be a JSON object")
    file_url = body.get("fileUrl")
    if not isinstance(file_url, str) or not file_url:
        return _error(state, 400, "Missing required parameter: fileUrl")
    if not file_url.startswith(("http://", "https://")):
        return _error(state, 400, f"Invalid parameter: fileUrl {file_url!r} is not an http(s) URL")
    problem = _path_problem(body.get("uploadPath")) or _name_problem(body.get("fileName"))
    if problem:
        return _error(state, 400, problem)
    resolved = state.resolve(file_url)
    if resolved is not None and resolved.expired:
        return _error(state, 500, f"File download failed: {file_url} has expired (404)")
    if resolved is None:
        return _error(
            state,
            500,
            f"File download failed: {file_url} could not be fetched "
            f"({state.hints.unknown_file_url})",
        )
    return _store(
        state,
        request,
        upload_path=body["uploadPath"],
        file_name=body.get("fileName"),
        original_name=posixpath.basename(file_url.split("?", 1)[0]),
        declared_mime=resolved.mime_type,
        data=resolved.data,
    )


def _not_found() -> Response:
    return Response(404, b"Not Found", [("content-type", "text/plain; charset=utf-8")])


def _link_refused(state: FakeState, request: Request) -> Response | None:
    """A temporary download link (``?token=``) past its 20 minutes is refused, like a CDN."""
    token = request.query.get("token")
    if token is not None and not state.link_valid(token):
        return Response(
            403, b"Request has expired", [("content-type", "text/plain; charset=utf-8")]
        )
    return None


def serve_file(state: FakeState, request: Request) -> Response:
    """``GET /files/<uploadPath>/<fileName>``: the stored bytes (no auth, like a CDN); a 404
    once the file is past ``upload_ttl``."""
    refused = _link_refused(state, request)
    if refused is not None:
        return refused
    stored = state.stored_file(request.path[len("/files/") :])
    if stored is None:
        return _not_found()
    return Response(200, stored.data, [("content-type", stored.mime_type)])


def serve_result(state: FakeState, request: Request) -> Response:
    """``GET /results/<taskId>.<ext>``: the result file of a successful task (an MP4, PNG or
    WAV by the model's output kind), until ``result_ttl`` after it finished."""
    refused = _link_refused(state, request)
    if refused is not None:
        return refused
    task = state.result_task(request.path)
    if task is None or state.result_expired(task, state.clock.now()):
        return _not_found()
    mime = RESULT_FILES[task.output].mime_type
    return Response(200, result_file(task.output), [("content-type", mime)])


def serve_remote(state: FakeState, request: Request) -> Response:
    """``GET <url>`` of a file registered with ``fake.add_remote_file``: "the internet"."""
    refused = _link_refused(state, request)
    if refused is not None:
        return refused
    found = state.remote_file(request.url)
    if found is None:
        return _not_found()
    data, mime_type = found
    return Response(200, data, [("content-type", mime_type)])
