"""The encoded-body cache: rebuilt when the position moves, bounded, tagged."""

from __future__ import annotations

import json

from services.reporting.framework_cache import EncodedCache, encode, etag_matches


def test_a_body_is_built_once_per_position() -> None:
    position = [1]
    builds: list[str] = []

    def build() -> dict[str, object]:
        builds.append("x")
        return {"at": position[0], "name": "Café"}

    cache = EncodedCache(lambda: position[0])
    first = cache.get("current", build)
    assert cache.get("current", build) is first and len(builds) == 1
    assert json.loads(first.body) == {"at": 1, "name": "Café"}
    position[0] = 2
    moved = cache.get("current", build)
    assert len(builds) == 2 and moved.etag != first.etag
    assert (cache.hits, cache.misses) == (1, 2)


def test_the_cache_keeps_only_the_most_recently_used_bodies() -> None:
    built: list[int] = []

    def builder(n: int):  # type: ignore[no-untyped-def]
        return lambda: built.append(n) or {"n": n}

    cache = EncodedCache(lambda: 0, size=2)
    for n in (1, 2, 1, 3):  # 2 is the least recently used when 3 arrives
        cache.get(n, builder(n))
    cache.get(1, builder(1))
    cache.get(2, builder(2))
    assert built == [1, 2, 3, 2]


def test_the_body_is_compact_json_and_the_tag_follows_the_bytes() -> None:
    a, b = encode({"a": [1, 2]}), encode({"a": [1, 2]})
    assert a.body == b'{"a":[1,2]}' and a.etag == b.etag
    assert a.etag.startswith('"') and a.etag.endswith('"')
    assert encode({"a": [2, 1]}).etag != a.etag


def test_if_none_match_compares_weakly_and_accepts_a_list_or_star() -> None:
    tag = '"abc"'
    assert etag_matches('"abc"', tag)
    assert etag_matches('W/"abc"', tag)
    assert etag_matches('"x", "abc"', tag)
    assert etag_matches("*", tag)
    assert not etag_matches('"abd"', tag)
    assert not etag_matches(None, tag)
    assert not etag_matches("", tag)
