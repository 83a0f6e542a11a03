"""Each paper rendered once per test session in each format (PDF is slow)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from services.reporting.reports import render

from .snapshots import snapshot

Rendered = Callable[[str, str], bytes]


@pytest.fixture(scope="session")
def snapshots() -> dict[str, dict[str, Any]]:
    """The Executive and Board snapshots of Northshire's 2009-H2 round."""
    return {kind: snapshot(kind) for kind in ("executive", "board")}


@pytest.fixture(scope="session")
def rendered(snapshots: dict[str, dict[str, Any]]) -> Rendered:
    """`rendered(kind, fmt)`: the bytes, rendered on first use and kept."""
    cache: dict[tuple[str, str], bytes] = {}

    def get(kind: str, fmt: str) -> bytes:
        if (kind, fmt) not in cache:
            cache[(kind, fmt)] = render(copy.deepcopy(snapshots[kind]), fmt)
        return cache[(kind, fmt)]

    return get
