"""How the assessment compares numbers, and how its sentences write numbers and dates.

Section 5 computes in floating point and says that every comparison treats a difference
within 1e-9 of a boundary as lying on the boundary: a projection that equals its target
up to rounding is on target, and equal values are `no_change`. Every rule compares
through these helpers so the tolerance is applied once, the same way, everywhere.
"""

from __future__ import annotations

import math
from datetime import date

EPS = 1e-9

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def is_zero(x: float) -> bool:
    """x is zero up to rounding."""
    return abs(x) <= EPS


def eq(a: float, b: float) -> bool:
    """a equals b up to rounding."""
    return abs(a - b) <= EPS


def geq(a: float, b: float) -> bool:
    """a >= b, where a within EPS below b counts as on the boundary."""
    return a - b >= -EPS


def leq(a: float, b: float) -> bool:
    """a <= b, where a within EPS above b counts as on the boundary."""
    return a - b <= EPS


def gt(a: float, b: float) -> bool:
    """a > b by more than rounding."""
    return a - b > EPS


def lt(a: float, b: float) -> bool:
    """a < b by more than rounding."""
    return a - b < -EPS


def say(x: float) -> str:
    """A number as a sentence shows it: at most two decimals, no trailing zeros.

    Stored numbers are never rounded; only the words are. Tiny non-zero numbers keep
    two significant figures so they do not read as 0.
    """
    if not math.isfinite(x):
        return str(x)
    rounded = round(x, 2)
    if rounded == 0 and x != 0:
        return f"{x:.2g}"
    text = f"{rounded:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def say_month(day: date) -> str:
    """'March 2011': locale-free, so explanations are the same on every machine."""
    return f"{_MONTHS[day.month - 1]} {day.year}"


def say_date(day: date) -> str:
    """'31 March 2011': locale-free, so explanations are the same on every machine."""
    return f"{day.day} {say_month(day)}"
