"""Framework versions: the list and a field-by-field diff between any two."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from shared.errors import NotFound

from .forms import Errors
from .labels import day, number
from .rendering import Web

FIELD_WORDS = {
    "title": "Title",
    "outcome": "Outcome",
    "polarity": "Polarity",
    "unit": "Unit",
    "frequency": "Frequency",
    "laa": "LAA indicator",
    "measurable": "Measurable",
    "lead_organisation": "Lead organisation",
    "named_lead": "Named lead",
    "tolerance": "Tolerance",
    "baseline": "Baseline",
    "target": "Target",
    "milestones": "Milestones",
    "retired": "Retired",
}


def shown(value: Any) -> str:
    """A compared field's value in words."""
    if value is None or value == []:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        if "name" in value:
            email = f" ({value['email']})" if value.get("email") else ""
            return f"{value['name']}{email}"
        if "value" in value:
            by = f" by {day(value['period_end'])}" if value.get("period_end") else ""
            reason = f": {value['reason']}" if value.get("reason") else ""
            return f"{number(value['value'])}{by}{reason}"
    if isinstance(value, list):
        return "; ".join(shown(v) for v in value)
    return str(value)


def parse_pair(first: str, second: str, known: set[int]) -> tuple[int, int, Errors]:
    """The two version numbers to compare, or errors next to each picker."""
    errors: Errors = {}
    numbers = []
    for name, raw in (("from", first), ("to", second)):
        if not raw.isdigit() or int(raw) not in known:
            errors[name] = "Choose a published version"
            numbers.append(0)
        else:
            numbers.append(int(raw))
    return numbers[0], numbers[1], errors


def routes(web: Web) -> APIRouter:
    """``/versions`` and ``/versions/diff``."""
    router = APIRouter()

    @router.get("/versions", response_class=HTMLResponse)
    def versions_page(request: Request) -> HTMLResponse:
        """Every published version of the framework."""
        who = web.reader(request)
        versions = web.port.versions()
        return web.page(
            request,
            who,
            "versions.html",
            title="Framework versions",
            versions=list(reversed(versions)),
            pick={
                "from": str(versions[-2]["number"]) if len(versions) > 1 else "",
                "to": str(versions[-1]["number"]) if versions else "",
            },
            errors={},
        )

    @router.get("/versions/diff", response_class=HTMLResponse)
    def diff_page(request: Request) -> HTMLResponse:
        """What changed between two versions, indicator by indicator."""
        who = web.reader(request)
        versions = web.port.versions()
        first = request.query_params.get("from", "")[:12]
        second = request.query_params.get("to", "")[:12]
        a, b, errors = parse_pair(first, second, {v["number"] for v in versions})
        diff = None
        if not errors:
            try:
                diff = web.port.diff(a, b)
            except NotFound as exc:
                errors = {"from": exc.detail}
        by_number = {v["number"]: v for v in versions}
        return web.page(
            request,
            who,
            "versions.html" if errors else "diff.html",
            status_code=422 if errors else 200,
            title="Compare framework versions",
            versions=list(reversed(versions)),
            pick={"from": first, "to": second},
            errors=errors,
            diff=diff,
            first=by_number.get(a),
            second=by_number.get(b),
            field_words=FIELD_WORDS,
            shown=shown,
        )

    return router
