"""Whatever Kie (or a proxy in front of it) answers, get_task and get_credits either return
their value or raise a KieError: never a decode error, KeyError, OverflowError, ..."""

from __future__ import annotations

import json
import math
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import httpx
import pydantic
import pytest
import respx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kieai import KieClient, KieError, Task

from .._liveness import HANG_GUARD_S
from ._support import (
    CREATE_URL,
    CREDIT_URL,
    INPUT,
    MODEL,
    RECORD_URL,
    SSL_CONTEXT,
    TASK_ID,
    make_client,
    task_data,
)

JSON: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)

TASK_KEYS = [
    "taskId",
    "model",
    "state",
    "param",
    "resultJson",
    "failCode",
    "failMsg",
    "costTime",
    "progress",
    "createTime",
    "updateTime",
    "completeTime",
]
TASK_VALUES: st.SearchStrategy[Any] = (
    JSON
    | st.sampled_from(
        ["success", "fail", "waiting", "", "[", '{"resultUrls": ["https://x"]}', "1767693973938"]
    )
    | st.integers(min_value=-(10**25), max_value=10**25)
)


#: Task records close to Kie's shape, with any field mangled, dropped or added.
def _mangle(base: dict[str, Any], changes: dict[str, Any], dropped: set[str]) -> dict[str, Any]:
    return {**{k: v for k, v in base.items() if k not in dropped}, **changes}


TASK_LIKE: st.SearchStrategy[Any] = st.builds(
    _mangle,
    st.builds(task_data, st.sampled_from(["waiting", "success", "fail", "weird"])),
    st.dictionaries(st.sampled_from(TASK_KEYS) | st.text(max_size=8), TASK_VALUES, max_size=4),
    st.sets(st.sampled_from(TASK_KEYS), max_size=3),
)

CODES: st.SearchStrategy[Any] = (
    st.sampled_from([200, 400, 401, 402, 404, 422, 429, 433, 455, 500, 501, 505])
    | st.integers()
    | st.text(max_size=6)
    | st.sampled_from(["200", "²", "9" * 5000, "-1", " 422 "])
    | st.none()
    | st.floats()
)

ENVELOPE: st.SearchStrategy[Any] = st.fixed_dictionaries(
    {},
    optional={
        "code": CODES,
        "msg": JSON,
        "message": JSON,
        "success": JSON,
        "data": TASK_LIKE | JSON | st.integers(min_value=-(10**400), max_value=10**400),
    },
)

BODIES: st.SearchStrategy[bytes] = (
    st.binary(max_size=200)
    | JSON.map(lambda value: json.dumps(value).encode())
    | ENVELOPE.map(lambda value: json.dumps(value).encode())
    | st.sampled_from([b"[" * 3000, b"<html>502 Bad Gateway</html>", b"", b"\xff\xfe{", b"NaN"])
)

STATUSES: st.SearchStrategy[int] = st.sampled_from(
    [200, 201, 204, 301, 400, 401, 403, 404, 422, 429, 433, 455, 500, 502, 503, 504, 505]
) | st.integers(min_value=200, max_value=599)

CONTENT_TYPES = st.sampled_from(
    ["application/json", "text/html", "text/plain; charset=latin-1", ""]
)


BACKENDS = st.sampled_from(["asyncio", "trio"])


@pytest.fixture(scope="module")
def client() -> Iterator[KieClient]:
    """One client for all examples (each example runs its own event loop)."""
    http_client = httpx.AsyncClient(verify=SSL_CONTEXT)
    kie_client = make_client(http_client=http_client, max_retries=0)
    yield kie_client
    anyio.run(http_client.aclose)


@pytest.fixture(scope="module")
def router() -> Iterator[respx.MockRouter]:
    """One respx router for all examples; each example sets its route's answer."""
    with respx.mock(assert_all_called=False) as mock:
        yield mock


def _answer(status: int, body: bytes, content_type: str) -> httpx.Response:
    headers = {"content-type": content_type} if content_type else {}
    return httpx.Response(status, content=body, headers=headers)


FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(backend=BACKENDS, status=STATUSES, body=BODIES, content_type=CONTENT_TYPES)
def test_get_task_returns_a_task_or_raises_a_kie_error(
    client: KieClient,
    router: respx.MockRouter,
    backend: str,
    status: int,
    body: bytes,
    content_type: str,
) -> None:
    router.get(RECORD_URL).mock(return_value=_answer(status, body, content_type))

    async def call() -> None:
        try:
            task = await client.get_task(TASK_ID)
        except KieError:
            return
        assert isinstance(task, Task)

    anyio.run(call, backend=backend)


@FUZZ
@given(backend=BACKENDS, status=STATUSES, body=BODIES, content_type=CONTENT_TYPES)
def test_get_credits_returns_a_finite_number_or_raises_a_kie_error(
    client: KieClient,
    router: respx.MockRouter,
    backend: str,
    status: int,
    body: bytes,
    content_type: str,
) -> None:
    router.get(CREDIT_URL).mock(return_value=_answer(status, body, content_type))

    async def call() -> None:
        try:
            credits = await client.get_credits()
        except KieError:
            return
        assert isinstance(credits, float)
        assert math.isfinite(credits)

    anyio.run(call, backend=backend)


@settings(max_examples=80, deadline=None, database=None)
@given(data=TASK_LIKE)
def test_task_model_accepts_or_raises_a_validation_error(data: dict[str, Any]) -> None:
    try:
        task = Task.model_validate(data)
    except pydantic.ValidationError:
        return
    assert isinstance(task.result_urls, list)
    assert all(isinstance(url, str) for url in task.result_urls)
    assert task.param is None or isinstance(task.param, dict)


