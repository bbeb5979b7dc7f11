"""Defaults and documented limits, with units in their names, in one place.

Plain values only, except the two ``httpx.Timeout`` defaults, which module ``__getattr__``
builds on first use: `kieai._logging` (run by ``import kieai``) reads this module, and neither
``import kieai`` nor a ``kie`` command that never talks to Kie should pay for importing httpx.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # What type checkers and the API reference see; at run time `__getattr__` below builds the
    # same values from `_TIMEOUTS_S` (tests/test_startup.py checks the two agree).
    import httpx

    DEFAULT_TIMEOUT: httpx.Timeout = httpx.Timeout(60.0, connect=10.0)
    #: Uploads of 100 MB over a slow link: each socket write/read may take long, the connect
    #: may not.
    DEFAULT_UPLOAD_TIMEOUT: httpx.Timeout = httpx.Timeout(300.0, connect=10.0)

DEFAULT_BASE_URL = "https://api.kie.ai"
DEFAULT_UPLOAD_BASE_URL = "https://kieai.redpandaai.co"

API_KEY_ENV = "KIE_API_KEY"
BASE_URL_ENV = "KIE_BASE_URL"
UPLOAD_BASE_URL_ENV = "KIE_UPLOAD_BASE_URL"
WEBHOOK_HMAC_KEY_ENV = "KIE_WEBHOOK_HMAC_KEY"
LOG_ENV = "KIE_LOG"

#: ``name -> (timeout_s, connect_timeout_s)`` of the lazily built ``httpx.Timeout`` defaults.
_TIMEOUTS_S: dict[str, tuple[float, float]] = {
    "DEFAULT_TIMEOUT": (60.0, 10.0),
    "DEFAULT_UPLOAD_TIMEOUT": (300.0, 10.0),
}
DEFAULT_MAX_RETRIES = 2
DEFAULT_INITIAL_RETRY_DELAY_S = 0.5
DEFAULT_MAX_RETRY_DELAY_S = 8.0
#: A server's Retry-After longer than this is capped to it (a stuck header must not stall us for hours).
MAX_RETRY_AFTER_S = 60.0

#: Kie's published limits: 20 createTask per 10 s per account; recordInfo 10 per second per key.
DEFAULT_CREATE_TASK_RATE = (20, 10.0)
DEFAULT_GET_TASK_RATE = (10, 1.0)

DEFAULT_WAIT_TIMEOUT_S = 1200.0
#: Jobs of a batch in flight at once (created and waited for); Kie's pacing bounds creates.
DEFAULT_BATCH_CONCURRENCY = 32
DEFAULT_POLL_INTERVAL_S = 2.0
DEFAULT_MAX_POLL_INTERVAL_S = 15.0
POLL_INTERVAL_GROWTH = 1.5
#: ``422 recordInfo is null`` right after createTask means "not visible yet" for this long.
RECORD_NULL_GRACE_S = 60.0
#: The same for an id neither this client nor its journal created (a typo, another account):
#: a task Kie does not know is reported as not found after this, not after minutes.
UNKNOWN_TASK_GRACE_S = 8.0

#: An uploaded file is reused only while it stays valid at least this much longer.
UPLOAD_REUSE_MIN_VALIDITY_S = 3600.0
DEFAULT_UPLOAD_PATH = "kieai"

#: Read/write granularity for streamed uploads and downloads.
STREAM_CHUNK_BYTES = 1024 * 1024

RETRY_COUNT_HEADER = "x-kieai-retry-count"


def __getattr__(name: str) -> httpx.Timeout:
    if name not in _TIMEOUTS_S:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import httpx

    seconds, connect_s = _TIMEOUTS_S[name]
    value = globals()[name] = httpx.Timeout(seconds, connect=connect_s)
    return value
