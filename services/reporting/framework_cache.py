"""Ready-encoded bodies of ``GET /api/v1/framework``, kept per read-model position.

The framework is read far more often than it changes (every page view, every
dashboard poll, against a few batches of results a day), and building it
decodes a JSON row per indicator and re-encodes the lot. So the encoded body
is kept under the reporting read model's position: while the position has not
moved, a request costs one tiny query for the position and a dictionary
lookup, about what a hello-world route costs. When the position moves, the
next request builds the body again.

The position is read before the body, so a body is never older than the
position it is kept under (it may be newer, which the next move corrects).
The ETag is a digest of the bytes, so a client's ``If-None-Match`` still
matches when the position moved but the framework it shows did not.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Encoded:
    """A response body as sent, with its entity tag."""

    body: bytes
    etag: str


def encode(content: Any) -> Encoded:
    """JSON exactly as FastAPI's JSONResponse writes it, plus a strong ETag."""
    body = json.dumps(
        content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")
    return Encoded(body, '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"')


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, RFC 9110)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(
        tag.strip().removeprefix("W/") == wanted for tag in if_none_match.split(",")
    )


class EncodedCache:
    """A bounded LRU of encoded bodies, each valid at one read-model position."""

    def __init__(self, position: Callable[[], Hashable], size: int = 64) -> None:
        self._position = position
        self._size = size
        self._entries: OrderedDict[Hashable, tuple[Hashable, Encoded]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, build: Callable[[], Any]) -> Encoded:
        """The body for ``key`` at the current position, built when missing or stale."""
        at = self._position()
        with self._lock:
            found = self._entries.get(key)
            if found is not None and found[0] == at:
                self._entries.move_to_end(key)
                self.hits += 1
                return found[1]
        encoded = encode(build())  # outside the lock: other keys are not held up
        with self._lock:
            self.misses += 1
            self._entries[key] = (at, encoded)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return encoded
