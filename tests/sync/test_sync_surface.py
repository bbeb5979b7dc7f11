"""The sync surface cannot drift from the async one: every public method, resource, parameter,
default and docstring of ``KieClient`` (and of each resource and result) has its sync twin."""

from __future__ import annotations

import functools
import inspect
import pydoc
import re
import subprocess
import sys
import typing
from typing import Any

import pytest

import kieai
import kieai.types
from kieai import KieClient, MotionControl, SyncKieClient, SyncMotionControl
from kieai._generated.calls import ModelCalls
from kieai._sync import _Mirror, _Resource, _SyncResult  # pyright: ignore[reportPrivateUsage]

#: Async names whose sync twin has another name (or none: the async context protocol).
RENAMED = {"aclose": "close"}
ASYNC_ONLY = {"__aenter__", "__aexit__"}


def public_names(obj: object) -> set[str]:
    return {name for name in dir(obj) if not name.startswith("_")}


def resources_of(cls: type[KieClient]) -> dict[str, type[Any]]:
    """KieClient's resources: its cached properties, with the class of what each one gives."""
    client = cls(api_key="k")  # nothing is opened until a request is sent
    return {
        name: type(getattr(client, name))
        for name, value in vars(cls).items()
        if isinstance(value, functools.cached_property)
    }


def coroutine_methods(cls: type[Any]) -> dict[str, Any]:
    return {
        name: getattr(cls, name)
        for name in public_names(cls)
        if inspect.iscoroutinefunction(getattr(cls, name))
    }


def comparable(signature: inspect.Signature, *, drop_self: bool) -> list[tuple[Any, ...]]:
    params = list(signature.parameters.values())[1 if drop_self else 0 :]
    return [(p.name, p.kind, p.default, p.annotation) for p in params]


def test_every_public_name_of_the_client_has_a_sync_twin(fake_url: str) -> None:
    """Methods, resources and configuration attributes (``base_url``, ``max_retries``...)."""
    async_client = KieClient(api_key="k", base_url=fake_url, upload_base_url=fake_url)
    with SyncKieClient(api_key="k", base_url=fake_url, upload_base_url=fake_url) as client:
        expected = {RENAMED.get(n, n) for n in public_names(async_client) if n not in ASYNC_ONLY}
        assert public_names(client) == expected
        for name in ("base_url", "upload_base_url", "reuse_uploads", "max_retries"):
            assert getattr(client, name) == getattr(async_client, name)


def test_every_client_method_has_the_async_parameters_defaults_and_docstring() -> None:
    methods = {n: m for n, m in coroutine_methods(KieClient).items() if n not in RENAMED}
    assert len(methods) >= 8  # the comparison below must compare something
    for name, method in methods.items():
        if name in vars(ModelCalls):  # generated for both clients, typed per model
            twin = getattr(SyncKieClient, name)
            assert comparable(inspect.signature(twin), drop_self=False) == comparable(
                inspect.signature(method), drop_self=False
            ), name
            assert twin.__doc__ == method.__doc__, name
            continue
        mirror = vars(SyncKieClient)[name]
        assert isinstance(mirror, _Mirror), name
        assert mirror.method is method, name
        assert mirror.__doc__ == method.__doc__, name


def test_the_constructor_takes_kieclients_arguments_with_a_sync_http_client() -> None:
    sync = inspect.signature(SyncKieClient.__init__).parameters
    async_ = inspect.signature(KieClient.__init__).parameters
    assert list(sync) == list(async_)
    for name, param in async_.items():
        other = sync[name]
        assert (other.kind, other.default) == (param.kind, param.default), name
        if name == "http_client":
            assert other.annotation == "httpx.Client | None"
            assert param.annotation == "httpx.AsyncClient | None"
        else:
            assert other.annotation == param.annotation, name


def test_every_resource_of_the_client_has_a_sync_twin_with_the_same_methods() -> None:
    resources = resources_of(KieClient)
    assert "motion_control" in resources
    for name, async_class in resources.items():
        descriptor = vars(SyncKieClient)[name]
        assert isinstance(descriptor, _Resource), name
        sync_class: type[Any] = typing.cast("_Resource[Any]", descriptor).sync_class
        assert public_names(sync_class) == public_names(async_class), name
        for method_name, method in coroutine_methods(async_class).items():
            mirror = vars(sync_class)[method_name]
            assert isinstance(mirror, _Mirror), f"{name}.{method_name}"
            assert mirror.method is method, f"{name}.{method_name}"


