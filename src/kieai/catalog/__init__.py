"""Every Kie Market model kieai knows, offline: ids, fields, limits, output kind and price.

>>> import kieai
>>> kieai.catalog.get("google/nano-banana-edit").output
'image'

The facts live in ``_data/market.json`` (built by ``scripts/build_catalog.py`` from Kie's pages)
and, when present, ``_data/prices.json``. Both are read on first use, not on import, and kept:
``import kieai`` never pays for them. A model's `ModelInfo` is built when it is first asked for
(``kie check`` needs one of 135).
"""

from __future__ import annotations

import json
import pkgutil
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._prices import parse_prices
from ._types import Field, FileSpec, ModelInfo, OutputKind, Price

__all__ = [
    "TASK_TYPES",
    "Field",
    "FileSpec",
    "ModelInfo",
    "OutputKind",
    "Price",
    "get",
    "models",
    "snapshot_date",
    "task_types",
]

if TYPE_CHECKING:
    #: The date of Kie's pages the catalog was built from (``YYYY-MM-DD``); read on first use.
    snapshot_date: str

#: The task types, each with what its models make (scripts/build_catalog.py derives one per
#: model from its id, its output and the files it requires).
TASK_TYPES: dict[str, str] = {
    "text-to-image": "an image from a prompt (reference images optional)",
    "image-to-image": "an image from input images: edit, remix, background removal, layers",
    "text-to-video": "a video from a prompt (frames or references optional)",
    "image-to-video": "a video that needs at least one input image (first or last frame)",
    "reference-to-video": "a video from reference images, videos or voices",
    "video-to-video": "a video from an input video: edit, extend, transform, lip-sync",
    "motion-control": "a video that moves a pictured character like a reference video",
    "audio-to-video": "a talking or singing video of an image, driven by audio",
    "upscale": "the same image or video at a higher resolution",
    "text-to-speech": "speech or dialogue from text",
    "audio-to-audio": "audio from audio (voice isolation)",
    "image-analysis": "masks, segments or detections found in an image",
}

_MARKET_FILE = "market.json"
_PRICES_FILE = "prices.json"


@dataclass(frozen=True)
class _Catalog:
    snapshot_date: str
    #: Each model's entry of market.json by id, sorted by id.
    entries: dict[str, dict[str, Any]]
    prices: dict[str, tuple[Price, ...]]
    infos: dict[str, ModelInfo] = field(default_factory=dict[str, ModelInfo])

    def get(self, model_id: str) -> ModelInfo | None:
        return self._info(model_id) if model_id in self.entries else None

    def all(self) -> list[ModelInfo]:
        return [self._info(model_id) for model_id in self.entries]

    def _info(self, model_id: str) -> ModelInfo:
        info = self.infos.get(model_id)
        if info is None:
            # setdefault: threads building the same model at once all get the one kept.
            info = self.infos.setdefault(model_id, _model_info(self.entries[model_id], self.prices))
        return info


_loaded: _Catalog | None = None
_lock = threading.Lock()


def models(task_type: str | None = None, search: str | None = None) -> list[ModelInfo]:
    """The catalog's models, sorted by id: those that serve ``task_type`` (e.g.
    ``"image-to-video"``, as their `ModelInfo.task_type` or one of their ``also_task_types``)
    whose id or title contains ``search`` (case-insensitive); every model when both are None."""
    found = _catalog().all()
    if task_type is not None:
        found = [m for m in found if task_type in m.task_types]
    if search is not None:
        needle = search.casefold()
        found = [m for m in found if needle in m.id.casefold() or needle in m.title.casefold()]
    return found


def get(model_id: str) -> ModelInfo:
    """The model called ``model_id``; a KeyError naming the closest ids when there is none."""
    loaded = _catalog()
    info = loaded.get(model_id)
    if info is not None:
        return info
    import difflib  # only on this error path: it costs start-up time

    close = difflib.get_close_matches(model_id, list(loaded.entries), n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise KeyError(f"{model_id!r} is not in kieai's catalog{hint}")


def task_types() -> list[str]:
    """The task types the catalog's models serve, sorted."""
    return sorted({t for m in _catalog().all() for t in m.task_types})


def __getattr__(name: str) -> Any:
    if name == "snapshot_date":
        return _catalog().snapshot_date
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _catalog() -> _Catalog:
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = _read()
    return _loaded


def _data_file(name: str) -> bytes | None:
    """A file of ``_data/`` (None: absent). pkgutil reads package data through the package's
    loader, so a zipped install works too; importlib.resources would cost ~10 ms of imports."""
    try:
        return pkgutil.get_data(__name__, f"_data/{name}")
    except FileNotFoundError:
        return None


def _read() -> _Catalog:
    market_bytes = _data_file(_MARKET_FILE)
    if market_bytes is None:
        raise RuntimeError(f"kieai's catalog data ({_MARKET_FILE}) is missing from the install")
    market = json.loads(market_bytes)
    prices_bytes = _data_file(_PRICES_FILE)
    prices = parse_prices(json.loads(prices_bytes)) if prices_bytes is not None else {}
    entries = {entry["id"]: entry for entry in sorted(market["models"], key=lambda e: e["id"])}
    return _Catalog(snapshot_date=market["snapshot_date"], entries=entries, prices=prices)


def _model_info(entry: dict[str, Any], prices: dict[str, tuple[Price, ...]]) -> ModelInfo:
    return ModelInfo(
        id=entry["id"],
        title=entry["title"],
        task_type=entry["task_type"],
        output=entry["output"],
        fields=tuple(_field(f) for f in entry["fields"]),
        docs_url=entry.get("docs_url", ""),
        prices=prices.get(entry["id"], ()),
        also_task_types=tuple(entry.get("also_task_types", ())),
    )


def _field(raw: dict[str, Any]) -> Field:
    """One field of market.json (keys left out take the dataclass defaults)."""
    values = dict(raw)
    file = values.pop("file", None)
    if "default" in values:
        values["has_default"] = True
    for key in ("choices", "item_choices"):
        if key in values:
            values[key] = tuple(values[key])
    spec = None
    if file is not None:
        file_values: dict[str, Any] = dict(file)
        file_values["mime_types"] = tuple(file_values.get("mime_types", ()))
        spec = FileSpec(**file_values)
    return Field(**values, file=spec)
