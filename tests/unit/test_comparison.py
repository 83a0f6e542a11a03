"""The council against England, its region and its statistical neighbours."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.reporting.comparison import (
    BELOW_ENGLAND_WIDENING,
    BOTTOM_QUARTILE_NEIGHBOURS,
    PeriodFigures,
    compare,
    gap_direction,
    quartile_of,
    rank_among,
)

values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(
    lambda v: round(v, 3)
)
polarities = st.sampled_from(["higher_is_better", "lower_is_better"])


def test_ties_share_a_rank_and_the_next_rank_is_skipped() -> None:
    assert rank_among(50.0, [60.0, 60.0, 40.0], "higher_is_better", None) == 3
    assert rank_among(60.0, [60.0, 50.0, 40.0], "higher_is_better", None) == 1
    assert rank_among(40.0, [60.0, 60.0, 40.0], "lower_is_better", None) == 1


def test_closer_is_better_ranks_by_distance_to_the_target_and_not_without_one() -> None:
    assert rank_among(10.0, [8.0, 13.0], "closer_is_better", 11.0) == 1
    assert rank_among(10.0, [8.0, 13.0], "closer_is_better", None) is None


@given(council=values, others=st.lists(values, max_size=20), polarity=polarities)
def test_rank_is_one_more_than_the_number_strictly_better(
    council: float, others: list[float], polarity: str
) -> None:
    rank = rank_among(council, others, polarity, None)  # type: ignore[arg-type]
    sign = 1 if polarity == "higher_is_better" else -1
    better = sum(1 for v in others if sign * (v - council) > 1e-9)
    assert rank == better + 1
    assert 1 <= rank <= len(others) + 1


@given(council=values, others=st.lists(values, max_size=20))
def test_polarity_mirrors_the_rank(council: float, others: list[float]) -> None:
    """Negating every value under the other polarity gives the same rank."""
    up = rank_among(council, others, "higher_is_better", None)
    down = rank_among(-council, [-v for v in others], "lower_is_better", None)
    assert up == down


@given(st.integers(min_value=2, max_value=200), st.data())
def test_quartiles_run_from_the_top_to_the_bottom(
    ranked: int, data: st.DataObject
) -> None:
    rank = data.draw(st.integers(min_value=1, max_value=ranked))
    q = quartile_of(rank, ranked)
    assert 1 <= q <= 4
    assert quartile_of(ranked, ranked) == 4
    if ranked >= 4:
        assert quartile_of(1, ranked) == 1
    if rank < ranked:
        assert quartile_of(rank, ranked) <= quartile_of(rank + 1, ranked)


@given(now=values, before=values)
def test_the_gap_closes_when_its_size_shrinks(now: float, before: float) -> None:
    direction = gap_direction(now, before)
    if abs(abs(now) - abs(before)) <= 1e-9:
        assert direction == "unchanged"
    elif abs(now) < abs(before):
        assert direction == "closing"
    else:
        assert direction == "widening"
    assert gap_direction(now, None) == "none"


def test_missing_neighbours_are_left_out_of_the_rank_and_average() -> None:
    figures = [
        PeriodFigures(
            "2009-03-31",
            council=70.0,
            england=72.0,
            region=71.0,
            neighbours={"A": 60.0, "B": 80.0},
        )
    ]
    c = compare(figures, "higher_is_better")
    assert c is not None
    assert (c.rank, c.ranked, c.neighbour_average) == (2, 3, 70.0)
    assert c.gap_to_england == -2.0
    assert c.gap_direction == "none"


def test_below_england_and_widening_is_flagged_polarity_aware() -> None:
    figures = [
        PeriodFigures("2008-03-31", council=10.0, england=9.0),
        PeriodFigures("2009-03-31", council=12.0, england=9.0),
    ]
    lower = compare(figures, "lower_is_better")
    assert lower is not None
    assert lower.gap_to_england == -3.0
    assert lower.previous_period_end == "2008-03-31"
    assert lower.gap_direction == "widening"
    assert [f.code for f in lower.flags] == [BELOW_ENGLAND_WIDENING]
    higher = compare(figures, "higher_is_better")
    assert higher is not None
    assert higher.gap_to_england == 3.0
    assert higher.gap_direction == "widening"
    assert higher.flags == ()


def test_bottom_quartile_among_neighbours_is_flagged() -> None:
    neighbours = {f"N{i}": float(50 + i) for i in range(7)}
    figures = [PeriodFigures("2009-03-31", council=40.0, neighbours=neighbours)]
    c = compare(figures, "higher_is_better")
    assert c is not None
    assert (c.rank, c.ranked, c.quartile) == (8, 8, 4)
    assert [f.code for f in c.flags] == [BOTTOM_QUARTILE_NEIGHBOURS]


def test_the_latest_period_with_a_council_value_is_compared_by_default() -> None:
    figures = [
        PeriodFigures("2009-03-31", council=1.0, england=2.0),
        PeriodFigures("2010-03-31", council=None, england=2.5),
    ]
    c = compare(figures, "higher_is_better")
    assert c is not None and c.period_end == "2009-03-31"
    later = compare(figures, "higher_is_better", period_end="2010-03-31")
    assert later is not None and later.rank is None and later.gap_to_england is None
    assert compare([], "higher_is_better") is None


@given(
    council=values,
    england=values,
    neighbours=st.dictionaries(st.text(min_size=1, max_size=3), values, max_size=12),
    polarity=polarities,
)
def test_flags_follow_their_definitions(
    council: float, england: float, neighbours: dict[str, float], polarity: str
) -> None:
    c = compare(
        [PeriodFigures("2009-03-31", council, england, None, neighbours)],
        polarity,  # type: ignore[arg-type]
    )
    assert c is not None
    codes = {f.code for f in c.flags}
    assert (BOTTOM_QUARTILE_NEIGHBOURS in codes) == (c.quartile == 4)
    assert BELOW_ENGLAND_WIDENING not in codes  # no previous period to widen from
    assert c.ranked == len(neighbours) + 1


@given(
    council=values,
    neighbours=st.dictionaries(
        st.text("NE", min_size=3, max_size=5), values, max_size=10
    ),
    others=st.dictionaries(st.text("OC", min_size=3, max_size=5), values, max_size=30),
    polarity=polarities,
)
def test_rank_among_all_councils_only_when_the_files_hold_more_than_neighbours(
    council: float,
    neighbours: dict[str, float],
    others: dict[str, float],
    polarity: str,
) -> None:
    councils = {**others, **neighbours}
    c = compare(
        [PeriodFigures("2009-03-31", council, None, None, neighbours, councils)],
        polarity,  # type: ignore[arg-type]
        None,
    )
    assert c is not None
    if not set(others) - set(neighbours):
        assert (c.rank_all, c.ranked_all, c.quartile_all) == (None, 0, None)
        return
    values_all = list(councils.values())
    assert c.rank_all == rank_among(council, values_all, polarity, None)  # type: ignore[arg-type]
    assert c.ranked_all == 1 + len(values_all)
    assert c.quartile_all == quartile_of(c.rank_all, c.ranked_all)
    # the neighbours' rank is still among the neighbours alone
    assert c.rank == rank_among(council, list(neighbours.values()), polarity, None)  # type: ignore[arg-type]
    # the flags stay the neighbours' quartile: all councils are information only
    if c.quartile != 4:
        assert BOTTOM_QUARTILE_NEIGHBOURS not in {f.code for f in c.flags}


def test_the_reader_of_a_national_file_ranks_among_all_councils() -> None:
    from services.reporting.comparator_queries import period_figures

    rows = [
        {"area_code": code, "area_type": kind, "period_end": "2009-03-31", "value": v}
        for code, kind, v in (
            ("E92000001", "england", 50.0),
            ("N1", "statistical_neighbour", 60.0),
            ("N2", "statistical_neighbour", 40.0),
            ("O1", "other_council", 70.0),
            ("O2", "other_council", 65.0),
            ("O3", "other_council", 30.0),
            ("ME", "other_council", 99.0),  # the council itself: not an other
        )
    ]
    grouped = period_figures(rows, {"2009-03-31": 55.0}, {"area_code": "ME"})
    c = compare(grouped, "higher_is_better", None)
    assert c is not None
    assert (c.rank, c.ranked) == (2, 3)  # among N1, N2 and itself
    assert (c.rank_all, c.ranked_all, c.quartile_all) == (4, 6, 3)
