"""Canonical JSON for the log, the topics and the read models' stored text.

One encoder for everything pmf writes, so equal values are equal text (the
assessment compares answers as text) and the hot paths of the consumers do
not spend their time in the standard library's pure-Python encoder: orjson
encodes and decodes the same JSON several times faster. Output is compact
with sorted keys, like ``json.dumps(v, sort_keys=True, separators=(",", ":"))``
except that non-ASCII text is written as UTF-8 rather than ``\\u`` escapes;
both decode to the same values, and every reader of pmf's JSON decodes it.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_CANONICAL = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def dumps(value: Any) -> str:
    """``value`` as canonical JSON text (sorted keys, no spaces)."""
    return dumps_bytes(value).decode()


def dumps_bytes(value: Any) -> bytes:
    """``value`` as canonical JSON bytes, for topics and files."""
    try:
        return orjson.dumps(value, option=_CANONICAL)
    except TypeError:
        # What orjson refuses and the standard library writes (integers
        # beyond 64 bits): the same canonical form, the slow way.
        text = json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return text.encode()


def loads(text: str | bytes | bytearray | memoryview) -> Any:
    """Decode JSON text or bytes."""
    return orjson.loads(text)


__all__ = ["dumps", "dumps_bytes", "loads"]
