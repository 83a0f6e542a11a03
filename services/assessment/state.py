"""Reading and writing the assessment's tables (the I/O edge of the policy)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .facts import FrameworkSettings
from .tables import (
    decisions as decisions,
)
from .tables import (
    framework_settings,
    indicator_facts,
    round_assessments,
    rounds,
)


def dumps(value: Any) -> str:
    """Canonical JSON, so equal answers compare equal as text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class RoundFacts:
    """A collection round as the rules see it."""

    id: str
    period_end: date
    scope: tuple[str, ...] | None
    closed: bool
    deadline_passed: bool

    @property
    def reached(self) -> bool:
        """Closed, or past its deadline: missing and stale returns now count."""
        return self.closed or self.deadline_passed

    def in_scope(self, definition: dict[str, Any]) -> bool:
        """Whether the round asks for this indicator's result."""
        if self.scope is not None:
            return definition["code"] in self.scope
        return bool(definition["measurable"]) and not definition["retired"]


def upsert(
    conn: Connection, table: sa.Table, keys: dict[str, Any], **values: Any
) -> None:
    """Update the row with ``keys`` or insert it."""
    where = [table.c[k] == v for k, v in keys.items()]
    if conn.execute(table.update().where(*where).values(**values)).rowcount == 0:
        conn.execute(table.insert().values(**keys, **values))


def load_indicator(conn: Connection, code: str) -> dict[str, Any]:
    """An indicator's facts (created empty when first mentioned)."""
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


def save_indicator(conn: Connection, row: dict[str, Any]) -> None:
    """Write an indicator's facts and current assessment back."""
    t = indicator_facts
    conn.execute(
        t.update()
        .where(t.c.code == row["code"])
        .values(
            definition=dumps(row["definition"]) if row["definition"] else None,
            results=dumps(row["results"]),
            assessment=dumps(row["assessment"]) if row["assessment"] else None,
        )
    )


def all_codes(conn: Connection) -> list[str]:
    """Every indicator code the assessment knows, sorted."""
    t = indicator_facts
    return [r[0] for r in conn.execute(sa.select(t.c.code).order_by(t.c.code))]


def load_rounds(conn: Connection) -> list[RoundFacts]:
    """Every round, oldest period first."""
    t = rounds
    found = conn.execute(sa.select(t).order_by(t.c.period_end, t.c.id)).mappings()
    return [
        RoundFacts(
            id=r["id"],
            period_end=date.fromisoformat(r["period_end"]),
            scope=tuple(json.loads(r["scope"])) if r["scope"] else None,
            closed=bool(r["closed"]),
            deadline_passed=bool(r["deadline_passed"]),
        )
        for r in found
    ]


def load_round_assessment(
    conn: Connection, round_id: str, code: str
) -> tuple[dict[str, Any] | None, list[str]]:
    """The round assessment of an indicator and the flags already raised."""
    t = round_assessments
    row = (
        conn.execute(sa.select(t).where(t.c.round_id == round_id, t.c.code == code))
        .mappings()
        .first()
    )
    if row is None:
        return None, []
    return json.loads(row["data"]), json.loads(row["raised"])


def save_round_assessment(
    conn: Connection, round_id: str, code: str, data: dict[str, Any], raised: list[str]
) -> None:
    """Write a round assessment and its raised flags."""
    upsert(
        conn,
        round_assessments,
        {"round_id": round_id, "code": code},
        data=dumps(data),
        raised=dumps(sorted(raised)),
    )


def load_decision(conn: Connection, round_id: str, code: str) -> dict[str, Any] | None:
    """The Executive's latest decision for an indicator at a round."""
    t = decisions
    raw = conn.execute(
        sa.select(t.c.data).where(t.c.round_id == round_id, t.c.code == code)
    ).scalar()
    return json.loads(raw) if raw else None


def load_settings(conn: Connection) -> FrameworkSettings:
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
