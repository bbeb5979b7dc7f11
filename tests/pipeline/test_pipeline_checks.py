"""Judging a Kie ``input`` against a model's declaration (``_checks.check_input`` through
``_pipeline.check_declared``): every rule failing with its own message, nasty values first,
every problem together, and file fields of every kind. No network: declarations are made here."""

from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path

import pytest

from kieai import ImageInfo, UploadedFile
from kieai._media_rules import ImageRule, VideoRule
from kieai._pipeline import check_declared
from kieai.catalog._rules import ModelRules
from kieai.catalog._types import Field, FileSpec, ModelInfo, OutputKind

from ..media.builders import mp3_bytes, simple_mp4, wav_bytes
from ..motion._media import fixture, png_bytes

MODEL = "acme/any-1"


def model(*fields: Field, output: OutputKind = "image") -> ModelInfo:
    return ModelInfo(
        id=MODEL,
        title="Any",
        task_type="text-to-image",
        output=output,
        fields=fields,
    )


def problems(
    info: ModelInfo, input: dict[str, object], rules: ModelRules | None = None
) -> list[str]:
    return check_declared(info, input, rules=rules)[1].problems


IMAGES = Field(
    "image_urls",
    "array",
    required=True,
    max_items=3,
    item_type="string",
    file=FileSpec("image", True, ("image/jpeg", "image/png"), max_bytes=1 << 20),
)
AUDIO = Field(
    "audio_url",
    "string",
    file=FileSpec("audio", False, ("audio/mpeg", "audio/x-wav"), max_bytes=64 * 1024),
)


# -- nasty values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        (Field("n", "integer"), True, "n: must be an integer, got True"),
        (Field("n", "integer"), 5.0, "n: must be an integer, got 5.0"),
        (Field("n", "integer"), "5", "n: must be an integer, got '5'"),
        (Field("x", "number"), False, "x: must be a number, got False"),
        (Field("x", "number"), float("nan"), "x: must be a finite number, got nan"),
        (Field("x", "number"), float("inf"), "x: must be a finite number, got inf"),
        (Field("b", "boolean"), 1, "b: must be True or False, got 1"),
        (Field("b", "boolean"), "true", "b: must be True or False, got 'true'"),
        (Field("s", "string"), 7, "s: must be a string, got int"),
        (Field("a", "array"), "x", "a: must be a list, got str"),
        (Field("o", "object"), [1], "o: must be a dict with string keys, got [1]"),
        (Field("o", "object"), {1: "x"}, "o: must be a dict with string keys, got {1: 'x'}"),
        (Field("d", "string", choices=("5", "10")), 5, 'd: must be "5" or "10", got 5'),
        (Field("d", "integer", choices=(5, 10)), True, "d: must be 5 or 10, got True"),
        (Field("d", "number", choices=(5, 10)), 5.0, "d: must be 5 or 10, got 5.0"),
        (Field("r", "string", choices=("1:1",)), "1:1 ", "r: must be \"1:1\", got '1:1 '"),
        (Field("n", "integer", minimum=1), 0, "n: must be at least 1, got 0"),
        (Field("n", "integer", minimum=1, exclusive_minimum=True), 1, "n: must be above 1, got 1"),
        (Field("x", "number", maximum=2.5), 2.6, "x: must be at most 2.5, got 2.6"),
        (
            Field("x", "number", maximum=10, exclusive_maximum=True),
            10,
            "x: must be below 10, got 10",
        ),
        (
            Field("p", "string", max_length=3),
            "\U0001f600" * 4,
            "p: 4 characters exceeds the 3-character limit",
        ),
        (
            Field("p", "string", min_length=3),
            "ab",
            "p: 2 characters is below the 3-character minimum",
        ),
        (
            Field("p", "string", required=True, max_length=9),
            " \n",
            "p: must not be empty (up to 9 characters)",
        ),
        (
            Field("p", "string", required=True, max_length=9),
            None,
            "p: is required (up to 9 characters)",
        ),
        (
            Field("q", "string", required=True, choices=("a", "b")),
            None,
            'q: is required ("a" or "b")',
        ),
        (Field("k", "integer", required=True), None, "k: is required (an integer)"),
        (
            Field("tags", "array", min_items=2, item_type="string"),
            ["a"],
            "tags: must have at least 2 items, got 1",
        ),
        (
            Field("tags", "array", max_items=1, item_type="string"),
            ["a", "b"],
            "tags: must have at most 1 item, got 2",
        ),
        (
            Field("tags", "array", item_type="integer"),
            [1, "2", 3],
            "tags[1]: must be an integer, got '2'",
        ),
        (
            Field("tags", "array", item_type="string", item_choices=("x", "y")),
            ["x", "z"],
            'tags[1]: must be "x" or "y", got \'z\'',
        ),
    ],
)
def test_each_rule_fails_with_its_own_message(field: Field, value: object, problem: str) -> None:
    assert problems(model(field), {field.name: value}) == [problem]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (Field("n", "integer", minimum=1, maximum=3), 3),
        (Field("x", "number", minimum=0, exclusive_minimum=True), 0.001),
        (Field("x", "number"), 2),  # an int is a number
        (Field("p", "string", max_length=3), "\U0001f600" * 3),  # code points, not bytes
        (Field("d", "string", choices=("5", "10")), "10"),
        (Field("o", "object"), {"k": [1, {"n": None}]}),
        (Field("s", "string"), None),  # not required: left out
    ],
)
def test_values_inside_the_rules_pass(field: Field, value: object) -> None:
    assert problems(model(field), {field.name: value}) == []


