"""The returns service's view of the framework, projected from indicator events."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine

from shared.events.envelope import EventEnvelope
from shared.messaging.consumers import ApplyContext, Projection

from .tables import known_indicators, metadata


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
    )
