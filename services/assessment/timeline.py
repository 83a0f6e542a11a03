"""An indicator's answers through time, from its facts in causal order.

Pure logic, no I/O: the policy loads an indicator's facts (each with its key,
see :mod:`services.assessment.tables`), the framework-wide facts (settings,
rounds) and the answers already said in the log, and this module replays the
facts in key order. At every **moment** (an ``occurred_at/recorded_at`` pair:
the facts one command recorded together) from ``start`` on, it works out the
current assessment and the assessment at each round using only the facts at or
before that moment, and says which answers the log must now carry:

* an answer that differs from the one in force just before (as the log reads
  after this replay), and
* a corrected answer for a moment the log already has an answer for, when a
  fact that arrived late (an earlier key than facts already applied) changed it.

So the log ends up with the same answer in force at every moment whatever
order the facts were delivered in; readers drop an answer equal to the one
before it (what a late fact can leave behind).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import Any

from .assess import assess, decided_status
from .definitions import to_definition
from .facts import Definition, FrameworkSettings, Result, RoundContext
from .highlights import concern_severity
from .state import RoundFacts

CURRENT = ""  # the series of the current assessment; rounds use their id
INSTANT = len("2009-04-30T12:00:00.000000Z/2009-04-30T12:00:00.000000Z")


def moment(key: str) -> str:
    """The moment part of a fact's key: when it was recorded in the log."""
    return key[:INSTANT]


@dataclass(frozen=True, slots=True)
class RoundEvent:
    """A round event as a fact: opened (with period and scope), closed, passed."""

    key: str
    round_id: str
    kind: str
    period_end: str | None = None
    scope: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class SharedFacts:
    """Facts that touch every indicator: settings changes and round events."""

    settings: Sequence[tuple[str, FrameworkSettings]] = ()
    rounds: Sequence[RoundEvent] = ()


@dataclass
class IndicatorFacts:
    """One indicator's own facts and what the log already says about it."""

    code: str
    definitions: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    results: list[tuple[str, Result]] = field(default_factory=list)
    # (key, round id, decision record)
    decisions: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    # series -> moment -> answer (without its moment) already in the log
    said: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    # round id -> flag code -> the challenge raised: {"at": moment, "data": ...}
    raised: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Said:
    """An answer the log must now carry, and the challenges it raises."""

    series: str
    at: str
    data: dict[str, Any]
    changed: bool  # whether an AssessmentChanged is due (else only challenges)
    challenges: tuple[dict[str, Any], ...] = ()


@dataclass
class Replayed:
    """What a replay decided: answers to emit, and the newest of each series."""

    said: list[Said] = field(default_factory=list)
    newest: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    raised: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    # (round id, flag, moment) of challenges raised on facts since found late
    withdrawn: list[tuple[str, str, str]] = field(default_factory=list)


def answer(
    definition: dict[str, Any],
    results: Sequence[Result],
    settings: FrameworkSettings,
    at: RoundFacts | None,
    for_round: bool,
    decision: dict[str, Any] | None,
    rules_view: Definition | None = None,
) -> dict[str, Any]:
    """One assessment as event data: the rules' answer plus the decision on it
    (``rules_view``: the definition already converted for the rules)."""
    context = None
    used = results
    if at is not None:
        if for_round:
            used = [r for r in results if r.period_end <= at.period_end]
        context = RoundContext(
            at.id, at.period_end, at.reached, at.in_scope(definition)
        )
    if rules_view is None:
        rules_view = to_definition(definition)
    a = assess(rules_view, used, settings, context)
    prediction = a.latest.prediction if a.latest else None
    decided = (
        decided_status(a.status, decision["decision"], prediction) if decision else None
    )
    return {
        "indicator_code": definition["code"],
        "round_id": at.id if for_round and at else None,
        "at_round": at.id if at else None,
        "in_scope": at.in_scope(definition) if at else None,
        **a.to_dict(),
        "computed_status": a.status,
        "decision": decision,
        "decided_status": decided,
        "shown_status": decided or a.status,
        "severity": concern_severity(a),
    }


def _fold_round(known: dict[str, RoundFacts], e: RoundEvent) -> dict[str, RoundFacts]:
    if e.kind == "RoundOpened":
        assert e.period_end is not None
        known[e.round_id] = RoundFacts(
            e.round_id, date.fromisoformat(e.period_end), e.scope, False, False
        )
        return known
    found = known.get(e.round_id)
    if found is None:
        return known  # closed before it was opened: nothing to judge at
    closed = found.closed or e.kind == "RoundClosed"
    passed = found.deadline_passed or e.kind == "RoundDeadlinePassed"
    known[e.round_id] = RoundFacts(
        found.id, found.period_end, found.scope, closed, passed
    )
    return known


def _facts_in_order(
    facts: IndicatorFacts, shared: SharedFacts
) -> list[tuple[str, str, Any]]:
    merged: list[tuple[str, str, Any]] = [
        *((k, "definition", d) for k, d in facts.definitions),
        *((k, "result", r) for k, r in facts.results),
        *((k, "decision", (rid, d)) for k, rid, d in facts.decisions),
        *((k, "settings", s) for k, s in shared.settings),
        *((e.key, "round", e) for e in shared.rounds),
    ]
    merged.sort(key=itemgetter(0))  # by key: causal order
    return merged


