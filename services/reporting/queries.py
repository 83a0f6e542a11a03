"""Queries over the reporting read models: the framework now, as of a time or
a version, version diffs and indicator histories."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from shared import codec
from shared.errors import Invalid, NotFound
from shared.events.definitions import DEFINITION_FIELDS
from shared.events.envelope import iso
from shared.eventstore.schema import stream_tracking, tracking

from .comparator_queries import add_comparisons
from .tables import framework_rows, settings_history, timeline, versions

# The latest result at a time: the greatest period among the results whose
# fact came before it, then that period's newest (sort_key < :before selects
# the facts up to the time, as in ``_at``). A walk down the partial index
# ``ix_timeline_results`` that stops at the first entry: the literal kind lets
# both databases match the index's condition, and SQLite is told the index
# because without statistics it would take ix_timeline_order and sort every
# result before the time.
_RESULT_AT_SQL = (
    "SELECT data FROM rm_timeline {hint} WHERE code = :code AND kind = 'result' "
    "AND sort_key < :before ORDER BY period_end DESC, sort_key DESC, seq DESC LIMIT 1"
)
_RESULT_AT = {
    "sqlite": sa.text(_RESULT_AT_SQL.format(hint="INDEXED BY ix_timeline_results")),
    "postgresql": sa.text(_RESULT_AT_SQL.format(hint="")),
}

DEFAULT_SETTINGS = {
    "rag_mode": "red_green",
    "amber_fraction": 0.05,
    "significance": 0.10,
}
GREY_UNASSESSED = "Not assessed yet"
COMPARED_FIELDS = tuple(f for f in DEFINITION_FIELDS if f != "code")
# The consumer that writes these read models (``framework_projection``).
READ_MODEL = "reporting.framework"


def framework_entry(
    definition: dict[str, Any],
    latest: dict[str, Any] | None,
    assessment: dict[str, Any] | None,
) -> dict[str, Any]:
    """One indicator as the framework shows it: definition, result, assessment."""
    a = assessment or {}
    status = a.get("status", "GREY")
    return {
        **definition,
        "latest_result": latest,
        "status": status,
        "status_explanation": a.get("explanation", GREY_UNASSESSED),
        "projection": a.get("projection"),
        "gap": a.get("gap"),
        "tolerance_used": a.get("tolerance"),
        "expected": a.get("expected"),
        "on_trajectory": a.get("on_trajectory"),
        "direction": a.get("direction", "none"),
        "significantly_improved": a.get("significantly_improved", False),
        "very_good_performance": a.get("very_good_performance", False),
        "flags": a.get("flags", []),
        "computed_status": a.get("computed_status", status),
        "decision": a.get("decision"),
        "decided_status": a.get("decided_status"),
        "shown_status": a.get("shown_status", status),
        "assessed_at_round": a.get("at_round"),
    }


def _counts(entries: list[dict[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(("GREEN", "AMBER", "RED", "GREY"), 0)
    for e in entries:
        if not e["retired"]:
            counts[e["status"]] += 1
    return counts


def parse_as_of(raw: str) -> str:
    """An ``as_of`` parameter as a stored timestamp; a bare date means its end."""
    text = raw.strip()
    try:
        if len(text) == 10:
            day = datetime.fromisoformat(text).date()
            return f"{day.isoformat()}T23:59:59.999999Z"
        return iso(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError as exc:
        raise Invalid(
            "as_of must be an ISO 8601 date or date-time, e.g. 2009-04-30T12:00:00Z",
            "as_of",
        ) from exc


class FrameworkQueries:
    """Reads of the framework read models."""

    def __init__(
        self,
        engine: Engine,
        read_model: str = READ_MODEL,
        moved: Callable[[], Hashable] | None = None,
    ) -> None:
        self.engine = engine
        self.read_model = read_model
        # A cheaper sign that the read models changed, from the process that
        # changes them (embedded mode); None reads the position each time.
        self._moved = moved

    def change_key(self) -> Hashable:
        """A value that changes whenever the read models do (cache key)."""
        return self._moved() if self._moved is not None else self.position()

    def position(self) -> tuple[int, int, int]:
        """Where the read models stand: changes whenever they do.

        Embedded, the projection's global log position; distributed, the count
        and sum of the stream versions it has applied (each applied event
        raises one of them). Both move in the transaction that changes the
        rows, and one small query reads them.
        """
        name = self.read_model
        by_log = sa.select(tracking.c.position).where(tracking.c.consumer == name)
        by_stream = sa.select(
            sa.func.count(), sa.func.coalesce(sa.func.sum(stream_tracking.c.version), 0)
        ).where(stream_tracking.c.consumer == name)
        with self.engine.connect() as conn:
            log_position = conn.execute(by_log).scalar()
            streams, versions = conn.execute(by_stream).one()
        return int(log_position or 0), int(streams), int(versions)

    def settings(self, at: str | None = None) -> dict[str, Any]:
        """Framework settings now, or in force at ``at``."""
        t = settings_history
        query = sa.select(t.c.data).order_by(t.c.valid_from.desc(), t.c.seq.desc())
        if at is not None:
            query = query.where(t.c.valid_from <= at)
        with self.engine.connect() as conn:
            raw = conn.execute(query.limit(1)).scalar()
        return codec.loads(raw) if raw else dict(DEFAULT_SETTINGS)

    def current(self, include_retired: bool = True) -> dict[str, Any]:
        """The framework now: every indicator with latest result and status."""
        t = framework_rows
        with self.engine.connect() as conn:
            rows = list(conn.execute(sa.select(t).order_by(t.c.code)).mappings())
        entries = []
        for row in rows:
            definition = codec.loads(row["definition"])
            if definition is None or (definition["retired"] and not include_retired):
                continue
            entries.append(
                framework_entry(
                    definition,
                    codec.loads(row["latest"]) if row["latest"] else None,
                    codec.loads(row["assessment"]) if row["assessment"] else None,
                )
            )
        settings = self.settings()
        with self.engine.connect() as conn:
            add_comparisons(conn, entries, settings)
        return {
            "indicators": entries,
            "settings": settings,
            "counts": _counts(entries),
            "as_of": None,
            "version": None,
        }

    def gaps(self) -> dict[str, list[dict[str, Any]]]:
        """The plan's action lists: indicators still lacking a lead or a target."""
        live = [i for i in self.current()["indicators"] if not i["retired"]]

        def brief(i: dict[str, Any]) -> dict[str, Any]:
            return {
                "code": i["code"],
                "title": i["title"],
                "lead_organisation": i["lead_organisation"],
                "named_lead": i["named_lead"],
            }

        return {
            "no_lead_organisation": [
                brief(i) for i in live if not i["lead_organisation"]
            ],
            "no_named_lead": [brief(i) for i in live if not i["named_lead"]],
            "no_target": [
                brief(i) for i in live if i["measurable"] and i["target"] is None
            ],
            "target_needed_later": [brief(i) for i in live if not i["measurable"]],
        }

    def _at(self, conn: Connection, code: str, kind: str, at: str) -> Any:
        t = timeline
        # sort_key starts with valid_from then "/": every row with valid_from
        # <= at sorts below at + "0", every later one above it.
        query = (
            sa.select(t.c.data)
            .where(t.c.code == code, t.c.kind == kind, t.c.sort_key < at + "0")
            .order_by(t.c.sort_key.desc(), t.c.seq.desc())
            .limit(1)
        )
        raw = conn.execute(query).scalar()
        return codec.loads(raw) if raw else None

    def _result_at(self, conn: Connection, code: str, at: str) -> dict[str, Any] | None:
        """The latest result known at ``at``: the greatest period among the
        results recorded by then, and that period's newest figure."""
        raw = conn.execute(
            _RESULT_AT[conn.dialect.name], {"code": code, "before": at + "0"}
        ).scalar()
        return codec.loads(raw) if raw else None

    def as_of(self, at: str, include_retired: bool = True) -> dict[str, Any]:
        """The framework exactly as it stood at ``at`` (a stored timestamp)."""
        t = framework_rows
        entries = []
        # Read before the framework's connection opens: a second connection
        # inside it would wait on the first's transaction on a writing engine.
        settings = self.settings(at)
        with self.engine.connect() as conn:
            codes = conn.execute(
                sa.select(t.c.code).where(t.c.registered_at <= at).order_by(t.c.code)
            ).scalars()
            for code in list(codes):
                version = self._at(conn, code, "definition", at)
                if version is None:
                    continue
                definition = version["definition"]
                if definition["retired"] and not include_retired:
                    continue
                entries.append(
                    framework_entry(
                        definition,
                        self._result_at(conn, code, at),
                        self._at(conn, code, "assessment", at),
                    )
                )
            add_comparisons(conn, entries, settings, at)
        return {
            "indicators": entries,
            "settings": settings,
            "counts": _counts(entries),
            "as_of": at,
            "version": None,
        }

    def _version_row(self, conn: Connection, number: int) -> sa.RowMapping:
        row = (
            conn.execute(sa.select(versions).where(versions.c.number == number))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(f"No framework version {number}")
        return row

    def version(self, number: int, include_retired: bool = True) -> dict[str, Any]:
        """The framework of published version ``number``, with results then."""
        with self.engine.connect() as conn:
            row = self._version_row(conn, number)
            snapshot = codec.loads(row["snapshot"])
            at = row["published_at"]
            entries = []
            for definition in snapshot["indicators"]:
                d = {k: v for k, v in definition.items() if k != "version"}
                if d["retired"] and not include_retired:
                    continue
                code = d["code"]
                entries.append(
                    framework_entry(
                        d,
                        self._result_at(conn, code, at),
                        self._at(conn, code, "assessment", at),
                    )
                )
            add_comparisons(conn, entries, snapshot["settings"], at)
        return {
            "indicators": entries,
            "settings": snapshot["settings"],
            "counts": _counts(entries),
            "as_of": at,
            "version": _summary(row, snapshot),
        }

    def versions(self) -> list[dict[str, Any]]:
        """Every published version, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(versions).order_by(versions.c.number)
            ).mappings()
            return [_summary(r, codec.loads(r["snapshot"])) for r in rows]

    def diff(self, first: int, second: int) -> dict[str, Any]:
        """What changed between two versions, field by field."""
        with self.engine.connect() as conn:
            a_row, b_row = (
                self._version_row(conn, first),
                self._version_row(conn, second),
            )
        a = {d["code"]: d for d in codec.loads(a_row["snapshot"])["indicators"]}
        b = {d["code"]: d for d in codec.loads(b_row["snapshot"])["indicators"]}
        added = [b[c] for c in sorted(set(b) - set(a))]
        removed = [a[c] for c in sorted(set(a) - set(b))]
        retired, changed = [], []
        for code in sorted(set(a) & set(b)):
            fields = {
                f: {"from": a[code].get(f), "to": b[code].get(f)}
                for f in COMPARED_FIELDS
                if a[code].get(f) != b[code].get(f)
            }
            if fields.get("retired", {}).get("to") is True:
                retired.append({"code": code, "title": b[code]["title"]})
            if fields:
                changed.append(
                    {"code": code, "title": b[code]["title"], "fields": fields}
                )
        settings_a = codec.loads(a_row["snapshot"])["settings"]
        settings_b = codec.loads(b_row["snapshot"])["settings"]
        return {
            "from": first,
            "to": second,
            "added": [{"code": d["code"], "title": d["title"]} for d in added],
            "removed": [{"code": d["code"], "title": d["title"]} for d in removed],
            "retired": retired,
            "changed": changed,
            "settings": {
                k: {"from": settings_a.get(k), "to": settings_b.get(k)}
                for k in sorted(set(settings_a) | set(settings_b))
                if settings_a.get(k) != settings_b.get(k)
            },
        }

    def history(self, code: str) -> dict[str, Any]:
        """Everything that happened to one indicator, oldest first, who and when."""
        t = timeline
        with self.engine.connect() as conn:
            known = conn.execute(
                sa.select(framework_rows.c.definition).where(
                    framework_rows.c.code == code
                )
            ).scalar()
            if known is None or codec.loads(known) is None:
                raise NotFound(f"No indicator with code {code!r}")
            rows = conn.execute(
                sa.select(t)
                # "latest" rows: copies of result rows an older version wrote
                .where(t.c.code == code, t.c.kind != "latest")
                .order_by(t.c.sort_key, t.c.seq)
            ).mappings()
            entries = _without_restatements(_history_entry(r) for r in rows)
        return {"code": code, "definition": codec.loads(known), "history": entries}


def _without_restatements(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop an assessment equal to the one before it.

    The log says an answer only when it changes, but a fact that arrives late
    can leave an answer restated at a later moment (see docs/assessment.md).
    """
    kept: list[dict[str, Any]] = []
    last: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if entry["kind"] == "assessment":
            series = entry["details"].get("round_id") or ""
            answer = {k: v for k, v in entry["details"].items() if k != "facts_at"}
            if last.get(series) == answer:
                continue
            last[series] = answer
        kept.append(entry)
    return kept


def _history_entry(row: sa.RowMapping) -> dict[str, Any]:
    data = codec.loads(row["data"])
    if row["kind"] == "definition":
        data = data["change"]
    return {
        "kind": row["kind"],
        "event_type": row["event_type"],
        "occurred_at": row["valid_from"],
        "recorded_at": row["recorded_at"],
        "actor": row["actor"],
        "period_end": row["period_end"],
        "round_id": row["round_id"],
        "details": data,
    }


def _summary(row: sa.RowMapping, snapshot: dict[str, Any]) -> dict[str, Any]:
    return {
        "number": row["number"],
        "label": row["label"],
        "note": row["note"],
        "settings": snapshot["settings"],
        "indicator_count": len(snapshot["indicators"]),
        "published_at": row["published_at"],
        "published_by": row["published_by"],
    }
