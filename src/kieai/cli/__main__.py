"""``python -m kieai.cli``: the same as the ``kie`` command."""

from __future__ import annotations

from . import main

raise SystemExit(main())
