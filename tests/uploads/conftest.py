"""Fixtures for the upload tests: a respx router over the upload host."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import respx

from .upload_helpers import STREAM_UPLOAD_URL, URL_UPLOAD_URL, ok_response


@pytest.fixture
def kie() -> Iterator[respx.MockRouter]:
    """Both upload endpoints answering Kie's success envelope; tests replace the side effects.

    Anything else (another host, another path) is an error: nothing may leave the process.
    """
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        router.post(STREAM_UPLOAD_URL, name="stream").mock(side_effect=ok_response)
        router.post(URL_UPLOAD_URL, name="url").mock(side_effect=ok_response)
        yield router
