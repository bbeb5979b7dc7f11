"""The ``kie`` command line (``pip install 'kieai[cli]'``).

``main()`` is the console-script entry point. typer and rich are imported only here, lazily,
so ``import kieai`` never needs them and a missing extra is a clear message, not a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._runtime import Runtime

__all__ = ["main"]

#: Exit code for usage problems, a missing extra included (mirrors ``_runtime.EXIT_USAGE``).
_EXIT_USAGE = 2
_CLI_DEPENDENCIES = frozenset({"typer", "rich", "click"})


def main(argv: Sequence[str] | None = None, *, runtime: Runtime | None = None) -> int:
    """Run ``kie`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit code.

    ``runtime`` replaces how commands reach Kie (see `kieai.cli._runtime.Runtime`):
    tests pass ``Runtime(http_client_factory=FakeKie().http_client)``.
    """
    try:
        from ._app import app_for
    except ImportError as exc:
        missing = (exc.name or "").partition(".")[0]
        if missing not in _CLI_DEPENDENCIES:
            raise
        sys.stderr.write(
            f"error: the kie command needs {missing}, which is not installed: "
            "pip install 'kieai[cli]'\n"
        )
        return _EXIT_USAGE
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        app_for(args)(args=args, prog_name="kie", obj=runtime, standalone_mode=True)
    except SystemExit as exc:
        return _exit_code(exc.code)
    return 0  # pragma: no cover  (standalone mode always exits)


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")  # pragma: no cover  (click never exits with a message)
    return 1  # pragma: no cover
