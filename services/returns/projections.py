"""The returns service's view of the framework, projected from indicator events.

A batch is applied set-based: the rows of the indicators it touches are read
once, every event is applied to them in memory in log order, and they are
written back with one executemany for new rows and one for changed rows. A
replay of a large framework (thousands of registrations) then costs a few
statements per batch instead of two per event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shared.events.envelope import EventEnvelope
from shared.eventstore import bulk
from shared.eventstore.members import in_json, members
from shared.messaging.consumers import ApplyContext, Projection

from .tables import known_indicators, metadata

_SELECT_ROWS = sa.select(known_indicators).where(
    in_json(known_indicators.c.code, "codes")
)


def _registered(ctx: ApplyContext, e: EventEnvelope) -> None:
    d = e.data
    lead = d.get("named_lead") or {}
    row = {
        "title": d["title"],
        "measurable": bool(d.get("measurable", True)),
        "retired": False,
        "laa": bool(d.get("laa", False)),
        "frequency": d.get("frequency") or "annual",
        "lead_organisation": d.get("lead_organisation"),
        "lead_name": lead.get("name"),
        "lead_email": (lead.get("email") or "").lower() or None,
    }
    _upsert(ctx, d["code"], row)


def _upsert(ctx: ApplyContext, code: str, row: dict[str, object]) -> None:
    t = known_indicators
    done = ctx.conn.execute(t.update().where(t.c.code == code).values(**row))
    if done.rowcount == 0:
        ctx.conn.execute(t.insert().values(code=code, **row))


def _update(ctx: ApplyContext, code: str, **values: object) -> None:
    t = known_indicators
    ctx.conn.execute(t.update().where(t.c.code == code).values(**values))


def _amended(ctx: ApplyContext, e: EventEnvelope) -> None:
    wanted = ("title", "measurable", "laa", "frequency")
    changes = {k: v for k, v in e.data["changes"].items() if k in wanted}
    if changes:
        _update(ctx, e.data["code"], **changes)


def _lead_org(ctx: ApplyContext, e: EventEnvelope) -> None:
    _update(ctx, e.data["code"], lead_organisation=e.data["lead_organisation"])


def _named_lead(ctx: ApplyContext, e: EventEnvelope) -> None:
    lead = e.data.get("named_lead") or {}
    email = (lead.get("email") or "").lower() or None
    _update(ctx, e.data["code"], lead_name=lead.get("name"), lead_email=email)


def _retired(ctx: ApplyContext, e: EventEnvelope) -> None:
    _update(ctx, e.data["code"], retired=True)


def _create(engine: Engine) -> None:
    metadata.create_all(engine)


# Called in the registration's transaction with the code just registered.
Release = Callable[[ApplyContext, str], None]


def known_indicators_projection(release: Release | None = None) -> Projection:
    """Keeps ``ret_indicators`` in step with the framework definition.

    ``release`` accepts the LAA results that arrived before the indicator's
    registration (distributed mode), in the same transaction as the upsert.
    """

    def registered(ctx: ApplyContext, e: EventEnvelope) -> None:
        _registered(ctx, e)
        if release is not None:
            release(ctx, e.data["code"])

    def apply_batch(ctx: ApplyContext, events: Sequence[EventEnvelope]) -> None:
        rows = _load(ctx, {e.data["code"] for e in events})
        known = set(rows)
        registered: list[str] = []
        for e in events:
            code = e.data["code"]
            if e.type == "IndicatorRegistered":
                rows[code] = _registered_row(e)
                registered.append(code)
            elif code in rows:
                rows[code].update(_changes(e))
        _write(ctx, rows, known)
        if release is not None:
            for code in registered:
                release(ctx, code)

    return Projection(
        name="returns.known_indicators",
        handlers={
            "IndicatorRegistered": registered,
            "IndicatorAmended": _amended,
            "LeadOrganisationAssigned": _lead_org,
            "NamedLeadAssigned": _named_lead,
            "IndicatorRetired": _retired,
        },
        create_schema=_create,
        apply_batch=apply_batch,
    )


_COLUMNS = [c.name for c in known_indicators.columns if c.name != "code"]
_t = known_indicators
_INSERT = _t.insert()
_UPDATE = (
    _t.update()
    .where(_t.c.code == sa.bindparam("b_code"))
    .values({c: sa.bindparam(f"b_{c}") for c in _COLUMNS})
)


def _registered_row(e: EventEnvelope) -> dict[str, Any]:
    d = e.data
    lead = d.get("named_lead") or {}
    return {
        "title": d["title"],
        "measurable": bool(d.get("measurable", True)),
        "retired": False,
        "laa": bool(d.get("laa", False)),
        "frequency": d.get("frequency") or "annual",
        "lead_organisation": d.get("lead_organisation"),
        "lead_name": lead.get("name"),
        "lead_email": (lead.get("email") or "").lower() or None,
    }


def _changes(e: EventEnvelope) -> dict[str, Any]:
    """What an event other than a registration changes in an indicator's row."""
    d = e.data
    if e.type == "IndicatorAmended":
        wanted = ("title", "measurable", "laa", "frequency")
        return {k: v for k, v in d["changes"].items() if k in wanted}
    if e.type == "LeadOrganisationAssigned":
        return {"lead_organisation": d["lead_organisation"]}
    if e.type == "NamedLeadAssigned":
        lead = d.get("named_lead") or {}
        email = (lead.get("email") or "").lower() or None
        return {"lead_name": lead.get("name"), "lead_email": email}
    if e.type == "IndicatorRetired":
        return {"retired": True}
    return {}


def _load(ctx: ApplyContext, codes: set[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    ordered = sorted(codes)
    for i in range(0, len(ordered), 500):
        bound = {"codes": members(ordered[i : i + 500])}
        for row in ctx.conn.execute(_SELECT_ROWS, bound).mappings():
            found[row["code"]] = {c: row[c] for c in _COLUMNS}
    return found


def _write(ctx: ApplyContext, rows: dict[str, dict[str, Any]], known: set[str]) -> None:
    new = [{"code": c, **r} for c, r in rows.items() if c not in known]
    changed = [
        {"b_code": c, **{f"b_{k}": v for k, v in r.items()}}
        for c, r in rows.items()
        if c in known
    ]
    if new:
        bulk.executemany(ctx.conn, _INSERT, new)
    if changed:
        bulk.executemany(ctx.conn, _UPDATE, changed)
