"""A fast stand-in for reporting's framework projection, for large synthetic logs.

Building the read model of a million-event log through the projection takes
longer than the benchmark budget, and the as-of benchmark measures only the
query. So this module writes the same ``rm_indicators`` and ``rm_timeline``
rows the projection would, for the event types the synthetic log holds,
with bulk inserts. ``bench.as_of`` checks, every run, that on a small log
the rows and the as-of answers equal those of the real projection.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.reporting.projections import dumps
from services.reporting.tables import framework_rows, results, timeline
from shared.events.definitions import INDICATOR_EVENT_TYPES, apply_definition_event
from shared.eventstore import tracking
from shared.eventstore.schema import events

HANDLED = {
    *INDICATOR_EVENT_TYPES,
    "ReturnSubmitted",
    "LaaResultReceived",
    "AssessmentChanged",
}
BATCH = 20_000


def build(engine: Engine) -> int:
    """Write reporting's rows for the whole log; returns the events read."""
    rows: dict[str, dict[str, Any]] = {}
    pending: list[dict[str, Any]] = []
    count = 0
    last = 0
    with engine.begin() as conn:
        result = conn.execute(sa.select(events).order_by(events.c.position))
        for e in result.mappings():
            count += 1
            last = e["position"]
            if e["type"] not in HANDLED:
                raise ValueError(f"the stand-in does not handle {e['type']}")
            pending += _apply(rows, e, json.loads(e["data"]))
            if len(pending) >= BATCH:
                conn.execute(timeline.insert(), pending)
                pending = []
        if pending:
            conn.execute(timeline.insert(), pending)
        conn.execute(
            framework_rows.insert(),
            [
                {
                    "code": code,
                    "registered_at": row["registered_at"],
                    "definition": dumps(row["definition"]),
                    "latest": dumps(row["latest"]) if row["latest"] else None,
                    "assessment": dumps(row["assessment"])
                    if row["assessment"]
                    else None,
                }
                for code, row in rows.items()
            ],
        )
        stored = [
            {"code": code, "period_end": period, "data": dumps(result)}
            for code, row in rows.items()
            for period, result in row["results"].items()
        ]
        if stored:
            conn.execute(results.insert(), stored)
        tracking.set_position(conn, "reporting.framework", last)
    return count


def _apply(
    rows: dict[str, dict[str, Any]], e: sa.RowMapping, d: dict[str, Any]
) -> list[dict[str, Any]]:
    kind = e["type"]
    code = d["code"] if kind in INDICATOR_EVENT_TYPES else d["indicator_code"]
    row = rows.setdefault(
        code,
        {
            "registered_at": None,
            "definition": None,
            "results": {},
            "latest": None,
            "assessment": None,
        },
    )
    base = {
        "code": code,
        "valid_from": e["occurred_at"],
        "recorded_at": e["recorded_at"],
        "period_end": None,
        "round_id": None,
        "event_type": kind,
        "actor": e["actor"],
        # the projection's causal order (projections.fact_key / answer_key)
        "sort_key": f"{e['occurred_at']}/{e['recorded_at']}/{e['stream']}/"
        f"{e['stream_version']:012d}",
    }
    if kind == "AssessmentChanged" and d.get("facts_at"):
        base["sort_key"] = f"{d['facts_at']}/~/1"
    if kind in INDICATOR_EVENT_TYPES:
        row["definition"] = apply_definition_event(row["definition"], kind, d)
        if kind == "IndicatorRegistered":
            row["registered_at"] = e["occurred_at"]
        if row["definition"] is None:
            return []
        change = {k: v for k, v in d.items() if k != "code"}
        data = {"definition": row["definition"], "change": change}
        return [{**base, "kind": "definition", "data": dumps(data)}]
    if kind == "AssessmentChanged":
        if d.get("round_id"):
            raise ValueError("the stand-in does not handle round assessments")
        row["assessment"] = dict(d)
        return [{**base, "kind": "assessment", "data": dumps(d)}]
    result = {
        "value": d["value"],
        "period_end": d["period_end"],
        "prediction": d.get("prediction"),
        "breakdowns": d.get("breakdowns"),
        "commentary": d.get("commentary"),
        "data_quality": d.get("data_quality"),
        "source": "laa" if kind == "LaaResultReceived" else "lead",
        "result_id": d.get("result_id"),
        "correction": d["period_end"] in row["results"],
        "submitted_by": e["actor"],
        "submitted_at": e["recorded_at"],
    }
    row["results"][d["period_end"]] = result
    out = [
        {**base, "kind": "result", "period_end": d["period_end"], "data": dumps(result)}
    ]
    latest = row["latest"]
    if latest is None or d["period_end"] >= latest["period_end"]:
        row["latest"] = result
    return out
