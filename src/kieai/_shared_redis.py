"""A coredis client shared by the kieai clients that enter it: opened by the first, closed by
the last.

`RedisCoordinator` and `RedisJournal` are each entered by every `KieClient` bound to them (a
fleet worker may run several clients on one coordinator). When built from a URL they own their
coredis client, whose connection pool must be entered once and left once, in that order: so
they count their holders here and open the pool on the first enter, close it on the last exit.
A coredis client the caller passed in is the caller's to enter and leave: only counted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from coredis.client import Client

__all__ = ["SharedRedis"]


class SharedRedis:
    """Counts the holders of one coredis client; enters and leaves it when kieai owns it."""

    def __init__(self, client: Client[Any], *, owned: bool) -> None:
        self.client = client
        self.owned = owned
        self._holders = 0

    @property
    def holders(self) -> int:
        """How many holders are in."""
        return self._holders

    @property
    def ready(self) -> bool:
        """Calls may be made: the caller's client, or ours while at least one holder is in."""
        return not self.owned or self._holders > 0

    async def enter(self) -> None:
        """One more holder; the first opens an owned client (lazily: it connects on its first
        command)."""
        self._holders += 1
        if self.owned and self._holders == 1:
            try:
                await self.client.__aenter__()
            except BaseException:
                self._holders -= 1
                raise

    async def exit(self) -> None:
        """One holder fewer; the last closes an owned client. An exit without a holder does
        nothing (a close called twice)."""
        if self._holders == 0:
            return
        self._holders -= 1
        if self.owned and self._holders == 0:
            # Not shielded: the pool's task group was entered outside any such scope.
            await self.client.__aexit__(None, None, None)
