"""Dates and periods of the plan: financial years, quarter and half-year ends."""

from __future__ import annotations

import re
from datetime import date

PLAN_START = date(2008, 4, 1)
PLAN_END = date(2011, 3, 31)

_PERIOD_ENDS = {(3, 31), (6, 30), (9, 30), (12, 31)}


def is_quarter_end(day: date) -> bool:
    """Whether ``day`` ends a quarter (30 Jun, 30 Sep, 31 Dec, 31 Mar)."""
    return (day.month, day.day) in _PERIOD_ENDS


def month_name_year(day: date) -> str:
    """'March 2011': how a Board paper names a date."""
    return day.strftime("%B %Y")


_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_UK_DAY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
DATE_FORMS = "31/03/2009 or 2009-03-31"


def parse_day(text: str) -> date:
    """A date as a council officer types it: ISO (2009-03-31) or the UK's
    day first (31/03/2009, 31-03-2009, 31.03.2009; 1/4/2009 too).

    Day-first is the only slashed order read: in England 03/04/2009 is the
    3rd of April, and an American month-first date either fails (31 is no
    month) or reads as the English do. A two-digit year is refused rather
    than guessed. Raises ``ValueError`` with a message naming the forms.
    """
    cleaned = text.strip()
    try:
        if m := _ISO_DAY.fullmatch(cleaned):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _UK_DAY.fullmatch(cleaned):
            return date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        raise ValueError(f"{text!r} is not a real date") from None
    raise ValueError(f"must be a date written {DATE_FORMS}, not {text!r}")