# -- bodies as they travel: compression layers, sizes, charsets, nesting ----------------------

MiB = 1024 * 1024


def _gzip(data: bytes) -> bytes:
    packer = zlib.compressobj(1, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return packer.compress(data) + packer.flush()


def _padded(size: int) -> bytes:
    """A valid success envelope of about ``size`` bytes (the padding is in an extra field)."""
    head = json.dumps({"code": 200, "msg": "success", "data": task_data("success")})
    return (head[:-1] + ', "pad": "' + " " * max(0, size - len(head) - 12) + '"}').encode()


#: Compressed once: inflating past the 16 MiB cap must be refused, cheaply.
BOMB = _gzip(b" " * (64 * MiB))
NEAR_CAP = _padded(16 * MiB - 64)
OVER_CAP = _padded(16 * MiB + 64)


def _as_is(data: bytes) -> bytes:
    return data


def _raw_deflate(data: bytes) -> bytes:
    return zlib.compress(data)[2:-4]


def _gzip_then_deflate(data: bytes) -> bytes:
    return zlib.compress(_gzip(data))


def _garbled_gzip(data: bytes) -> bytes:
    return b"\x1f\x8b\x08\x00" + data[::-1]


def _truncated_gzip(data: bytes) -> bytes:
    packed = _gzip(data)
    return packed[: max(1, len(packed) // 2)]


LAYERS: dict[str, Callable[[bytes], bytes]] = {
    "identity": _as_is,
    "gzip": _gzip,
    "deflate": zlib.compress,
    "raw-deflate": _raw_deflate,
    "gzip, deflate": _gzip_then_deflate,
    "garbled-gzip": _garbled_gzip,
    "truncated-gzip": _truncated_gzip,
    "br": _as_is,  # not decoded (no brotli): passed through, as httpx does
}
HEADER_FOR = {"garbled-gzip": "gzip", "truncated-gzip": "gzip", "raw-deflate": "deflate"}


def _nested(depth: int, kind: str) -> bytes:
    if kind == "list":
        return b"[" * depth + b"]" * depth
    return (b'{"data": ' * depth) + b"1" + b"}" * depth


WIRE_BODIES: st.SearchStrategy[bytes] = (
    BODIES
    | st.builds(
        _nested, st.integers(min_value=1, max_value=20_000), st.sampled_from(["list", "dict"])
    )
    | st.sampled_from([NEAR_CAP, OVER_CAP])
    | st.integers(min_value=0, max_value=64 * 1024).map(_padded)
    | ENVELOPE.map(lambda value: json.dumps(value, ensure_ascii=False).encode("utf-16"))
)
CHARSETS = st.sampled_from(["", "utf-8", "utf-16", "latin-1", "x-bogus", "ascii"])


class _Chunks(httpx.AsyncByteStream):
    """A body sent in 64 KiB pieces, as a socket delivers it. Not an ``httpx.ByteStream``:
    respx would read (and inflate) that itself before kieai sees it."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0

    def __aiter__(self) -> _Chunks:
        return self

    async def __anext__(self) -> bytes:
        if self._at >= len(self._data):
            raise StopAsyncIteration
        piece = self._data[self._at : self._at + 64 * 1024]
        self._at += len(piece)
        return piece


def _wire(status: int, body: bytes, layer: str, charset: str) -> httpx.Response:
    encoded = BOMB if layer == "bomb" else LAYERS[layer](body)
    headers = {"content-type": "application/json" + (f"; charset={charset}" if charset else "")}
    if layer != "identity":
        headers["content-encoding"] = "gzip" if layer == "bomb" else HEADER_FOR.get(layer, layer)
    return httpx.Response(status, headers=headers, stream=_Chunks(encoded))


WIRE_FUZZ = settings(
    max_examples=80,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
#: Per example, a hang guard only (reading within the cap takes milliseconds; the bound that
#: matters, on memory, is asserted exactly).
CASE_HANG_GUARD_S = HANG_GUARD_S
CASE_MEMORY_BYTES = 4 * 16 * MiB


@WIRE_FUZZ
@example(  # found by this test: a charset the body does not match (UnicodeError)
    backend="asyncio",
    status=200,
    body=b"{}",
    layer="identity",
    charset="utf-16",
    endpoint="createTask",
)
@example(backend="trio", status=200, body=b"", layer="bomb", charset="", endpoint="createTask")
@given(
    backend=BACKENDS,
    status=STATUSES,
    body=WIRE_BODIES,
    layer=st.sampled_from([*LAYERS, "bomb"]),
    charset=CHARSETS,
    endpoint=st.sampled_from(["recordInfo", "createTask"]),
)
def test_any_body_on_the_wire_gives_a_result_or_a_kie_error_within_bounds(
    client: KieClient,
    router: respx.MockRouter,
    backend: str,
    status: int,
    body: bytes,
    layer: str,
    charset: str,
    endpoint: str,
) -> None:
    answer = _wire(status, body, layer, charset)
    if endpoint == "recordInfo":
        router.get(RECORD_URL).mock(return_value=answer)
    else:
        router.post(CREATE_URL).mock(return_value=answer)

    async def call() -> None:
        try:
            if endpoint == "recordInfo":
                assert isinstance(await client.get_task(TASK_ID), Task)
            else:
                assert isinstance(await client.create_task(MODEL, INPUT), str)
        except KieError:
            return

    tracemalloc.start()
    started = time.perf_counter()
    try:
        anyio.run(call, backend=backend)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < CASE_HANG_GUARD_S
    assert peak - len(body) < CASE_MEMORY_BYTES
