"""``client.suno``: Suno music on Kie's own endpoints (``/api/v1/generate``): two tracks per
task, ready in stages (``text``, ``first``, ``complete``), announced by staged callbacks."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from .._constants import (
    DEFAULT_MAX_POLL_INTERVAL_S,
    DEFAULT_POLL_INTERVAL_S,
    DEFAULT_WAIT_TIMEOUT_S,
)
from .._families import SUNO, Family
from .._pipeline import CheckReport, OnCreated, RunOptions, WaitOptions
from ._family import FamilyResource

if TYPE_CHECKING:
    from .._polling import OnUpdate
    from ..types import AudioResult

__all__ = ["Suno", "SunoModel"]

SunoModel = Literal["V4", "V4_5", "V4_5PLUS", "V4_5ALL", "V5", "V5_5"]
VocalGender = Literal["m", "f"]


def _generate_fields(
    prompt: str | None,
    instrumental: bool,
    model: SunoModel,
    custom_mode: bool,
    style: str | None,
    title: str | None,
    negative_tags: str | None,
    vocal_gender: VocalGender | None,
    style_weight: float | None,
    weirdness_constraint: float | None,
    audio_weight: float | None,
    persona_id: str | None,
) -> dict[str, object]:
    return {
        "prompt": prompt,
        "style": style,
        "title": title,
        "customMode": custom_mode,
        "instrumental": instrumental,
        "model": model,
        "negativeTags": negative_tags,
        "vocalGender": vocal_gender,
        "styleWeight": style_weight,
        "weirdnessConstraint": weirdness_constraint,
        "audioWeight": audio_weight,
        "personaId": persona_id,
    }


class Suno(FamilyResource):
    """``client.suno``: music from a prompt (or lyrics, style and title in custom mode).

    Kie requires a callback URL for every Suno task: ``callback_url`` is required here too
    (a `KieInputError` says so), never filled in on your behalf. Waiting polls
    ``/api/v1/generate/record-info``; ``on_update`` sees each stage (``task.stage``)."""

    family: ClassVar[Family] = SUNO

    async def check(
        self,
        *,
        prompt: str | None = None,
        instrumental: bool = False,
        model: SunoModel = "V5",
        custom_mode: bool = False,
        style: str | None = None,
        title: str | None = None,
        negative_tags: str | None = None,
        vocal_gender: VocalGender | None = None,
        style_weight: float | None = None,
        weirdness_constraint: float | None = None,
        audio_weight: float | None = None,
        persona_id: str | None = None,
        callback_url: str | None = None,
    ) -> CheckReport:
        """Every local check of a `generate` call (no network), all problems at once."""
        fields = _generate_fields(
            prompt,
            instrumental,
            model,
            custom_mode,
            style,
            title,
            negative_tags,
            vocal_gender,
            style_weight,
            weirdness_constraint,
            audio_weight,
            persona_id,
        )
        return await self._check("generate", fields, callback_url)

    async def create(
        self,
        *,
        prompt: str | None = None,
        instrumental: bool = False,
        model: SunoModel = "V5",
        custom_mode: bool = False,
        style: str | None = None,
        title: str | None = None,
        negative_tags: str | None = None,
        vocal_gender: VocalGender | None = None,
        style_weight: float | None = None,
        weirdness_constraint: float | None = None,
        audio_weight: float | None = None,
        persona_id: str | None = None,
        callback_url: str | None = None,
        on_created: OnCreated | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Check and create the task (``POST /api/v1/generate``); returns its id."""
        fields = _generate_fields(
            prompt,
            instrumental,
            model,
            custom_mode,
            style,
            title,
            negative_tags,
            vocal_gender,
            style_weight,
            weirdness_constraint,
            audio_weight,
            persona_id,
        )
        options = RunOptions(callback_url, None, on_created, True, idempotency_key)
        return await self._create("generate", fields, options)

    async def generate(
        self,
        *,
        prompt: str | None = None,
        instrumental: bool = False,
        model: SunoModel = "V5",
        custom_mode: bool = False,
        style: str | None = None,
        title: str | None = None,
        negative_tags: str | None = None,
        vocal_gender: VocalGender | None = None,
        style_weight: float | None = None,
        weirdness_constraint: float | None = None,
        audio_weight: float | None = None,
        persona_id: str | None = None,
        callback_url: str | None = None,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT_S,
        poll_interval: float = DEFAULT_POLL_INTERVAL_S,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL_S,
        on_update: OnUpdate | None = None,
        on_created: OnCreated | None = None,
        idempotency_key: str | None = None,
    ) -> AudioResult:
        """`create`, then wait for every track: an `AudioResult` with one URL per track."""
        from ..types import AudioResult

        fields = _generate_fields(
            prompt,
            instrumental,
            model,
            custom_mode,
            style,
            title,
            negative_tags,
            vocal_gender,
            style_weight,
            weirdness_constraint,
            audio_weight,
            persona_id,
        )
        return await self._generate(
            "generate",
            fields,
            RunOptions(callback_url, None, on_created, True, idempotency_key),
            WaitOptions(timeout, poll_interval, max_poll_interval, on_update),
            AudioResult,
        )

    async def create_extend(
        self,
        audio_id: str,
        *,
        model: SunoModel,
        default_param_flag: bool = False,
        prompt: str | None = None,
        style: str | None = None,
        title: str | None = None,
        continue_at: float | None = None,
        negative_tags: str | None = None,
        vocal_gender: VocalGender | None = None,
        style_weight: float | None = None,
        weirdness_constraint: float | None = None,
        audio_weight: float | None = None,
        persona_id: str | None = None,
        callback_url: str | None = None,
        on_created: OnCreated | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Extend the track ``audio_id`` (``POST /api/v1/generate/extend``; ``model`` must be
        the track's own); returns the new task's id. With ``default_param_flag=True``,
        ``prompt``, ``style``, ``title`` and ``continue_at`` are required."""
        fields = _extend_fields(
            audio_id,
            model,
            default_param_flag,
            prompt,
            style,
            title,
            continue_at,
            negative_tags,
            vocal_gender,
            style_weight,
            weirdness_constraint,
            audio_weight,
            persona_id,
        )
        options = RunOptions(callback_url, None, on_created, True, idempotency_key)
        return await self._create("extend", fields, options)

    async def extend(
        self,
        audio_id: str,
        *,
        model: SunoModel,
        default_param_flag: bool = False,
        prompt: str | None = None,
        style: str | None = None,
        title: str | None = None,
        continue_at: float | None = None,
        negative_tags: str | None = None,
        vocal_gender: VocalGender | None = None,
        style_weight: float | None = None,
        weirdness_constraint: float | None = None,
        audio_weight: float | None = None,
        persona_id: str | None = None,
        callback_url: str | None = None,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT_S,
        poll_interval: float = DEFAULT_POLL_INTERVAL_S,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL_S,
        on_update: OnUpdate | None = None,
        on_created: OnCreated | None = None,
        idempotency_key: str | None = None,
    ) -> AudioResult:
        """`create_extend`, then wait for the extended tracks."""
        from ..types import AudioResult

        fields = _extend_fields(
            audio_id,
            model,
            default_param_flag,
            prompt,
            style,
            title,
            continue_at,
            negative_tags,
            vocal_gender,
            style_weight,
            weirdness_constraint,
            audio_weight,
            persona_id,
        )
        return await self._generate(
            "extend",
            fields,
            RunOptions(callback_url, None, on_created, True, idempotency_key),
            WaitOptions(timeout, poll_interval, max_poll_interval, on_update),
            AudioResult,
        )


def _extend_fields(
    audio_id: str,
    model: SunoModel,
    default_param_flag: bool,
    prompt: str | None,
    style: str | None,
    title: str | None,
    continue_at: float | None,
    negative_tags: str | None,
    vocal_gender: VocalGender | None,
    style_weight: float | None,
    weirdness_constraint: float | None,
    audio_weight: float | None,
    persona_id: str | None,
) -> dict[str, object]:
    return {
        "defaultParamFlag": default_param_flag,
        "audioId": audio_id,
        "prompt": prompt,
        "style": style,
        "title": title,
        "continueAt": continue_at,
        "model": model,
        "negativeTags": negative_tags,
        "vocalGender": vocal_gender,
        "styleWeight": style_weight,
        "weirdnessConstraint": weirdness_constraint,
        "audioWeight": audio_weight,
        "personaId": persona_id,
    }
