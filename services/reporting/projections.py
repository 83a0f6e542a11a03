"""The reporting read models: every event folded into views people read.

Reporting decides nothing: it records what the other services said, so it
can be thrown away and rebuilt from the log (``pmf replay``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shared import codec
from shared.events.definitions import INDICATOR_EVENT_TYPES, apply_definition_event
from shared.events.envelope import EventEnvelope, iso
from shared.messaging.consumers import ApplyContext, Projection

from .tables import (
    actions,
    comparator_figures,
    framework_rows,
    metadata,
    results,
    results_index,
    round_assessments,
    rounds,
    settings_history,
    timeline,
    versions,
)


def dumps(value: Any) -> str:
    """Canonical JSON for stored documents."""
    return codec.dumps(value)


def _upsert(
    ctx: ApplyContext, table: sa.Table, keys: dict[str, Any], **values: Any
) -> None:
    where = [table.c[k] == v for k, v in keys.items()]
    if ctx.conn.execute(table.update().where(*where).values(**values)).rowcount == 0:
        ctx.conn.execute(table.insert().values(**keys, **values))


def _load(ctx: ApplyContext, code: str) -> dict[str, Any]:
    """The indicator's row; a new empty one when events arrive out of order.

    On Kafka, a result can arrive before its indicator's registration (they
    travel on different topics), so nothing is dropped for lack of a row.
    """
    t = framework_rows
    row = ctx.conn.execute(sa.select(t).where(t.c.code == code)).mappings().first()
    if row is None:
        ctx.conn.execute(t.insert().values(code=code, definition="null"))
        return {"definition": None, "latest": None, "assessment": None}
    return {
        "definition": codec.loads(row["definition"]),
        "latest": codec.loads(row["latest"]) if row["latest"] else None,
        "assessment": codec.loads(row["assessment"]) if row["assessment"] else None,
    }


def _store(ctx: ApplyContext, code: str, row: dict[str, Any], **extra: Any) -> None:
    t = framework_rows
    values = {
        "definition": dumps(row["definition"]),
        "latest": dumps(row["latest"]) if row["latest"] else None,
        "assessment": dumps(row["assessment"]) if row["assessment"] else None,
        **extra,
    }
    ctx.conn.execute(t.update().where(t.c.code == code).values(**values))


def fact_key(e: EventEnvelope) -> str:
    """An event's place in causal order: when it was recorded, then its stream."""
    return (
        f"{iso(e.occurred_at)}/{iso(e.recorded_at)}/{e.stream}/{e.stream_version:012d}"
    )


def answer_key(e: EventEnvelope, rank: str) -> str:
    """Where an assessment's answer goes: after the facts of the moment it used.

    ``facts_at`` is that moment (``occurred_at/recorded_at``); ``~`` sorts after
    any stream name, so the answer follows the facts it was computed from.
    """
    at = e.data.get("facts_at")
    return f"{at}/~/{rank}" if at else fact_key(e)


def _timeline(
    ctx: ApplyContext,
    e: EventEnvelope,
    code: str,
    kind: str,
    data: dict[str, Any],
    period_end: str | None = None,
    round_id: str | None = None,
    sort_key: str | None = None,
) -> None:
    """Add a row to an indicator's timeline, or restate the row at ``sort_key``.

    An answer said again for the same moment (a fact arrived late and changed
    it) replaces the earlier one rather than adding to the history.
    """
    values = {
        "valid_from": iso(e.occurred_at),
        "recorded_at": iso(e.recorded_at),
        "period_end": period_end,
        "round_id": round_id,
        "event_type": e.type,
        "actor": e.actor,
        "data": dumps(data),
    }
    if sort_key is not None:
        t = timeline
        where = (t.c.code == code, t.c.kind == kind, t.c.sort_key == sort_key)
        if ctx.conn.execute(t.update().where(*where).values(**values)).rowcount:
            return
    ctx.conn.execute(
        timeline.insert().values(
            code=code, kind=kind, sort_key=sort_key or fact_key(e), **values
        )
    )


