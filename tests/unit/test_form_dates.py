"""Dates typed into the web forms: as England writes them, or ISO."""

from __future__ import annotations

import pytest

from services.web.forms import form_date, parse_return


def fields(period_end: str) -> dict[str, str]:
    return {"indicator_code": "NI 50", "period_end": period_end, "value": "63.2"}


@pytest.mark.parametrize(
    "typed", ["31/03/2009", "31-03-2009", "2009-03-31", " 31/3/2009 "]
)
def test_a_return_takes_a_uk_or_iso_period_end(typed: str) -> None:
    command, errors = parse_return(fields(typed))
    assert errors == {}
    assert command is not None and command["period_end"].isoformat() == "2009-03-31"


@pytest.mark.parametrize("typed", ["31/13/2009", "March 2009", "03/31/2009"])
def test_a_date_that_is_not_one_is_refused_beside_its_field(typed: str) -> None:
    command, errors = parse_return(fields(typed))
    assert command is None
    assert errors["period_end"] == (
        "Enter the date the period ends, for example 31/03/2010 or 2010-03-31"
    )


def test_text_that_is_no_date_is_left_for_the_fields_own_check() -> None:
    assert form_date("soon") == "soon"
    assert form_date("1/4/2009") == "2009-04-01"
