"""The comparison with England and neighbours in a paper's words."""

from __future__ import annotations

from typing import Any

from services.reporting.reports.comparison_words import (
    board_sentence,
    comparison_view,
    gap_sentence,
    ordinal,
)
from services.reporting.reports.narrative import covering_text


def comparison(**overrides: Any) -> dict[str, Any]:
    c: dict[str, Any] = {
        "period_end": "2009-03-31",
        "council": 55.0,
        "england": 61.0,
        "region": 59.5,
        "neighbour_average": 61.666666,
        "neighbours_with_figures": 3,
        "rank": 3,
        "ranked": 4,
        "quartile": 3,
        "gap_to_england": -6.0,
        "previous_period_end": "2008-03-31",
        "gap_direction": "widening",
        "flags": [],
    }
    c.update(overrides)
    return c


def test_ordinals() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 111)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "111th",
    ]


def test_the_gap_is_said_with_its_side_and_direction() -> None:
    assert gap_sentence(comparison(), "percent") == (
        "6 percentage points worse than England, and the gap widened since 31 Mar 2008"
    )
    closing = comparison(gap_to_england=2.5, gap_direction="closing")
    assert gap_sentence(closing, "rate_per_1000") == (
        "2.5 better than England, and the lead shrank since 31 Mar 2008"
    )
    growing = comparison(gap_to_england=2.5, gap_direction="widening")
    assert gap_sentence(growing, "rate_per_1000") == (
        "2.5 better than England, and the lead grew since 31 Mar 2008"
    )
    assert gap_sentence(comparison(gap_to_england=None), "percent") == ""


def test_the_view_formats_every_figure_and_suppresses_small_counts() -> None:
    view = comparison_view(comparison(), "percent", 5)
    assert view is not None
    assert view.england == "61%"
    assert view.neighbours == "61.67% on average"
    assert view.rank.startswith("3rd of 4 with its statistical neighbours")
    counts = comparison_view(comparison(council=3.0), "number", 5)
    assert counts is not None and counts.council == "c"
    assert comparison_view(None, "percent", 5) is None


def test_the_board_hears_how_the_council_compares_only_when_there_are_figures() -> None:
    widening = {"code": "BELOW_ENGLAND_WIDENING", "explanation": ""}
    bottom = {"code": "BOTTOM_QUARTILE_NEIGHBOURS", "explanation": ""}
    indicators = [
        {"code": "NI 50", "comparison": comparison(flags=[widening, bottom])},
        {"code": "NI 55", "comparison": comparison(gap_to_england=1.0)},
        {"code": "NI 56", "comparison": None},
    ]
    assert board_sentence(indicators) == (
        "Of the 2 indicators with published figures for England, the council does "
        "better than England on 1; the gap to England is widening on NI 50; NI 50 "
        "is in the bottom quartile of its statistical neighbours (for information: "
        "comparisons do not change any status)."
    )
    assert board_sentence([{"code": "NI 56"}]) == ""
    snapshot = {"kind": "board", "indicators": indicators, "round": {}}
    titles = [s.heading for s in covering_text(snapshot).summary]
    assert "Compared with England and similar councils" in titles
    snapshot["indicators"] = [{"code": "NI 56"}]
    titles = [s.heading for s in covering_text(snapshot).summary]
    assert "Compared with England and similar councils" not in titles
