"""Rendered papers are named by what they are made of and kept within a byte cap."""

from __future__ import annotations

import os
from pathlib import Path

from services.reporting.paper_cache import PaperCache, paper_key, template_version

SNAPSHOT = {"kind": "board", "round": {"id": "2009-H2"}, "indicators": [{"a": 1}]}


def test_the_key_follows_the_content_format_and_templates() -> None:
    same = {"round": {"id": "2009-H2"}, "indicators": [{"a": 1}], "kind": "board"}
    assert paper_key(SNAPSHOT, "pdf") == paper_key(same, "pdf")
    assert paper_key(SNAPSHOT, "pdf") != paper_key(SNAPSHOT, "docx")
    changed = {**SNAPSHOT, "indicators": [{"a": 2}]}
    assert paper_key(SNAPSHOT, "pdf") != paper_key(changed, "pdf")
    assert len(template_version()) == 16


def test_papers_are_kept_and_the_least_recently_used_go_first(tmp_path: Path) -> None:
    cache = PaperCache(tmp_path / "papers", max_bytes=250)
    assert cache.get("a.pdf") is None
    cache.put("a.pdf", b"a" * 100)
    cache.put("b.pdf", b"b" * 100)
    past = 1_000_000_000
    os.utime(tmp_path / "papers" / "a.pdf", (past, past))
    os.utime(tmp_path / "papers" / "b.pdf", (past + 10, past + 10))
    assert cache.get("a.pdf") == b"a" * 100  # now the most recently used
    cache.put("c.pdf", b"c" * 100)
    assert cache.get("b.pdf") is None
    assert cache.get("a.pdf") == b"a" * 100
    assert cache.get("c.pdf") == b"c" * 100
    assert cache.size() <= 250


def test_a_paper_larger_than_the_cache_is_not_kept(tmp_path: Path) -> None:
    cache = PaperCache(tmp_path / "papers", max_bytes=10)
    cache.put("big.pdf", b"x" * 11)
    assert cache.get("big.pdf") is None
