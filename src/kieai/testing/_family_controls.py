"""The knobs of the fake's dedicated families (``fake.families``): callback retries and
duplicates, and how long Veo's 1080P and 4K versions take.

Kept per fake in a weak table keyed by its state, so the Market parts of the fake need no
field for them.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._family_callbacks import Pending
    from ._state import FakeState

__all__ = ["CALLBACK_RETRIES", "FamilyControls", "controls_for"]

#: Kie's callback pages (Veo, Runway, Suno): after 3 failed retries it stops sending.
CALLBACK_RETRIES = 3


@dataclass
class FamilyControls:
    """How the fake's Veo, Suno, Runway and Aleph endpoints behave beyond their schedule.

    ``callback_retry_delay_s``: fake-clock seconds before a failed callback is sent again
    (Kie documents 3 retries, not their spacing). ``upscale_1080p_s``/``upscale_4k_s``: how long
    after the task (or the 4K request) the 1080P/4K version becomes ready (Kie: 1-3 and 5-10
    minutes).
    """

    callback_retry_delay_s: float = 0.5
    upscale_1080p_s: float = 0.2
    upscale_4k_s: float = 0.3
    duplicates_left: int = 0
    retries: list[Pending] = field(default_factory=list["Pending"], repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def duplicate_callbacks(self, times: int = 1) -> None:
        """Deliver each of the next ``times`` family callbacks twice, as Kie may."""
        if times < 0:
            raise ValueError(f"times must be >= 0, got {times!r}")
        with self.lock:
            self.duplicates_left += times


_CONTROLS: weakref.WeakKeyDictionary[FakeState, FamilyControls] = weakref.WeakKeyDictionary()
_CONTROLS_LOCK = threading.Lock()


def controls_for(state: FakeState) -> FamilyControls:
    with _CONTROLS_LOCK:
        controls = _CONTROLS.get(state)
        if controls is None:
            controls = _CONTROLS[state] = FamilyControls()
        return controls
