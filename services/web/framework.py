"""The framework page: every indicator with its status, filtered, at any version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.reporting.queries import parse_as_of
from shared.errors import DomainError

from .forms import parse_day
from .labels import COMPARISON_FLAG_TITLES, STATUSES
from .rendering import Web

NO_LEAD = "__none__"
# The Every Child Matters outcomes in the plan's own order; others follow by name.
OUTCOME_ORDER = (
    "Be healthy",
    "Stay safe",
    "Enjoy and achieve",
    "Make a positive contribution",
    "Achieve economic well-being",
)


@dataclass(frozen=True)
class Filters:
    """What the visitor asked to see."""

    outcome: str = ""
    status: str = ""
    lead: str = ""
    laa: str = ""
    version: str = ""
    as_of: str = ""
    compared: str = ""  # a comparison flag's code: only indicators it flags

    @property
    def active(self) -> bool:
        """Whether any filter narrows the list."""
        return any((self.outcome, self.status, self.lead, self.laa, self.compared))

    def keep(self, entry: dict[str, Any]) -> bool:
        """Whether ``entry`` passes every filter (status is the status shown)."""
        org = entry.get("lead_organisation") or NO_LEAD
        return (
            (not self.outcome or entry.get("outcome") == self.outcome)
            and (not self.status or entry.get("shown_status") == self.status)
            and (not self.lead or org == self.lead)
            and (not self.laa or entry.get("laa") == (self.laa == "yes"))
            and (not self.compared or self.compared in comparison_flags(entry))
        )


def comparison_flags(entry: dict[str, Any]) -> set[str]:
    """The codes of the comparison flags on ``entry`` (none without figures)."""
    comparison = entry.get("comparison") or {}
    return {f.get("code", "") for f in comparison.get("flags") or ()}


def load(web: Web, filters: Filters) -> tuple[dict[str, Any], dict[str, str]]:
    """The framework now, at a version or as of a date; errors by field."""
    port = web.port
    if filters.version and filters.as_of:
        message = "Choose a version or a date, not both"
        return port.framework(), {"as_of": message}
    try:
        if filters.version:
            if not filters.version.isdigit():
                return port.framework(), {"version": "Choose a version from the list"}
            return port.framework(version=int(filters.version)), {}
        if filters.as_of:
            return port.framework(as_of=parse_as_of(parse_day(filters.as_of))), {}
    except DomainError as exc:
        field = "version" if filters.version else "as_of"
        if field == "as_of":
            message = "Enter a date, for example 30/04/2009"
        else:
            message = exc.detail
        return port.framework(), {field: message}
    return port.framework(), {}


def grouped(entries: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Entries by outcome, in the order outcomes first appear, codes in order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for e in sorted(entries, key=lambda e: _code_key(e["code"])):
        groups.setdefault(e.get("outcome") or "No outcome", []).append(e)
    return sorted(groups.items(), key=lambda g: _outcome_key(g[0]))


def _outcome_key(outcome: str) -> tuple[int, str]:
    known = OUTCOME_ORDER.index(outcome) if outcome in OUTCOME_ORDER else 99
    return (known, outcome)


def _code_key(code: str) -> tuple[str, int, str]:
    prefix, _, rest = code.partition(" ")
    return (prefix, int(rest) if rest.isdigit() else 0, rest)


def routes(web: Web) -> APIRouter:
    """The framework page at ``/``."""
    router = APIRouter()

    @router.get("/", response_class=HTMLResponse)
    def framework_page(
        request: Request,
        outcome: str = "",
        status: str = "",
        lead: str = "",
        laa: str = "",
        version: str = "",
        as_of: str = "",
        compared: str = "",
    ) -> HTMLResponse:
        """Every indicator with outcome, lead, result, target, status and flags."""
        who = web.reader(request)
        filters = Filters(
            outcome[:200],
            status if status in STATUSES else "",
            lead[:200],
            laa if laa in ("yes", "no") else "",
            version[:12],
            as_of[:40],
            compared if compared in COMPARISON_FLAG_TITLES else "",
        )
        data, errors = load(web, filters)
        everything = [e for e in data["indicators"] if not e.get("retired")]
        shown = [e for e in everything if filters.keep(e)]
        return web.page(
            request,
            who,
            "framework.html",
            status_code=422 if errors else 200,
            title="Performance framework",
            data=data,
            groups=grouped(shown),
            compared=any(e.get("comparison") for e in everything),
            shown=len(shown),
            counts={
                s: sum(e["shown_status"] == s for e in everything) for s in STATUSES
            },
            total=len(everything),
            filters=filters,
            errors=errors,
            outcomes=sorted({e["outcome"] for e in everything if e.get("outcome")}),
            organisations=sorted(
                {e["lead_organisation"] for e in everything if e["lead_organisation"]}
            ),
            versions=web.port.versions(),
            no_lead=NO_LEAD,
        )

    return router
