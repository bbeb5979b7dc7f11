"""``kieai.catalog``: read on first use (never by ``import kieai``), filtered, looked up, priced.

The laziness checks run a fresh interpreter: this test process has long since loaded the data.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import kieai
from kieai import catalog
from kieai.catalog import ModelInfo

SRC = Path(kieai.__file__).parent


def _run(code: str, *, pythonpath: Path | None = None) -> str:
    env_path = [] if pythonpath is None else [str(pythonpath)]
    done = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path[:0] = {env_path!r}\n{code}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip().splitlines()[-1]


def test_import_kieai_neither_imports_the_catalog_nor_reads_its_data() -> None:
    probe = (
        "import json, pkgutil, sys\n"
        "read = []\n"
        "real_get_data = pkgutil.get_data\n"
        "pkgutil.get_data = lambda package, name: read.append(name) or real_get_data(package, name)\n"
        "import kieai\n"
        "print(json.dumps([sorted(m for m in sys.modules if m.startswith('kieai.catalog')), read]))\n"
    )
    modules, opened = json.loads(_run(probe))

    assert modules == []
    assert opened == []


def test_the_catalog_is_reachable_from_kieai_and_reads_its_data_on_first_use() -> None:
    probe = (
        "import json, pkgutil, sys\n"
        "import kieai\n"
        "read = []\n"
        "real_get_data = pkgutil.get_data\n"
        "pkgutil.get_data = lambda package, name: read.append(name) or real_get_data(package, name)\n"
        "module = kieai.catalog\n"
        "before = list(read)\n"
        "count = len(kieai.catalog.models())\n"
        "again = len(kieai.catalog.models()) + len(kieai.catalog.models(search='kling'))\n"
        "print(json.dumps([module.__name__, before, read, count]))\n"
    )
    name, before, read, count = json.loads(_run(probe))

    assert name == "kieai.catalog"
    assert before == []  # importing kieai.catalog reads nothing yet
    assert read == ["_data/market.json", "_data/prices.json"]  # once, however often it is asked
    assert count > 100


def test_model_info_is_exported_from_kieai() -> None:
    assert kieai.ModelInfo is ModelInfo
    assert isinstance(catalog.get("google/nano-banana-edit"), kieai.ModelInfo)


def test_models_are_sorted_by_id_and_unique() -> None:
    ids = [m.id for m in catalog.models()]

    assert ids == sorted(ids)
    assert len(ids) == len(set(ids))


def test_models_filter_by_task_type() -> None:
    found = catalog.models(task_type="image-to-video")

    assert found
    assert all("image-to-video" in m.task_types for m in found)
    assert "kling-2.6/image-to-video" in {m.id for m in found}


def test_a_model_is_found_by_every_task_type_it_serves() -> None:
    # Seedance makes a video from a prompt, and from a first frame when one is given.
    seedance = catalog.get("bytedance/seedance-2")
    image_to_video = {m.id for m in catalog.models(task_type="image-to-video", search="seedance")}

    assert seedance.task_type == "text-to-video"
    assert "image-to-video" in seedance.also_task_types
    assert seedance.task_types[0] == "text-to-video"
    assert "bytedance/seedance-2" in image_to_video
    assert "bytedance/seedance-2" in {m.id for m in catalog.models(task_type="text-to-video")}
    assert catalog.get("kling-2.6/image-to-video").also_task_types == ()


def test_models_search_is_a_case_insensitive_substring_of_id_or_title() -> None:
    by_id = {m.id for m in catalog.models(search="NANO-BANANA")}
    by_title = {m.id for m in catalog.models(search="nano banana")}  # only titles have spaces

    assert {"google/nano-banana", "google/nano-banana-edit", "nano-banana-pro"} <= by_id
    assert "google/nano-banana-edit" in by_title


def test_models_filters_combine() -> None:
    found = catalog.models(task_type="text-to-video", search="seedance")

    assert {m.id for m in found} >= {"bytedance/seedance-2", "bytedance/seedance-1.5-pro"}
    assert all(m.task_type == "text-to-video" and "seedance" in m.id for m in found)


def test_models_with_an_unknown_task_type_or_search_find_nothing() -> None:
    assert catalog.models(task_type="text-to-smell") == []
    assert catalog.models(search="no such model anywhere") == []


def test_task_types_lists_every_task_type_in_use_from_the_vocabulary() -> None:
    used = catalog.task_types()

    assert used == sorted({t for m in catalog.models() for t in m.task_types})
    assert set(used) <= set(catalog.TASK_TYPES)


def test_get_returns_the_model() -> None:
    info = catalog.get("kling-2.6/motion-control")

    assert info.id == "kling-2.6/motion-control"
    assert info.output == "video"


def test_a_model_is_one_object_whether_got_or_listed() -> None:
    """Each model's `ModelInfo` is built on first use (get or models), then kept."""
    got = catalog.get("kling-3.0/motion-control")
    listed = {m.id: m for m in catalog.models()}

    assert listed["kling-3.0/motion-control"] is got
    assert catalog.get("kling-3.0/motion-control") is got
    assert all(catalog.get(model_id) is info for model_id, info in listed.items())


