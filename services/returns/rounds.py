"""Collection rounds: state from events, the outstanding list, and which
indicators are due in a round by their frequency (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

from shared.events.envelope import EventEnvelope
from shared.periods import is_quarter_end

YEAR_END = (3, 31)  # the financial year ends on 31 March (PRODUCT section 2)
HALF_YEAR_ENDS = {(9, 30), (3, 31)}


def due(frequency: str, period_end: date) -> bool:
    """Whether an indicator of ``frequency`` has a result due for a round
    whose period ends on ``period_end`` (docs/rounds.md):

    - annual: only in the round that ends its year, 31 March;
    - half-yearly: at 30 September and 31 March;
    - quarterly: at every quarter end (30 Jun, 30 Sep, 31 Dec, 31 Mar);
    - termly and monthly: in every round, since every round's period (a
      quarter or a half-year) holds the end of at least one month and, in
      the school year's three terms (ending about Christmas, Easter and
      July), the latest term's result is the one to ask for.
    """
    at = (period_end.month, period_end.day)
    if frequency == "annual":
        return at == YEAR_END
    if frequency == "half_yearly":
        return at in HALF_YEAR_ENDS
    if frequency == "quarterly":
        return is_quarter_end(period_end)
    return True


def default_scope(
    indicators: Iterable[Mapping[str, Any]], period_end: date
) -> list[str]:
    """The codes a round asks for when it is opened without a scope: every
    measurable, non-retired indicator with a result due at ``period_end``."""
    return sorted(
        ind["code"]
        for ind in indicators
        if ind["measurable"]
        and not ind["retired"]
        and due(ind["frequency"], period_end)
    )


def stream_of(round_id: str) -> str:
    """The stream of one round's events."""
    return f"round:{round_id}"


@dataclass(frozen=True)
class Round:
    """A round as its events left it."""

    id: str
    period_end: str
    requested: str
    deadline: str
    scope: list[str] | None
    closed: bool = False
    deadline_passed: bool = False
    version: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready round."""
        d = asdict(self)
        d["status"] = "closed" if self.closed else "open"
        d.pop("version")
        return d

    def in_scope(self, ind: Mapping[str, Any]) -> bool:
        """Whether the round asks for this indicator's result. A round opened
        now always records its scope (:func:`default_scope` when none was
        given); one recorded without a scope by an older pmf asks every
        measurable, non-retired indicator, as it did then."""
        if self.scope is not None:
            return ind["code"] in self.scope
        return bool(ind["measurable"]) and not ind["retired"]


def fold(events: Iterable[EventEnvelope]) -> Round | None:
    """The round after its events (None when never opened)."""
    state: Round | None = None
    for e in events:
        if e.type == "RoundOpened":
            d = e.data
            state = Round(
                id=d["id"],
                period_end=d["period_end"],
                requested=d["requested"],
                deadline=d["deadline"],
                scope=d.get("scope"),
                version=e.stream_version,
            )
        elif e.type == "RoundClosed" and state is not None:
            state = replace(state, closed=True, version=e.stream_version)
        elif e.type == "RoundDeadlinePassed" and state is not None:
            state = replace(state, deadline_passed=True, version=e.stream_version)
    return state


def fold_all(events: Iterable[EventEnvelope]) -> list[Round]:
    """Every round in the events, newest period first."""
    by_stream: dict[str, list[EventEnvelope]] = {}
    for e in events:
        by_stream.setdefault(e.stream, []).append(e)
    found = [r for evs in by_stream.values() if (r := fold(evs)) is not None]
    return sorted(found, key=lambda r: (r.period_end, r.id), reverse=True)


def outstanding(
    state: Round, indicators: Iterable[Mapping[str, Any]], received: set[str]
) -> dict[str, Any]:
    """Who still owes a return, and which results the LAA stream will bring."""
    asked: list[dict[str, Any]] = []
    from_laa: list[dict[str, Any]] = []
    in_scope = 0
    for ind in sorted(indicators, key=lambda i: i["code"]):
        if not state.in_scope(ind):
            continue
        in_scope += 1
        if ind["code"] in received:
            continue
        entry = {
            "code": ind["code"],
            "title": ind["title"],
            "lead_organisation": ind["lead_organisation"],
            "named_lead": {"name": ind["lead_name"], "email": ind["lead_email"]}
            if ind["lead_name"]
            else None,
            "source": "laa" if ind["laa"] else "lead",
        }
        (from_laa if ind["laa"] else asked).append(entry)
    return {
        "round": state.to_dict(),
        "in_scope": in_scope,
        "received": in_scope - len(asked) - len(from_laa),
        "outstanding": asked,
        "awaiting_laa": from_laa,
    }
