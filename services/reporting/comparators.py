"""Loading comparator figures: a file (or rows) checked, then one event a
thousand figures, all appended at once or none.

A later load for the same (area, indicator, period) supersedes the earlier
figure; the earlier one stays in the log and in "as of" views before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shared import codec
from shared.errors import Invalid, NotFound
from shared.events.catalogue import current_version
from shared.events.envelope import Metadata, NewEvent
from shared.events.payloads import InvalidEvent, validate_payload
from shared.eventstore.store import EventStore
from shared.periods import parse_day

from . import comparator_queries as q
from .comparator_file import ComparatorTable, RowError, grid_of, parse_comparators
from .queries import FrameworkQueries
from .tables import framework_rows

STREAM = "comparators"
ROWS_PER_EVENT = 1000


@dataclass
class LoadReport:
    """What a load holds (or would), and every row error and note."""

    file: str
    source: str
    dry_run: bool
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    superseding: int = 0
    applied: bool = False

    def json(self) -> dict[str, Any]:
        """The report as the API answers it."""
        indicators = sorted({r["indicator_code"] for r in self.rows})
        return {
            "file": self.file,
            "source": self.source,
            "dry_run": self.dry_run,
            "applied": self.applied,
            "counts": {
                "figures": len(self.rows),
                "superseding": self.superseding,
                "indicators": len(indicators),
                "areas": len({r["area_code"] for r in self.rows}),
            },
            "indicators": indicators,
            "errors": [
                {"row": e.row, "column": e.column, "message": e.message}
                for e in self.errors
            ],
            "notes": self.notes,
        }


class ComparatorService:
    """Checks and appends comparator loads; answers an indicator's comparison."""

    def __init__(
        self, store: EventStore, engine: Engine, queries: FrameworkQueries
    ) -> None:
        self.store = store
        self.engine = engine
        self.queries = queries

    def load_file(
        self,
        content: bytes,
        kind: str,
        *,
        name: str,
        source: str | None,
        published: str | None,
        indicator_code: str | None,
        dry_run: bool,
        meta: Metadata,
    ) -> LoadReport:
        """Read a CSV or XLSX file and load its figures (all or none)."""
        try:
            grid = grid_of(content, kind)
        except ValueError as exc:
            raise Invalid(f"{name}: {exc}", field="body") from None
        table = parse_comparators(grid, indicator_code)
        if published is not None:
            try:
                published = parse_day(published).isoformat()
            except ValueError as exc:
                raise Invalid(f"published {exc}", field="published") from None
        return self._load(table, name, source or name, published, dry_run, meta)

    def load_rows(
        self,
        rows: list[dict[str, Any]],
        *,
        source: str,
        published: str | None,
        dry_run: bool,
        meta: Metadata,
    ) -> LoadReport:
        """Load figures already as rows (the JSON API)."""
        table = ComparatorTable(rows=[dict(r) for r in rows])
        return self._load(table, "rows", source, published, dry_run, meta)

    def _load(
        self,
        table: ComparatorTable,
        name: str,
        source: str,
        published: str | None,
        dry_run: bool,
        meta: Metadata,
    ) -> LoadReport:
        report = LoadReport(
            file=name,
            source=source,
            dry_run=dry_run,
            rows=table.rows,
            errors=list(table.errors),
            notes=list(table.notes),
        )
        events = [
            NewEvent(
                type="ComparatorFiguresLoaded",
                data={
                    "source": source,
                    "published": published,
                    "file": name,
                    "rows": table.rows[start : start + ROWS_PER_EVENT],
                },
                schema_version=current_version("ComparatorFiguresLoaded"),
            )
            for start in range(0, len(table.rows), ROWS_PER_EVENT)
        ]
        if not report.errors:
            for event in events:
                try:
                    validate_payload(event.type, event.schema_version, event.data)
                except InvalidEvent as exc:
                    report.errors.extend(
                        RowError(0, "file", problem) for problem in exc.problems[:20]
                    )
                    break
        if report.errors:
            return report
        self._describe(report)
        if not dry_run:
            self.store.append(STREAM, None, events, meta)
            report.applied = True
        return report

    def _describe(self, report: LoadReport) -> None:
        codes = {r["indicator_code"] for r in report.rows}
        with self.engine.connect() as conn:
            known = set(
                conn.execute(
                    sa.select(framework_rows.c.code).where(
                        framework_rows.c.code.in_(sorted(codes))
                    )
                ).scalars()
            )
            figures = q.current_figures(conn, codes)
        unknown = sorted(codes - known)
        if unknown:
            report.notes.append(
                "not (yet) indicators of the framework, kept for when they are: "
                + ", ".join(unknown[:20])
            )
        have = {
            (code, f["area_code"], f["period_end"])
            for code, found in figures.items()
            for f in found
        }
        report.superseding = sum(
            1
            for r in report.rows
            if (r["indicator_code"], r["area_code"], r["period_end"]) in have
        )

    def comparators(
        self, code: str, at: str | None = None, period_end: str | None = None
    ) -> dict[str, Any]:
        """One indicator's figures by period and its comparison."""
        with self.engine.connect() as conn:
            raw = conn.execute(
                sa.select(framework_rows.c.definition).where(
                    framework_rows.c.code == code
                )
            ).scalar()
            definition = codec.loads(raw) if raw else None
            if definition is None:
                raise NotFound(f"No indicator with code {code!r}")
            figures = q.current_figures(conn, [code], at).get(code, [])
            own = q.own_results(conn, code, at)
        settings = self.queries.settings(at)
        grouped, found = q.comparison_for(
            definition, figures, own, settings, period_end
        )
        if period_end is not None and found is None:
            raise NotFound(f"No comparator figures for {code} in {period_end}")
        return {
            "code": code,
            "title": definition.get("title"),
            "polarity": definition.get("polarity"),
            "as_of": at,
            "area_code": settings.get("area_code"),
            "region_code": settings.get("region_code"),
            "statistical_neighbours": settings.get("statistical_neighbours") or [],
            "comparison": q.comparison_json(found),
            "periods": [
                {
                    "period_end": p.period_end,
                    "council": p.council,
                    "england": p.england,
                    "region": p.region,
                    "neighbour_average": (
                        sum(p.neighbours.values()) / len(p.neighbours)
                        if p.neighbours
                        else None
                    ),
                    "neighbours": dict(sorted(p.neighbours.items())),
                }
                for p in grouped
            ],
            "figures": figures,
        }
