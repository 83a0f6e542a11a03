"""A logging filter that lets a repeated message through once a minute.

While the broker is away the Kafka clients (kafka-python, aiokafka, Faust and its
``mode`` library) log the same connection error for every retry: about 1,900
lines a minute for one service. An operator needs one line saying the broker is
down (the lag sampler and the consumer host log that, once per change) and a
reminder now and then, not a flood that hides everything else.

Records are "the same" when they come from the same logger, at the same level,
with the same message template (the arguments may differ: node ids, attempt
numbers). The first is passed; repeats within ``window`` seconds are counted
and dropped; the next one after the window is passed with the count added.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

#: Loggers whose repeats are limited: the Kafka clients and the relay's retries.
NOISY = ("kafka", "aiokafka", "faust", "mode", "shared.messaging.relay")


class RepeatFilter(logging.Filter):
    """Drops repeats of a record within ``window`` seconds (for ``prefixes`` only)."""

    def __init__(
        self,
        prefixes: tuple[str, ...] = NOISY,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.prefixes = prefixes
        self.window = window
        self.clock = clock
        self._lock = threading.Lock()
        # key -> (time it was last let through, repeats dropped since)
        self._seen: dict[tuple[str, int, str], tuple[float, int]] = {}

    def _limited(self, name: str) -> bool:
        return any(name == p or name.startswith(p + ".") for p in self.prefixes)

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a repeat inside the window; True (with a count) otherwise."""
        if not self._limited(record.name):
            return True
        key = (record.name, record.levelno, str(record.msg))
        now = self.clock()
        with self._lock:
            passed = self._seen.get(key)
            if passed is not None and now - passed[0] < self.window:
                self._seen[key] = (passed[0], passed[1] + 1)
                return False
            self._seen[key] = (now, 0)
            if len(self._seen) > 1000:  # bounded: forget the oldest half
                for old in sorted(self._seen, key=lambda k: self._seen[k][0])[:500]:
                    del self._seen[old]
        if passed is not None and passed[1]:
            record.repeated = passed[1]  # shown by the JSON formatter
            record.msg = f"{record.msg} [repeated {passed[1]} times since last shown]"
        return True


def limit_repeats(window: float = 60.0) -> RepeatFilter:
    """Install a :class:`RepeatFilter` on every handler of the root logger."""
    repeat_filter = RepeatFilter(window=window)
    for handler in logging.getLogger().handlers:
        handler.addFilter(repeat_filter)
    return repeat_filter
