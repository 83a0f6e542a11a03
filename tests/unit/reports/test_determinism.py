"""The same snapshot gives the same bytes, in every format, whenever it is rendered."""

from __future__ import annotations

import time
from typing import Any

import pytest

from services.reporting.reports import FORMATS, render
from services.reporting.reports.charts import _draw
from services.reporting.reports.paper import build_paper

from .conftest import Rendered
from .snapshots import snapshot

CASES = [(kind, fmt) for fmt in FORMATS for kind in ("executive", "board")]
# A second full PDF would cost three seconds; a smaller Board paper, with the
# breakdowns, small numbers, decisions and charts, goes through the same code.
CASES = [case for case in CASES if case[1] != "pdf"] + [("small board", "pdf")]


def small_board() -> dict[str, Any]:
    board = snapshot("board")
    kept = {"NI 48", "NI 55", "NI 65", "LOCAL 02", "NI 117"}
    board["indicators"] = [i for i in board["indicators"] if i["code"] in kept]
    board["challenges"] = [
        c for c in board["challenges"] if c["indicator_code"] in kept
    ]
    return board


def fresh(kind: str) -> dict[str, Any]:
    return small_board() if kind == "small board" else snapshot(kind)


@pytest.fixture(scope="module")
def again(rendered: Rendered) -> dict[tuple[str, str], tuple[bytes, bytes]]:
    """Each case rendered (most of them earlier in the session) and again later.

    The wait between makes sure a clock second has passed, so any timestamp that
    slipped into the bytes would show.
    """
    first = {
        (kind, fmt): render(fresh(kind), fmt)
        if kind == "small board"
        else rendered(kind, fmt)
        for kind, fmt in CASES
    }
    time.sleep(1.05)
    return {
        (kind, fmt): (first[kind, fmt], render(fresh(kind), fmt)) for kind, fmt in CASES
    }


@pytest.mark.parametrize(("kind", "fmt"), CASES)
def test_rendering_twice_gives_identical_bytes(
    again: dict[tuple[str, str], tuple[bytes, bytes]], kind: str, fmt: str
) -> None:
    before, after = again[kind, fmt]
    assert before == after


def test_charts_are_drawn_identically_every_time() -> None:
    """Drawn afresh, past the cache that the renderers share."""
    draw = _draw.__wrapped__
    for chart in [i.chart for i in build_paper(snapshot("board")).indicators[:2]]:
        for fmt in ("svg", "png"):
            assert draw(chart, fmt) == draw(chart, fmt) == _draw(chart, fmt)
