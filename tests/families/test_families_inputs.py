"""The dedicated families' input declarations and the rules between their fields."""

from __future__ import annotations

import pytest

from kieai._families import FAMILIES
from kieai._families._inputs import FAMILY_INPUTS, cross_field_problems


def test_every_operation_has_an_input_declaration() -> None:
    for family in FAMILIES.values():
        for operation in family.operations.values():
            if operation.model_id != "*":
                assert operation.model_id in FAMILY_INPUTS
                assert FAMILY_INPUTS[operation.model_id].output == family.output


def test_file_fields_are_declared_as_files() -> None:
    assert FAMILY_INPUTS["veo/generate"].field("imageUrls").file is not None
    assert FAMILY_INPUTS["runway/generate"].field("imageUrl").file is not None
    assert FAMILY_INPUTS["aleph/generate"].field("videoUrl").file is not None
    assert FAMILY_INPUTS["suno/generate"].file_fields == ()


@pytest.mark.parametrize(
    ("model_id", "input_", "expected"),
    [
        (
            "veo/generate",
            {
                "prompt": "x",
                "generationType": "REFERENCE_2_VIDEO",
                "model": "veo3",
                "imageUrls": [],
            },
            [
                "model: generationType REFERENCE_2_VIDEO works only with veo3_fast, got 'veo3'",
                "imageUrls: generationType REFERENCE_2_VIDEO takes 1 to 3 images, got 0",
            ],
        ),
        (
            "veo/generate",
            {"prompt": "x", "imageUrls": ["a", "b", "c"]},
            [
                "imageUrls: at most 2 images (first and last frame) unless generationType is "
                "REFERENCE_2_VIDEO, got 3"
            ],
        ),
        (
            "veo/generate",
            {"prompt": "x", "generationType": "TEXT_2_VIDEO", "imageUrls": ["a"]},
            ["imageUrls: generationType TEXT_2_VIDEO takes no images, got 1"],
        ),
        (
            "runway/generate",
            {"prompt": "x", "duration": 10, "quality": "1080p"},
            [
                "duration: 10 s videos are 720p only (quality 1080p takes duration 5)",
                "aspectRatio: is required for text-to-video (without imageUrl)",
            ],
        ),
        (
            "runway/generate",
            {"prompt": "x", "duration": 5, "quality": "1080p", "imageUrl": "https://i"},
            [],
        ),
        (
            "suno/generate",
            {"customMode": True, "instrumental": False, "model": "V4", "prompt": "p" * 3001},
            [
                "style: is required in custom mode with vocals (customMode true)",
                "title: is required in custom mode with vocals (customMode true)",
                "prompt: at most 3000 characters with model V4, got 3001",
            ],
        ),
        (
            "suno/generate",
            {
                "customMode": True,
                "instrumental": True,
                "model": "V5",
                "style": "jazz",
                "title": "t",
            },
            [],
        ),
        (
            "suno/generate",
            {
                "customMode": False,
                "instrumental": False,
                "model": "V5",
                "prompt": "p" * 501,
                "styleWeight": 0.123,
            },
            [
                "styleWeight: at most 2 decimal places, got 0.123",
                "prompt: at most 500 characters when customMode is false, got 501",
            ],
        ),
        (
            "suno/extend",
            {"defaultParamFlag": True, "audioId": "a", "model": "V5"},
            [
                "prompt: is required when defaultParamFlag is true",
                "style: is required when defaultParamFlag is true",
                "title: is required when defaultParamFlag is true",
                "continueAt: is required when defaultParamFlag is true",
            ],
        ),
        ("aleph/generate", {"prompt": "x", "videoUrl": "https://v"}, []),
    ],
)
def test_cross_field_rules_report_every_problem(
    model_id: str, input_: dict[str, object], expected: list[str]
) -> None:
    assert cross_field_problems(model_id, input_) == expected
