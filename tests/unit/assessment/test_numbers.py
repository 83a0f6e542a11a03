"""Comparisons treat a difference within 1e-9 of a boundary as on the boundary."""

from __future__ import annotations

from datetime import date

import pytest

from services.assessment.numbers import (
    EPS,
    eq,
    geq,
    gt,
    is_zero,
    leq,
    lt,
    say,
    say_date,
    say_month,
)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param(1.0, 1.0, (True, True, True, False, False), id="equal"),
        pytest.param(
            1.0 - EPS / 2, 1.0, (True, True, True, False, False), id="just-below"
        ),
        pytest.param(
            1.0 + EPS / 2, 1.0, (True, True, True, False, False), id="just-above"
        ),
        pytest.param(1.0 - 3 * EPS, 1.0, (False, False, True, False, True), id="below"),
        pytest.param(1.0 + 3 * EPS, 1.0, (False, True, False, True, False), id="above"),
        pytest.param(0.1 + 0.2, 0.3, (True, True, True, False, False), id="rounding"),
    ],
)
def test_comparisons_put_rounding_on_the_boundary(
    a: float, b: float, expected: tuple[bool, bool, bool, bool, bool]
) -> None:
    assert (eq(a, b), geq(a, b), leq(a, b), gt(a, b), lt(a, b)) == expected


@pytest.mark.parametrize(
    ("x", "zero"),
    [(0.0, True), (-0.0, True), (EPS / 2, True), (-EPS, True), (3 * EPS, False)],
)
def test_is_zero_up_to_rounding(x: float, zero: bool) -> None:
    assert is_zero(x) is zero


@pytest.mark.parametrize(
    ("x", "text"),
    [
        pytest.param(70.0, "70", id="whole"),
        pytest.param(66.2999999, "66.3", id="rounded"),
        pytest.param(71.666666, "71.67", id="two-decimals"),
        pytest.param(-0.001, "-0.001", id="tiny-keeps-figures"),
        pytest.param(-0.0001, "-0.0001", id="tinier"),
        pytest.param(-0.004999, "-0.005", id="tiny-rounded"),
        pytest.param(-1e-12, "-1e-12", id="very-tiny"),
        pytest.param(0.0, "0", id="zero"),
        pytest.param(-0.0, "0", id="negative-zero"),
        pytest.param(12345.678, "12345.68", id="large"),
        pytest.param(float("inf"), "inf", id="infinite"),
    ],
)
def test_sentences_round_numbers_only_in_words(x: float, text: str) -> None:
    assert say(x) == text


def test_dates_are_said_without_the_locale() -> None:
    assert say_month(date(2011, 3, 31)) == "March 2011"
    assert say_date(date(2008, 9, 30)) == "30 September 2008"
