"""The indicator page: definition, trend chart, results, history, challenges."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from shared.errors import NotFound

from . import labels
from .chart import build_chart
from .equalities import groups_of
from .rendering import Web


def latest_per_period(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The newest result for each period_end (corrections supersede), oldest first."""
    newest: dict[str, dict[str, Any]] = {}
    for r in results:
        newest[r["period_end"]] = r
    return [newest[p] for p in sorted(newest)]


def describe(entry: dict[str, Any], unit: str) -> str:
    """One history entry in a sentence."""
    d = entry["details"]
    kind = entry["event_type"]
    fig = labels.figure
    if kind == "IndicatorRegistered":
        return f"Registered: {d.get('title', '')}"
    if kind == "IndicatorAmended":
        changed = ", ".join(sorted(k for k in d if k != "code")) or "definition"
        return f"Definition amended: {changed}"
    if kind == "LeadOrganisationAssigned":
        return f"Lead organisation: {d.get('lead_organisation') or 'none'}"
    if kind == "NamedLeadAssigned":
        return f"Named lead: {labels.lead_name(d.get('named_lead'))}"
    if kind == "BaselineRecorded":
        return (
            f"Baseline {fig(d.get('value'), unit)} for the period ending "
            f"{labels.day(d.get('period_end'))}"
        )
    if kind == "TargetSet":
        reason = f": {d['reason']}" if d.get("reason") else ""
        return (
            f"Target {fig(d.get('value'), unit)} by "
            f"{labels.day(d.get('period_end'))}{reason}"
        )
    if kind == "MilestonesSet":
        points = "; ".join(
            f"{fig(m['value'], unit)} by {labels.day(m['period_end'])}"
            for m in d.get("milestones") or []
        )
        return f"Milestones: {points or 'none'}"
    if kind == "IndicatorRetired":
        return "Retired from the framework"
    if kind in ("ReturnSubmitted", "LaaResultReceived"):
        what = "LAA result" if kind == "LaaResultReceived" else "Return"
        if d.get("correction"):
            what = f"Correction ({what.lower()})"
        prediction = labels.PREDICTIONS.get(d.get("prediction") or "")
        said = f"; lead predicts {prediction.lower()}" if prediction else ""
        return (
            f"{what}: {fig(d.get('value'), unit)} for the period ending "
            f"{labels.day(d.get('period_end'))}{said}"
        )
    if kind == "AssessmentChanged":
        at = f" at round {d['at_round']}" if d.get("at_round") else ""
        return f"Reassessed{at}: {d.get('explanation', '')}"
    if kind == "ChallengeRaised":
        title = labels.FLAG_TITLES.get(d.get("flag", ""), d.get("flag", ""))
        why = d.get("explanation", "")
        return f"Challenge raised at {d.get('round_id')}: {title}. {why}"
    if kind == "ChallengeDecided":
        decision = labels.DECISIONS.get(d.get("decision", ""), d.get("decision", ""))
        note = f" Note: {d['note']}" if d.get("note") else ""
        return f"Executive decision at {d.get('round_id')}: {decision}.{note}"
    return str(kind)


def routes(web: Web) -> APIRouter:
    """The indicator page at ``/indicators/{code}``."""
    router = APIRouter()

    @router.get("/indicators/{code:path}", response_class=HTMLResponse)
    def indicator_page(request: Request, code: str) -> HTMLResponse:
        """One indicator in full."""
        who = web.reader(request)
        port = web.port
        entry = next(
            (i for i in port.framework()["indicators"] if i["code"] == code),
            None,
        )
        try:
            if entry is None:
                raise NotFound(f"No indicator with code {code!r}")
            history = port.history(code)["history"]
        except NotFound as exc:
            return web.problem_page(
                request, who, 404, "Indicator not found", exc.detail
            )
        unit = entry.get("unit") or ""
        all_results = [
            {**h["details"], "recorded_at": h["recorded_at"], "actor": h["actor"]}
            for h in history
            if h["kind"] == "result"
        ]
        results = latest_per_period(all_results)
        rounds = port.rounds()
        compared = port.comparators(code)
        return web.page(
            request,
            who,
            "indicator.html",
            title=f"{entry['code']}: {entry['title']}",
            i=entry,
            unit=unit,
            chart=build_chart(
                entry, results, entry.get("projection"), compared["periods"]
            ),
            compared=compared,
            results=results,
            all_results=list(reversed(all_results)),
            history=[{**h, "summary": describe(h, unit)} for h in history],
            challenges=[h for h in history if h["kind"] == "challenge"],
            actions=port.indicator_actions(code),
            latest_round=rounds[0] if rounds else None,
            may_submit=who.may_submit_for(entry),
            **groups_of(port.groups(code)),
        )

    return router