def _moments(merged: list[tuple[str, str, Any]]) -> Iterator[tuple[str, list[Any]]]:
    """The facts grouped by the moment they were recorded, in order."""
    group: list[tuple[str, str, Any]] = []
    for fact in merged:
        if group and moment(group[0][0]) != moment(fact[0]):
            yield moment(group[0][0]), group
            group = []
        group.append(fact)
    if group:
        yield moment(group[0][0]), group


def _latest_reached(known: Mapping[str, RoundFacts]) -> RoundFacts | None:
    reached = [r for r in known.values() if r.reached]
    return max(reached, key=lambda r: (r.period_end, r.id)) if reached else None


class _Folded:
    """An indicator's facts folded up to a moment: what the rules read."""

    __slots__ = ("decided", "definition", "known", "results", "settings")

    def __init__(self) -> None:
        self.definition: dict[str, Any] | None = None
        self.results: list[Result] = []
        self.settings = FrameworkSettings()
        self.known: dict[str, RoundFacts] = {}
        self.decided: dict[str, dict[str, Any]] = {}

    def add(self, kind: str, value: Any) -> None:
        if kind == "result":
            self.results.append(value)
        elif kind == "definition":
            self.definition = value
        elif kind == "settings":
            self.settings = value
        elif kind == "round":
            self.known = _fold_round(self.known, value)
        else:
            self.decided[value[0]] = value[1]


def replay(facts: IndicatorFacts, shared: SharedFacts, start: str) -> Replayed:
    """The answers of one indicator from moment ``start`` on (see module doc)."""
    out = Replayed()
    in_force: dict[str, dict[str, Any]] = {}
    # Challenges raised before ``start`` were decided on earlier facts only
    # and stand; those from ``start`` on are decided again.
    raised = {
        rid: {f: c for f, c in flags.items() if c["at"] < start}
        for rid, flags in facts.raised.items()
    }
    # The answer of each series in force just before ``start``: the last one
    # the log said before it (the facts it was said at may not be loaded: a
    # result since corrected for its period, a definition since replaced).
    for series, by_moment in facts.said.items():
        before = [m for m in by_moment if m < start]
        if before:
            in_force[series] = by_moment[max(before)]
    found: list[tuple[str, str, dict[str, Any], bool, list[dict[str, Any]]]] = []
    merged = _facts_in_order(facts, shared)
    # Facts before ``start`` are only folded: a key sorts before the moment
    # ``start`` exactly when its own moment is earlier.
    cut = bisect_left(merged, start, key=itemgetter(0))
    folded = _Folded()
    viewed: dict[str, Any] | None = None  # the definition ``rules_view`` is of
    rules_view: Definition | None = None
    for _key, kind, value in merged[:cut]:
        folded.add(kind, value)
    for at, group in _moments(merged[cut:]):
        for _key, kind, value in group:
            folded.add(kind, value)
        definition = folded.definition
        results = folded.results
        settings = folded.settings
        known = folded.known
        decided = folded.decided
        if definition is None:
            continue
        if rules_view is None or definition is not viewed:  # once per definition
            viewed, rules_view = definition, to_definition(definition)
        current_at = _latest_reached(known)
        answers = {
            CURRENT: answer(
                definition,
                results,
                settings,
                current_at,
                False,
                decided.get(current_at.id) if current_at else None,
                rules_view,
            )
        }
        for r in sorted(known.values(), key=lambda r: (r.period_end, r.id)):
            answers[r.id] = answer(
                definition, results, settings, r, True, decided.get(r.id), rules_view
            )
        for series, data in answers.items():
            said = facts.said.get(series, {}).get(at)
            must = data != said if said is not None else data != in_force.get(series)
            in_force[series] = data
            challenges: list[dict[str, Any]] = []
            if series != CURRENT and known[series].closed:
                for flag in data["flags"]:
                    if flag["code"] in raised.setdefault(series, {}):
                        continue
                    challenge = {
                        "indicator_code": facts.code,
                        "round_id": series,
                        "flag": flag["code"],
                        "explanation": flag["explanation"],
                        "computed_status": data["computed_status"],
                        "prediction": (data["latest"] or {}).get("prediction"),
                    }
                    raised[series][flag["code"]] = {"at": at, "data": challenge}
                    challenges.append(challenge)
            found.append((series, at, data, must, challenges))
            out.newest[series] = (at, data)
    _settle_challenges(facts, start, raised, found, out)
    return out


def _settle_challenges(
    facts: IndicatorFacts,
    start: str,
    raised: dict[str, dict[str, dict[str, Any]]],
    found: list[tuple[str, str, dict[str, Any], bool, list[dict[str, Any]]]],
    out: Replayed,
) -> None:
    """Say only challenges the log lacks; withdraw those raised on too few facts.

    A challenge raised at a moment from ``start`` on that this replay raises
    again unchanged is not said twice; one this replay does not raise at that
    moment (a late fact removed the flag, or it is now raised later) is
    withdrawn, so the challenges in the log are those of the causal order.
    """
    for rid, flags in facts.raised.items():
        for flag, before in flags.items():
            if before["at"] < start:
                continue
            if raised.get(rid, {}).get(flag, {}).get("at") != before["at"]:
                out.withdrawn.append((rid, flag, before["at"]))
    for series, at, data, must, challenges in found:
        said = facts.raised.get(series, {})
        new = tuple(
            c for c in challenges if said.get(c["flag"]) != {"at": at, "data": c}
        )
        if must or new:
            out.said.append(Said(series, at, data, must, new))
    out.raised = raised
