"""``SyncKieClient``: the whole library from synchronous code, with one code path.

A sync client does not re-implement the protocol. Each ``SyncKieClient`` starts one background
thread running an asyncio event loop (an anyio blocking portal) and builds the real
`KieClient` *inside* that loop, so its ``httpx.AsyncClient``, pacers and upload
cache belong to the loop that uses them. A sync call submits the async method to the loop and
blocks until it finishes. Every thread sharing one ``SyncKieClient`` therefore shares one pacing
window and one upload cache, and a thread whose own event loop is running (Jupyter) can call it
too: the work runs on the client's loop, not the caller's.

The surface is derived, not copied: ``get_task = _mirror(KieClient.get_task)`` gives the sync
method the async one's parameters, defaults, docstring and (for pyright) exact signature, and
``motion_control = _Resource(SyncMotionControl)`` wraps the async resource of the same name.

Hooks (``on_progress``, ``on_update``, ``on_created``, ...; every ``on_*`` argument) run in the
*calling* thread, not the loop thread: the caller services them while it waits. So a hook may
touch objects bound to its thread (a sqlite connection, a GUI widget), a slow hook stalls only
its own call, and after Ctrl-C the caller still receives what the cancelled work reports
(``on_created`` with the id of a task that was created) before ``KeyboardInterrupt`` goes on.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import inspect
import os
import queue
import threading
import types
import warnings
import weakref
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Iterable,
    Iterator,
    Mapping,
)
from contextlib import AbstractContextManager
from pathlib import Path
from typing import (
    TYPE_CHECKING,
    Any,
    Concatenate,
    Final,
    Generic,
    ParamSpec,
    TypeAlias,
    TypeVar,
    cast,
    overload,
)

import anyio
import httpx
from pydantic import BaseModel, PrivateAttr

from ._batch import BatchOutcome, Job
from ._client import KieClient, Rate
from ._constants import (
    DEFAULT_BATCH_CONCURRENCY,
    DEFAULT_CREATE_TASK_RATE,
    DEFAULT_GET_TASK_RATE,
    DEFAULT_INITIAL_RETRY_DELAY_S,
    DEFAULT_MAX_POLL_INTERVAL_S,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_RETRY_DELAY_S,
    DEFAULT_POLL_INTERVAL_S,
    DEFAULT_WAIT_TIMEOUT_S,
)
from ._coordination import Coordinator
from ._errors import KieError, KieInputError
from ._estimate import Budget, Estimate
from ._families import Family
from ._generated.calls import SyncModelCalls
from ._journal import Journal
from ._resources.image_to_video import ImageToVideo
from ._resources.motion_control import MotionControl
from ._resources.runway import Runway
from ._resources.suno import Suno
from ._resources.text_to_video import TextToVideo
from ._resources.veo import Veo
from ._spec import ModelSpec
from ._sync_http import async_client_over
from ._tasks import DEFAULT_COLLECT_CONCURRENCY, Tasks
from .types import (
    AnyResult,
    AudioResult,
    ImageResult,
    MotionControlResult,
    TextResult,
    VideoResult,
)

if TYPE_CHECKING:
    from types import TracebackType

    import anyio.abc
    from anyio.from_thread import BlockingPortal
    from typing_extensions import Self


__all__ = [
    "SyncAudioResult",
    "SyncImageResult",
    "SyncImageToVideo",
    "SyncKieClient",
    "SyncMotionControl",
    "SyncMotionControlResult",
    "SyncRunway",
    "SyncSuno",
    "SyncTextResult",
    "SyncTextToVideo",
    "SyncVeo",
    "SyncVideoResult",
]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
ResourceT = TypeVar("ResourceT", bound="_SyncPart")
TwinT = TypeVar("TwinT", bound="_SyncResult")

#: How often a waiting caller checks that the loop thread still runs (it cannot answer after).
_LIVENESS_CHECK_S = 0.5
_CLOSED_WHILE_RUNNING = "this SyncKieClient was closed while the call was running"


class _Done:
    """Queued for the caller when its call's coroutine has finished: its value or error."""

    __slots__ = ("error", "value")

    def __init__(self, value: Any = None, error: BaseException | None = None) -> None:
        self.value = value
        self.error = error


_HookRequest = tuple[Callable[..., Any], tuple[Any, ...], "concurrent.futures.Future[Any]"]


class _HookInterruptedError(KieError):
    """What the async side sees when a hook was interrupted (Ctrl-C) in the caller's thread."""


class _ClosedWhileRunningError(KieError):
    """A call cancelled because its client was closed (from another thread) meanwhile."""


