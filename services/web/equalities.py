"""The equalities page and the groups section of the indicator page.

Both read the gaps reporting computes (``services.reporting.equalities``): the
page lists the groups behind all children across the framework, flagged and
widest first; the indicator page draws each dimension's groups as a small bar
chart, with a table holding the same figures for those who do not see it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from .rendering import Web

DIRECTION_WORDS = {
    "closing": "Gap closing",
    "widening": "Gap widening",
    "unchanged": "Gap unchanged",
    None: "No earlier figure",
}
BAR_WIDTH = 260
ROW = 26
LABEL_WIDTH = 230


def dimension_chart(dimension: dict[str, Any], overall: float | None) -> dict[str, Any]:
    """Bars for one dimension's groups, and where the whole population stands."""
    shown = [g["value"] for g in dimension["groups"] if g["value"] is not None]
    top = max([*shown, overall or 0.0, 0.0]) or 1.0
    bars = []
    for n, g in enumerate(dimension["groups"]):
        value = g["value"]
        bars.append(
            {
                "y": n * ROW,
                "width": 0 if value is None else round(BAR_WIDTH * value / top, 1),
                "group": g,
            }
        )
    return {
        "label_width": LABEL_WIDTH,
        "width": LABEL_WIDTH + BAR_WIDTH + 70,
        "height": len(bars) * ROW + 6,
        "bars": bars,
        "overall_x": (
            None
            if overall is None
            else LABEL_WIDTH + round(BAR_WIDTH * overall / top, 1)
        ),
    }


def group_section(found: dict[str, Any]) -> dict[str, Any] | None:
    """The indicator page's groups: the latest breakdown, charted by dimension."""
    latest = found["latest"]
    if latest is None:
        return None
    return {
        **latest,
        "charts": [
            {**d, "chart": dimension_chart(d, latest["overall"])}
            for d in latest["dimensions"]
        ],
        "threshold": found["small_number_threshold"],
    }


def group_history(found: dict[str, Any]) -> dict[str, Any] | None:
    """Every period's breakdown as one table: a column a group, "c" where withheld."""
    periods = found["periods"]
    if not periods:
        return None
    columns: dict[str, str] = {}
    rows = []
    for p in periods:
        cells: dict[str, Any] = {}
        for d in p["dimensions"]:
            for g in d["groups"]:
                columns.setdefault(g["group"], g["label"])
                cells[g["group"]] = "c" if g["suppressed"] else g["value"]
        rows.append(
            {"period_end": p["period_end"], "overall": p["overall"], **{"cells": cells}}
        )
    return {"columns": list(columns.items()), "rows": rows}


def groups_of(found: dict[str, Any]) -> dict[str, Any]:
    """What the indicator page shows of an indicator's groups (``found`` is
    what ``GET /api/v1/indicators/{code}/groups`` answers)."""
    return {
        "group_section": group_section(found),
        "group_history": group_history(found),
        "group_directions": DIRECTION_WORDS,
    }


def routes(web: Web) -> APIRouter:
    """``/equalities``."""
    router = APIRouter()

    @router.get("/equalities", response_class=HTMLResponse)
    def equalities_page(request: Request) -> HTMLResponse:
        """Where groups of children are left behind, across the framework."""
        who = web.reader(request)
        return web.page(
            request,
            who,
            "equalities.html",
            title="Equalities",
            eq=web.port.equalities(),
            direction_words=DIRECTION_WORDS,
        )

    return router
