"""The vocabulary of groups: synonyms read as one group, unknown groups refused."""

from __future__ import annotations

import pytest

from shared.breakdowns import (
    DIMENSIONS,
    OTHER,
    BreakdownError,
    canonical,
    describe,
    normalise,
)


@pytest.mark.parametrize(
    ("given", "key"),
    [
        ("Boys", "male"),
        ("FEMALE", "female"),
        ("Free school meals", "fsm"),
        ("non-FSM", "not_fsm"),
        ("Children in care", "looked_after"),
        ("EHC plan", "ehcp"),
        ("16-18", "age_16_18"),
        ("White British", "white_british"),
        ("locality: North East", "locality:north-east"),
    ],
)
def test_synonyms_read_as_the_canonical_group(given: str, key: str) -> None:
    assert canonical(given) == key


def test_every_canonical_key_names_itself() -> None:
    for dimension in DIMENSIONS:
        for key, label, _ in dimension.groups:
            assert canonical(key) == key
            assert canonical(label) == key
            assert describe(key).dimension == dimension.key


def test_a_breakdown_is_stored_under_canonical_keys_with_its_counts() -> None:
    values, counts = normalise(
        {"Boys": 60, "Girls": {"value": 66.5, "numerator": 133, "denominator": 200}}
    )
    assert values == {"male": 60.0, "female": 66.5}
    assert counts == {"female": {"numerator": 133, "denominator": 200}}


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ({"martians": 1.0}, "unknown breakdown group 'martians'"),
        ({"boys": 1.0, "male": 2.0}, "same group"),
        ({"fsm": "many"}, "not a finite number"),
        ({"fsm": float("nan")}, "not a finite number"),
        ({"fsm": {"value": 3, "numerator": 4}}, "together"),
        ({"fsm": {"value": 3, "numerator": 40, "denominator": 4}}, "larger"),
        ({"fsm": {"value": 3, "n": -1}}, "whole number"),
        ({"fsm": {"value": 3, "size": 10}}, "unknown field"),
        ({"": 1.0}, "1-100 characters"),
    ],
)
def test_a_bad_breakdown_says_which_group_and_why(
    given: dict[str, object], words: str
) -> None:
    with pytest.raises(BreakdownError, match=words):
        normalise(given)


def test_old_free_form_groups_are_still_read() -> None:
    assert describe("Cyclists").dimension == OTHER
    assert describe("Cyclists").label == "Cyclists"
    assert describe("Boys").key == "male"
