"""Facts the catalog must hold, checked by hand against Kie's pages (the 2026-08 schema and the
2026-04 pages) for one or two models of each family.

When a rebuilt catalog changes one of these, read Kie's page again before changing the test.
"""

from __future__ import annotations

from kieai import catalog
from kieai.catalog import FileSpec

MIB = 1024 * 1024


def test_nano_banana_edit_takes_up_to_ten_image_urls() -> None:
    info = catalog.get("google/nano-banana-edit")
    images = info.field("image_urls")

    assert (info.task_type, info.output) == ("image-to-image", "image")
    assert info.docs_url == "https://docs.kie.ai/market/google/nano-banana-edit"
    assert images.required
    assert images.max_items == 10
    assert images.file == FileSpec(
        kind="image",
        multiple=True,
        mime_types=("image/jpeg", "image/png", "image/webp"),
        max_bytes=10 * MIB,
    )
    assert info.field("prompt").max_length == 5000
    assert info.field("output_format").choices == ("png", "jpeg")
    assert info.field("output_format").default == "png"


def test_kling_2_6_motion_control_takes_exactly_one_image_and_one_video() -> None:
    info = catalog.get("kling-2.6/motion-control")
    image, video = info.field("input_urls"), info.field("video_urls")

    assert (info.task_type, info.output) == ("motion-control", "video")
    assert (image.required, image.max_items, image.file and image.file.kind) == (True, 1, "image")
    assert (video.required, video.max_items, video.file and video.file.kind) == (True, 1, "video")
    assert image.file is not None
    assert image.file.max_bytes == 10 * MIB
    assert video.file is not None
    assert video.file.max_bytes == 100 * MIB
    assert (video.file.min_duration_s, video.file.max_duration_s) == (3.0, 30.0)
    assert info.field("character_orientation").choices == ("image", "video")
    assert info.field("mode").choices == ("720p", "1080p")
    assert info.field("prompt").max_length == 2500
    assert not info.field("prompt").required


def test_wan_animate_move_takes_a_plain_image_url_and_video_url() -> None:
    info = catalog.get("wan/2-2-animate-move")
    image, video = info.field("image_url"), info.field("video_url")

    assert info.output == "video"
    assert image.type == video.type == "string"
    assert image.file == FileSpec(
        kind="image",
        multiple=False,
        mime_types=("image/jpeg", "image/png", "image/webp"),
        max_bytes=10 * MIB,
    )
    assert video.file == FileSpec(
        kind="video",
        multiple=False,
        mime_types=("video/mp4", "video/quicktime", "video/x-matroska"),
        max_bytes=10 * MIB,
    )


def test_seedance_2_reference_files_have_their_counts_types_and_durations() -> None:
    info = catalog.get("bytedance/seedance-2")
    videos, audios = info.field("reference_video_urls"), info.field("reference_audio_urls")

    assert (info.task_type, info.output) == ("text-to-video", "video")
    assert videos.max_items == 3
    assert videos.file is not None
    assert videos.file.mime_types == ("video/mp4", "video/quicktime")
    assert (videos.file.min_duration_s, videos.file.max_duration_s) == (2.0, 15.0)
    assert audios.max_items == 3
    assert audios.file is not None
    assert (audios.file.kind, audios.file.mime_types) == ("audio", ("audio/mpeg", "audio/wav"))
    assert info.field("first_frame_url").file == FileSpec(kind="image", multiple=False)
    assert info.field("resolution").choices == ("480p", "720p", "1080p", "4k")


def test_seedance_1_5_pro_keeps_the_newer_schemas_number_duration() -> None:
    # The 2026-04 page had a string enum "4"/"8"/"12"; the 2026-08 schema a number.
    duration = catalog.get("bytedance/seedance-1.5-pro").field("duration")

    assert (duration.type, duration.choices) == ("number", None)


def test_elevenlabs_audio_isolation_takes_one_audio_file_and_makes_audio() -> None:
    info = catalog.get("elevenlabs/audio-isolation")
    audio = info.field("audio_url")

    assert (info.task_type, info.output) == ("audio-to-audio", "audio")
    assert audio.required
    assert audio.file is not None
    assert (audio.file.kind, audio.file.multiple, audio.file.max_bytes) == (
        "audio",
        False,
        10 * MIB,
    )
    assert {"audio/mpeg", "audio/wav"} <= set(audio.file.mime_types)


def test_elevenlabs_text_to_speech_takes_text_and_a_voice() -> None:
    info = catalog.get("elevenlabs/text-to-speech-multilingual-v2")

    assert (info.task_type, info.output) == ("text-to-speech", "audio")
    assert info.field("text").required
    assert info.field("text").max_length == 5000
    assert info.field("voice").choices
    assert info.file_fields == ()


def test_a_text_output_model_exists() -> None:
    info = catalog.get("omnihuman-1-5/human-identification")

    assert (info.task_type, info.output) == ("image-analysis", "text")
    assert info.field("image_url").file == FileSpec(
        kind="image", multiple=False, mime_types=("image/jpeg", "image/png"), max_bytes=5 * MIB
    )


def test_topaz_video_upscale_takes_a_video_of_at_most_50_mib() -> None:
    info = catalog.get("topaz/video-upscale")

    assert (info.task_type, info.output) == ("upscale", "video")
    video = info.field("video_url").file
    assert video is not None
    assert video.max_bytes == 50 * MIB
    assert info.field("upscale_factor").choices == ("1", "2", "4")


def test_fields_named_like_media_but_not_files_stay_plain() -> None:
    assert catalog.get("wan/2-6-flash-image-to-video").field("audio").type == "boolean"
    assert not catalog.get("wan/2-6-flash-image-to-video").field("audio").is_file
    assert not catalog.get("gemini-omni-video").field("audio_ids").is_file
    assert not catalog.get("grok-imagine-image-2-0/image-edit").field("task_id").is_file
    assert not catalog.get("google/nano-banana-edit").field("image_size").is_file


def test_a_list_size_stated_only_in_prose_is_kept() -> None:
    # The schema has no maxItems; the description says "up to 7" / "supports up to 2 images".
    assert catalog.get("gemini-omni-video").field("image_urls").max_items == 7
    assert catalog.get("pixverse-v6/image-to-video").field("image_urls").max_items == 2
