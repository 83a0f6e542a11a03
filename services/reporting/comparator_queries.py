"""Reads of the comparator figures, and the comparison each indicator shows.

The council's own value for a period is its own result (corrections
replace); where it has none, a comparator row for its own area code. Its
neighbours are the statistical neighbours named in the framework settings,
or else the areas a file marked as statistical neighbours. The region is the
one the settings name, or else the one region in the figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from shared import codec

from .comparison import Comparison, PeriodFigures, Polarity, compare
from .tables import comparator_figures, results, timeline


def current_figures(
    conn: Connection, codes: Iterable[str] | None = None, at: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Per indicator, the newest figure for each (area, period) loaded by ``at``."""
    t = comparator_figures
    query = sa.select(t).order_by(t.c.seq)
    if codes is not None:
        wanted = sorted(set(codes))
        if not wanted:
            return {}
        query = query.where(t.c.indicator_code.in_(wanted))
    if at is not None:
        query = query.where(t.c.valid_from <= at)
    newest: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in conn.execute(query).mappings():
        key = (row["indicator_code"], row["area_code"], row["period_end"])
        newest[key] = {
            "area_code": row["area_code"],
            "area_name": row["area_name"],
            "area_type": row["area_type"],
            "period_end": row["period_end"],
            "value": row["value"],
            "source": row["source"],
            "published": row["published"],
            "loaded_at": row["valid_from"],
        }
    by_code: dict[str, list[dict[str, Any]]] = {}
    for (code, _area, _period), figure in sorted(newest.items()):
        by_code.setdefault(code, []).append(figure)
    return by_code


def own_results(conn: Connection, code: str, at: str | None = None) -> dict[str, float]:
    """The council's own value for each period (the newest return), by ``at``."""
    return own_results_of(conn, [code], at).get(code, {})


def result_rows_as_of(
    conn: Connection, codes: Iterable[str], at: str | None = None
) -> Iterable[tuple[str, str, str]]:
    """(code, period end, stored result JSON) of ``codes``, now or as they stood
    at ``at``; of two rows for one period the later one is the correction."""
    wanted = sorted(set(codes))
    if not wanted:
        return []
    if at is None:
        r = results
        return conn.execute(
            sa.select(r.c.code, r.c.period_end, r.c.data)
            .where(r.c.code.in_(wanted))
            .order_by(r.c.code, r.c.period_end)
        ).tuples()
    t = timeline
    return conn.execute(
        sa.select(t.c.code, t.c.period_end, t.c.data)
        .where(
            t.c.code.in_(wanted),
            t.c.kind == "result",
            t.c.sort_key < at + "0",
        )
        .order_by(t.c.code, t.c.sort_key, t.c.seq)
    ).tuples()


def own_results_of(
    conn: Connection, codes: Iterable[str], at: str | None = None
) -> dict[str, dict[str, float]]:
    """Per indicator, its own value for each period, in one query."""
    found: dict[str, dict[str, float]] = {}
    for code, period, data in result_rows_as_of(conn, codes, at):
        found.setdefault(str(code), {})[str(period)] = float(codec.loads(data)["value"])
    return found


def period_figures(
    figures: list[dict[str, Any]],
    own: Mapping[str, float],
    settings: Mapping[str, Any],
) -> list[PeriodFigures]:
    """The figures of one indicator grouped by period, as ``compare`` takes them."""
    area = settings.get("area_code")
    named = settings.get("statistical_neighbours") or []
    regions = {f["area_code"] for f in figures if f["area_type"] == "region"}
    region = settings.get("region_code") or (
        next(iter(regions)) if len(regions) == 1 else None
    )
    periods = sorted({f["period_end"] for f in figures})
    grouped = []
    for period in periods:
        here = [f for f in figures if f["period_end"] == period]
        council = own.get(period)
        if council is None and area:
            council = next((f["value"] for f in here if f["area_code"] == area), None)
        england = next((f["value"] for f in here if f["area_type"] == "england"), None)
        region_value = next(
            (f["value"] for f in here if region and f["area_code"] == region), None
        )
        if named:
            neighbours = {
                f["area_code"]: f["value"]
                for f in here
                if f["area_code"] in named and f["area_code"] != area
            }
        else:
            neighbours = {
                f["area_code"]: f["value"]
                for f in here
                if f["area_type"] == "statistical_neighbour" and f["area_code"] != area
            }
        councils = {
            f["area_code"]: f["value"]
            for f in here
            if f["area_type"] in ("statistical_neighbour", "other_council")
            and f["area_code"] != area
        }
        councils.update(neighbours)
        grouped.append(
            PeriodFigures(period, council, england, region_value, neighbours, councils)
        )
    return grouped


def add_comparisons(
    conn: Connection,
    entries: list[dict[str, Any]],
    settings: Mapping[str, Any],
    at: str | None = None,
) -> None:
    """Give each framework entry its ``comparison`` (null without figures)."""
    figures = current_figures(conn, [e["code"] for e in entries], at)
    owns = own_results_of(conn, figures, at)
    for entry in entries:
        mine = figures.get(entry["code"], [])
        own = owns.get(entry["code"], {})
        _grouped, found = comparison_for(entry, mine, own, settings)
        entry["comparison"] = comparison_json(found)


def comparison_json(c: Comparison | None) -> dict[str, Any] | None:
    """A comparison as the API and the pages show it."""
    if c is None:
        return None
    answer: dict[str, Any] = {
        name: getattr(c, name) for name in c.__dataclass_fields__ if name != "flags"
    }
    answer["flags"] = [{"code": f.code, "explanation": f.explanation} for f in c.flags]
    return answer


def comparison_for(
    definition: Mapping[str, Any],
    figures: list[dict[str, Any]],
    own: Mapping[str, float],
    settings: Mapping[str, Any],
    period_end: str | None = None,
) -> tuple[list[PeriodFigures], Comparison | None]:
    """Every period's figures and the comparison for one (or the latest) period."""
    if not figures:
        return [], None
    target = definition.get("target") or {}
    grouped = period_figures(figures, own, settings)
    polarity: Polarity = definition.get("polarity") or "higher_is_better"
    return grouped, compare(grouped, polarity, target.get("value"), period_end)
