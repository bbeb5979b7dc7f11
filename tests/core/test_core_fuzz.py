"""Whatever Kie (or a proxy in front of it) answers, get_task and get_credits either return
their value or raise a KieError: never a decode error, KeyError, OverflowError, ..."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pydantic
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kieai import KieClient, KieError, Task

from ._support import CREDIT_URL, RECORD_URL, SSL_CONTEXT, TASK_ID, make_client, task_data

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
