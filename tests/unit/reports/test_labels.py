"""The words, colours and numbers every format shares."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.reporting.reports import labels


def test_every_status_has_words_and_colours_with_aa_contrast() -> None:
    for code in labels.STATUSES:
        assert labels.status_words(code)
        background, text = labels.STATUS_COLOURS[code]
        assert labels.contrast_ratio(background, text) >= 4.5, code


def test_status_words_are_the_ones_the_council_uses() -> None:
    assert [labels.status_words(s) for s in labels.STATUSES] == [
        "On target",
        "Amber: close to target",
        "Off target",
        "Not assessed",
    ]
    assert labels.status_words("PURPLE") == "Not assessed"


def test_directions_are_an_arrow_and_words() -> None:
    assert labels.direction_parts("improving") == ("↑", "Improving")
    assert labels.direction_parts("worsening") == ("↓", "Worsening")
    assert labels.direction_parts("no_change") == ("→", "No change")
    assert labels.direction_parts("none") == ("", "No previous result")


@pytest.mark.parametrize(
    ("value", "text"),
    [(66.3, "66.3"), (70.0, "70"), (1302.5, "1,302.5"), (0.001, "0.001"), (-0.0, "0")],
)
def test_numbers_print_with_at_most_two_decimals(value: float, text: str) -> None:
    assert labels.number_text(value) == text


def test_counts_below_the_threshold_are_suppressed_and_nothing_else() -> None:
    assert labels.figure_text(4, "number", 5, "-") == "c"
    assert labels.figure_text(5, "number", 5, "-") == "5"
    assert labels.figure_text(4.0, "percent", 5, "-") == "4%"
    assert labels.figure_text(None, "number", 5, "No result") == "No result"
    assert labels.figure_cell(3, "number", 5) == "c"
    assert labels.figure_cell(12, "number", 5) == 12.0


def test_small_numbers_in_sentences_are_masked_but_not_days_or_codes() -> None:
    masked = labels.mask_small_numbers(
        "Projected 2.1 at March 2011 against a target of 4: on target", "number", 5
    )
    assert masked == "Projected c at March 2011 against a target of c: on target"
    text = "No result for the period ending 1 April 2010 although round 2009-H2 closed"
    assert labels.mask_small_numbers(text, "number", 5) == text
    assert labels.mask_small_numbers("the previous 7 and 3", "number", 5) == (
        "the previous 7 and c"
    )
    assert labels.mask_small_numbers("a rate of 3.2", "percent", 5) == "a rate of 3.2"


def test_gaps_are_said_in_words() -> None:
    assert labels.gap_words(15.3, "percent") == "15.3 percentage points above overall"
    assert labels.gap_words(-13, "number") == "13 below overall"
    assert labels.gap_words(0.0001, "percent") == "Same as overall"
    assert labels.signed_text(8.1) == "+8.1"
    assert labels.signed_text(-3) == "-3"


def test_codes_sort_naturally() -> None:
    codes = ["NI 110", "NI 48", "LOCAL 10", "LOCAL 02", "NI 5"]
    assert sorted(codes, key=labels.code_order) == [
        "LOCAL 02",
        "LOCAL 10",
        "NI 5",
        "NI 48",
        "NI 110",
    ]


def test_as_of_is_read_as_utc() -> None:
    assert labels.as_of_datetime("2010-05-14T00:00:00.000000Z") == datetime(
        2010, 5, 14, tzinfo=UTC
    )
    assert labels.as_of_datetime("2010-04-30T23:59:59.999999Z").second == 59