def _newer(stored: dict[str, Any] | None, data: dict[str, Any]) -> bool:
    """Whether an answer is for a moment at or after the stored one's."""
    if stored is None:
        return True
    return str(data.get("facts_at") or "") >= str(stored.get("facts_at") or "")


def _on_indicator(ctx: ApplyContext, e: EventEnvelope) -> None:
    code = e.data["code"]
    row = _load(ctx, code)
    row["definition"] = apply_definition_event(row["definition"], e.type, e.data)
    extra = (
        {"registered_at": iso(e.occurred_at)} if e.type == "IndicatorRegistered" else {}
    )
    _store(ctx, code, row, **extra)
    if row["definition"] is not None:
        change = {k: v for k, v in e.data.items() if k != "code"}
        _timeline(
            ctx,
            e,
            code,
            "definition",
            {"definition": row["definition"], "change": change},
        )


def _on_result(ctx: ApplyContext, e: EventEnvelope) -> None:
    d = e.data
    code, period = d["indicator_code"], d["period_end"]
    row = _load(ctx, code)
    source = "laa" if e.type == "LaaResultReceived" else "lead"
    seen = ctx.conn.execute(
        sa.select(results.c.period_end).where(
            results.c.code == code, results.c.period_end == period
        )
    ).first()
    result = {
        "value": d["value"],
        "period_end": period,
        "prediction": d.get("prediction"),
        "breakdowns": d.get("breakdowns"),
        **_counts_of(d),
        "commentary": d.get("commentary"),
        "data_quality": d.get("data_quality"),
        "source": source,
        "result_id": d.get("result_id"),
        "correction": seen is not None,
        "submitted_by": e.actor,
        "submitted_at": iso(e.recorded_at),
    }
    _upsert(ctx, results, {"code": code, "period_end": period}, data=dumps(result))
    _timeline(ctx, e, code, "result", result, period_end=period)
    latest = row["latest"]
    if latest is None or period >= latest["period_end"]:
        row["latest"] = result
        _store(ctx, code, row)


def _on_assessment(ctx: ApplyContext, e: EventEnvelope) -> None:
    code = e.data["indicator_code"]
    round_id = e.data.get("round_id")
    if round_id:
        t = round_assessments
        raw = ctx.conn.execute(
            sa.select(t.c.data).where(t.c.round_id == round_id, t.c.code == code)
        ).scalar()
        if _newer(codec.loads(raw) if raw else None, e.data):
            _upsert(ctx, t, {"round_id": round_id, "code": code}, data=dumps(e.data))
        return
    row = _load(ctx, code)
    if _newer(row["assessment"], e.data):  # topics interleave: keep the newest
        row["assessment"] = dict(e.data)
        _store(ctx, code, row)
    _timeline(ctx, e, code, "assessment", dict(e.data), sort_key=answer_key(e, "1"))


def _on_challenge(ctx: ApplyContext, e: EventEnvelope) -> None:
    d = e.data
    if e.type == "ChallengeDecided":
        _timeline(
            ctx, e, d["indicator_code"], "decision", dict(d), round_id=d["round_id"]
        )
        return
    _timeline(
        ctx,
        e,
        d["indicator_code"],
        "challenge",
        dict(d),
        round_id=d["round_id"],
        sort_key=answer_key(e, f"2/{d['round_id']}/{d['flag']}"),
    )


def _on_withdrawn(ctx: ApplyContext, e: EventEnvelope) -> None:
    """A challenge raised on facts that later proved incomplete leaves the history."""
    d = e.data
    t = timeline
    ctx.conn.execute(
        t.delete().where(
            t.c.code == d["indicator_code"],
            t.c.kind == "challenge",
            t.c.sort_key == answer_key(e, f"2/{d['round_id']}/{d['flag']}"),
        )
    )


def _on_settings(ctx: ApplyContext, e: EventEnvelope) -> None:
    ctx.conn.execute(
        settings_history.insert().values(
            valid_from=iso(e.occurred_at), data=dumps(e.data)
        )
    )


def _on_version(ctx: ApplyContext, e: EventEnvelope) -> None:
    d = e.data
    snapshot = {"settings": d["settings"], "indicators": d["indicators"]}
    _upsert(
        ctx,
        versions,
        {"number": d["number"]},
        label=d["label"],
        note=d.get("note"),
        published_at=iso(e.occurred_at),
        published_by=e.actor,
        snapshot=dumps(snapshot),
    )


