"""When indicator, return or round events arrive, then reassess what they touch.

The policy keeps every fact with its key (when it was recorded in the log, then
its stream and version) and decides answers in that causal order, never in the
order facts happen to be delivered: in distributed mode indicator events and
returns travel on different topics, so a consumer may see a return before the
registration recorded months earlier, or a round closed before a target set
the day before. See :mod:`services.assessment.timeline` for the rule and
docs/assessment.md ("Causal order") for why.

A batch is applied as a whole: all its facts are recorded first (one statement
per kind), then each touched indicator is replayed once from the earliest
moment the batch touched, only changed answers are emitted (one append per
assessment stream), and answers are written back set-based. Each indicator has
a current assessment (all results; missing and stale returns judged at the
latest round that is closed or past its deadline) and one assessment per round
(results up to the round's period end). Flags in a round become
``ChallengeRaised`` events once the round is closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from shared import codec
from shared.events.catalogue import current_version
from shared.events.definitions import INDICATOR_EVENT_TYPES
from shared.events.envelope import EventEnvelope, Metadata, NewEvent
from shared.eventstore.store import StreamAppend
from shared.messaging.consumers import ApplyContext, Handler, Projection

from . import state
from .definitions import apply_indicator_event
from .memory import HELD, added_facts, ensure_writer_row
from .state import Answers, NewFacts, dumps, fact_key, moment_of
from .tables import metadata, rounds
from .timeline import CURRENT, IndicatorFacts, moment, replay

ACTOR = "service:assessment"
RESULT_TYPES = ("ReturnSubmitted", "LaaResultReceived")
ROUND_TYPES = ("RoundOpened", "RoundClosed", "RoundDeadlinePassed")
SETTINGS_TYPE = "FrameworkSettingsChanged"


def _event(event_type: str, data: dict[str, Any], at: str) -> NewEvent:
    return NewEvent(
        type=event_type,
        data=data,
        schema_version=current_version(event_type),
        occurred_at=datetime.fromisoformat(at.split("/")[0].replace("Z", "+00:00")),
    )


def _record_round(ctx: ApplyContext, e: EventEnvelope) -> dict[str, Any]:
    """Keep a round's present state for the routes; return the event as a fact."""
    d = e.data
    if e.type == "RoundOpened":
        state.upsert(
            ctx.conn,
            rounds,
            {"id": d["id"]},
            period_end=d["period_end"],
            scope=codec.dumps(d["scope"]) if d.get("scope") is not None else None,
            closed=False,
            deadline_passed=False,
        )
    else:
        column = "closed" if e.type == "RoundClosed" else "deadline_passed"
        ctx.conn.execute(
            rounds.update().where(rounds.c.id == d["id"]).values({column: True})
        )
    opened = e.type == "RoundOpened"
    return {
        "key": fact_key(e),
        "round_id": d["id"],
        "kind": e.type,
        "period_end": d["period_end"] if opened else None,
        "scope": (
            codec.dumps(d["scope"]) if opened and d.get("scope") is not None else None
        ),
    }


def apply_batch(ctx: ApplyContext, events: Sequence[EventEnvelope]) -> None:
    """Record every fact of the batch, then reassess each touched indicator once."""
    HELD.begin(ctx.conn)
    codes = {
        e.data["code"] if e.type in INDICATOR_EVENT_TYPES else e.data["indicator_code"]
        for e in events
        if e.type in INDICATOR_EVENT_TYPES or e.type in RESULT_TYPES
    }
    now = state.load_definitions_now(ctx.conn, sorted(codes))
    new = NewFacts(sorted(codes - set(now)), {}, [], [], [], [])
    start: dict[str, str] = {}  # code -> earliest moment the batch touched
    shared_start: str | None = None  # the same, for facts touching every code
    for e in events:
        at = moment_of(e)
        if e.type in INDICATOR_EVENT_TYPES:
            code = e.data["code"]
            definition = apply_indicator_event(now.get(code), e.type, e.data)
            now[code] = new.definitions_now[code] = definition
            new.definitions.append(
                {"code": code, "key": fact_key(e), "definition": dumps(definition)}
            )
        elif e.type in RESULT_TYPES:
            d = e.data
            code = d["indicator_code"]
            lead = e.type == "ReturnSubmitted"
            new.results.append(
                {
                    "code": code,
                    "key": fact_key(e),
                    "period_end": d["period_end"],
                    "value": codec.dumps(d["value"]),
                    "prediction": d.get("prediction") if lead else None,
                    "source": "lead" if lead else "laa",
                }
            )
        elif e.type == SETTINGS_TYPE:
            new.settings.append({"key": fact_key(e), "data": dumps(e.data)})
            shared_start = min(at, shared_start or at)
            continue
        else:
            new.round_events.append(_record_round(ctx, e))
            shared_start = min(at, shared_start or at)
            continue
        start[code] = min(at, start.get(code, at))
    state.write_facts(ctx.conn, new)
    if shared_start is not None:
        for code in state.known_codes(ctx.conn):
            start[code] = min(shared_start, start.get(code, shared_start))
    added = added_facts(new.definitions, new.results)
    reassess(ctx, start, Metadata().caused_by(events[-1], ACTOR), added)


