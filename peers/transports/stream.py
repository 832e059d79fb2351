"""The event stream a transport hands its one consumer.

Every transport queues :data:`~peers.transports.base.Event` values as they happen and ends
the stream once when it closes. :class:`EventStream` is that queue: putting never waits (a
transport's reader must not stall on a slow consumer), and once ended every iteration, also
one started later, yields what is still queued and then stops.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from peers.transports.base import Event

__all__ = ["EventStream"]


class _End:
    """The marker queued after the last event."""


_END = _End()


class EventStream:
    """An unbounded queue of events that ends once (see the module docstring)."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[Event | _End] = asyncio.Queue()
        self._ended = False

    @property
    def ended(self) -> bool:
        """Whether :meth:`end` was called (events may still be queued)."""
        return self._ended

    def put(self, event: Event) -> None:
        """Queue one event; ignored once the stream has ended."""
        if not self._ended:
            self._queue.put_nowait(event)

    def end(self) -> None:
        """End the stream after the events already queued. Idempotent."""
        if not self._ended:
            self._ended = True
            self._queue.put_nowait(_END)

    async def __aiter__(self) -> AsyncIterator[Event]:
        """Yield the queued events as they come; stop at the end marker."""
        while True:
            item = await self._queue.get()
            if isinstance(item, _End):
                self._queue.put_nowait(item)  # so a later iteration ends too
                return
            yield item
