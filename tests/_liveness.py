"""Liveness guards: how long a test waits for something that must happen soon before calling
it a hang.

Generous on purpose. A guard only tells "never" from "soon"; it never judges speed, so a
loaded machine (the suite must pass beside CPU-burning processes) cannot fail a test through
it. A behaviour that must not wait for something slow is tested by making that something take
`FOREVER_S`: the test then finishes within the guard only if the behaviour holds.
"""

from __future__ import annotations

__all__ = ["FOREVER_S", "HANG_GUARD_S"]

#: The longest a test waits for what should take well under a second.
HANG_GUARD_S = 30.0
#: A stall, delay or backoff that stands for "forever": far past any guard.
FOREVER_S = 3600.0