def reassess(
    ctx: ApplyContext,
    start: dict[str, str],
    meta: Metadata,
    added: dict[str, IndicatorFacts] | None = None,
) -> None:
    """Replay each indicator in ``start`` from its moment; emit and save changes.

    The caller has begun the change (``HELD.begin``) in this transaction and
    written the facts it adds; ``added`` holds those definitions and results
    by code, for the indicators whose facts are held in memory.
    """
    if not start:
        return
    shared = state.load_shared(ctx.conn)
    codes = sorted(start)
    for i in range(0, len(codes), state.CHUNK):
        chunk = codes[i : i + state.CHUNK]
        out = Answers([], [], [], [], [])
        emits: list[tuple[str, list[NewEvent]]] = []
        held, missing = HELD.take({c: start[c] for c in chunk})
        for code, facts in held.items():
            new = added.get(code) if added else None
            if new is not None:
                facts.definitions.extend(new.definitions)
                facts.results.extend(new.results)
        loaded = state.load_indicators(ctx.conn, {c: start[c] for c in missing})
        assessed = sorted([*held.values(), *loaded], key=lambda f: f.code)
        for facts in assessed:
            replayed = replay(facts, shared, start[facts.code])
            code = facts.code
            by_stream: dict[str, list[NewEvent]] = {}
            for rid, flag, at in replayed.withdrawn:
                by_stream.setdefault(f"assessment:{rid}:{code}", []).append(
                    _event(
                        "ChallengeWithdrawn",
                        {
                            "indicator_code": code,
                            "round_id": rid,
                            "flag": flag,
                            "facts_at": at,
                        },
                        at,
                    )
                )
            for said in replayed.said:
                stream = (
                    f"assessment:{code}"
                    if said.series == CURRENT
                    else f"assessment:{said.series}:{code}"
                )
                events = by_stream.setdefault(stream, [])
                if said.changed:
                    before = facts.said.setdefault(said.series, {})
                    row = {
                        "b_code": code,
                        "b_series": said.series,
                        "b_at": said.at,
                        "b_data": dumps(said.data),
                    }
                    if said.at in before:
                        out.said_changed.append(row)
                    else:
                        out.said_new.append(
                            {
                                "code": code,
                                "series": said.series,
                                "at": said.at,
                                "data": row["b_data"],
                            }
                        )
                    # As a later load would decode it: what is held is what
                    # the table holds.
                    before[said.at] = codec.loads(row["b_data"])
                    events.append(
                        _event(
                            "AssessmentChanged",
                            {**said.data, "facts_at": said.at},
                            said.at,
                        )
                    )
                for challenge in said.challenges:
                    events.append(
                        _event(
                            "ChallengeRaised",
                            {**challenge, "facts_at": said.at},
                            said.at,
                        )
                    )
            emits.extend((s, evs) for s, evs in by_stream.items() if evs)
            for series, (at, data) in replayed.newest.items():
                shown = dumps({**data, "facts_at": at})
                if series == CURRENT:
                    out.current.append({"b_code": code, "b_assessment": shown})
                    continue
                raised = dumps(replayed.raised.get(series, {}))
                was_raised = series in facts.raised
                facts.raised[series] = codec.loads(raised)
                if was_raised:
                    out.rounds_changed.append(
                        {
                            "b_round_id": series,
                            "b_code": code,
                            "b_data": shown,
                            "b_raised": raised,
                        }
                    )
                else:
                    out.rounds_new.append(
                        {
                            "round_id": series,
                            "code": code,
                            "data": shown,
                            "raised": raised,
                        }
                    )
        state.write_answers(ctx.conn, out)
        if emits:
            ctx.emit_many([StreamAppend(s, None, evs, meta) for s, evs in emits])
        for facts in assessed:
            HELD.keep(facts)


def _one_at_a_time(ctx: ApplyContext, e: EventEnvelope) -> None:
    apply_batch(ctx, [e])


def _create(engine: Engine) -> None:
    metadata.create_all(engine)
    ensure_writer_row(engine)


def assessment_policy() -> Projection:
    """The assessment consumer: indicator, return and round events in."""
    types = [*INDICATOR_EVENT_TYPES, *RESULT_TYPES, SETTINGS_TYPE, *ROUND_TYPES]
    handlers: dict[str, Handler] = dict.fromkeys(types, _one_at_a_time)
    return Projection(
        name="assessment",
        handlers=handlers,
        create_schema=_create,
        apply_batch=apply_batch,
    )


__all__ = ["ACTOR", "apply_batch", "assessment_policy", "moment", "reassess"]
