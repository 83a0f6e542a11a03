"""Events this process appended and saw committed, kept for its own readers.

A follower in the same process (embedded mode) and a service's outbox relay
(distributed mode) read back, moments later, the events the process has just
appended: a query and a decode per event, for events the process still
holds. This keeps the newest of them by position, so such a read is served
from memory when it can be served exactly.

Exactly: a read after position ``after`` is answered from here only with a
run of consecutive positions ``after + 1, after + 2, ...``, and only when
the run fills the read or reaches the newest position the process knows
committed. A position names one event forever, so each event served is the
log's event at that position; a run that stops early (an event appended by
another process, or a batch trimmed away) falls back to the database.
Events are kept as :meth:`EventStore.read_all` would return them: data
decoded from its stored JSON, timestamps in UTC, upcast.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC

from shared import codec
from shared.events.envelope import EventEnvelope
from shared.events.upcasting import upcast

# Followers and relays read within a batch or two of the head: a few
# thousand events cover that, at a few megabytes.
CAPACITY = 2_500


class RecentEvents:
    """The newest committed events of this process, by position."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._lock = threading.Lock()
        # position -> (envelope, already in its as-read form)
        self._by_position: dict[int, tuple[EventEnvelope, bool]] = {}
        self._newest = 0

    def add(self, recorded: Sequence[EventEnvelope]) -> None:
        """Keep ``recorded``, events committed at the positions they carry."""
        with self._lock:
            for event in recorded:
                if event.position is not None:
                    self._by_position[event.position] = (event, False)
                    self._newest = max(self._newest, event.position)
            if len(self._by_position) > 2 * self.capacity:
                cut = self._newest - self.capacity
                self._by_position = {
                    p: kept for p, kept in self._by_position.items() if p > cut
                }

    def after(
        self, after: int, limit: int, known_head: int | None
    ) -> list[EventEnvelope]:
        """The events after ``after`` in order, or [] when they cannot be
        served exactly from here (see the module doc)."""
        found: list[EventEnvelope] = []
        with self._lock:
            position = after + 1
            while len(found) < limit:
                kept = self._by_position.get(position)
                if kept is None:
                    break
                event, ready = kept
                if not ready:
                    event = _as_read(event)
                    self._by_position[position] = (event, True)
                found.append(event)
                position += 1
        if not found:
            return []
        if len(found) < limit and (known_head is None or position - 1 < known_head):
            return []  # the log holds more than the run here: read it there
        return found


def _as_read(event: EventEnvelope) -> EventEnvelope:
    """``event`` as decoded from its row: the data through its stored JSON
    (tuples become lists, and so on), timestamps in UTC, upcast."""
    values = dict(event.__dict__)
    values["data"] = codec.loads(codec.dumps(event.data))
    for name in ("occurred_at", "recorded_at"):
        ts = values[name]
        if ts.tzinfo is not UTC:
            values[name] = ts.astimezone(UTC) if ts.tzinfo else ts.replace(tzinfo=UTC)
    return upcast(EventEnvelope.trusted(**values))
