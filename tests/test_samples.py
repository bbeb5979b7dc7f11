"""``kieai.samples``: the quick start's input files, one call away."""

from __future__ import annotations

from pathlib import Path

import pytest

from kieai import ImageInfo, VideoInfo, probe, samples


def test_save_inputs_writes_both_files_that_pass_probing(tmp_path: Path) -> None:
    written = samples.save_inputs(tmp_path / "new" / "dir")

    assert [path.name for path in written] == ["person.png", "dance.mp4"]
    assert isinstance(probe(written[0]), ImageInfo)
    assert isinstance(probe(written[1]), VideoInfo)


def test_save_inputs_twice_is_harmless(tmp_path: Path) -> None:
    first = samples.save_inputs(tmp_path)
    second = samples.save_inputs(tmp_path)

    assert first == second


def test_save_inputs_keeps_a_different_file_unless_told(tmp_path: Path) -> None:
    (tmp_path / "dance.mp4").write_bytes(b"mine")

    with pytest.raises(FileExistsError) as caught:
        samples.save_inputs(tmp_path)
    assert caught.value.filename == str(tmp_path / "dance.mp4")
    assert (tmp_path / "dance.mp4").read_bytes() == b"mine"

    samples.save_inputs(tmp_path, overwrite=True)
    assert (tmp_path / "dance.mp4").read_bytes() == samples.path("dance.mp4").read_bytes()


def test_path_names_only_the_samples() -> None:
    assert samples.path(samples.PERSON_IMAGE).is_file()
    with pytest.raises(ValueError, match=r"name: must be one of person\.png, dance\.mp4"):
        samples.path("result.mp4")