class _Loop:
    """One background event loop and the `KieClient` living on it.

    Holds no reference to the `SyncKieClient`, so a forgotten client can be collected
    and its finaliser can stop this loop. A call is one hand-off each way: the caller schedules
    its coroutine as a task on the loop (``call_soon_threadsafe``, no wait for an
    acknowledgement), and the coroutine puts its outcome on the caller's queue.
    """

    def __init__(self, build: Callable[[], KieClient]) -> None:
        from anyio.from_thread import start_blocking_portal  # threads only when a client is made

        self.pid: int = os.getpid()
        self.closed: bool = False
        self._lock = threading.Lock()
        self._portal_cm: AbstractContextManager[BlockingPortal] = start_blocking_portal("asyncio")
        self._portal: BlockingPortal = self._portal_cm.__enter__()
        #: Calls under way (touched on the loop thread only).
        self._running: set[_Call] = set()
        try:
            self.thread: threading.Thread = self._portal.call(_name_loop_thread)
            self._asyncio_loop: asyncio.AbstractEventLoop = self._portal.call(
                asyncio.get_running_loop
            )
            self.client: KieClient = self._portal.call(build)
            self._lifetime: concurrent.futures.Future[None] = self._portal.start_task(self._live)[0]
        except BaseException:
            self.closed = True
            self._stop()
            raise

    async def _live(self, *, task_status: anyio.abc.TaskStatus[None]) -> None:
        """Hold the client open (``async with``) for the loop's lifetime, in one task: a
        coordinator's connection pool (coredis) must be entered and left by the same task,
        and a `RedisCoordinator` given a URL is opened here, not left unopened."""
        self._closing = anyio.Event()
        async with self.client:
            task_status.started()
            await self._closing.wait()

    # -- calls ---------------------------------------------------------------------------

    def check_usable(self) -> None:
        """Raise a clear `KieError` where a call cannot work (closed, forked, or made
        from the loop thread itself, where it would wait for itself forever)."""
        if self.pid != os.getpid():
            raise KieError(
                f"this SyncKieClient was created in process {self.pid} and cannot be used "
                f"after fork() (in process {os.getpid()}): its event-loop thread and "
                "connections exist only in the parent. Create a new SyncKieClient in the child."
            )
        if self.closed:
            raise KieError("this SyncKieClient is closed (after close() or its with block)")
        if threading.current_thread() is self.thread:
            raise KieError(
                "a SyncKieClient cannot be called from its own event-loop thread (from inside "
                "an async hook?); hooks given to SyncKieClient should be plain functions"
            )

    def call(
        self,
        function: Callable[..., Awaitable[R]],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> R:
        """Run ``function(*args, **kwargs)`` on the loop and block until it is done; serve its
        hooks (every callable ``on_*`` argument) in this thread meanwhile. Interrupted
        (Ctrl-C), cancel it, hand over what it still reports, then re-raise."""
        self.check_usable()
        call = _Call(self._asyncio_loop)
        kwargs = {
            name: call.hook(value) if name.startswith("on_") and callable(value) else value
            for name, value in kwargs.items()
        }
        try:
            self._asyncio_loop.call_soon_threadsafe(
                call.start, self._running, function, args, kwargs
            )
        except RuntimeError:  # the loop closed between the check and the call
            self.check_usable()
            raise
        try:
            done = call.serve(self.thread)
        except BaseException:
            call.cancel()
            call.drain(self.thread)
            raise
        if done.error is not None:
            raise done.error
        return done.value  # what run() got from function

    # -- closing -------------------------------------------------------------------------

    def close(self) -> None:
        """Cancel calls still running, close the async client, stop and join the thread."""
        with self._lock:
            if self.closed or self.pid != os.getpid():  # a forked child owns no thread
                self.closed = True
                return
            self.closed = True
        if threading.current_thread() is self.thread:  # a finaliser run by the loop itself
            self._asyncio_loop.create_task(self._shut_down(stop_portal=True))  # no join here
            return
        try:
            self._portal.call(self._shut_down)
        finally:
            self._stop()

    async def _shut_down(self, *, stop_portal: bool = False) -> None:
        running = list(self._running)
        for call in running:  # calls from other threads end as "closed"
            call.cancel_in_loop()
        await asyncio.gather(*(call.task for call in running if call.task is not None))
        self._closing.set()  # _live leaves its `async with`: the client closes there
        await asyncio.wrap_future(self._lifetime)
        if stop_portal:
            await self._portal.stop(cancel_remaining=True)

    def _stop(self) -> None:
        self._portal_cm.__exit__(_Closing, _Closing(), None)  # cancel what is left; join


class _Closing(Exception):
    """Thrown into the portal's context manager so that it cancels remaining tasks."""


def _name_loop_thread() -> threading.Thread:
    thread = threading.current_thread()
    thread.name = f"kieai-sync-loop-{thread.ident}"
    return thread


class _Call:
    """One blocking call: the queue through which its coroutine asks the caller to run hooks
    and finally hands over its outcome, and the cancel scope the caller may cancel."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._queue: queue.SimpleQueue[_HookRequest | _Done] = queue.SimpleQueue()
        self._scope: anyio.CancelScope | None = None
        self._cancelled = False
        self.task: asyncio.Task[None] | None = None

    def start(
        self,
        running: set[_Call],
        function: Callable[..., Awaitable[Any]],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        """On the loop (a callback): start `run` as a task, known to ``close()``."""
        running.add(self)
        self.task = self._loop.create_task(self.run(function, args, kwargs))
        self.task.add_done_callback(lambda _: running.discard(self))

    async def run(
        self, function: Callable[..., Awaitable[Any]], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        """The call, as a task on the loop. Its outcome always reaches the caller's queue; no
        error escapes the task (asyncio would only log it)."""
        done = _Done(error=_ClosedWhileRunningError(_CLOSED_WHILE_RUNNING))
        try:
            with anyio.CancelScope() as self._scope:
                if self._cancelled:
                    self._scope.cancel()
                done = _Done(value=await function(*args, **kwargs))
        except Exception as exc:
            done = _Done(error=exc)
        finally:
            self._queue.put(done)

    def cancel(self) -> None:
        """From the caller's thread: cancel the coroutine (before or after it started)."""
        with contextlib.suppress(RuntimeError):  # the loop is gone: nothing left to cancel
            self._loop.call_soon_threadsafe(self.cancel_in_loop)

    def cancel_in_loop(self) -> None:
        self._cancelled = True
        if self._scope is not None:
            self._scope.cancel()

    def hook(self, hook: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
        """An async stand-in for ``hook`` that runs it in the calling thread and waits."""

        @functools.wraps(hook)  # keeps the signature: motion control inspects its arity
        async def in_calling_thread(*args: Any) -> Any:
            reply: concurrent.futures.Future[Any] = concurrent.futures.Future()
            self._queue.put((hook, args, reply))
            result = await asyncio.wrap_future(reply)
            if inspect.isawaitable(result):  # an async hook: await it here, on the loop
                result = await result
            return result

        return in_calling_thread

    def serve(self, loop_thread: threading.Thread) -> _Done:
        """Run hooks as they are asked for, until the coroutine hands over its outcome."""
        while True:
            try:
                item = self._queue.get(timeout=_LIVENESS_CHECK_S)
            except queue.Empty:
                if not loop_thread.is_alive():  # closed before our coroutine even started
                    return _Done(error=_ClosedWhileRunningError(_CLOSED_WHILE_RUNNING))
                continue
            if isinstance(item, _Done):
                return item
            self._run_hook(item)

    def drain(self, loop_thread: threading.Thread) -> None:
        """After an interrupt: keep serving hooks until the cancelled coroutine is done (a
        shielded createTask answer still reaches ``on_created``). A second Ctrl-C stops."""
        with contextlib.suppress(BaseException):  # a second interrupt: raise the first
            self.serve(loop_thread)

    @staticmethod
    def _run_hook(request: _HookRequest) -> None:
        hook, args, reply = request
        if not reply.set_running_or_notify_cancel():
            return
        try:
            result = hook(*args)
        except Exception as exc:
            reply.set_exception(exc)
        except BaseException:
            reply.set_exception(_HookInterruptedError(f"hook {hook!r} was interrupted"))
            raise
        else:
            reply.set_result(result)


# -- the derived surface ---------------------------------------------------------------------


class _Bound:
    """What a mirrored method is bound to: the loop, and the async object it calls on."""

    _loop: _Loop
    _target: Any

    def _run(
        self,
        method: Callable[..., Coroutine[Any, Any, Any]],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        twin: type[_SyncResult] | None,
    ) -> Any:
        """``method(self._target, *args, **kwargs)`` on the loop (hooks in this thread), its
        result handed back as ``twin`` when one replaces the async result."""
        result = self._loop.call(method, (self._target, *args), kwargs)
        if twin is None:
            return result
        return twin._from_async(self._loop, result, self)  # pyright: ignore[reportPrivateUsage]


class _Mirror(Generic[P, R]):
    """A sync method derived from an async one: same parameters, defaults and docstring.

    The class holds a plain function (``SyncKieClient.get_task``: what help(), inspect and the
    API reference show, with ``self``); an instance gives it bound, as any method. Typed with a
    ParamSpec, so type checkers see the async method's exact signature.
    """

    def __init__(
        self,
        method: Callable[Concatenate[Any, P], Coroutine[Any, Any, Any]],
        twin: type[_SyncResult] | None,
    ) -> None:
        self.method: Callable[Concatenate[Any, P], Coroutine[Any, Any, Any]] = method
        self.twin: type[_SyncResult] | None = twin
        self.__doc__ = method.__doc__

        def blocking(self: _Bound, /, *args: Any, **kwargs: Any) -> Any:
            return self._run(method, args, kwargs, twin)  # pyright: ignore[reportPrivateUsage]

        signature = inspect.signature(method)
        blocking.__signature__ = signature.replace(  # pyright: ignore[reportFunctionMemberAccess]
            # The sync twin, where one replaces the async result.
            return_annotation=signature.return_annotation if twin is None else twin.__name__,
        )
        blocking.__doc__ = method.__doc__
        blocking.__name__ = getattr(method, "__name__", "method")
        #: The function the class holds (`__get__`).
        self.function: Callable[..., Any] = blocking

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.function.__name__ = name
        self.function.__qualname__ = f"{owner.__qualname__}.{name}"
        self.function.__module__ = owner.__module__

    @overload
    def __get__(self, obj: None, owner: type[Any] | None = None) -> Callable[..., R]: ...
    @overload
    def __get__(self, obj: _Bound, owner: type[Any] | None = None) -> Callable[P, R]: ...
    def __get__(
        self, obj: _Bound | None, owner: type[Any] | None = None
    ) -> Callable[..., R] | Callable[P, R]:
        if obj is None:
            return self.function
        return types.MethodType(self.function, obj)


@overload
def _mirror(
    method: Callable[Concatenate[Any, P], Coroutine[Any, Any, R]],
) -> _Mirror[P, R]: ...
@overload
def _mirror(
    method: Callable[Concatenate[Any, P], Coroutine[Any, Any, Any]], twin: type[TwinT]
) -> _Mirror[P, TwinT]: ...
def _mirror(
    method: Callable[Concatenate[Any, P], Coroutine[Any, Any, Any]],
    twin: type[_SyncResult] | None = None,
) -> _Mirror[P, Any]:
    """``name = _mirror(AsyncClass.name)``: the sync twin of an async method. With ``twin``
    (a result class mixing in `_SyncResult`), the async result is handed back as that
    sync twin: the same data, with a ``download`` that blocks."""
    return _Mirror(method, twin)


class _Resource(Generic[ResourceT]):
    """``motion_control = _Resource(SyncMotionControl)``: the sync twin of the async client's
    resource of the same name, made on first use."""

    def __init__(self, sync_class: type[ResourceT]) -> None:
        self.sync_class: type[ResourceT] = sync_class
        self.name: str = ""

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name
        self.__doc__ = getattr(KieClient, name).__doc__

    @overload
    def __get__(self, obj: None, owner: type[Any] | None = None) -> Self: ...
    @overload
    def __get__(self, obj: _Bound, owner: type[Any] | None = None) -> ResourceT: ...
    def __get__(self, obj: _Bound | None, owner: type[Any] | None = None) -> Self | ResourceT:
        if obj is None:
            return self
        # Not cached on ``obj`` (it refers back to it: see _Mirror.__get__); cheap to make.
        return self.sync_class._bound_to(obj, getattr(obj._target, self.name))  # pyright: ignore[reportPrivateUsage]


class _SyncPart(_Bound):
    """Base of a sync client's parts (resources, ``tasks``): bound to the loop and to the
    async part it mirrors. Made by the client, never by hand: no public constructor."""

    _owner: _Bound

    @classmethod
    def _bound_to(cls, owner: _Bound, target: Any) -> Self:
        resource = cls.__new__(cls)
        resource._owner = owner  # keeps the client (and its loop) alive while this is used
        resource._loop = owner._loop  # pyright: ignore[reportPrivateUsage]
        resource._target = target
        return resource

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._owner!r}>"


class _SyncResource(_SyncPart):
    """Base of the sync resources (``client.motion_control``, ...)."""

    @property
    def models(self) -> tuple[str, ...]:
        """The model ids this resource runs; the first is the default."""
        models: tuple[str, ...] = self._target.models
        return models

    @property
    def specs(self) -> tuple[ModelSpec, ...]:
        """The models' specs (id, input model, limits), as the async resource has them."""
        specs: tuple[ModelSpec, ...] = self._target.specs
        return specs


class _SyncResult(BaseModel):
    """Mixed into a result model: the same data, with a ``download`` that blocks."""

    #: (loop, the async result, what keeps the client alive) once made by ``generate``.
    _sync_binding: tuple[_Loop, Any, object] | None = PrivateAttr(default=None)

    @classmethod
    def _from_async(cls, loop: _Loop, result: BaseModel, keepalive: object) -> Self:
        twin = cls.model_construct(_fields_set=set(result.model_fields_set), **dict(result))
        twin._sync_binding = (loop, result, keepalive)
        return twin

    def download(
        self,
        dest: str | os.PathLike[str] = ".",
        *,
        on_progress: Callable[[int, int | None], Awaitable[None] | None] | None = None,
    ) -> Path:
        """Download the first output to ``dest`` (a file path, or a directory to keep the
        URL's file name); the same as ``client.download(result.url, dest, ...)``."""
        loop, result = self._bound()
        path: Path = loop.call(result.download, (dest,), {"on_progress": on_progress})
        return path

    def download_all(
        self,
        dest: str | os.PathLike[str] = ".",
        *,
        on_progress: Callable[[int, int | None], Awaitable[None] | None] | None = None,
    ) -> list[Path]:
        """Download every output into the directory ``dest`` (made if missing), each under its
        URL's file name (``-2``, ``-3``, ... added where two share one); returns the paths in
        the order of the URLs."""
        loop, result = self._bound()
        paths: list[Path] = loop.call(result.download_all, (dest,), {"on_progress": on_progress})
        return paths

    def _bound(self) -> tuple[_Loop, Any]:
        if self._sync_binding is None:
            name = "video_url" if isinstance(self, VideoResult) else "url"
            raise KieError(
                f"this {type(self).__name__} is not bound to a client (it was built or loaded "
                f"outside generate()); use client.download(result.{name}, dest)"
            )
        loop, result, _ = self._sync_binding
        return loop, result


class SyncMotionControlResult(_SyncResult, MotionControlResult):  # pyright: ignore[reportIncompatibleMethodOverride]  # the sync twin: same data, a download that blocks
    """The outcome of a successful motion-control task (``task_id``, ``task``, ``video_url``,
    ``video_urls``), from `SyncKieClient`: ``download`` blocks instead of awaiting."""


class SyncVideoResult(_SyncResult, VideoResult):  # pyright: ignore[reportIncompatibleMethodOverride]  # the sync twin: same data, a download that blocks
    """The outcome of a successful video task (``task_id``, ``task``, ``video_url``,
    ``video_urls``), from `SyncKieClient`: ``download`` blocks instead of awaiting."""


class SyncImageResult(_SyncResult, ImageResult):  # pyright: ignore[reportIncompatibleMethodOverride]  # the sync twin: same data, downloads that block
    """The outcome of a successful image task (``task_id``, ``task``, ``urls``, ``url``),
    from `SyncKieClient`: ``download`` and ``download_all`` block instead of awaiting."""


class SyncAudioResult(_SyncResult, AudioResult):  # pyright: ignore[reportIncompatibleMethodOverride]  # the sync twin: same data, downloads that block
    """The outcome of a successful audio task (``task_id``, ``task``, ``urls``, ``url``),
    from `SyncKieClient`: ``download`` and ``download_all`` block instead of awaiting."""


class SyncTextResult(_SyncResult, TextResult):  # pyright: ignore[reportIncompatibleMethodOverride]  # the sync twin: same data, downloads that block
    """The outcome of a successful task whose output is text or data (``task_id``, ``task``,
    ``result``, ``urls``), from `SyncKieClient`."""


class SyncMotionControl(_SyncResource):
    """``client.motion_control`` of a `SyncKieClient`: check, create and generate
    motion-control videos without ``await``."""

    check: Final = _mirror(MotionControl.check)
    create: Final = _mirror(MotionControl.create)
    generate: Final = _mirror(MotionControl.generate, SyncMotionControlResult)


class SyncImageToVideo(_SyncResource):
    """``client.image_to_video`` of a `SyncKieClient`: check, create and generate videos from
    one image without ``await``."""

    check: Final = _mirror(ImageToVideo.check)
    create: Final = _mirror(ImageToVideo.create)
    generate: Final = _mirror(ImageToVideo.generate, SyncVideoResult)


class SyncTextToVideo(_SyncResource):
    """``client.text_to_video`` of a `SyncKieClient`: check, create and generate videos from a
    prompt without ``await``."""

    check: Final = _mirror(TextToVideo.check)
    create: Final = _mirror(TextToVideo.create)
    generate: Final = _mirror(TextToVideo.generate, SyncVideoResult)


class _SyncFamilyResource(_SyncResource):
    """Base of the dedicated families' sync twins (``client.veo``, ...)."""

    @property
    def family(self) -> Family:
        """The family's declaration (endpoints, status words), as the async resource has it."""
        family: Family = self._target.family
        return family


class SyncVeo(_SyncFamilyResource):
    """``client.veo`` of a `SyncKieClient`: Veo 3.1 without ``await``."""

    check: Final = _mirror(Veo.check)
    create: Final = _mirror(Veo.create)
    generate: Final = _mirror(Veo.generate, SyncVideoResult)
    create_extend: Final = _mirror(Veo.create_extend)
    extend: Final = _mirror(Veo.extend, SyncVideoResult)
    get_1080p: Final = _mirror(Veo.get_1080p)
    get_4k: Final = _mirror(Veo.get_4k)
    get_task: Final = _mirror(Veo.get_task)
    wait_for_task: Final = _mirror(Veo.wait_for_task)


class SyncSuno(_SyncFamilyResource):
    """``client.suno`` of a `SyncKieClient`: Suno music without ``await``."""

    check: Final = _mirror(Suno.check)
    create: Final = _mirror(Suno.create)
    generate: Final = _mirror(Suno.generate, SyncAudioResult)
    create_extend: Final = _mirror(Suno.create_extend)
    extend: Final = _mirror(Suno.extend, SyncAudioResult)
    get_task: Final = _mirror(Suno.get_task)
    wait_for_task: Final = _mirror(Suno.wait_for_task)


class SyncRunway(_SyncFamilyResource):
    """``client.runway`` of a `SyncKieClient`: Runway and Aleph without ``await``."""

    check: Final = _mirror(Runway.check)
    create: Final = _mirror(Runway.create)
    generate: Final = _mirror(Runway.generate, SyncVideoResult)
    extend: Final = _mirror(Runway.extend, SyncVideoResult)
    aleph: Final = _mirror(Runway.aleph, SyncVideoResult)
    create_aleph: Final = _mirror(Runway.create_aleph)
    get_task: Final = _mirror(Runway.get_task)
    wait_for_task: Final = _mirror(Runway.wait_for_task)


class _TwinOfAnyResult:
    """The twin of a call whose result class follows the task's output (``tasks.resume``):
    each async result comes back as its own sync twin (`_SYNC_TWINS`)."""

    __name__ = "SyncVideoResult | SyncImageResult | SyncAudioResult | SyncTextResult"

    def _from_async(self, loop: _Loop, result: BaseModel, keepalive: object) -> _SyncResult:
        return _SYNC_TWINS[type(result)]._from_async(loop, result, keepalive)  # pyright: ignore[reportPrivateUsage]  # as _Mirror does


#: Typed as what it hands back (it is not a class: `_Mirror` only calls its ``_from_async``).
_ANY_RESULT_TWIN = cast("type[SyncAnyResult]", _TwinOfAnyResult())


class SyncTasks(_SyncPart):
    """``client.tasks`` of a `SyncKieClient`: the journal's tasks without ``await``
    (``collect`` returns once every unfinished task ended, with the results in order of
    completion)."""

    list: Final = _mirror(Tasks.list)
    get: Final = _mirror(Tasks.get)

    resume: Final = _mirror(Tasks.resume, _ANY_RESULT_TWIN)

    def collect(
        self,
        *,
        concurrency: int = DEFAULT_COLLECT_CONCURRENCY,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT_S,
    ) -> list[SyncAnyResult]:
        """Every unfinished task, waited for concurrently: their results (see `Tasks.collect`)."""
        kwargs: dict[str, Any] = {"concurrency": concurrency, "timeout": timeout}
        results: list[BaseModel] = self._run(Tasks._collect_all, (), kwargs, None)  # pyright: ignore[reportPrivateUsage]  # its own twin
        return [self._twin(result) for result in results]

    def _twin(self, result: BaseModel) -> SyncAnyResult:
        twin = _SYNC_TWINS[type(result)]
        synced: SyncAnyResult = twin._from_async(self._loop, result, self)  # pyright: ignore[reportPrivateUsage, reportAssignmentType]  # as _Mirror does
        return synced


class SyncKieClient(SyncModelCalls, _Bound):
    """Sync client for Kie AI: ``with SyncKieClient() as client: ...``.

    The same methods, arguments, results and errors as `KieClient`, without ``await``.
    One instance is meant to be shared by every thread of an application: pacing and upload
    reuse hold across all of them. It runs the real ``KieClient`` on a background event-loop
    thread, so it also works in a thread whose own loop is running (Jupyter). Ctrl-C stops the
    call it interrupts and cancels its work; hooks run in the calling thread.

    ``http_client``, when given, is an ``httpx.Client``: requests go through it (its
    transport, proxies, mounts, auth, event hooks and default headers), and it stays open.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        upload_base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        initial_retry_delay: float = DEFAULT_INITIAL_RETRY_DELAY_S,
        max_retry_delay: float = DEFAULT_MAX_RETRY_DELAY_S,
        http_client: httpx.Client | None = None,
        create_task_rate: Rate | None = DEFAULT_CREATE_TASK_RATE,
        get_task_rate: Rate | None = DEFAULT_GET_TASK_RATE,
        reuse_uploads: bool = True,
        upload_timeout: float | httpx.Timeout | None = None,
        coordinator: Coordinator | None = None,
        journal: str | os.PathLike[str] | Journal | bool | None = None,
        budget: Budget | None = None,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.Client):  # pyright: ignore[reportUnnecessaryIsInstance]
            hint = (
                "; an httpx.AsyncClient belongs to KieClient"
                if isinstance(http_client, httpx.AsyncClient)
                else ""
            )
            raise KieInputError(
                f"http_client: must be an httpx.Client, got {type(http_client).__name__}{hint}"
            )
        options: dict[str, Any] = {
            "base_url": base_url,
            "upload_base_url": upload_base_url,
            "timeout": timeout,
            "max_retries": max_retries,
            "initial_retry_delay": initial_retry_delay,
            "max_retry_delay": max_retry_delay,
            "create_task_rate": create_task_rate,
            "get_task_rate": get_task_rate,
            "reuse_uploads": reuse_uploads,
            "upload_timeout": upload_timeout,
            "coordinator": coordinator,
            "journal": journal,
            "budget": budget,
        }

        def build() -> KieClient:  # runs on the loop thread: the async client is born there
            adapter = None if http_client is None else async_client_over(http_client)
            return KieClient(api_key, http_client=adapter, **options)

        self._loop = _Loop(build)
        self._target: KieClient = self._loop.client
        self._finalizer = weakref.finalize(self, _close_forgotten, self._loop)

    # -- lifecycle -----------------------------------------------------------------------

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connections this instance opened (a caller's ``httpx.Client`` stays
        open) and stop its event-loop thread. Any later call raises `KieError`."""
        self._finalizer.detach()
        self._loop.close()

    def __repr__(self) -> str:
        return (
            f"SyncKieClient(base_url={self._target.base_url!r}, "
            f"upload_base_url={self._target.upload_base_url!r})"
        )

    # -- configuration, as on KieClient --------------------------------------------------

    @property
    def base_url(self) -> str:
        return self._target.base_url

    @property
    def upload_base_url(self) -> str:
        return self._target.upload_base_url

    @property
    def reuse_uploads(self) -> bool:
        return self._target.reuse_uploads

    @property
    def max_retries(self) -> int:
        return self._target.max_retries

    # -- resources and endpoints: derived from KieClient -----------------------------------

    motion_control: Final = _Resource(SyncMotionControl)
    image_to_video: Final = _Resource(SyncImageToVideo)
    text_to_video: Final = _Resource(SyncTextToVideo)
    veo: Final = _Resource(SyncVeo)
    suno: Final = _Resource(SyncSuno)
    runway: Final = _Resource(SyncRunway)

    tasks: Final = _Resource(SyncTasks)

    def estimate(self, model: str, input: Mapping[str, object]) -> Estimate | None:
        """`KieClient.estimate`: offline, no network."""
        return self._target.estimate(model, input)

    @property
    def journal(self) -> Journal | None:
        """Where this client records its paid work (None: no journal)."""
        return self._target.journal

    def batch(
        self,
        jobs: Iterable[Job],
        *,
        concurrency: int = DEFAULT_BATCH_CONCURRENCY,
        download_to: str | os.PathLike[str] | None = None,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT_S,
        poll_interval: float = DEFAULT_POLL_INTERVAL_S,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL_S,
    ) -> Iterator[BatchOutcome[SyncAnyResult]]:
        """`KieClient.batch` as a plain iterator: ``for outcome in client.batch(jobs)``.
        The batch runs on the client's loop; leaving the loop early (``break``, an exception,
        Ctrl-C) cancels the jobs still running (created ones resume on the next run)."""
        runs = self._target.batch(
            jobs,
            concurrency=concurrency,
            download_to=download_to,
            timeout=timeout,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
        )  # the jobs are checked here, at the call; nothing runs until the first outcome
        return self._iterate_batch(runs)

    def _iterate_batch(
        self, runs: AsyncIterator[BatchOutcome[AnyResult]]
    ) -> Iterator[BatchOutcome[SyncAnyResult]]:
        """Drive ``runs`` on the loop from a helper thread (a blocking call there), handing
        each outcome over through a queue; closing this iterator cancels the drive."""
        handed: queue.Queue[BatchOutcome[AnyResult] | _BatchEnd] = queue.Queue()
        stop = threading.Event()
        scopes: list[anyio.CancelScope] = []

        async def drive() -> None:
            with anyio.CancelScope() as scope:
                scopes.append(scope)
                if stop.is_set():
                    scope.cancel()
                async with contextlib.aclosing(runs):  # pyright: ignore[reportArgumentType]  # an async generator
                    async for outcome in runs:
                        handed.put(outcome)

        def call() -> None:
            try:
                self._loop.call(drive, (), {})
            except BaseException as exc:  # handed to the iterating thread, raised there
                handed.put(_BatchEnd(exc))
            else:
                handed.put(_BatchEnd(None))

        helper = threading.Thread(target=call, name="kieai-sync-batch", daemon=True)
        helper.start()
        try:
            while True:
                item = handed.get()
                if isinstance(item, _BatchEnd):
                    if item.error is not None:
                        raise item.error
                    return
                yield _sync_outcome(item, self)
        finally:
            stop.set()
            if scopes:
                self._loop._asyncio_loop.call_soon_threadsafe(scopes[0].cancel)  # pyright: ignore[reportPrivateUsage]
            helper.join()

    create_task: Final = _mirror(KieClient.create_task)
    get_task: Final = _mirror(KieClient.get_task)
    wait_for_task: Final = _mirror(KieClient.wait_for_task)
    get_credits: Final = _mirror(KieClient.get_credits)
    get_download_url: Final = _mirror(KieClient.get_download_url)
    upload: Final = _mirror(KieClient.upload)
    upload_from_url: Final = _mirror(KieClient.upload_from_url)
    download: Final = _mirror(KieClient.download)

    def _call_async(self, method_name: str, /, *args: Any, **kwargs: Any) -> Any:
        """``KieClient.<method_name>(*args, **kwargs)`` on the loop, as a mirrored method runs
        (hooks in this thread, Ctrl-C cancels); a result with an async ``download`` comes
        back as its sync twin (`_SYNC_TWINS`). For generated code whose overloads name the
        types themselves (``generate``, ``create``, ``check`` of any model)."""
        method = getattr(type(self._target), method_name)
        result: object = self._run(method, args, kwargs, None)
        twin = _SYNC_TWINS.get(type(result))
        if twin is None or not isinstance(result, BaseModel):
            return result
        return twin._from_async(self._loop, result, self)  # pyright: ignore[reportPrivateUsage]


#: What a sync call hands back for a result of any kind.
SyncAnyResult: TypeAlias = "SyncVideoResult | SyncImageResult | SyncAudioResult | SyncTextResult"


class _BatchEnd:
    """The end of a sync batch's drive: how it ended (None: every outcome was handed over)."""

    def __init__(self, error: BaseException | None) -> None:
        self.error = error


def _sync_outcome(
    outcome: BatchOutcome[AnyResult], owner: SyncKieClient
) -> BatchOutcome[SyncAnyResult]:
    """The outcome with its result as the result's sync twin."""
    result = outcome.result
    synced: SyncVideoResult | SyncImageResult | SyncAudioResult | SyncTextResult | None = None
    if result is not None:
        twin = _SYNC_TWINS[type(result)]._from_async(owner._loop, result, owner)  # pyright: ignore[reportPrivateUsage]
        synced = cast("SyncVideoResult | SyncImageResult | SyncAudioResult | SyncTextResult", twin)
    return BatchOutcome(
        outcome.key, outcome.job, outcome.state, synced, outcome.error, outcome.paths
    )


#: The sync twin of each async result type (what `SyncKieClient._call_async` hands back).
_SYNC_TWINS: dict[type[Any], type[_SyncResult]] = {
    MotionControlResult: SyncMotionControlResult,
    VideoResult: SyncVideoResult,
    ImageResult: SyncImageResult,
    AudioResult: SyncAudioResult,
    TextResult: SyncTextResult,
}


def _close_forgotten(loop: _Loop) -> None:
    """A SyncKieClient collected (or left at exit) unclosed: stop its thread anyway."""
    if loop.closed or loop.pid != os.getpid():
        return
    warnings.warn(
        "unclosed SyncKieClient: use `with SyncKieClient() as client:` or call close()",
        ResourceWarning,
        stacklevel=2,
    )
    loop.close()
