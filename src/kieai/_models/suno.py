"""``client.suno``'s calls as declarations: each argument once, with the Kie field it is sent
in. The fields' rules are the family's declaration (``_families._inputs``); ``generate``,
``create``, ``check``, ``create_extend`` and ``extend`` are generated from these
(``_generated/resources.py``)."""

from __future__ import annotations

from typing import Literal

from .._spec import FamilyArgument, FamilyCall, FamilyDeclaration, FamilyMethod

__all__ = ["SUNO", "SunoModel", "VocalGender"]

SunoModel = Literal["V4", "V4_5", "V4_5PLUS", "V4_5ALL", "V5", "V5_5"]
VocalGender = Literal["m", "f"]

_PROMPT = FamilyArgument(
    "prompt", "str | None", "prompt", "The idea, or the lyrics in custom mode."
)
_STYLE = FamilyArgument("style", "str | None", "style", "The music's style (custom mode).")
_TITLE = FamilyArgument("title", "str | None", "title", "The track's title (custom mode).")
#: The arguments both calls end with, in this order.
_TUNING = (
    FamilyArgument("negative_tags", "str | None", "negativeTags", "Styles to keep out."),
    FamilyArgument(
        "vocal_gender", "VocalGender | None", "vocalGender", "The voice: male or female."
    ),
    FamilyArgument("style_weight", "float | None", "styleWeight", "How closely to follow style."),
    FamilyArgument(
        "weirdness_constraint",
        "float | None",
        "weirdnessConstraint",
        "How far to stray from the expected.",
    ),
    FamilyArgument("audio_weight", "float | None", "audioWeight", "How much the audio weighs."),
    FamilyArgument("persona_id", "str | None", "personaId", "A Suno persona to sing."),
)

SUNO = FamilyDeclaration(
    name="Suno",
    calls=(
        FamilyCall(
            operation="generate",
            arguments=(
                _PROMPT,
                FamilyArgument(
                    "instrumental", "bool", "instrumental", "Music without vocals.", default=False
                ),
                FamilyArgument("model", "SunoModel", "model", "Which Suno model.", default="V5"),
                FamilyArgument(
                    "custom_mode",
                    "bool",
                    "customMode",
                    "Lyrics, style and title given apart.",
                    default=False,
                ),
                _STYLE,
                _TITLE,
                *_TUNING,
            ),
            methods=(
                FamilyMethod(
                    "check",
                    "check",
                    "Every local check of a `generate` call (no network), all problems at once.",
                ),
                FamilyMethod(
                    "create",
                    "create",
                    "Check and create the task (``POST /api/v1/generate``); returns its id.",
                ),
                FamilyMethod(
                    "generate",
                    "generate",
                    "`create`, then wait for every track: an `AudioResult` with one URL per track.",
                ),
            ),
            result="AudioResult",
            uploads=False,
        ),
        FamilyCall(
            operation="extend",
            arguments=(
                FamilyArgument(
                    "audio_id",
                    "str",
                    "audioId",
                    "The track to extend.",
                    required=True,
                    positional=True,
                ),
                FamilyArgument(
                    "model", "SunoModel", "model", "The track's own model.", required=True
                ),
                FamilyArgument(
                    "default_param_flag",
                    "bool",
                    "defaultParamFlag",
                    "Take prompt, style, title and continue_at from here (all required then).",
                    default=False,
                ),
                _PROMPT,
                _STYLE,
                _TITLE,
                FamilyArgument(
                    "continue_at", "float | None", "continueAt", "Seconds into the track to go on."
                ),
                *_TUNING,
            ),
            methods=(
                FamilyMethod(
                    "create_extend",
                    "create",
                    "Extend the track ``audio_id`` (``POST /api/v1/generate/extend``; ``model`` "
                    "must be the track's own); returns the new task's id. With "
                    "``default_param_flag=True``, ``prompt``, ``style``, ``title`` and "
                    "``continue_at`` are required.",
                ),
                FamilyMethod(
                    "extend", "generate", "`create_extend`, then wait for the extended tracks."
                ),
            ),
            result="AudioResult",
            uploads=False,
        ),
    ),
)
