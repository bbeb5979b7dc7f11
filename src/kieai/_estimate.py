"""What a task will cost before it is sent, and whether a `Budget` allows it.

Both are pure functions over the dated price table (``ModelInfo.prices``): no network, no
journal. The journal calls `check_budget` inside its atomic reservation, so the day and total
limits hold when several processes create at once; the pipeline calls it before any upload.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

from ._errors import BudgetExceededError, KieInputError
from .catalog._types import JSONValue, ModelInfo, Price

__all__ = ["CREDIT_USD", "Budget", "Estimate", "EstimateBasis", "check_budget", "estimate"]

#: US dollars per Kie credit. Kie's pricing API lists 8 credits as $0.04 (nano-banana-2 at 1K,
#: in gateway/kie-api's snapshot of 2026-03-26), and the peers that convert use the same rate.
CREDIT_USD = 0.005

#: Where the billed quantity came from: ``"fixed"`` (a per-task or per-image price),
#: ``"input_duration"`` (the input's ``duration``), ``"probed_file"`` (a local file's probed
#: duration, passed in ``durations``), ``"longest_allowed"`` (a URL, whose length is not known
#: here: the longest the model accepts, so a budget never under-counts).
EstimateBasis = Literal["fixed", "input_duration", "probed_file", "longest_allowed"]

#: Models billed per second of an input file (no ``duration`` field): the field holding it.
_BILLED_FILE_FIELD: Mapping[str, str] = {
    "kling-2.6/motion-control": "video_urls",
    "kling-3.0/motion-control": "video_urls",
    "wan/2-2-animate-move": "video_url",
    "wan/2-2-animate-replace": "video_url",
    "topaz/video-upscale": "video_url",
    "volcengine/video-to-video-lip-sync": "video_url",
    "infinitalk/from-audio": "audio_url",
    "kling/ai-avatar-standard": "audio_url",
    "kling/ai-avatar-pro": "audio_url",
    "wan/2-2-a14b-speech-to-video-turbo": "audio_url",
}

#: Kie's motion-control pages: the reference video is 3-30 s, at most 10 s when the character
#: follows the image's orientation.
_MOTION_LONGEST_S = 30.0
_MOTION_IMAGE_ORIENTATION_LONGEST_S = 10.0


@dataclass(frozen=True)
class Estimate:
    """A task's expected cost: ``credits`` (Kie's unit), ``usd`` at `CREDIT_USD`, and the
    ``basis`` of the billed quantity. ``seconds`` is the billed length for per-second prices;
    ``price`` the table row used (its ``source`` and ``as_of`` say where the figure is from)."""

    credits: float
    usd: float
    basis: EstimateBasis
    seconds: float | None = None
    price: Price | None = None


def estimate(
    info: ModelInfo, input: Mapping[str, Any], *, durations: Mapping[str, float] | None = None
) -> Estimate | None:
    """The estimate for running ``info`` on ``input`` (Kie's field names), or None when the
    table has no price for this model or these values (an unknown price is never 0).

    ``durations`` maps a file field to the probed length in seconds of the local file it holds
    (motion control is billed per second of its reference video); a field holding a URL is
    counted at the longest length the model allows.
    """
    row = _matching_row(info, input)
    if row is None:
        return None
    if row.unit == "second":
        billed = _billed_seconds(info, input, durations or {})
        if billed is None:
            return None
        seconds, basis = billed
        return _make(row.credits * seconds, basis, row, seconds)
    if row.unit == "image":
        return _make(row.credits * _image_count(info, input), "fixed", row, None)
    return _make(row.credits, "fixed", row, None)


def _make(credits: float, basis: EstimateBasis, row: Price, seconds: float | None) -> Estimate:
    credits = round(credits, 6)
    return Estimate(credits, round(credits * CREDIT_USD, 6), basis, seconds, row)


def _value(info: ModelInfo, input: Mapping[str, Any], name: str) -> object:
    """The input's value, else the field's documented default (Kie applies it too)."""
    if name in input:
        return input[name]
    for field in info.fields:
        if field.name == name and field.has_default:
            return field.default
    return None


def _matching_row(info: ModelInfo, input: Mapping[str, Any]) -> Price | None:
    """The most specific row whose ``when`` all hold (the first of equals)."""
    best: Price | None = None
    for row in info.prices:
        holds = all(_same(_value(info, input, name), want) for name, want in row.when)
        if holds and (best is None or len(row.when) > len(best.when)):
            best = row
    return best


def _same(value: object, want: JSONValue) -> bool:
    """Equal as Kie reads them: ``"10"`` and ``10`` are one duration; booleans only match
    booleans."""
    if isinstance(value, bool) or isinstance(want, bool):
        return value is want
    return value is not None and _text(value) == _text(want)


def _text(value: object) -> str:
    number = _number(value)
    return f"{number:g}" if number is not None else str(value)


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _billed_seconds(
    info: ModelInfo, input: Mapping[str, Any], durations: Mapping[str, float]
) -> tuple[float, EstimateBasis] | None:
    duration = _number(_value(info, input, "duration"))
    if duration is not None and duration > 0:
        return duration, "input_duration"
    field = _BILLED_FILE_FIELD.get(info.id)
    if field is None:
        return None
    probed = durations.get(field)
    if probed is not None:
        return float(probed), "probed_file"
    if not _holds_urls(input.get(field)):
        return None
    longest = _longest_seconds(info.id, input)
    return (longest, "longest_allowed") if longest is not None else None


def _holds_urls(value: object) -> bool:
    values: list[object] = (
        list(cast("Sequence[object]", value)) if isinstance(value, (list, tuple)) else [value]
    )
    return bool(values) and all(
        isinstance(v, str) and v.startswith(("http://", "https://")) for v in values
    )


def _longest_seconds(model: str, input: Mapping[str, Any]) -> float | None:
    """The longest file the model accepts, where Kie states it (else None: no estimate)."""
    if model.endswith("/motion-control"):
        if input.get("character_orientation") == "image":
            return _MOTION_IMAGE_ORIENTATION_LONGEST_S
        return _MOTION_LONGEST_S
    return None


def _image_count(info: ModelInfo, input: Mapping[str, Any]) -> float:
    for name in ("num_images", "n"):
        count = _number(_value(info, input, name))
        if count is not None and count >= 1:
            return count
    return 1.0


@dataclass(frozen=True)
class Budget:
    """Spending limits in credits. ``per_task`` judges one estimate; ``per_day`` (UTC day) and
    ``total`` count what the journal holds (estimates until Kie reports ``creditsConsumed``).
    A model with no known price is refused while any limit is set, unless ``allow_unpriced``.
    """

    per_task: float | None = None
    per_day: float | None = None
    total: float | None = None
    allow_unpriced: bool = False

    def __post_init__(self) -> None:
        problems = [
            f"Budget {name}: must be a number >= 0 or None, got {value!r}"
            for name, value in (
                ("per_task", self.per_task),
                ("per_day", self.per_day),
                ("total", self.total),
            )
            if value is not None
            and (
                isinstance(value, bool)
                or not isinstance(value, (int, float))  # pyright: ignore[reportUnnecessaryIsInstance]
                or not math.isfinite(value)
                or value < 0
            )
        ]
        if problems:
            raise KieInputError(problems)

    @property
    def needs_journal(self) -> bool:
        """The day and total limits count past spending, which only a journal knows."""
        return self.per_day is not None or self.total is not None

    @property
    def has_limit(self) -> bool:
        return self.per_task is not None or self.needs_journal


def check_budget(
    budget: Budget,
    credits: float | None,
    *,
    spent_today: float = 0.0,
    spent_total: float = 0.0,
) -> None:
    """Raise `BudgetExceededError` if a task estimated at ``credits`` (None: no known price)
    would go over a limit, given what is already counted today (UTC) and in total."""
    limits = (
        ("per_task", budget.per_task, 0.0),
        ("per_day", budget.per_day, spent_today),
        ("total", budget.total, spent_total),
    )
    if credits is None:
        if budget.allow_unpriced:
            return
        for name, allowed, spent in limits:
            if allowed is not None:
                raise BudgetExceededError(name, allowed=allowed, estimate=None, spent=spent)
        return
    for name, allowed, spent in limits:
        if allowed is not None and spent + credits > allowed + _EPSILON_CREDITS:
            raise BudgetExceededError(name, allowed=allowed, estimate=credits, spent=spent)


#: Sums of float credits drift in the last bits; a task that fits exactly must pass.
_EPSILON_CREDITS = 1e-6