def test_results_with_an_async_download_come_back_as_their_sync_twin() -> None:
    """A resource method returning a model with an async ``download`` must name a twin: a
    subclass of that model whose ``download`` takes the same arguments and blocks."""
    checked = 0
    for resource in resources_of(KieClient).values():
        for name, method in coroutine_methods(resource).items():
            returned = return_type(method)
            async_download: Any = getattr(returned, "download", None)
            if async_download is None:
                continue
            sync_class: Any = vars(SyncKieClient)[_resource_name(resource)].sync_class
            twin = mirror_of(sync_class, name).twin
            assert twin is not None and returned in twin.__mro__ and _SyncResult in twin.__mro__
            assert not inspect.iscoroutinefunction(twin.download)
            assert comparable(inspect.signature(twin.download), drop_self=True) == comparable(
                inspect.signature(async_download), drop_self=True
            )
            assert twin.download.__doc__ == async_download.__doc__
            checked += 1
    assert checked >= 1


def return_type(method: Any) -> Any:
    """The return annotation, evaluated in the method's module with `kieai.types` (a
    resource imports its result model for type checkers only: the local checks run without
    pydantic)."""
    annotation: Any = inspect.signature(method).return_annotation
    if isinstance(annotation, str):
        namespace = {**vars(kieai.types), **vars(sys.modules[method.__module__])}
        annotation = eval(annotation, namespace)
    return annotation


def mirror_of(owner: type[Any], name: str) -> _Mirror[..., Any]:
    found: object = vars(owner)[name]
    assert isinstance(found, _Mirror), f"{owner.__name__}.{name} is not derived from async"
    return typing.cast("_Mirror[..., Any]", found)


def _resource_name(resource: type[Any]) -> str:
    (name,) = [n for n, cls in resources_of(KieClient).items() if cls is resource]
    return name


@pytest.mark.parametrize("path", ["get_task", "wait_for_task", "download", "upload"])
def test_the_bound_method_shows_the_async_signature_without_self(path: str, fake_url: str) -> None:
    with SyncKieClient(api_key="k", base_url=fake_url, upload_base_url=fake_url) as client:
        bound = getattr(client, path)
        async_bound = getattr(KieClient(api_key="k"), path)
        assert comparable(inspect.signature(bound), drop_self=False) == comparable(
            inspect.signature(async_bound), drop_self=False
        )
        assert bound.__doc__ == async_bound.__doc__
        assert (bound.__module__, bound.__name__, bound.__qualname__) == (
            "kieai._sync",
            path,
            f"SyncKieClient.{path}",
        )
        assert not inspect.iscoroutinefunction(bound)


@pytest.mark.parametrize(
    ("sync_class", "async_class"),
    [(SyncKieClient, KieClient), (SyncMotionControl, MotionControl)],
)
def test_the_class_shows_each_method_with_its_signature_and_docstring(
    sync_class: type[Any], async_class: type[Any]
) -> None:
    """``inspect.signature(SyncKieClient.get_task)`` and ``help(SyncKieClient)`` work on the
    class, not only on an instance (tools such as the API reference look there)."""
    methods = coroutine_methods(async_class)
    assert len(methods) >= 3
    for name, method in methods.items():
        sync_method = getattr(sync_class, RENAMED.get(name, name))
        if name in RENAMED:
            continue
        assert inspect.isfunction(sync_method), name
        assert comparable(inspect.signature(sync_method), drop_self=True) == comparable(
            inspect.signature(method), drop_self=True
        ), name
        assert sync_method.__doc__ == method.__doc__, name
    page = pydoc.render_doc(sync_class, renderer=pydoc.TextDoc())
    page = re.sub(".\b", "", page)  # bold is written as X\bX
    for name in methods:
        if name not in RENAMED:
            assert f"{name}(self" in page, name


def test_a_resource_shows_no_private_constructor() -> None:
    assert "_Bound" not in str(inspect.signature(SyncMotionControl))
    assert list(inspect.signature(SyncMotionControl).parameters) == []


def test_generate_shows_the_sync_result_type(fake_url: str) -> None:
    with SyncKieClient(api_key="k", base_url=fake_url, upload_base_url=fake_url) as client:
        signature = inspect.signature(client.motion_control.generate)
    assert signature.return_annotation == "SyncMotionControlResult"


def test_sync_names_are_exported_from_kieai() -> None:
    for name in ("SyncKieClient", "SyncMotionControl", "SyncMotionControlResult"):
        assert name in kieai.__all__
        assert getattr(kieai, name).__module__ == "kieai._sync"
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        kieai.Nope  # pyright: ignore[reportAttributeAccessIssue]  # noqa: B018


def test_import_kieai_imports_neither_the_sync_client_nor_a_thread() -> None:
    code = (
        "import sys, threading, kieai\n"
        "assert 'kieai._sync' not in sys.modules, 'sync module imported eagerly'\n"
        "assert 'anyio.from_thread' not in sys.modules\n"
        "assert threading.active_count() == 1, threading.enumerate()\n"
    )
    subprocess.run([sys.executable, "-W", "error", "-c", code], check=True)


@pytest.fixture
def fake_url() -> str:
    """Construction needs no server: nothing is sent until a method is called."""
    return "http://127.0.0.1:9"
