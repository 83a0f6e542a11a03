"""A forgiving import: a council's own words, UK dates and percentages as fractions."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.indicators.domain import Indicator
from services.indicators.percentages import (
    Note,
    fractions_as_percentages,
    times_100,
)
from services.indicators.spreadsheet import Plan, plan_import
from services.indicators.words import FREQUENCY_WORDS, POLARITY_WORDS
from shared.periods import parse_day


def new(code: str = "NI 60", **cells: str) -> dict[str, str]:
    return {"code": code, "title": f"Indicator {code}", "polarity": "higher", **cells}


def plan(*rows: dict[str, str], current: Any = None, first_row: int = 2) -> Plan:
    return plan_import(list(rows), current or {}, first_row)


def registered(p: Plan) -> dict[str, Any]:
    """The definition the first row registers."""
    return dict(p.changes[0].events[0].data)


# Polarity, frequency and yes/no --------------------------------------------------

POLARITY_CASES = [
    ("Higher", "higher_is_better"),
    ("higher is better", "higher_is_better"),
    ("Higher is better.", "higher_is_better"),
    ("UP", "higher_is_better"),
    ("higher_is_better", "higher_is_better"),
    ("Lower", "lower_is_better"),
    ("Lower is better", "lower_is_better"),
    ("down", "lower_is_better"),
    ("lower-is-better", "lower_is_better"),
    ("Closer", "closer_is_better"),
    ("closer is better", "closer_is_better"),
    ("Context", "closer_is_better"),
]


@pytest.mark.parametrize(("word", "value"), POLARITY_CASES)
def test_polarity_words_read_as_the_polarity_they_mean(word: str, value: str) -> None:
    assert registered(plan(new(polarity=word)))["polarity"] == value


FREQUENCY_CASES = [
    ("Annual", "annual"),
    ("Annually", "annual"),
    ("yearly", "annual"),
    ("Half-yearly", "half_yearly"),
    ("half yearly", "half_yearly"),
    ("Six monthly", "half_yearly"),
    ("6-monthly", "half_yearly"),
    ("Bi-annual", "half_yearly"),
    ("Quarterly", "quarterly"),
    ("QUARTERLY", "quarterly"),
    ("Termly", "termly"),
    ("Monthly", "monthly"),
]


@pytest.mark.parametrize(("word", "value"), FREQUENCY_CASES)
def test_frequency_words_read_as_the_frequency_they_mean(word: str, value: str) -> None:
    assert registered(plan(new(frequency=word)))["frequency"] == value


YES_NO_CASES = [
    ("Y", True),
    ("y", True),
    ("Yes", True),
    ("TRUE", True),
    ("T", True),
    ("1", True),
    ("N", False),
    ("no", False),
    ("False", False),
    ("f", False),
    ("0", False),
]


@pytest.mark.parametrize(("word", "value"), YES_NO_CASES)
def test_yes_no_words_read_as_booleans(word: str, value: bool) -> None:
    data = registered(plan(new(laa=word, measurable=word)))
    assert (data["laa"], data["measurable"]) == (value, value)


def _respelt(draw: st.DrawFn, word: str) -> str:
    """``word`` in any case, with spaces, hyphens or underscores between its parts."""
    parts = word.replace("-", " ").replace("_", " ").split()
    gaps = st.sampled_from([" ", "  ", "-", "_", " - "])
    joined = parts[0]
    for part in parts[1:]:
        joined += draw(gaps) + part
    cased = "".join(c.upper() if draw(st.booleans()) else c.lower() for c in joined)
    return draw(st.sampled_from(["", " "])) + cased + draw(st.sampled_from(["", "."]))


@st.composite
def spelt_words(draw: st.DrawFn) -> tuple[str, str, str]:
    column, vocabulary = draw(
        st.sampled_from([("polarity", POLARITY_WORDS), ("frequency", FREQUENCY_WORDS)])
    )
    value = draw(st.sampled_from(sorted(vocabulary)))
    word = draw(st.sampled_from([value, *vocabulary[value]]))
    return column, _respelt(draw, word), value


@given(spelt_words())
def test_case_spaces_hyphens_and_a_full_stop_do_not_matter(
    case: tuple[str, str, str],
) -> None:
    column, word, value = case
    assert registered(plan(new(**{column: word})))[column] == value


@pytest.mark.parametrize(
    ("cells", "column", "words"),
    [
        ({"polarity": "sideways"}, "polarity", "such as Higher, Lower or Closer"),
        ({"frequency": "fortnightly"}, "frequency", "Annual, Half-yearly"),
        ({"laa": "maybe"}, "laa", "must be yes or no (Y/N, true/false, 1/0)"),
    ],
)
def test_an_unknown_word_is_an_error_naming_row_and_column(
    cells: dict[str, str], column: str, words: str
) -> None:
    p = plan(new("NI 60"), new("NI 61", **cells), first_row=5)
    (error,) = p.errors
    assert (error.row, error.column) == (6, column)
    assert words in error.message
    assert repr(next(iter(cells.values()))) in error.message


# Dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2009-03-31", date(2009, 3, 31)),
        ("31/03/2009", date(2009, 3, 31)),
        ("31-03-2009", date(2009, 3, 31)),
        ("31.03.2009", date(2009, 3, 31)),
        ("1/4/2009", date(2009, 4, 1)),
        ("03/04/2009", date(2009, 4, 3)),  # the 3rd of April, as in England
        (" 30/09/2008 ", date(2008, 9, 30)),
    ],
)
def test_dates_are_read_iso_or_day_first(text: str, day: date) -> None:
    assert parse_day(text) == day


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("31/03/09", "31/03/2009 or 2009-03-31"),
        ("2009/03/31", "31/03/2009 or 2009-03-31"),
        ("March 2009", "31/03/2009 or 2009-03-31"),
        ("03/31/2009", "not a real date"),
        ("29/02/2009", "not a real date"),
    ],
)
def test_other_dates_are_refused_with_the_forms_that_are_read(
    text: str, words: str
) -> None:
    with pytest.raises(ValueError, match=words.replace("/", ".")):
        parse_day(text)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31)))
def test_a_uk_date_and_its_iso_form_are_the_same_day(day: date) -> None:
    assert parse_day(day.strftime("%d/%m/%Y")) == parse_day(day.isoformat()) == day


def test_uk_dates_set_baselines_targets_and_milestones() -> None:
    cells = {
        "baseline_value": "60",
        "baseline_period_end": "31/03/2008",
        "target_value": "70",
        "target_period_end": "31/03/2011",
        "milestones": "31/03/2009=62.5; 2010-03-31=65",
    }
    data = {e.type: e.data for e in plan(new(**cells)).changes[0].events}
    assert data["BaselineRecorded"]["period_end"] == "2008-03-31"
    assert data["TargetSet"]["period_end"] == "2011-03-31"
    assert [m["period_end"] for m in data["MilestonesSet"]["milestones"]] == [
        "2009-03-31",
        "2010-03-31",
    ]


# Percentages kept as fractions --------------------------------------------------------


def pct(code: str, baseline: str, target: str, **cells: str) -> dict[str, str]:
    return new(
        code,
        unit="percent",
        baseline_value=baseline,
        baseline_period_end="2008-03-31",
        target_value=target,
        **cells,
    )


def values(p: Plan) -> dict[str, tuple[float, float]]:
    found = {}
    for c in p.changes:
        data = {e.type: e.data for e in c.events}
        if "TargetSet" not in data:
            continue
        found[c.code] = (
            data["BaselineRecorded"]["value"],
            data["TargetSet"]["value"],
        )
    return found


def test_fractions_of_percent_indicators_are_read_as_percentages_with_a_note() -> None:
    p = plan(
        pct("NI 60", "0.625", "0.7", milestones="2009-03-31=0.65"),
        pct("NI 61", "0.1", "0.05", polarity="lower"),
        new(
            "NI 62",
            unit="number",
            baseline_value="0.5",
            baseline_period_end="2008-03-31",
        ),
    )
    assert p.errors == []
    assert values(p)["NI 60"] == (62.5, 70.0)
    assert values(p)["NI 61"] == (10.0, 5.0)  # 10, not 10.000000000000002
    ni62 = {e.type: e.data for e in p.changes[2].events}
    assert ni62["BaselineRecorded"]["value"] == 0.5  # a number, not a percentage
    milestones = {e.type: e.data for e in p.changes[0].events}["MilestonesSet"]
    assert milestones["milestones"][0]["value"] == 65.0
    assert [(n.column, n.rows) for n in p.notes] == [
        ("baseline_value", (2, 3)),
        ("target_value", (2, 3)),
        ("milestones", (2,)),
    ]
    assert "read as a percentage (0.625 as 62.5)" in str(p.notes[0])


def test_one_percentage_above_1_means_the_file_already_writes_percentages() -> None:
    p = plan(pct("NI 60", "0.625", "0.7"), pct("NI 61", "0.5", "62"))
    assert values(p) == {"NI 60": (0.625, 0.7), "NI 61": (0.5, 62.0)}
    assert p.notes == []


def test_only_0s_and_1s_are_not_taken_for_fractions() -> None:
    p = plan(pct("NI 60", "0", "1"))
    assert values(p) == {"NI 60": (0.0, 1.0)}
    assert p.notes == []


def test_a_row_without_a_unit_keeps_its_indicators_unit() -> None:
    ni60 = Indicator(
        code="NI 60",
        title="Existing",
        outcome="Be healthy",
        polarity="higher_is_better",
        unit="percent",
        frequency="annual",
        laa=False,
        measurable=True,
        version=1,
    )
    row = {
        "code": "NI 60",
        "baseline_value": "0.4",
        "baseline_period_end": "2008-03-31",
    }
    p = plan(row, current={"NI 60": ni60})
    (event,) = p.changes[0].events
    assert event.data["value"] == 40.0
    assert [n.column for n in p.notes] == ["baseline_value"]


def test_the_tolerance_is_never_taken_for_a_fraction() -> None:
    p = plan(pct("NI 60", "0.6", "0.7", tolerance="0.5"))
    assert registered(p)["tolerance"] == 0.5


@given(st.decimals(min_value=0, max_value=1, places=6))
def test_times_100_moves_the_decimal_point_exactly(value: Any) -> None:
    assert times_100(float(value)) == float(value * 100)


@given(
    st.lists(
        st.floats(min_value=0, max_value=1, allow_nan=False).map(lambda v: round(v, 4)),
        min_size=1,
        max_size=5,
    )
)
def test_every_fraction_or_none_is_read_as_a_percentage(fractions: list[float]) -> None:
    rows = [
        {"code": f"L {i}", "unit": "percent", "baseline_value": repr(v)}
        for i, v in enumerate(fractions)
    ]
    out, notes = fractions_as_percentages(rows, {})
    read = [float(r["baseline_value"]) for r in out]
    if any(0 < v < 1 for v in fractions):
        assert read == [times_100(v) for v in fractions]
        assert len(notes) == 1
    else:
        assert read == fractions
        assert notes == []


def test_cells_excel_showed_as_percentages_are_not_judged_again() -> None:
    formatted = Note("baseline_value", "formatted", (2, 3))
    rows = [
        pct("NI 60", "62.5", "0.7"),  # the baseline was 0.625 shown as 62.5%
        pct("NI 61", "0.5", "0.05"),  # 0.5%, shown as such
    ]
    p = plan_import(rows, {}, 2, [formatted])
    assert values(p) == {"NI 60": (62.5, 70.0), "NI 61": (0.5, 5.0)}
    assert [n.column for n in p.notes] == ["baseline_value", "target_value"]
