"""A small sliding-window limit on attempts per key (a client address).

Used for sign-in: after ``limit`` failed attempts from one address within
``window`` seconds, further attempts are refused with 429 and ``Retry-After``
until the oldest attempt leaves the window. Kept in memory: it guards one
process, and a restart forgetting the count costs an attacker a restart they
cannot cause. The number of addresses remembered is capped, oldest first, so a
flood from many addresses cannot exhaust memory.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable


class SlidingWindow:
    """Counts attempts per key over the last ``window`` seconds."""

    def __init__(
        self,
        limit: int,
        window: float,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a throttle needs a positive limit and window")
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self.clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int | None:
        """Whole seconds to wait before ``key`` may try again, or None if it may now."""
        with self._lock:
            hits = self._current(key)
            if hits is None or len(hits) < self.limit:
                return None
            return max(1, math.ceil(hits[0] + self.window - self.clock()))

    def hit(self, key: str) -> None:
        """Count one attempt by ``key``."""
        with self._lock:
            hits = self._current(key)
            if hits is None:
                hits = self._hits[key] = deque()
            hits.append(self.clock())
            self._hits.move_to_end(key)
            while len(self._hits) > self.max_keys:
                self._hits.popitem(last=False)

    def forget(self, key: str) -> None:
        """Clear ``key``'s attempts (after it signed in successfully)."""
        with self._lock:
            self._hits.pop(key, None)

    def _current(self, key: str) -> deque[float] | None:
        hits = self._hits.get(key)
        if hits is None:
            return None
        horizon = self.clock() - self.window
        while hits and hits[0] <= horizon:
            hits.popleft()
        if not hits:
            del self._hits[key]
            return None
        return hits
