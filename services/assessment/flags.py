"""The challenge flags of section 5: where a reported prediction is not robust.

Each flag is a named rule with a one-line explanation the Executive reads. They are
raised in one fixed order (the order of `FLAG_CODES`) so that the same facts always
give the same list.

Decisions where section 5 is silent:
- "The latest return" is the latest current result by period_end (a correction
  supersedes); NO_PREDICTION looks only at it, so a newer LAA result exempts the
  indicator even if an older lead return had no prediction.
- MISSING_RETURN needs a round that is closed and holds the indicator in scope; the
  caller decides that (a passed deadline counts as closed).
- STALE_RESULT looks at the latest result with period_end on or before the round's
  period_end; with no such result there is nothing stale (MISSING_RETURN speaks).
- NO_LEAD treats a blank lead organisation or named lead as missing.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable, Sequence
from datetime import date

from services.assessment.facts import (
    Definition,
    Flag,
    Frequency,
    Result,
    RoundContext,
    Status,
)
from services.assessment.numbers import gt, is_zero, say, say_date

FLAG_CODES = (
    "PREDICTION_CONFLICT",
    "NO_PREDICTION",
    "MISSING_RETURN",
    "NO_TARGET",
    "NO_LEAD",
    "STALE_RESULT",
    "VOLATILE",
)

STALE_AFTER_MONTHS: dict[Frequency, int] = {
    "annual": 15,
    "half_yearly": 9,
    "quarterly": 6,
    # Not in PRODUCT section 5, which knows only the three above: a term's
    # result is stale once a term and a half has gone by without one, a
    # month's once a quarter has (docs/assessment.md).
    "termly": 6,
    "monthly": 3,
}


def challenge_flags(
    definition: Definition,
    history: Sequence[Result],
    status: Status,
    round: RoundContext | None = None,
) -> tuple[Flag, ...]:
    """Every flag that applies, in the order of `FLAG_CODES`.

    `history` is the current results (one per period_end) sorted by period_end.
    """
    checks: tuple[Callable[[], Flag | None], ...] = (
        lambda: prediction_conflict(history, status),
        lambda: no_prediction(history),
        lambda: missing_return(history, round),
        lambda: no_target(definition),
        lambda: no_lead(definition),
        lambda: stale_result(definition.frequency, history, round),
        lambda: volatile(history),
    )
    return tuple(flag for check in checks if (flag := check()) is not None)


def prediction_conflict(history: Sequence[Result], status: Status) -> Flag | None:
    """The lead predicts on target but the status is RED, or the reverse with GREEN.

    AMBER and GREY never conflict: neither says the target will or will not be met.
    """
    prediction = history[-1].prediction if history else None
    if prediction == "on_target" and status == "RED":
        return Flag(
            "PREDICTION_CONFLICT",
            "The lead predicts on target but the projection is off target (RED)",
        )
    if prediction == "off_target" and status == "GREEN":
        return Flag(
            "PREDICTION_CONFLICT",
            "The lead predicts off target but the projection is on target (GREEN)",
        )
    return None


def no_prediction(history: Sequence[Result]) -> Flag | None:
    """The latest return from a lead says nothing about the target (LAA exempt)."""
    if not history or history[-1].source != "lead" or history[-1].prediction:
        return None
    return Flag(
        "NO_PREDICTION",
        f"The latest return (period ending {say_date(history[-1].period_end)}) "
        "does not predict whether the target will be met",
    )


def missing_return(
    history: Sequence[Result], round: RoundContext | None
) -> Flag | None:
    """A closed round found no result for its period from an in-scope indicator."""
    if round is None or not round.closed or not round.in_scope:
        return None
    if any(r.period_end == round.period_end for r in history):
        return None
    return Flag(
        "MISSING_RETURN",
        f"No result for the period ending {say_date(round.period_end)} "
        f"although round {round.round_id} has closed",
    )


def no_target(definition: Definition) -> Flag | None:
    """Measurable and baselined, yet nobody has set the target to judge it by."""
    if not definition.measurable or definition.baseline is None:
        return None
    if definition.target is not None:
        return None
    return Flag("NO_TARGET", "The indicator is measurable but has no target")


def no_lead(definition: Definition) -> Flag | None:
    """Nobody (or no organisation) answers for the indicator."""
    missing = [
        what
        for what, given in (
            ("lead organisation", definition.lead_organisation),
            ("named lead", definition.named_lead),
        )
        if not (given and given.strip())
    ]
    if not missing:
        return None
    return Flag("NO_LEAD", f"The indicator has no {' and no '.join(missing)}")


def stale_result(
    frequency: Frequency, history: Sequence[Result], round: RoundContext | None
) -> Flag | None:
    """At the round's period_end the latest result is too old for its frequency.

    Stale when its period_end is earlier than the round's period_end moved back by
    15 (annual), 9 (half-yearly) or 6 (quarterly) calendar months.
    """
    if round is None:
        return None
    known = [r for r in history if r.period_end <= round.period_end]
    if not known:
        return None
    months = STALE_AFTER_MONTHS[frequency]
    if known[-1].period_end >= months_before(round.period_end, months):
        return None
    return Flag(
        "STALE_RESULT",
        f"The latest result is for the period ending {say_date(known[-1].period_end)}, "
        f"more than {months} months before {say_date(round.period_end)}",
    )


def volatile(history: Sequence[Result]) -> Flag | None:
    """The latest result moved by more than half the previous one: check the data."""
    if len(history) < 2:
        return None
    latest, previous = history[-1].value, history[-2].value
    if is_zero(previous) or not gt(abs(latest - previous), 0.5 * abs(previous)):
        return None
    return Flag(
        "VOLATILE",
        f"The latest result {say(latest)} differs from the previous {say(previous)} "
        "by more than half: check the data",
    )


def months_before(day: date, months: int) -> date:
    """`day` moved back by calendar months, the day clamped to the month's end.

    2009-03-31 minus 9 months is 2008-06-30; 2008-09-30 minus 6 is 2008-03-30.
    """
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    if year < date.min.year:
        return date.min  # nothing can be older: no result is stale
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))
