"""Equalities reads: each indicator's groups and the framework's widest gaps.

Computed from what the read models already hold (every result with its
breakdowns, and the timeline for "as of"), so no table of its own: a gap is a
view of results, and replaying the log rebuilds it with them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from shared import codec
from shared.errors import NotFound

from .group_gaps import DEFAULT_GAP_THRESHOLD, group_series, widest
from .queries import FrameworkQueries
from .tables import results, timeline


class EqualityQueries:
    """Group figures and gaps, now or as of a time."""

    def __init__(
        self, queries: FrameworkQueries, small_number_threshold: float
    ) -> None:
        self.queries = queries
        self.threshold = small_number_threshold

    def _framework(self, at: str | None) -> dict[str, Any]:
        return self.queries.as_of(at) if at else self.queries.current()

    def _results(self, codes: Iterable[str], at: str | None) -> dict[str, list[Any]]:
        """Each indicator's results by period (the newest for each period)."""
        wanted = list(codes)
        found: dict[str, dict[str, Any]] = {c: {} for c in wanted}
        with self.queries.engine.connect() as conn:
            if at is None:
                rows = conn.execute(
                    sa.select(results.c.code, results.c.period_end, results.c.data)
                    .where(results.c.code.in_(wanted))
                    .order_by(results.c.code, results.c.period_end)
                )
            else:
                t = timeline
                rows = conn.execute(
                    sa.select(t.c.code, t.c.period_end, t.c.data)
                    .where(
                        t.c.code.in_(wanted),
                        t.c.kind == "result",
                        t.c.sort_key < at + "0",
                    )
                    .order_by(t.c.code, t.c.sort_key, t.c.seq)
                )
            for code, period, data in rows:
                found[code][period] = data  # later rows are corrections
        return {
            code: [codec.loads(d) for _, d in sorted(by_period.items())]
            for code, by_period in found.items()
        }

    def _gap_threshold(self, framework: dict[str, Any]) -> float:
        value = (framework.get("settings") or {}).get("equality_gap_threshold")
        return float(value) if value is not None else DEFAULT_GAP_THRESHOLD

    def indicator(self, code: str, at: str | None = None) -> dict[str, Any]:
        """One indicator's groups in every period that carried a breakdown."""
        framework = self._framework(at)
        entry = next((i for i in framework["indicators"] if i["code"] == code), None)
        if entry is None:
            raise NotFound(f"No indicator with code {code!r}")
        series = group_series(
            self._results([code], at)[code],
            entry.get("polarity") or "higher_is_better",
            entry.get("unit") or "",
            self.threshold,
            self._gap_threshold(framework),
        )
        return {
            "code": code,
            "title": entry.get("title"),
            "polarity": entry.get("polarity"),
            "unit": entry.get("unit"),
            "as_of": framework.get("as_of"),
            "small_number_threshold": self.threshold,
            "gap_threshold": self._gap_threshold(framework),
            "latest": series[-1].as_dict() if series else None,
            "periods": [p.as_dict() for p in series],
        }

    def framework(self, at: str | None = None) -> dict[str, Any]:
        """Groups behind all children in each indicator's latest breakdown,
        flagged gaps first, then the widest relative to the whole population."""
        framework = self._framework(at)
        live = [i for i in framework["indicators"] if not i.get("retired")]
        limit = self._gap_threshold(framework)
        by_code = self._results([i["code"] for i in live], at)
        gaps: list[dict[str, Any]] = []
        covered = 0
        for entry in live:
            series = group_series(
                by_code[entry["code"]],
                entry.get("polarity") or "higher_is_better",
                entry.get("unit") or "",
                self.threshold,
                limit,
            )
            if not series:
                continue
            covered += 1
            latest = series[-1]
            for g in widest(series):
                relative = (
                    abs(g.gap_to_all or 0.0) / abs(latest.overall)
                    if latest.overall
                    else None
                )
                gaps.append(
                    {
                        "code": entry["code"],
                        "title": entry.get("title"),
                        "unit": entry.get("unit"),
                        "polarity": entry.get("polarity"),
                        "period_end": latest.period_end,
                        "overall": latest.overall,
                        **g.as_dict(),
                        "relative_gap": relative,
                    }
                )
        gaps.sort(
            key=lambda g: (
                not g["flags"],
                -(g["relative_gap"] or 0.0),
                g["code"],
                g["group"],
            )
        )
        return {
            "as_of": framework.get("as_of"),
            "small_number_threshold": self.threshold,
            "gap_threshold": limit,
            "indicators_with_breakdowns": covered,
            "flagged": sum(1 for g in gaps if g["flags"]),
            "widening": sum(1 for g in gaps if g["direction"] == "widening"),
            "gaps": gaps,
        }