def test_an_unknown_field_names_the_closest_valid_one() -> None:
    info = model(Field("prompt", "string"), Field("aspect_ratio", "string"))
    assert problems(info, {"promt": "x", "aspectratio": "1:1", "zzz": b"\x00" * 9}) == [
        "promt: acme/any-1 has no such field (did you mean 'prompt'?), got 'x'",
        "aspectratio: acme/any-1 has no such field (did you mean 'aspect_ratio'?), got '1:1'",
        "zzz: acme/any-1 has no such field (its fields: prompt, aspect_ratio), got <9 bytes>",
    ]


def test_an_input_that_is_not_a_dict_is_one_problem() -> None:
    assert problems(model(Field("prompt", "string")), ["prompt"]) == [  # type: ignore[arg-type]
        "input: must be a dict of Kie's field names and values, got ['prompt']"
    ]


# -- local files where no file goes -----------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [Path("person.png"), b"\x89PNG....", io.BytesIO(b"data")],
    ids=["path", "bytes", "file"],
)
def test_a_local_file_in_a_field_that_is_not_a_file_field_is_refused(value: object) -> None:
    (problem,) = problems(model(Field("prompt", "string")), {"prompt": value})
    assert problem.startswith("prompt: is not a file field of acme/any-1, so ")
    assert problem.endswith("cannot be uploaded for it; pass an http(s) URL")


def test_an_existing_local_path_string_in_a_url_field_is_refused(tmp_path: Path) -> None:
    local = tmp_path / "ref.png"
    local.write_bytes(png_bytes(8, 8))
    info = model(Field("reference_url", "string"), Field("style_urls", "array", item_type="string"))
    assert problems(
        info, {"reference_url": str(local), "style_urls": ["https://cdn.example/a.png", str(local)]}
    ) == [
        f"reference_url: is not a file field of acme/any-1, so the local file {str(local)!r} "
        "cannot be uploaded for it; pass an http(s) URL",
        f"style_urls[1]: is not a file field of acme/any-1, so the local file {str(local)!r} "
        "cannot be uploaded for it; pass an http(s) URL",
    ]


def test_a_path_like_string_in_a_text_field_is_just_text(tmp_path: Path) -> None:
    (tmp_path / "prompt").write_text("x")
    assert problems(model(Field("prompt", "string")), {"prompt": str(tmp_path / "prompt")}) == []


# -- file fields ------------------------------------------------------------------------------


def test_each_list_item_is_checked_and_named_by_its_index(tmp_path: Path) -> None:
    corrupt = tmp_path / "cut.png"
    corrupt.write_bytes(png_bytes(64, 64)[:20])
    expired = UploadedFile(
        url="https://tempfile.example/old.png",
        uploaded_at=datetime(2020, 1, 1, tzinfo=timezone.utc),
    )
    found = problems(
        model(IMAGES),
        {"image_urls": [png_bytes(8, 8), simple_mp4(), corrupt, expired]},
    )
    assert found[0] == "image_urls: must have at most 3 items, got 4"
    assert found[1] == "image_urls[1]: is an MP4 video; expected a JPEG or PNG image"
    assert found[2].startswith("image_urls[2]: ")
    assert found[3] == "image_urls[3]: the uploaded file expired at 2020-01-04 00:00 UTC"
    assert len(found) == 4


