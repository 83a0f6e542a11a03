"""Queries over the reporting read model."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .tables import framework_rows, settings_row

DEFAULT_SETTINGS = {
    "rag_mode": "red_green",
    "amber_fraction": 0.05,
    "significance": 0.10,
}
GREY_UNASSESSED = "Not assessed yet"


def latest_result(results: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The newest result by period_end (corrections already replaced)."""
    if not results:
        return None
    return results[max(results)]


def framework_entry(
    definition: dict[str, Any],
    results: dict[str, dict[str, Any]],
    assessment: dict[str, Any] | None,
) -> dict[str, Any]:
    """One indicator as the framework shows it: definition, result, assessment."""
    a = assessment or {}
    return {
        **definition,
        "latest_result": latest_result(results),
        "status": a.get("status", "GREY"),
        "status_explanation": a.get("explanation", GREY_UNASSESSED),
        "projection": a.get("projection"),
        "gap": a.get("gap"),
        "expected": a.get("expected"),
        "on_trajectory": a.get("on_trajectory"),
        "direction": a.get("direction", "none"),
        "significantly_improved": a.get("significantly_improved", False),
        "very_good_performance": a.get("very_good_performance", False),
        "flags": a.get("flags", []),
        "computed_status": a.get("computed_status", "GREY"),
        "decision": a.get("decision"),
        "decided_status": a.get("decided_status"),
        "shown_status": a.get("shown_status", a.get("status", "GREY")),
        "assessed_at_round": a.get("at_round"),
    }


class FrameworkQueries:
    """Reads of the framework read model."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def settings(self) -> dict[str, Any]:
        """Framework settings as last seen in the log."""
        with self.engine.connect() as conn:
            raw = conn.execute(sa.select(settings_row.c.data)).scalar()
        return json.loads(raw) if raw else dict(DEFAULT_SETTINGS)

    def current(self, include_retired: bool = True) -> dict[str, Any]:
        """The framework now: every indicator with latest result and status."""
        t = framework_rows
        with self.engine.connect() as conn:
            rows = list(conn.execute(sa.select(t).order_by(t.c.code)).mappings())
        entries = []
        for row in rows:
            definition = json.loads(row["definition"])
            if definition is None or (definition["retired"] and not include_retired):
                continue
            entries.append(
                framework_entry(
                    definition,
                    json.loads(row["results"]),
                    json.loads(row["assessment"]) if row["assessment"] else None,
                )
            )
        counts = {s: 0 for s in ("GREEN", "AMBER", "RED", "GREY")}
        for e in entries:
            if not e["retired"]:
                counts[e["status"]] += 1
        return {"indicators": entries, "settings": self.settings(), "counts": counts}
