"""When indicator, return or round events arrive, then reassess what they touch.

The policy keeps each indicator's facts, re-runs the pure rules for only the
indicators an event touches (all of them for a settings change or a round
event), and emits ``AssessmentChanged`` only when an answer differs from the
last one, so the log does not fill with repeats. Each indicator has a
current assessment (all results; missing and stale returns judged at the
latest round that is closed or past its deadline) and one assessment per
round (results up to the round's period end). Flags in a round become
``ChallengeRaised`` events once the round is closed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Engine

from shared.events.catalogue import current_version
from shared.events.definitions import INDICATOR_EVENT_TYPES
from shared.events.envelope import EventEnvelope, Metadata, NewEvent
from shared.messaging.consumers import ApplyContext, Projection

from . import state
from .assess import assess, decided_status
from .definitions import apply_indicator_event, to_definition
from .facts import FrameworkSettings, Result, RoundContext
from .highlights import concern_severity
from .state import RoundFacts, dumps
from .tables import framework_settings, metadata, rounds

ACTOR = "service:assessment"


def _event(event_type: str, data: dict[str, Any]) -> NewEvent:
    return NewEvent(
        type=event_type, data=data, schema_version=current_version(event_type)
    )


def answer(
    conn: Any,
    row: dict[str, Any],
    settings: FrameworkSettings,
    at: RoundFacts | None,
    for_round: bool,
) -> dict[str, Any]:
    """One assessment as event data: the rules' answer plus the decision on it."""
    definition = row["definition"]
    results = [Result.from_dict(r) for r in row["results"]]
    context = None
    if at is not None:
        results_used = (
            [r for r in results if r.period_end <= at.period_end]
            if for_round
            else results
        )
        context = RoundContext(
            at.id, at.period_end, at.reached, at.in_scope(definition)
        )
    else:
        results_used = results
    a = assess(to_definition(definition), results_used, settings, context)
    decision = state.load_decision(conn, at.id, row["code"]) if at else None
    prediction = a.latest.prediction if a.latest else None
    decided = (
        decided_status(a.status, decision["decision"], prediction) if decision else None
    )
    return {
        "indicator_code": row["code"],
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


def _latest_reached(all_rounds: Sequence[RoundFacts]) -> RoundFacts | None:
    reached = [r for r in all_rounds if r.reached]
    return max(reached, key=lambda r: (r.period_end, r.id)) if reached else None


def reassess(
    ctx: ApplyContext,
    code: str,
    cause: EventEnvelope | Metadata,
    rounds_to_do: Sequence[RoundFacts] | None = None,
    raise_in: frozenset[str] = frozenset(),
) -> None:
    """Recompute one indicator's current and round assessments; emit changes."""
    row = state.load_indicator(ctx.conn, code)
    if row["definition"] is None:
        return
    meta = cause if isinstance(cause, Metadata) else Metadata().caused_by(cause, ACTOR)
    settings = state.load_settings(ctx.conn)
    all_rounds = state.load_rounds(ctx.conn)
    current = answer(ctx.conn, row, settings, _latest_reached(all_rounds), False)
    if current != row["assessment"]:
        row["assessment"] = current
        state.save_indicator(ctx.conn, row)
        ctx.emit(f"assessment:{code}", [_event("AssessmentChanged", current)], meta)
    for r in all_rounds if rounds_to_do is None else rounds_to_do:
        _reassess_round(ctx, row, settings, r, meta, raise_now=r.id in raise_in)


def _reassess_round(
    ctx: ApplyContext,
    row: dict[str, Any],
    settings: FrameworkSettings,
    r: RoundFacts,
    meta: Metadata,
    raise_now: bool,
) -> None:
    code = row["code"]
    before, raised = state.load_round_assessment(ctx.conn, r.id, code)
    data = answer(ctx.conn, row, settings, r, True)
    events: list[NewEvent] = []
    if data != before:
        events.append(_event("AssessmentChanged", data))
    if r.closed or raise_now:
        for flag in data["flags"]:
            if flag["code"] in raised:
                continue
            raised.append(flag["code"])
            events.append(
                _event(
                    "ChallengeRaised",
                    {
                        "indicator_code": code,
                        "round_id": r.id,
                        "flag": flag["code"],
                        "explanation": flag["explanation"],
                        "computed_status": data["computed_status"],
                        "prediction": (data["latest"] or {}).get("prediction"),
                    },
                )
            )
    if events:
        state.save_round_assessment(ctx.conn, r.id, code, data, raised)
        ctx.emit(f"assessment:{r.id}:{code}", events, meta)


def _on_indicator(ctx: ApplyContext, e: EventEnvelope) -> None:
    row = state.load_indicator(ctx.conn, e.data["code"])
    row["definition"] = apply_indicator_event(row["definition"], e.type, e.data)
    state.save_indicator(ctx.conn, row)
    reassess(ctx, row["code"], e)


def _on_result(ctx: ApplyContext, e: EventEnvelope) -> None:
    d = e.data
    row = state.load_indicator(ctx.conn, d["indicator_code"])
    source = "laa" if e.type == "LaaResultReceived" else "lead"
    row["results"].append(
        {
            "period_end": d["period_end"],
            "value": d["value"],
            "prediction": d.get("prediction") if source == "lead" else None,
            "source": source,
        }
    )
    state.save_indicator(ctx.conn, row)
    reassess(ctx, row["code"], e)


def _on_settings(ctx: ApplyContext, e: EventEnvelope) -> None:
    state.upsert(ctx.conn, framework_settings, {"id": 1}, data=dumps(e.data))
    for code in state.all_codes(ctx.conn):
        reassess(ctx, code, e)


def _round(ctx: ApplyContext, round_id: str) -> RoundFacts | None:
    return next((r for r in state.load_rounds(ctx.conn) if r.id == round_id), None)


def _on_round_opened(ctx: ApplyContext, e: EventEnvelope) -> None:
    d = e.data
    state.upsert(
        ctx.conn,
        rounds,
        {"id": d["id"]},
        period_end=d["period_end"],
        scope=json.dumps(d["scope"]) if d.get("scope") is not None else None,
        closed=False,
        deadline_passed=False,
    )
    opened = _round(ctx, d["id"])
    assert opened is not None
    for code in state.all_codes(ctx.conn):
        reassess(ctx, code, e, rounds_to_do=[opened])


def _on_round_reached(ctx: ApplyContext, e: EventEnvelope) -> None:
    column = "closed" if e.type == "RoundClosed" else "deadline_passed"
    ctx.conn.execute(
        rounds.update().where(rounds.c.id == e.data["id"]).values({column: True})
    )
    reached = _round(ctx, e.data["id"])
    if reached is None:
        return
    for code in state.all_codes(ctx.conn):
        reassess(ctx, code, e, rounds_to_do=[reached])


def _create(engine: Engine) -> None:
    metadata.create_all(engine)


def assessment_policy() -> Projection:
    """The assessment consumer: indicator, return and round events in."""
    handlers = dict.fromkeys(INDICATOR_EVENT_TYPES, _on_indicator)
    handlers.update(
        {
            "ReturnSubmitted": _on_result,
            "LaaResultReceived": _on_result,
            "FrameworkSettingsChanged": _on_settings,
            "RoundOpened": _on_round_opened,
            "RoundClosed": _on_round_reached,
            "RoundDeadlinePassed": _on_round_reached,
        }
    )
    return Projection(name="assessment", handlers=handlers, create_schema=_create)