def test_urls_and_uploaded_files_pass_unprobed() -> None:
    fresh = UploadedFile(url="https://tempfile.example/new.png")
    prepared, report = check_declared(
        model(IMAGES), {"image_urls": ["https://cdn.example/a.jpg", fresh]}
    )
    assert report.ok and report.media == {}
    assert [slot.prepared.url for slot in prepared.slots] == [
        "https://cdn.example/a.jpg",
        fresh.url,
    ]


def test_a_single_file_where_a_list_is_declared_is_refused_not_wrapped() -> None:
    assert problems(model(IMAGES), {"image_urls": "https://cdn.example/a.jpg"}) == [
        "image_urls: must be a list of files (paths, bytes, binary files, http(s) URLs or "
        "uploaded files), got str"
    ]


def test_a_required_empty_file_list_is_refused() -> None:
    assert problems(model(IMAGES), {"image_urls": []}) == [
        "image_urls: must have at least 1 item, got 0"
    ]


def test_a_missing_required_file_field_names_what_it_takes() -> None:
    assert problems(model(IMAGES), {}) == ["image_urls: is required (a JPEG or PNG image)"]


def test_media_of_local_files_is_reported_by_label() -> None:
    _, report = check_declared(model(IMAGES), {"image_urls": [png_bytes(40, 20)]})
    assert report.ok and report.image == ImageInfo(format="png", width=40, height=20)
    assert dict(report.media) == {"image_urls[0]": report.image}


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (wav_bytes(0.5), None),
        (mp3_bytes(), None),
        (png_bytes(8, 8), "audio_url: is a PNG image; expected an MP3 or WAV audio file"),
        (
            fixture("audio_only_5s.m4a").read_bytes(),
            "audio_url: is an M4A audio; expected an MP3 or WAV audio file",
        ),
        (
            b"\x01\x02" * 50,
            "audio_url: not a recognised file type; expected an MP3 or WAV audio file",
        ),
        (
            wav_bytes(5.0),
            "audio_url: file size 0.1 MiB (80,044 bytes) exceeds 0.1 MiB (65,536 bytes)",
        ),
    ],
    ids=["wav", "mp3", "png", "m4a", "junk", "too-big"],
)
def test_an_audio_field_is_checked_from_the_bytes(data: bytes, problem: str | None) -> None:
    assert problems(model(AUDIO), {"audio_url": data}) == ([] if problem is None else [problem])


def test_an_extra_rule_adds_limits_the_catalog_cannot_carry() -> None:
    clip = Field(
        "video_url", "string", required=True, file=FileSpec("video", False, ("video/mp4",))
    )
    mode = Field("mode", "string", choices=("fast", "slow"))
    rules = ModelRules(
        files={
            "video_url": VideoRule(
                min_duration_s=1.0, max_duration_s=4.0, max_duration_when=("mode", {"fast": 2.0})
            )
        }
    )
    info = model(clip, mode, output="video")
    assert problems(info, {"video_url": simple_mp4(duration_s=3.0)}, rules) == []
    assert problems(info, {"video_url": simple_mp4(duration_s=3.0), "mode": "fast"}, rules) == [
        'video_url: duration 3.0 s exceeds 2 s (mode="fast")'
    ]


def test_an_extra_image_rule_over_a_catalog_type_the_prober_cannot_read() -> None:
    """The catalog lists GIF too (judged by type alone); an extra pixel rule keeps the
    measurable types and judges their sides."""
    image = Field("image_url", "string", file=FileSpec("image", False, ("image/png", "image/gif")))
    rules = ModelRules(files={"image_url": ImageRule(min_side_above_px=16)})
    assert problems(model(image), {"image_url": png_bytes(8, 8)}, rules) == [
        "image_url: 8x8 px is too small: width and height must be above 16 px"
    ]


def test_every_problem_is_reported_together_in_a_stable_order() -> None:
    info = model(
        Field("prompt", "string", required=True, max_length=5),
        IMAGES,
        Field("n", "integer", minimum=1),
        AUDIO,
    )
    assert problems(
        info,
        {"promptt": 1, "prompt": "too long", "n": 0, "audio_url": png_bytes(4, 4)},
    ) == [
        "promptt: acme/any-1 has no such field (did you mean 'prompt'?), got 1",
        "image_urls: is required (a JPEG or PNG image)",
        "audio_url: is a PNG image; expected an MP3 or WAV audio file",
        "prompt: 8 characters exceeds the 5-character limit",
        "n: must be at least 1, got 0",
    ]
