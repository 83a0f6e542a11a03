"""The framework read model: every event folded into one row per indicator.

Reporting decides nothing: it records what the other services said, so it
can be thrown away and rebuilt from the log (``pmf replay``).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shared.events.definitions import INDICATOR_EVENT_TYPES, apply_definition_event
from shared.events.envelope import EventEnvelope, iso
from shared.messaging.consumers import ApplyContext, Projection

from .tables import framework_rows, metadata, settings_row


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _load(ctx: ApplyContext, code: str) -> dict[str, Any]:
    """The indicator's row; a new empty one when events arrive out of order.

    On Kafka, a result can arrive before its indicator's registration (they
    travel on different topics), so nothing is dropped for lack of a row.
    """
    t = framework_rows
    row = ctx.conn.execute(sa.select(t).where(t.c.code == code)).mappings().first()
    if row is None:
        ctx.conn.execute(t.insert().values(code=code, definition="null", results="{}"))
        return {"definition": None, "results": {}, "assessment": None}
    return {
        "definition": json.loads(row["definition"]),
        "results": json.loads(row["results"]),
        "assessment": json.loads(row["assessment"]) if row["assessment"] else None,
    }


def _store(ctx: ApplyContext, code: str, row: dict[str, Any]) -> None:
    t = framework_rows
    values = {
        "definition": _dumps(row["definition"]),
        "results": _dumps(row["results"]),
        "assessment": _dumps(row["assessment"]) if row["assessment"] else None,
    }
    ctx.conn.execute(t.update().where(t.c.code == code).values(**values))


def _on_indicator(ctx: ApplyContext, e: EventEnvelope) -> None:
    code = e.data["code"]
    row = _load(ctx, code)
    row["definition"] = apply_definition_event(row["definition"], e.type, e.data)
    _store(ctx, code, row)


def _on_result(ctx: ApplyContext, e: EventEnvelope) -> None:
    d = e.data
    row = _load(ctx, d["indicator_code"])
    source = "laa" if e.type == "LaaResultReceived" else "lead"
    row["results"][d["period_end"]] = {
        "value": d["value"],
        "period_end": d["period_end"],
        "prediction": d.get("prediction"),
        "breakdowns": d.get("breakdowns"),
        "commentary": d.get("commentary"),
        "data_quality": d.get("data_quality"),
        "source": source,
        "result_id": d.get("result_id"),
        "submitted_by": e.actor,
        "submitted_at": iso(e.recorded_at),
    }
    _store(ctx, d["indicator_code"], row)


def _on_assessment(ctx: ApplyContext, e: EventEnvelope) -> None:
    if e.data.get("round_id"):
        return  # round assessments feed the round reports, not the framework
    code = e.data["indicator_code"]
    row = _load(ctx, code)
    row["assessment"] = dict(e.data)
    _store(ctx, code, row)


def _on_settings(ctx: ApplyContext, e: EventEnvelope) -> None:
    t = settings_row
    raw = _dumps(e.data)
    if ctx.conn.execute(t.update().where(t.c.id == 1).values(data=raw)).rowcount == 0:
        ctx.conn.execute(t.insert().values(id=1, data=raw))


def _create(engine: Engine) -> None:
    metadata.create_all(engine)


def framework_projection() -> Projection:
    """The reporting read model of the framework."""
    handlers = dict.fromkeys(INDICATOR_EVENT_TYPES, _on_indicator)
    handlers.update(
        {
            "ReturnSubmitted": _on_result,
            "LaaResultReceived": _on_result,
            "AssessmentChanged": _on_assessment,
            "FrameworkSettingsChanged": _on_settings,
        }
    )
    return Projection(
        name="reporting.framework", handlers=handlers, create_schema=_create
    )
