"""Every local check of motion control: a passing and a failing case, and zero requests sent
when anything fails. Requests that do go out are answered by respx."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import respx

from kieai import (
    AuthenticationError,
    CheckReport,
    ImageInfo,
    InternalServerError,
    KieClient,
    KieInputError,
    MotionControlInput,
    UploadedFile,
    VideoInfo,
)
from kieai.motion_control import ModeInput, Orientation, judge_image, judge_video

from .._kie_mock import client, kie, sent_input
from .._liveness import FOREVER_S, HANG_GUARD_S
from ._media import fixture, png_bytes, write_png

pytestmark = pytest.mark.anyio
__all__ = ["client", "kie"]  # fixtures

OK_VIDEO = fixture("ok_720x720_5s.mp4")


@pytest.fixture
def person(tmp_path: Path) -> Path:
    return write_png(tmp_path / "person.png", 480, 720)


async def problems_of(client: KieClient, kie: respx.MockRouter, **kwargs: Any) -> list[str]:
    """The problems ``create`` raises, after checking that not a single request went out."""
    with pytest.raises(KieInputError) as caught:
        await client.motion_control.create(**kwargs)
    assert kie.calls.call_count == 0
    assert isinstance(caught.value, ValueError)
    return caught.value.problems


# -- nasty cases first: everything wrong at once ------------------------------------------


async def test_all_problems_are_reported_together_and_nothing_is_sent(
    client: KieClient, kie: respx.MockRouter, tmp_path: Path
) -> None:
    problems = await problems_of(
        client,
        kie,
        image=write_png(tmp_path / "tiny.png", 200, 200),
        video=fixture("long_720x720_31s.mp4"),
        prompt="x" * 2501,
        character_orientation="sideways",
        mode="4k",
    )
    text = "\n".join(problems)
    assert "image: 200x200 px is too small" in text
    assert "video: duration 31.0 s exceeds 30 s" in text
    assert "prompt: 2501 characters exceeds the 2500-character limit" in text
    assert 'character_orientation: must be "image" or "video", got \'sideways\'' in text
    assert 'mode: must be "720p" or "1080p"' in text and "'4k'" in text
    assert len(problems) == 5


async def test_corrupt_video_is_an_input_error_naming_the_input(
    client: KieClient, kie: respx.MockRouter, person: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(OK_VIDEO.read_bytes()[:200])
    problems = await problems_of(client, kie, image=person, video=broken)
    assert len(problems) == 1
    assert problems[0].startswith("video: ")


async def test_missing_directory_and_empty_files_are_refused(
    client: KieClient, kie: respx.MockRouter, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    problems = await problems_of(client, kie, image=tmp_path / "nope.png", video=empty)
    assert any(p.startswith("image: file not found") and "nope.png" in p for p in problems)
    assert any(p.startswith("video: ") and "is empty (0 bytes)" in p for p in problems)
    problems = await problems_of(client, kie, image=tmp_path, video=OK_VIDEO)
    assert problems == [f"image: {str(tmp_path)!r} is a directory"]


async def test_wrong_argument_type_is_refused(client: KieClient, kie: respx.MockRouter) -> None:
    problems = await problems_of(client, kie, image=12345, video=OK_VIDEO)
    assert problems == [
        "image: expected a path, bytes, binary file, http(s) URL or UploadedFile, got int"
    ]


# -- prompt, orientation, mode ---------------------------------------------------------------


async def test_prompt_of_2500_code_points_is_accepted(
    client: KieClient, kie: respx.MockRouter, person: Path
) -> None:
    prompt = "🙂" * 2500  # 2500 code points, 10000 UTF-8 bytes
    await client.motion_control.create(image=person, video=OK_VIDEO, prompt=prompt)
    assert sent_input(kie)["prompt"] == prompt


async def test_prompt_over_2500_characters_is_refused(
    client: KieClient, kie: respx.MockRouter, person: Path
) -> None:
    problems = await problems_of(client, kie, image=person, video=OK_VIDEO, prompt="🙂" * 2501)
    assert problems == ["prompt: 2501 characters exceeds the 2500-character limit"]


async def test_prompt_left_out_is_not_sent(
    client: KieClient, kie: respx.MockRouter, person: Path
) -> None:
    await client.motion_control.create(image=person, video=OK_VIDEO)
    assert "prompt" not in sent_input(kie)


async def test_unknown_orientation_is_refused(
    client: KieClient, kie: respx.MockRouter, person: Path
) -> None:
    problems = await problems_of(
        client, kie, image=person, video=OK_VIDEO, character_orientation="left"
    )
    assert problems == ['character_orientation: must be "image" or "video", got \'left\'']


@pytest.mark.parametrize(("given", "sent"), [("std", "720p"), ("pro", "1080p"), ("1080p", "1080p")])
async def test_mode_aliases_are_sent_as_resolutions(
    client: KieClient, kie: respx.MockRouter, person: Path, given: ModeInput, sent: str
) -> None:
    await client.motion_control.create(
        image=person, video=OK_VIDEO, mode=given, character_orientation="image"
    )
    assert sent_input(kie)["mode"] == sent
    assert sent_input(kie)["character_orientation"] == "image"


async def test_unknown_mode_is_refused(
    client: KieClient, kie: respx.MockRouter, person: Path
) -> None:
    problems = await problems_of(client, kie, image=person, video=OK_VIDEO, mode="720")
    assert problems == ['mode: must be "720p" or "1080p" ("std"/"pro" accepted), got \'720\'']


# -- image rules -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["person_480x640.jpg", "person_480x640.webp"])
async def test_jpeg_and_webp_images_are_accepted(
    client: KieClient, kie: respx.MockRouter, name: str
) -> None:
    await client.motion_control.create(image=fixture(name), video=OK_VIDEO)
    assert kie.routes["create"].call_count == 1


async def test_gif_image_is_refused_by_its_bytes(
    client: KieClient, kie: respx.MockRouter, tmp_path: Path
) -> None:
    disguised = tmp_path / "person.png"
    shutil.copy(fixture("person_480x640.gif"), disguised)
    problems = await problems_of(client, kie, image=disguised, video=OK_VIDEO)
    assert len(problems) == 1
    assert problems[0].startswith("image: ") and "GIF" in problems[0]


async def test_video_given_as_image_is_refused(client: KieClient, kie: respx.MockRouter) -> None:
    problems = await problems_of(client, kie, image=OK_VIDEO, video=OK_VIDEO)
    assert problems == [
        f"image: {str(OK_VIDEO)!r} is an MP4 video; expected a JPEG, PNG or WebP image"
    ]


async def test_image_of_10_mib_is_accepted_and_one_byte_more_is_refused(
    client: KieClient, kie: respx.MockRouter, tmp_path: Path
) -> None:
    limit = 10 * 1024 * 1024
    at_limit = write_png(tmp_path / "big.png", 480, 720, pad_to=limit)
    report = await client.motion_control.check(image=at_limit, video=OK_VIDEO)
    assert report.ok, report.problems
    over = write_png(tmp_path / "bigger.png", 480, 720, pad_to=limit + 1)
    problems = await problems_of(client, kie, image=over, video=OK_VIDEO)
    assert problems == [
        "image: file size 10.0 MiB (10,485,761 bytes) exceeds 10.0 MiB (10,485,760 bytes)"
    ]


@pytest.mark.parametrize(
    ("width", "height", "ok"),
    [(301, 301, True), (300, 500, False), (500, 300, False), (301, 750, True)],
)
async def test_image_sides_must_be_above_300_px(
    client: KieClient, tmp_path: Path, width: int, height: int, ok: bool
) -> None:
    image = write_png(tmp_path / "p.png", width, height)
    report = await client.motion_control.check(image=image, video=OK_VIDEO)
    assert report.ok is ok
    if not ok:
        assert report.problems == [
            f"image: {width}x{height} px is too small: width and height must be above 300 px"
        ]


@pytest.mark.parametrize(
    ("width", "height", "ok"),
    [(400, 1000, True), (399, 1000, False), (1000, 400, True), (1001, 400, False)],
)
async def test_image_aspect_ratio_must_be_between_2_5_and_5_2(
    client: KieClient, tmp_path: Path, width: int, height: int, ok: bool
) -> None:
    report = await client.motion_control.check(
        image=write_png(tmp_path / "p.png", width, height), video=OK_VIDEO
    )
    assert report.ok is ok
    if not ok:
        assert len(report.problems) == 1
        assert report.problems[0].startswith("image: aspect ratio")
        assert f"({width}x{height}) is outside 2:5 to 5:2" in report.problems[0]


# -- video rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["ok_720x720_5s.mp4", "ok_portrait_720x1280_4s.mov", "ok_1280x720_12s.mkv"]
)
async def test_mp4_mov_and_mkv_videos_are_accepted(
    client: KieClient, person: Path, name: str
) -> None:
    report = await client.motion_control.check(image=person, video=fixture(name))
    assert report.ok, report.problems
    assert isinstance(report.video, VideoInfo)
    assert isinstance(report.image, ImageInfo)


async def test_webm_video_is_refused_by_name(client: KieClient, person: Path) -> None:
    report = await client.motion_control.check(image=person, video=fixture("webm_720x720_5s.webm"))
    assert report.problems == [
        "video: WebM is not accepted by Kie; use MP4, MOV (QuickTime) or MKV (Matroska)"
    ]


async def test_audio_only_m4a_is_refused_by_name(client: KieClient, person: Path) -> None:
    report = await client.motion_control.check(image=person, video=fixture("audio_only_5s.m4a"))
    assert len(report.problems) == 1
    assert report.problems[0].startswith("video: ")
    assert "audio" in report.problems[0].lower()


async def test_heic_image_as_video_is_refused_by_name(
    client: KieClient, person: Path, tmp_path: Path
) -> None:
    heic = tmp_path / "clip.mp4"
    heic.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64)
    report = await client.motion_control.check(image=person, video=heic)
    assert len(report.problems) == 1
    assert report.problems[0].startswith("video: ") and "HEIC" in report.problems[0]


async def test_image_given_as_video_is_refused(client: KieClient, person: Path) -> None:
    report = await client.motion_control.check(image=person, video=person)
    assert report.problems == [
        f"video: {str(person)!r} is a PNG image; expected an MP4, MOV or MKV video"
    ]


async def test_video_over_100_mib_is_refused_even_without_media_checks(
    client: KieClient, kie: respx.MockRouter, person: Path, tmp_path: Path
) -> None:
    big = tmp_path / "big.mp4"
    shutil.copy(OK_VIDEO, big)
    with big.open("r+b") as f:
        f.truncate(100 * 1024 * 1024 + 1)
    problems = await problems_of(client, kie, image=person, video=big, check_media=False)
    assert problems == [
        "video: file size 100.0 MiB (104,857,601 bytes) exceeds 100.0 MiB (104,857,600 bytes)"
    ]


@pytest.mark.parametrize(
    ("name", "orientation", "problem"),
    [
        ("short_720x720_2s.mp4", "video", "video: duration 2.0 s is below the 3 s minimum"),
        ("edge_720x720_3s.mp4", "video", None),
        (
            "long_720x720_31s.mp4",
            "video",
            'video: duration 31.0 s exceeds 30 s (character_orientation="video")',
        ),
        ("ok_1280x720_12s.mkv", "video", None),
        (
            "ok_1280x720_12s.mkv",
            "image",
            'video: duration 12.0 s exceeds 10 s (character_orientation="image")',
        ),
        ("ok_720x720_5s.mp4", "image", None),
    ],
)
async def test_video_duration_limits_follow_orientation(
    client: KieClient, person: Path, name: str, orientation: Orientation, problem: str | None
) -> None:
    report = await client.motion_control.check(
        image=person, video=fixture(name), character_orientation=orientation
    )
    assert report.problems == ([] if problem is None else [problem])


@pytest.mark.parametrize(
    ("name", "size"), [("small_640x480_5s.mp4", "640x480"), ("thin_1280x718_5s.mp4", "1280x718")]
)
async def test_video_sides_must_be_at_least_720_px(
    client: KieClient, person: Path, name: str, size: str
) -> None:
    report = await client.motion_control.check(image=person, video=fixture(name))
    assert report.problems == [
        f"video: {size} px is too small: width and height must be at least 720 px "
        "(check_media=False skips this)"
    ]


async def test_check_media_false_skips_content_checks_but_sends(
    client: KieClient, kie: respx.MockRouter, tmp_path: Path
) -> None:
    image = write_png(tmp_path / "small.png", 100, 100)
    await client.motion_control.create(
        image=image, video=fixture("small_640x480_5s.mp4"), check_media=False
    )
    assert kie.routes["create"].call_count == 1


# -- inputs that are not local files ---------------------------------------------------------


async def test_urls_and_uploaded_files_pass_through_unchanged(
    client: KieClient, kie: respx.MockRouter
) -> None:
    uploaded = UploadedFile(url="https://tempfile.redpandaai.co/kieai/dance.mp4")
    await client.motion_control.create(image="https://example.com/person.png", video=uploaded)
    assert kie.routes["upload"].call_count == 0
    assert sent_input(kie) == {
        "input_urls": ["https://example.com/person.png"],
        "video_urls": ["https://tempfile.redpandaai.co/kieai/dance.mp4"],
        "character_orientation": "video",
        "mode": "720p",
    }


async def test_expired_uploaded_file_is_refused(client: KieClient, kie: respx.MockRouter) -> None:
    old = UploadedFile.model_validate(
        {"downloadUrl": "https://t/x.png", "uploadedAt": "2020-01-01T00:00:00Z"}
    )
    problems = await problems_of(client, kie, image=old, video=OK_VIDEO)
    assert problems == ["image: the uploaded file expired at 2020-01-04 00:00 UTC"]


async def test_bytes_and_file_objects_are_checked_and_uploaded(
    client: KieClient, kie: respx.MockRouter
) -> None:
    with OK_VIDEO.open("rb") as video:
        await client.motion_control.create(image=png_bytes(480, 720), video=video)
    assert kie.routes["upload"].call_count == 2
    assert kie.routes["create"].call_count == 1


async def test_non_seekable_stream_cannot_be_checked(
    client: KieClient, kie: respx.MockRouter, person: Path
) -> None:
    class Pipe(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

    problems = await problems_of(client, kie, image=person, video=Pipe())
    assert problems == [
        "video: a non-seekable stream cannot be checked; pass a path or bytes (or check_media=False)"
    ]


async def test_check_reports_measurements_without_network(
    client: KieClient, kie: respx.MockRouter, person: Path
) -> None:
    report = await client.motion_control.check(image=person, video=fixture("ok_1280x720_12s.mkv"))
    assert isinstance(report, CheckReport)
    assert report.ok and report.problems == []
    assert report.image == ImageInfo(format="png", width=480, height=720)
    assert report.video is not None
    assert (report.video.container, report.video.width, report.video.height) == ("mkv", 1280, 720)
    assert report.video.duration == pytest.approx(12.0, abs=0.15)
    assert kie.calls.call_count == 0


async def test_check_of_urls_reports_nothing_measured(client: KieClient) -> None:
    report = await client.motion_control.check(
        image="https://example.com/a.png", video="https://example.com/b.mp4"
    )
    assert report.ok and report.image is None and report.video is None


async def test_a_bad_callback_url_is_refused_before_any_upload(
    client: KieClient, kie: respx.MockRouter, person: Path
) -> None:
    problems = await problems_of(
        client, kie, image=person, video=OK_VIDEO, callback_url="ftp://example.com/hook"
    )
    assert problems == ["callback_url: must be an http(s) URL, got 'ftp://example.com/hook'"]


@pytest.mark.parametrize(
    ("duration", "shown"), [(41.2, "41.2"), (30.14, "30.14"), (30.101, "30.101")]
)
def test_durations_just_past_the_limit_are_shown_precisely(duration: float, shown: str) -> None:
    info = VideoInfo(container="mp4", duration=duration, width=720, height=720)
    assert judge_video(info, "video") == [
        f'video: duration {shown} s exceeds 30 s (character_orientation="video")'
    ]


def test_aspect_ratio_just_outside_the_range_is_shown_precisely() -> None:
    info = ImageInfo(format="png", width=400, height=1001)
    assert judge_image(info) == [
        "image: aspect ratio 0.3996 (400x1001) is outside 2:5 to 5:2 (0.40 to 2.50)"
    ]


# -- failures after the checks ----------------------------------------------------------------


async def test_a_failed_upload_raises_its_own_error_and_creates_nothing(
    client: KieClient, kie: respx.MockRouter, person: Path
) -> None:
    kie.routes["upload"].mock(
        return_value=httpx.Response(
            200, json={"code": 401, "msg": "You do not have access permissions"}
        )
    )
    with pytest.raises(AuthenticationError) as caught:  # not an ExceptionGroup
        await client.motion_control.create(image=person, video=OK_VIDEO)
    assert caught.value.code == 401
    assert kie.routes["create"].call_count == 0


async def test_one_failed_upload_cancels_the_other(
    client: KieClient, kie: respx.MockRouter, person: Path
) -> None:
    started: list[str] = []
    finished: list[str] = []

    async def slow_or_broken(request: httpx.Request) -> httpx.Response:
        kind = "video" if b"video/mp4" in request.content else "image"
        started.append(kind)
        if kind == "image":
            return httpx.Response(500, text="<html>boom</html>")
        await anyio.sleep(FOREVER_S)
        finished.append(kind)
        return httpx.Response(200, json={"code": 200, "data": {"downloadUrl": "https://t/v.mp4"}})

    kie.routes["upload"].mock(side_effect=slow_or_broken)
    with anyio.fail_after(HANG_GUARD_S):  # the failed image ends the video's endless upload
        with pytest.raises(InternalServerError):
            await client.motion_control.create(image=person, video=OK_VIDEO)
    assert sorted(started) == ["image", "image", "image", "video"]  # image retried twice
    assert finished == []
    assert kie.routes["create"].call_count == 0


# -- the request model -----------------------------------------------------------------------


def test_motion_control_input_dumps_exactly_the_json_kie_expects() -> None:
    payload = MotionControlInput(
        prompt="The cartoon character is dancing.",
        input_urls=["https://x/a.png"],
        video_urls=["https://x/b.mp4"],
        character_orientation="image",
        mode="pro",  # type: ignore[arg-type]  # alias accepted at runtime
    )
    assert payload.model_dump(exclude_none=True) == {
        "prompt": "The cartoon character is dancing.",
        "input_urls": ["https://x/a.png"],
        "video_urls": ["https://x/b.mp4"],
        "character_orientation": "image",
        "mode": "1080p",
    }


def test_motion_control_input_requires_exactly_one_url_each() -> None:
    with pytest.raises(ValueError, match="input_urls"):
        MotionControlInput(input_urls=["a", "b"], video_urls=["c"])
    with pytest.raises(ValueError, match="video_urls"):
        MotionControlInput(input_urls=["a"], video_urls=[])


async def test_an_invalid_orientation_quotes_no_duration_limit(client: KieClient) -> None:
    report = await client.motion_control.check(
        image=fixture("person_480x640.jpg"),
        video=fixture("long_720x720_31s.mp4"),
        character_orientation="sideways",  # type: ignore[arg-type]  # the wrong value under test
    )

    assert report.problems == [
        "video: duration 31.0 s exceeds 30 s",
        'character_orientation: must be "image" or "video", got \'sideways\'',
    ]
