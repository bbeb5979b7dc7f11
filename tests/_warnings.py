"""Fail a block that leaves anything for the garbage collector to warn about (an unclosed
socket, file or async generator), whatever the ``-W`` filters say."""

from __future__ import annotations

import contextlib
import gc
import warnings
from collections.abc import Generator


@contextlib.contextmanager
def no_resource_warnings() -> Generator[list[warnings.WarningMessage], None, None]:
    """Record every warning of the block (for inspection) and fail on a ``ResourceWarning``.

    Garbage is collected before recording too: an earlier test's abandoned objects (collected
    whenever the collector happens to run, e.g. under CPU load) are not this block's warnings.
    """
    gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught
        gc.collect()
    leftovers = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leftovers == []
