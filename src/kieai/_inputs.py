"""One file input of a generation call, made ready: a URL to pass through, or a local file
opened, measured and checked against its media rule.

URLs (``http://``/``https://`` strings) and `UploadedFile` values pass unchanged (an
expired upload is refused); anything else is a local file that must exist, be readable, be no
larger than the rule allows and, unless ``check_media=False``, be what the rule accepts. Runs in
a worker thread: probing reads the disk.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._errors import KieInputError
from ._files import FileInput, LocalFile, is_url, open_local
from ._media_rules import MediaRule, TypeRule, judge, judge_type, mib
from .media import ImageInfo, VideoInfo, probe

if TYPE_CHECKING:
    from .types import UploadedFile

    #: What a file argument accepts: a local file (path, bytes, binary file), an http(s) URL
    #: string, or an `UploadedFile` from an earlier upload.
    MediaInput = FileInput | UploadedFile

__all__ = ["MediaInput", "PreparedFile", "prepare_file", "uploaded_url"]


def __getattr__(name: str) -> object:
    # MediaInput at run time (kieai.motion_control publishes it) needs the pydantic models;
    # the local checks (`kie check`) import this module without them.
    if name == "MediaInput":
        from .types import UploadedFile

        return FileInput | UploadedFile
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _uploaded_file(value: object) -> UploadedFile | None:
    """``value`` if it is an `UploadedFile`. None of them exists before ``kieai.types`` is
    imported, so this needs no import (and no pydantic) to answer for anything else."""
    types = sys.modules.get("kieai.types")
    uploaded: type[UploadedFile] | None = getattr(types, "UploadedFile", None)
    return value if uploaded is not None and isinstance(value, uploaded) else None


def uploaded_url(value: object) -> str | None:
    """The URL of an `UploadedFile`; None for anything else."""
    uploaded = _uploaded_file(value)
    return None if uploaded is None else uploaded.url


@dataclass
class PreparedFile:
    """A checked file argument: exactly one of ``url`` (pass through) and ``local`` (upload)
    is set once it passed; ``info`` is what the prober measured."""

    url: str | None = None
    local: LocalFile | None = None
    info: ImageInfo | VideoInfo | None = None


def prepare_file(
    value: object,
    label: str,
    rule: MediaRule,
    *,
    model: str,
    args: Mapping[str, Any],
    check_media: bool,
) -> tuple[PreparedFile, list[str]]:
    """The prepared input and its problems (all of them; empty when it may be used).

    ``label`` names the input in messages (``image``, ``image_urls[2]``); ``args`` are the
    call's other inputs (a duration limit may depend on one)."""
    uploaded = _uploaded_file(value)
    if uploaded is not None:
        if uploaded.valid_for().total_seconds() <= 0:
            return PreparedFile(), [
                f"{label}: the uploaded file expired at {uploaded.expires_at:%Y-%m-%d %H:%M} UTC"
            ]
        return PreparedFile(url=uploaded.url), []
    if isinstance(value, str) and is_url(value):
        return PreparedFile(url=value), []
    if value is None:
        return PreparedFile(), [f"{label}: is required ({rule.expected})"]
    if (
        not isinstance(value, (str, bytes, bytearray, memoryview))
        and not hasattr(value, "read")
        and not hasattr(value, "__fspath__")
    ):
        return PreparedFile(), [
            f"{label}: expected a path, bytes, binary file, http(s) URL or UploadedFile, "
            f"got {type(value).__name__}"
        ]
    try:
        local = open_local(value, label=label)  # type: ignore[arg-type]  # narrowed above
    except KieInputError as exc:
        return PreparedFile(), exc.problems
    problems: list[str] = []
    limit = rule.max_bytes
    if limit is not None and local.size is not None and local.size > limit:
        problems.append(f"{label}: file size {mib(local.size)} exceeds {mib(limit)}")
    prepared = PreparedFile(local=local)
    if not check_media:
        return prepared, problems
    if isinstance(rule, TypeRule):  # audio, documents: the type its bytes show, no probing
        return prepared, problems + judge_type(label, local.kind, rule)
    if not local.replayable:
        problems.append(
            f"{label}: a non-seekable stream cannot be checked; pass a path or bytes "
            "(or check_media=False)"
        )
        return prepared, problems
    source: Any = (
        local.path
        if local.path is not None
        else local.data
        if local.data is not None
        else local.stream
    )
    file_name = str(local.path) if local.path is not None else None
    try:
        info = probe(source)
    except KieInputError as exc:
        expected = rule.expected
        problems.extend(  # the prober's messages name the file already
            f"{label}: {p}; expected {expected}" if "not a supported" in p else f"{label}: {p}"
            for p in exc.problems
        )
        return prepared, problems
    prepared.info = info
    problems += judge(label, info, rule, model=model, args=args, file_name=file_name)
    return prepared, problems
