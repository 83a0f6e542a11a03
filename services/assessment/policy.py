"""When indicator or return events arrive, then reassess the indicators touched.

The policy keeps each indicator's facts (definition and results) in its own
table, re-runs the pure rules for only the indicators an event touches (all
of them for a settings change), and emits ``AssessmentChanged`` only when the
answer differs from the last one, so the log does not fill with repeats.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from shared.events.catalogue import current_version
from shared.events.envelope import EventEnvelope, Metadata, NewEvent
from shared.messaging.consumers import ApplyContext, Projection

from .assess import assess
from .definitions import apply_indicator_event, to_definition
from .facts import FrameworkSettings, Result
from .tables import framework_settings, indicator_facts, metadata

ACTOR = "service:assessment"
INDICATOR_EVENTS = (
    "IndicatorRegistered",
    "IndicatorAmended",
    "LeadOrganisationAssigned",
    "NamedLeadAssigned",
    "BaselineRecorded",
    "TargetSet",
    "MilestonesSet",
    "IndicatorRetired",
)


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _row(conn: Connection, code: str) -> dict[str, Any]:
    t = indicator_facts
    row = conn.execute(sa.select(t).where(t.c.code == code)).mappings().first()
    if row is None:
        conn.execute(t.insert().values(code=code, results="[]"))
        return {"code": code, "definition": None, "results": [], "assessment": None}
    return {
        "code": code,
        "definition": json.loads(row["definition"]) if row["definition"] else None,
        "results": json.loads(row["results"]),
        "assessment": json.loads(row["assessment"]) if row["assessment"] else None,
    }


def _save(conn: Connection, row: dict[str, Any]) -> None:
    t = indicator_facts
    conn.execute(
        t.update()
        .where(t.c.code == row["code"])
        .values(
            definition=_dumps(row["definition"]) if row["definition"] else None,
            results=_dumps(row["results"]),
            assessment=_dumps(row["assessment"]) if row["assessment"] else None,
        )
    )


def current_settings(conn: Connection) -> FrameworkSettings:
    """The framework settings the assessment is applying."""
    raw = conn.execute(sa.select(framework_settings.c.data)).scalar()
    if raw is None:
        return FrameworkSettings()
    d = json.loads(raw)
    return FrameworkSettings(
        rag_mode=d["rag_mode"],
        amber_fraction=float(d["amber_fraction"]),
        significance=float(d["significance"]),
    )


def _reassess(ctx: ApplyContext, row: dict[str, Any], cause: EventEnvelope) -> None:
    if row["definition"] is None:
        return
    results = [Result.from_dict(r) for r in row["results"]]
    answer = assess(
        to_definition(row["definition"]), results, current_settings(ctx.conn)
    )
    data = {"indicator_code": row["code"], **answer.to_dict()}
    if data == row["assessment"]:
        return
    row["assessment"] = data
    ctx.emit(
        f"assessment:{row['code']}",
        [
            NewEvent(
                type="AssessmentChanged",
                data=data,
                schema_version=current_version("AssessmentChanged"),
            )
        ],
        Metadata().caused_by(cause, ACTOR),
    )


def _on_indicator(ctx: ApplyContext, e: EventEnvelope) -> None:
    row = _row(ctx.conn, e.data["code"])
    row["definition"] = apply_indicator_event(row["definition"], e.type, e.data)
    _reassess(ctx, row, e)
    _save(ctx.conn, row)


def _on_result(ctx: ApplyContext, e: EventEnvelope) -> None:
    d = e.data
    row = _row(ctx.conn, d["indicator_code"])
    source = "laa" if e.type == "LaaResultReceived" else "lead"
    row["results"].append(
        {
            "period_end": d["period_end"],
            "value": d["value"],
            "prediction": d.get("prediction") if source == "lead" else None,
            "source": source,
        }
    )
    _reassess(ctx, row, e)
    _save(ctx.conn, row)


def _on_settings(ctx: ApplyContext, e: EventEnvelope) -> None:
    t = framework_settings
    raw = _dumps(e.data)
    if ctx.conn.execute(t.update().where(t.c.id == 1).values(data=raw)).rowcount == 0:
        ctx.conn.execute(t.insert().values(id=1, data=raw))
    codes = [r[0] for r in ctx.conn.execute(sa.select(indicator_facts.c.code))]
    for code in sorted(codes):
        row = _row(ctx.conn, code)
        _reassess(ctx, row, e)
        _save(ctx.conn, row)


def _create(engine: Engine) -> None:
    metadata.create_all(engine)


def assessment_policy() -> Projection:
    """The assessment consumer: indicator and return events in, assessments out."""
    handlers = dict.fromkeys(INDICATOR_EVENTS, _on_indicator)
    handlers.update(
        {
            "ReturnSubmitted": _on_result,
            "LaaResultReceived": _on_result,
            "FrameworkSettingsChanged": _on_settings,
        }
    )
    return Projection(name="assessment", handlers=handlers, create_schema=_create)