def _on_round(ctx: ApplyContext, e: EventEnvelope) -> None:
    rid = e.data["id"]
    raw = ctx.conn.execute(sa.select(rounds.c.data).where(rounds.c.id == rid)).scalar()
    current = codec.loads(raw) if raw else {}
    if e.type == "RoundOpened":
        current = {**e.data, "closed": False, "deadline_passed": False}
        current["opened_at"] = iso(e.occurred_at)
    elif e.type == "RoundClosed":
        current["closed"] = True
        current["closed_at"] = iso(e.occurred_at)
    else:
        current["deadline_passed"] = True
    _upsert(ctx, rounds, {"id": rid}, data=dumps(current))


def _on_action(ctx: ApplyContext, e: EventEnvelope) -> None:
    d = e.data
    aid = d["id"]
    raw = ctx.conn.execute(
        sa.select(actions.c.data).where(actions.c.id == aid)
    ).scalar()
    current = codec.loads(raw) if raw else {}
    if e.type == "ActionAssigned":
        current = {
            **d,
            "completed": False,
            "completed_at": None,
            "assigned_by": e.actor,
        }
    else:
        current.update(
            completed=True, completed_at=iso(e.occurred_at), outcome=d.get("note")
        )
    _upsert(
        ctx,
        actions,
        {"id": aid},
        code=current["indicator_code"],
        round_id=current.get("round_id"),
        data=dumps(current),
    )
    _timeline(
        ctx,
        e,
        current["indicator_code"],
        "action",
        current,
        round_id=current.get("round_id"),
    )


def _on_comparators(ctx: ApplyContext, e: EventEnvelope) -> None:
    """Every figure of a load in one statement (a load holds thousands)."""
    d = e.data
    common = {
        "source": d["source"],
        "published": d.get("published"),
        "valid_from": iso(e.occurred_at),
    }
    rows = [
        {
            "indicator_code": r["indicator_code"],
            "area_code": r["area_code"],
            "period_end": r["period_end"],
            "area_type": r["area_type"],
            "area_name": r.get("area_name"),
            "value": float(r["value"]),
            **common,
        }
        for r in d["rows"]
    ]
    if rows:
        ctx.conn.execute(comparator_figures.insert(), rows)


def _create(engine: Engine) -> None:
    metadata.create_all(engine)
    # A database made by an older version has the table but not this index
    # (``create_all`` adds indexes only with their tables); PostgreSQL's are
    # migrated, an embedded SQLite file is brought up to date here.
    results_index.create(engine, checkfirst=True)


def framework_projection() -> Projection:
    """Every reporting read model."""
    handlers = dict.fromkeys(INDICATOR_EVENT_TYPES, _on_indicator)
    handlers.update(
        {
            "ReturnSubmitted": _on_result,
            "LaaResultReceived": _on_result,
            "AssessmentChanged": _on_assessment,
            "ChallengeRaised": _on_challenge,
            "ChallengeDecided": _on_challenge,
            "ChallengeWithdrawn": _on_withdrawn,
            "FrameworkSettingsChanged": _on_settings,
            "FrameworkVersionPublished": _on_version,
            "RoundOpened": _on_round,
            "RoundClosed": _on_round,
            "RoundDeadlinePassed": _on_round,
            "ActionAssigned": _on_action,
            "ActionCompleted": _on_action,
            "ComparatorFiguresLoaded": _on_comparators,
        }
    )
    from .batch import apply_in_segments  # it reuses this module's helpers

    def apply_batch(ctx: ApplyContext, events: Sequence[EventEnvelope]) -> None:
        apply_in_segments(ctx, events, handlers)

    return Projection(
        name="reporting.framework",
        handlers=handlers,
        create_schema=_create,
        apply_batch=apply_batch,
    )


def _counts_of(data: dict[str, Any]) -> dict[str, Any]:
    """The counts behind a breakdown, only on results that carry them."""
    counts = data.get("breakdown_counts")
    return {"breakdown_counts": counts} if counts else {}
