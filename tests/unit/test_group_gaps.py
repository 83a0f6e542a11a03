"""Gaps between groups: polarity, ties, missing groups, small numbers, direction."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from services.reporting.reports.group_gaps import group_series, widest

figures = st.floats(min_value=0, max_value=100, allow_nan=False).map(
    lambda v: round(v, 1)
)


def result(period: str, value: float, **groups: Any) -> dict[str, Any]:
    counts = {k: v[1] for k, v in groups.items() if isinstance(v, tuple)}
    return {
        "period_end": period,
        "value": value,
        "breakdowns": {
            k: v[0] if isinstance(v, tuple) else v for k, v in groups.items()
        },
        "breakdown_counts": counts,
    }


def group(period: Any, key: str) -> Any:
    return next(g for g in period.groups if g.key == key)


def test_fsm_pupils_behind_all_pupils_and_the_best_placed_group() -> None:
    [period] = group_series(
        [result("2009-03-31", 50.0, fsm=30.0, not_fsm=55.0)],
        "higher_is_better",
        "percent",
        5,
    )
    fsm = group(period, "fsm")
    assert (fsm.gap_to_all, fsm.gap_to_best, fsm.position) == (-20.0, 25.0, "behind")
    assert group(period, "not_fsm").best and group(period, "not_fsm").gap_to_best == 0
    assert fsm.dimension == "disadvantage"


def test_lower_is_better_puts_the_higher_group_behind() -> None:
    [period] = group_series(
        [result("2009-03-31", 8.0, male=10.0, female=6.0)],
        "lower_is_better",
        "percent",
        5,
    )
    assert group(period, "male").position == "behind"
    assert group(period, "male").gap_to_best == 4.0
    assert group(period, "female").best


@given(figures, figures, figures)
def test_polarity_swaps_who_is_behind(overall: float, a: float, b: float) -> None:
    results = [result("2009-03-31", overall, male=a, female=b)]
    [up] = group_series(results, "higher_is_better", "percent", 5)
    [down] = group_series(results, "lower_is_better", "percent", 5)
    for key in ("male", "female"):
        mine, theirs = group(up, key), group(down, key)
        assert mine.gap_to_all == theirs.gap_to_all
        swapped = {"behind": "ahead", "ahead": "behind", "level": "level"}
        assert swapped[str(mine.position)] == theirs.position
        assert mine.gap_to_best is not None and mine.gap_to_best >= 0
    if a != b:
        assert group(up, "male").best != group(down, "male").best


@given(figures, figures)
def test_tied_groups_are_both_best_placed(overall: float, value: float) -> None:
    [period] = group_series(
        [result("2009-03-31", overall, fsm=value, not_fsm=value)],
        "higher_is_better",
        "percent",
        5,
    )
    assert all(g.best and g.gap_to_best == 0 for g in period.groups)


def test_a_group_missing_before_has_no_direction() -> None:
    series = group_series(
        [
            result("2008-03-31", 50.0, male=45.0),
            result("2009-03-31", 50.0, male=44.0, female=56.0),
        ],
        "higher_is_better",
        "percent",
        5,
    )
    assert group(series[-1], "male").direction == "widening"
    assert group(series[-1], "female").direction is None
    assert group(series[-1], "female").gap_to_best == 0


def test_a_lone_group_has_no_best_placed_gap() -> None:
    [period] = group_series(
        [result("2009-03-31", 70.0, looked_after=40.0)],
        "higher_is_better",
        "percent",
        5,
    )
    assert group(period, "looked_after").gap_to_best is None
    assert group(period, "looked_after").gap_to_all == -30.0


@given(
    st.lists(st.tuples(figures, figures), min_size=2, max_size=6),
)
def test_direction_follows_the_size_of_the_gap(
    points: list[tuple[float, float]],
) -> None:
    results = [
        result(f"{2000 + i}-03-31", overall, fsm=value)
        for i, (overall, value) in enumerate(points)
    ]
    series = group_series(results, "higher_is_better", "percent", 5)
    for before, now in pairwise(series):
        b, n = group(before, "fsm").gap_to_all, group(now, "fsm").gap_to_all
        assert b is not None and n is not None
        d = group(now, "fsm").direction
        if abs(n) - abs(b) >= 0.05:
            assert d == "widening"
        elif abs(b) - abs(n) >= 0.05:
            assert d == "closing"
        else:
            assert d == "unchanged"


@given(st.integers(min_value=0, max_value=12), figures)
def test_no_gap_is_built_on_a_withheld_count(n: int, value: float) -> None:
    [period] = group_series(
        [
            result(
                "2009-03-31",
                50.0,
                looked_after=(value, {"numerator": min(n, 12), "denominator": 12}),
                not_looked_after=60.0,
            )
        ],
        "higher_is_better",
        "percent",
        5,
    )
    lac, others = group(period, "looked_after"), group(period, "not_looked_after")
    assert lac.suppressed == (n < 5)
    if lac.suppressed:
        assert lac.value is None and lac.gap_to_all is None and lac.gap_to_best is None
        assert lac.direction is None and not lac.flags
        assert others.gap_to_best is None  # alone among the groups shown
    else:
        assert lac.value == value and lac.gap_to_all is not None


@given(st.floats(min_value=0, max_value=20).map(lambda v: round(v, 1)))
def test_a_count_of_children_below_the_threshold_is_withheld(value: float) -> None:
    [period] = group_series(
        [result("2009-03-31", 40.0, male=value, female=20.0)],
        "lower_is_better",
        "number",
        5,
    )
    assert group(period, "male").suppressed == (value < 5)


def test_a_withheld_whole_population_figure_shows_no_gap() -> None:
    [period] = group_series(
        [result("2009-03-31", 3.0, male=2.0, female=1.0)],
        "lower_is_better",
        "number",
        5,
    )
    assert period.overall is None
    assert all(g.gap_to_all is None and g.gap_to_best is None for g in period.groups)


def test_a_gap_widening_two_periods_in_a_row_is_flagged() -> None:
    series = group_series(
        [
            result("2007-03-31", 60.0, fsm=50.0),
            result("2008-03-31", 60.0, fsm=48.0),
            result("2009-03-31", 60.0, fsm=46.0),
        ],
        "higher_is_better",
        "percent",
        5,
        gap_threshold=0.5,
    )
    assert [group(p, "fsm").flags for p in series[:2]] == [(), ()]
    assert [f["code"] for f in group(series[-1], "fsm").flags] == ["gap_widening"]


def test_a_gap_beyond_the_threshold_is_flagged_but_a_group_ahead_never_is() -> None:
    [period] = group_series(
        [result("2009-03-31", 60.0, fsm=40.0, not_fsm=80.0)],
        "higher_is_better",
        "percent",
        5,
        gap_threshold=0.2,
    )
    assert [f["code"] for f in group(period, "fsm").flags] == ["gap_wide"]
    assert group(period, "not_fsm").flags == ()
    assert [g.key for g in widest([period])] == ["fsm"]


def test_old_free_form_groups_are_compared_under_other() -> None:
    [period] = group_series(
        [result("2009-03-31", 20.0, Cyclists=30.0, Pedestrians=10.0)],
        "lower_is_better",
        "number",
        5,
    )
    assert {g.dimension for g in period.groups} == {"other"}
    assert group(period, "Cyclists").position == "behind"
