"""Estimates from the shipped price table, and the pure budget check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import kieai
from kieai import Budget, BudgetExceededError, Estimate, KieInputError
from kieai._estimate import CREDIT_USD, check_budget, estimate
from kieai.catalog._prices import parse_prices
from kieai.catalog._types import Field, FileSpec, ModelInfo, Price

TABLE = Path(kieai.__file__).parent / "catalog" / "_data" / "prices.json"
VIDEO_URL = "https://tempfile.redpandaai.co/kieai/dance.mp4"
IMAGE_URL = "https://tempfile.redpandaai.co/kieai/person.png"


def load_prices() -> dict[str, tuple[Price, ...]]:
    """The shipped table as the catalog reads it: model id -> its rows."""
    return {info.id: info.prices for info in kieai.catalog.models() if info.prices}


def model(model_id: str, *fields: Field) -> ModelInfo:
    """``model_id`` with the shipped prices and the fields a test needs (defaults matter)."""
    return ModelInfo(
        id=model_id,
        title=model_id,
        task_type="test",
        output="video",
        fields=fields,
        prices=load_prices().get(model_id, ()),
    )


MOTION_2_6 = model(
    "kling-2.6/motion-control",
    Field("mode", "string", default="720p", has_default=True, choices=("720p", "1080p")),
    Field("video_urls", "array", file=FileSpec("video", multiple=True)),
    Field("input_urls", "array", file=FileSpec("image", multiple=True)),
)


def motion_input(**changes: Any) -> dict[str, Any]:
    return {
        "input_urls": [IMAGE_URL],
        "video_urls": [VIDEO_URL],
        "character_orientation": "video",
        **changes,
    }


def test_motion_control_is_billed_per_second_of_the_probed_local_video() -> None:
    result = estimate(MOTION_2_6, motion_input(), durations={"video_urls": 12.5})

    assert result is not None
    assert (result.credits, result.basis, result.seconds) == (137.5, "probed_file", 12.5)
    assert result.usd == pytest.approx(137.5 * CREDIT_USD)
    assert result.price is not None and result.price.when == (("mode", "720p"),)


def test_a_video_url_is_counted_at_the_longest_length_the_model_allows() -> None:
    hd = estimate(MOTION_2_6, motion_input(mode="1080p"))
    image_orientation = estimate(MOTION_2_6, motion_input(character_orientation="image"))

    assert hd is not None and image_orientation is not None
    assert (hd.credits, hd.basis, hd.seconds) == (18.0 * 30, "longest_allowed", 30.0)
    assert (image_orientation.credits, image_orientation.seconds) == (11.0 * 10, 10.0)


def test_values_the_table_does_not_price_give_no_estimate_never_zero() -> None:
    assert estimate(MOTION_2_6, motion_input(mode="4K")) is None
    assert estimate(model("someone/new-model"), {"prompt": "x"}) is None
    assert estimate(MOTION_2_6, motion_input(video_urls=["dance.mp4"])) is None  # not probed


def test_kling_video_prices_follow_duration_and_sound() -> None:
    info = model("kling-2.6/image-to-video", Field("duration", "string", default="5"))

    cheap = estimate(info, {"duration": "5", "sound": False})
    dear = estimate(info, {"duration": 10, "sound": True})  # 10 and "10" are one duration

    assert cheap is not None and dear is not None
    assert (cheap.credits, cheap.basis) == (55.0, "fixed")
    assert dear.credits == 220.0


def test_per_second_prices_read_the_inputs_duration() -> None:
    info = model(
        "kling-3.0/video",
        Field("mode", "string", default="pro", has_default=True),
        Field("sound", "boolean", default=False, has_default=True),
    )

    default_mode = estimate(info, {"duration": "8"})
    std_sound = estimate(info, {"duration": "5", "mode": "std", "sound": True})

    assert default_mode is not None and std_sound is not None
    assert (default_mode.credits, default_mode.basis) == (18.0 * 8, "input_duration")
    assert std_sound.credits == 20.0 * 5


def test_image_prices_multiply_by_the_number_of_images() -> None:
    banana = model("nano-banana-2", Field("resolution", "string", default="1K", has_default=True))
    ideogram = model(
        "ideogram/character",
        Field("rendering_speed", "string", default="BALANCED", has_default=True),
        Field("num_images", "string", default="1", has_default=True),
    )

    assert estimate(banana, {"prompt": "x"}) == Estimate(8.0, 0.04, "fixed", None, banana.prices[0])
    four_k = estimate(banana, {"prompt": "x", "resolution": "4K"})
    three = estimate(ideogram, {"num_images": "3", "rendering_speed": "QUALITY"})
    assert four_k is not None and four_k.credits == 18.0
    assert three is not None and three.credits == 72.0


def test_the_shipped_table_is_dated_sourced_and_never_zero() -> None:
    table = json.loads(TABLE.read_text("utf-8"))
    prices = load_prices()

    assert table["as_of"] == "2026-09-21"
    assert len(prices) >= 100
    rows = [row for rows in prices.values() for row in rows]
    assert all(row.credits > 0 and row.source and row.as_of for row in rows)
    assert {row.unit for row in rows} == {"task", "second", "image"}
    assert [r.credits for r in prices["kling-2.6/motion-control"]] == [11.0, 18.0]


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ({"model": "m", "credits": 0, "unit": "task", "source": "s"}, "credits must be > 0"),
        ({"model": "m", "credits": True, "unit": "task", "source": "s"}, "credits must be > 0"),
        ({"model": "m", "credits": 1, "unit": "minute", "source": "s"}, "unknown unit"),
        ({"model": "m", "credits": 1, "unit": "task"}, "needs a when object and a source"),
        ({"credits": 1, "unit": "task", "source": "s"}, "model must be a string"),
    ],
)
def test_a_malformed_price_row_is_refused_naming_it(row: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=f"row 0.*{problem}|{problem}"):
        parse_prices({"as_of": "2026-09-21", "rows": [row]})


def test_a_price_table_without_a_date_is_refused() -> None:
    with pytest.raises(ValueError, match="as_of must be a date"):
        parse_prices({"rows": []})


def test_budget_per_task_judges_one_estimate() -> None:
    with pytest.raises(BudgetExceededError) as refused:
        check_budget(Budget(per_task=200.0), 330.0)

    assert (refused.value.limit, refused.value.allowed) == ("per_task", 200.0)
    assert (refused.value.estimate, refused.value.spent) == (330.0, 0.0)
    assert "nothing was uploaded or sent" in str(refused.value)
    check_budget(Budget(per_task=200.0), 200.0)  # exactly at the limit fits


def test_budget_day_and_total_count_what_is_already_spent() -> None:
    with pytest.raises(BudgetExceededError) as day:
        check_budget(Budget(per_day=500.0), 100.0, spent_today=450.0)
    with pytest.raises(BudgetExceededError) as total:
        check_budget(Budget(per_day=500.0, total=1000.0), 100.0, spent_total=950.0)

    assert (day.value.limit, day.value.spent) == ("per_day", 450.0)
    assert (total.value.limit, total.value.spent) == ("total", 950.0)
    check_budget(Budget(per_day=500.0), 50.0, spent_today=450.0)


def test_budget_refuses_an_unpriced_model_unless_allowed() -> None:
    with pytest.raises(BudgetExceededError, match="no known price") as refused:
        check_budget(Budget(per_task=10.0), None)

    assert refused.value.estimate is None
    check_budget(Budget(per_task=10.0, allow_unpriced=True), None)
    check_budget(Budget(), None)  # no limit, nothing to refuse


def test_a_budget_with_bad_limits_names_each() -> None:
    with pytest.raises(KieInputError) as bad:
        Budget(per_task=-1.0, per_day=float("nan"), total=True)

    assert len(bad.value.problems) == 3
    assert "per_task" in bad.value.problems[0]
    assert not Budget(per_task=1).needs_journal
    assert Budget(total=1).needs_journal
