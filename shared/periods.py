"""Dates and periods of the plan: financial years, quarter and half-year ends."""

from __future__ import annotations

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