def test_get_an_unknown_id_is_a_key_error_naming_close_matches() -> None:
    with pytest.raises(KeyError) as caught:
        catalog.get("google/nano-banana-edt")

    message = str(caught.value)
    assert "'google/nano-banana-edt' is not in kieai's catalog" in message
    assert "did you mean 'google/nano-banana-edit'" in message


def test_get_an_id_like_nothing_names_no_match() -> None:
    with pytest.raises(KeyError, match=r"'zzzz' is not in kieai's catalog\"?$"):
        catalog.get("zzzz")


def test_snapshot_date_is_the_date_of_kies_pages() -> None:
    date = catalog.snapshot_date

    assert isinstance(date, str)
    assert len(date) == 10
    assert date[4] == date[7] == "-"


def test_an_unknown_module_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'nothing_here'"):
        catalog.nothing_here  # pyright: ignore[reportAttributeAccessIssue]  # noqa: B018


def test_exactly_the_models_with_rows_in_prices_json_have_a_price() -> None:
    # prices.json is optional package data: without it no model has a price (never 0).
    prices_path = SRC / "catalog" / "_data" / "prices.json"
    rows: list[dict[str, Any]] = (
        json.loads(prices_path.read_text(encoding="utf-8"))["rows"] if prices_path.is_file() else []
    )
    known = {m.id for m in catalog.models()}

    priced = {m.id for m in catalog.models() if m.price is not None}

    assert priced == {row["model"] for row in rows} & known
    assert all(m.prices == () for m in catalog.models() if m.id not in priced)
    assert all(p.credits > 0 for m in catalog.models() for p in m.prices)


def _copy_of_kieai(tmp_path: Path) -> Path:
    """A copy of the installed package, to add a data file without touching the real one."""
    shutil.copytree(SRC, tmp_path / "kieai", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_prices_json_rows_become_each_models_prices_in_order(tmp_path: Path) -> None:
    root = _copy_of_kieai(tmp_path)
    rows = [
        {"model": "kling-2.6/motion-control", "credits": 6, "unit": "second", "source": "a page"},
        {
            "model": "kling-2.6/motion-control",
            "credits": 9.5,
            "unit": "second",
            "when": {"mode": "1080p"},
            "source": "a page",
        },
        {"model": "no/such-model", "credits": 1, "unit": "task", "source": "a page"},
    ]
    prices_path = root / "kieai" / "catalog" / "_data" / "prices.json"
    prices_path.write_text(json.dumps({"as_of": "2026-11-30", "rows": rows}), encoding="utf-8")
    probe = (
        "import json, kieai\n"
        "info = kieai.catalog.get('kling-2.6/motion-control')\n"
        "other = kieai.catalog.get('google/nano-banana-edit')\n"
        "print(json.dumps([kieai.__file__, [[p.credits, p.unit, p.source, p.as_of, p.when]"
        " for p in info.prices], info.price.credits, other.price]))\n"
    )
    origin, prices, base, other = json.loads(_run(probe, pythonpath=root))

    assert origin.startswith(str(root))
    assert prices == [
        [6.0, "second", "a page", "2026-11-30", []],
        [9.5, "second", "a page", "2026-11-30", [["mode", "1080p"]]],
    ]
    assert base == 6.0
    assert other is None
