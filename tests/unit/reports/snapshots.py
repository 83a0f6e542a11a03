"""Realistic report snapshots for Northshire's 2009-H2 round, as the reporting
service builds them: sixteen hand-made indicators covering every case a paper shows
(each status, each flag, decisions both ways, breakdowns, small numbers), and an
optional number of plain indicators to reach a full-size framework of ~45.
"""

from __future__ import annotations

import copy
from typing import Any

BE_HEALTHY = "Be healthy"
STAY_SAFE = "Stay safe"
ENJOY = "Enjoy and achieve"
CONTRIBUTE = "Make a positive contribution"
ECONOMIC = "Achieve economic well-being"
PLAN_END = "2011-03-31"
YEARS = ("2007-03-31", "2008-03-31", "2009-03-31", "2010-03-31")


def lead(name: str) -> dict[str, str]:
    first, last = name.lower().split(" ", 1)
    return {"name": name, "email": f"{first}.{last.replace(' ', '')}@northshire.gov.uk"}


def indicator(
    code: str,
    title: str,
    outcome: str,
    *,
    unit: str = "percent",
    polarity: str = "higher_is_better",
    frequency: str = "annual",
    laa: bool = False,
    organisation: str | None = "Northshire County Council",
    named_lead: str | None = "Sarah Whitfield",
    baseline: float | None = None,
    target: float | None = None,
    values: tuple[float, ...] = (),
    periods: tuple[str, ...] = YEARS,
    prediction: str | None = "on_target",
    commentary: str = "",
    data_quality: str = "",
    breakdowns: dict[str, float] | None = None,
    source: str = "lead",
    status: str = "GREEN",
    shown_status: str | None = None,
    explanation: str = "",
    projection: float | None = None,
    direction: str = "improving",
    significantly_improved: bool = False,
    very_good_performance: bool = False,
    flags: list[dict[str, str]] | None = None,
    decision: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One indicator of the snapshot; results run over `periods`, baseline first."""
    results = [
        {"period_end": p, "value": v} for p, v in zip(periods[1:], values, strict=False)
    ]
    base = (
        {"value": baseline, "period_end": periods[0]} if baseline is not None else None
    )
    goal = {"value": target, "period_end": PLAN_END} if target is not None else None
    milestones = (
        [
            {
                "period_end": "2010-03-31",
                "value": round(baseline + (target - baseline) * 2 / 3, 1),
            }
        ]
        if base and goal
        else []
    )
    latest = None
    if results:
        latest = {
            **results[-1],
            "prediction": prediction if source == "lead" else None,
            "commentary": commentary,
            "data_quality": data_quality,
            "breakdowns": breakdowns,
            "source": source,
        }
    return {
        "code": code,
        "title": title,
        "outcome": outcome,
        "polarity": polarity,
        "unit": unit,
        "frequency": frequency,
        "laa": laa,
        "lead_organisation": organisation,
        "named_lead": lead(named_lead) if named_lead else None,
        "baseline": base,
        "target": goal,
        "milestones": milestones,
        "latest_result": latest,
        "status": status,
        "shown_status": shown_status or status,
        "status_explanation": explanation,
        "projection": projection,
        "direction": direction if len(results) > 1 else "none",
        "significantly_improved": significantly_improved,
        "very_good_performance": very_good_performance,
        "flags": flags or [],
        "decision": decision,
        "results": results,
        "trajectory": ([base] if base else []) + milestones + ([goal] if goal else []),
    }


def flag(code: str, explanation: str) -> dict[str, str]:
    return {"code": code, "explanation": explanation}


CONFLICT_ON = flag(
    "PREDICTION_CONFLICT",
    "The lead predicts on target but the projection is off target (RED)",
)


def decided(
    decision: str, note: str, by: str = "Cllr Margaret Ellison"
) -> dict[str, str]:
    return {
        "decision": decision,
        "note": note,
        "decided_by": by,
        "decided_at": "2010-04-27T10:30:00Z",
    }


def hand_made() -> list[dict[str, Any]]:
    """The sixteen indicators the tests read."""
    return [
        indicator(
            "NI 50",
            "Emotional health of children",
            BE_HEALTHY,
            organisation=None,
            named_lead=None,
            baseline=62.0,
            target=70.0,
            values=(63.1, 65.4, 67.9),
            commentary="TellUs survey shows steady improvement in primary schools.",
            explanation=(
                "Projected 70.9 at March 2011 against a target of 70: on target"
            ),
            projection=70.9,
            flags=[
                flag(
                    "NO_LEAD",
                    "The indicator has no lead organisation and no named lead",
                )
            ],
        ),
        indicator(
            "NI 55",
            "Obesity among primary school age children in Reception Year",
            BE_HEALTHY,
            polarity="lower_is_better",
            organisation="NHS Northshire",
            named_lead="David Okafor",
            baseline=9.6,
            target=8.5,
            values=(9.8, 9.9, 10.1),
            commentary=(
                "We expect the new healthy schools programme to turn this round."
            ),
            data_quality=(
                "National Child Measurement Programme; 91% of children measured."
            ),
            breakdowns={"Boys": 10.9, "Girls": 9.2},
            status="RED",
            explanation=(
                "Projected 10.4 at March 2011 against a target of 8.5: off target"
            ),
            projection=10.4,
            direction="worsening",
            flags=[CONFLICT_ON],
            decision=decided(
                "upheld", "No evidence yet that the programme has started."
            ),
        ),
        indicator(
            "NI 56",
            "Obesity among primary school age children in Year 6",
            BE_HEALTHY,
            polarity="lower_is_better",
            organisation="NHS Northshire",
            named_lead="David Okafor",
            baseline=18.9,
            target=17.5,
            values=(18.8, 18.5, 18.1),
            status="AMBER",
            explanation=(
                "Projected 17.6 at March 2011 against a target of 17.5: off target, "
                "within the tolerance of 0.07"
            ),
            projection=17.6,
        ),
        indicator(
            "NI 57",
            "Children and young people's participation in high-quality PE and sport",
            BE_HEALTHY,
            organisation="Northshire School Sport Partnership",
            named_lead="Tom Hargreaves",
            baseline=78.0,
            target=85.0,
            values=(81.0, 84.2, 88.6),
            explanation=(
                "Projected 91.5 at March 2011 against a target of 85: on target"
            ),
            projection=91.5,
            very_good_performance=True,
        ),
        indicator(
            "NI 48",
            "Children killed or seriously injured in road traffic accidents",
            STAY_SAFE,
            unit="number",
            polarity="lower_is_better",
            organisation="Northshire Highways",
            named_lead="Priya Nair",
            baseline=22.0,
            target=18.0,
            values=(20.0, 21.0, 27.0),
            commentary=(
                "A bad year on rural roads; the casualty reduction plan is under "
                "review."
            ),
            breakdowns={"Car passengers": 9, "Cyclists": 4, "Pedestrians": 14},
            status="RED",
            explanation=(
                "Projected 27.4 at March 2011 against a target of 18: off target"
            ),
            projection=27.4,
            direction="worsening",
        ),
        indicator(
            "NI 65",
            "Children becoming the subject of a Child Protection Plan for a second or "
            "subsequent time",
            STAY_SAFE,
            polarity="lower_is_better",
            organisation="Northshire Children's Social Care",
            named_lead="Helen Marsh",
            baseline=12.0,
            target=10.0,
            values=(11.5, 11.9, 12.6),
            commentary=(
                "Three large sibling groups returned to plans; underlying rate is "
                "falling."
            ),
            status="RED",
            shown_status="GREEN",
            explanation=(
                "Projected 12.7 at March 2011 against a target of 10: off target"
            ),
            projection=12.7,
            direction="worsening",
            flags=[CONFLICT_ON],
            decision=decided(
                "lead_view_accepted",
                "Sibling groups explain the rise; the Executive accepts the lead's "
                "view.",
            ),
        ),
        indicator(
            "NI 63",
            "Stability of placements of looked after children: length of placement",
            STAY_SAFE,
            organisation="Northshire Children's Social Care",
            named_lead="Helen Marsh",
            baseline=64.0,
            target=68.0,
            values=(65.2, 67.0, 67.0),
            explanation=(
                "Projected 69.2 at March 2011 against a target of 68: on target"
            ),
            projection=69.2,
            direction="no_change",
        ),
        indicator(
            "NI 87",
            "Secondary school persistent absence rate",
            ENJOY,
            polarity="lower_is_better",
            organisation="Northshire Education Welfare Service",
            named_lead="Graham Pike",
            baseline=6.1,
            target=4.9,
            values=(6.0, 6.0, 6.0),
            commentary="Attendance panels start in September; we will hit the target.",
            status="RED",
            explanation=(
                "Projected 5.9 at March 2011 against a target of 4.9: off target"
            ),
            projection=5.9,
            direction="no_change",
            flags=[CONFLICT_ON],
            decision=decided("upheld", "The trend is flat; the status stays red."),
        ),
        indicator(
            "NI 101",
            "Looked after children achieving 5 A*-C GCSEs (or equivalent) at Key "
            "Stage 4 "
            "(including English and mathematics)",
            ENJOY,
            organisation="Northshire Virtual School",
            named_lead="Anne Lovell",
            baseline=9.0,
            target=20.0,
            values=(10.0, 9.5, 15.2),
            commentary=(
                "Small cohort (33 young people); results swing from year to year."
            ),
            status="RED",
            explanation=(
                "Projected 16.9 at March 2011 against a target of 20: off target"
            ),
            projection=16.9,
            significantly_improved=True,
            prediction="off_target",
            flags=[
                flag(
                    "VOLATILE",
                    "The latest result 15.2 differs from the previous 9.5 by more "
                    "than half: check the data",
                )
            ],
        ),
        indicator(
            "LOCAL 02",
            "Children permanently excluded from primary schools",
            ENJOY,
            unit="number",
            polarity="lower_is_better",
            organisation="Northshire Inclusion Service",
            named_lead="Graham Pike",
            baseline=9.0,
            target=4.0,
            values=(8.0, 7.0, 3.0),
            commentary="Managed moves have replaced most exclusions.",
            breakdowns={"Boys": 2, "Girls": 1},
            explanation="Projected 2.1 at March 2011 against a target of 4: on target",
            projection=2.1,
            significantly_improved=True,
            very_good_performance=True,
            flags=[
                flag(
                    "VOLATILE",
                    "The latest result 3 differs from the previous 7 by more than "
                    "half: check the data",
                )
            ],
        ),
        indicator(
            "NI 110",
            "Young people's participation in positive activities",
            CONTRIBUTE,
            organisation="Northshire Youth Service",
            named_lead="Kieran Doyle",
            baseline=65.0,
            target=72.0,
            values=(65.5, 66.1, 66.8),
            prediction=None,
            status="RED",
            explanation=(
                "Projected 67.6 at March 2011 against a target of 72: off target"
            ),
            projection=67.6,
            flags=[
                flag(
                    "NO_PREDICTION",
                    "The latest return (period ending 31 March 2010) does not predict "
                    "whether the target will be met",
                )
            ],
        ),
        indicator(
            "NI 111",
            "First time entrants to the Youth Justice System aged 10-17",
            CONTRIBUTE,
            unit="rate_per_100000",
            polarity="lower_is_better",
            laa=True,
            organisation="Northshire Youth Offending Team",
            named_lead="Kieran Doyle",
            baseline=1820.0,
            target=1600.0,
            values=(1710.0, 1540.0, 1302.5),
            source="laa",
            explanation=(
                "Projected 1,190 at March 2011 against a target of 1600: on target"
            ),
            projection=1190.0,
            significantly_improved=True,
            very_good_performance=True,
        ),
        indicator(
            "NI 116",
            "Proportion of children in poverty",
            ECONOMIC,
            polarity="lower_is_better",
            laa=True,
            organisation=None,
            named_lead=None,
            baseline=17.2,
            target=15.0,
            values=(17.5, 18.4, 19.6),
            source="laa",
            status="RED",
            explanation=(
                "Projected 20.5 at March 2011 against a target of 15: off target"
            ),
            projection=20.5,
            direction="worsening",
            flags=[
                flag(
                    "NO_LEAD",
                    "The indicator has no lead organisation and no named lead",
                )
            ],
        ),
        indicator(
            "NI 117",
            "16 to 18 year olds who are not in education, employment or training "
            "(NEET)",
            ECONOMIC,
            polarity="lower_is_better",
            laa=True,
            organisation="Connexions Northshire",
            named_lead="Ruth Adebayo",
            baseline=7.2,
            target=5.5,
            values=(6.9, 6.5, 6.1),
            breakdowns={
                "Looked after": 21.4,
                "With learning difficulties or disabilities": 14.2,
                "Young parents": 6.1,
            },
            source="laa",
            explanation=(
                "Projected 5.4 at March 2011 against a target of 5.5: on target"
            ),
            projection=5.4,
        ),
        indicator(
            "NI 118",
            "Take up of formal childcare by low-income working families",
            ECONOMIC,
            organisation="Northshire Early Years",
            named_lead="Ruth Adebayo",
            baseline=16.0,
            values=(16.4, 17.0, 17.3),
            status="GREY",
            explanation="Not assessed: no target",
            flags=[flag("NO_TARGET", "The indicator is measurable but has no target")],
        ),
        indicator(
            "NI 148",
            "Care leavers in employment, education or training",
            ECONOMIC,
            organisation="Northshire Leaving Care Team",
            named_lead="Helen Marsh",
            baseline=68.0,
            target=75.0,
            values=(66.0, 64.5),
            status="RED",
            explanation=(
                "Projected 62.4 at March 2011 against a target of 75: off target"
            ),
            projection=62.4,
            direction="worsening",
            flags=[
                flag(
                    "STALE_RESULT",
                    "The latest result is for the period ending 31 March 2009, more "
                    "than 9 months before 31 March 2010",
                )
            ],
        ),
        indicator(
            "NI 199",
            "Children and young people's satisfaction with parks and play areas",
            ENJOY,
            organisation=None,
            named_lead=None,
            status="GREY",
            explanation="Not assessed: no baseline",
            flags=[
                flag(
                    "MISSING_RETURN",
                    "No result for the period ending 31 March 2010 although round "
                    "2009-H2 has closed",
                ),
                flag(
                    "NO_LEAD",
                    "The indicator has no lead organisation and no named lead",
                ),
            ],
        ),
    ]


def padding(n: int) -> list[dict[str, Any]]:
    """`n` plain, on-target local indicators, different but deterministic."""
    outcomes = (BE_HEALTHY, STAY_SAFE, ENJOY, CONTRIBUTE, ECONOMIC)
    out = []
    for k in range(n):
        start = 40.0 + (k * 7) % 30
        out.append(
            indicator(
                f"LOCAL {k + 10:02d}",
                f"Local measure {k + 10} of the Children and Young People's Plan",
                outcomes[k % 5],
                baseline=start,
                target=start + 6,
                values=(start + 1.5, start + 3.1, start + 4.6 + (k % 3) / 10),
                commentary="On track; no concerns to report this half-year.",
                explanation=f"Projected {start + 6.2:.1f} at March 2011 against a "
                f"target of {start + 6:g}: on target",
                projection=start + 6.2,
            )
        )
    return out


ACTIONS = [
    {
        "id": "A-2009H1-01",
        "indicator_code": "NI 55",
        "round_id": "2009-H1",
        "description": "Review the healthy schools programme in Reception classes",
        "owner": "Director of Public Health, NHS Northshire",
        "due": "2010-01-31",
        "status": "overdue",
        "completed_at": None,
    },
    {
        "id": "A-2009H1-02",
        "indicator_code": "NI 87",
        "round_id": "2009-H1",
        "description": (
            "Attendance plan for the six schools with the most persistent absence"
        ),
        "owner": "Head of Education Welfare",
        "due": "2010-06-30",
        "status": "open",
        "completed_at": None,
    },
    {
        "id": "A-2009H1-03",
        "indicator_code": "NI 65",
        "round_id": "2009-H1",
        "description": "Audit of repeat child protection plans",
        "owner": "Head of Safeguarding",
        "due": "2010-03-31",
        "status": "completed",
        "completed_at": "2010-02-15T16:00:00Z",
        "completed": True,
        "outcome": "Audit found no missed step-down decisions",
    },
    {
        "id": "A-2009H2-01",
        "indicator_code": "NI 48",
        "round_id": "2009-H2",
        "description": (
            "Road safety education in primary schools near rural accident sites"
        ),
        "owner": "Road Safety Manager, Northshire Highways",
        "due": "2010-09-30",
        "status": "open",
        "completed_at": None,
    },
]

# Shown RED, worst gap first (as the reporting service computes it).
AREAS_OF_CONCERN = ["NI 48", "NI 148", "NI 116", "NI 110", "NI 101", "NI 87", "NI 55"]


def snapshot(kind: str = "board", extra: int = 0) -> dict[str, Any]:
    """A full snapshot of `kind`, with `extra` padding indicators."""
    indicators = hand_made() + padding(extra)
    indicators.sort(key=lambda i: (i["outcome"], i["code"]))
    counts = {s: 0 for s in ("GREEN", "AMBER", "RED", "GREY")}
    for i in indicators:
        counts[i["shown_status"]] += 1
    flagged = [i for i in indicators if i["flags"]]
    title = (
        "CYP Board performance report"
        if kind == "board"
        else "Executive performance report"
    )
    return copy.deepcopy(
        {
            "kind": kind,
            "title": f"{title}: 2009-H2",
            "council": "Northshire County Council",
            "round": {
                "id": "2009-H2",
                "period_end": "2010-03-31",
                "requested": "2010-03-31",
                "deadline": "2010-04-30",
                "status": "closed",
            },
            "as_of": "2010-05-14T00:00:00.000000Z",
            "framework_version": {
                "number": 4,
                "label": "v4: targets for NI 110 and NI 117 agreed, April 2010",
            },
            "settings": {
                "rag_mode": "red_amber_green",
                "amber_fraction": 0.05,
                "significance": 0.1,
                "small_number_threshold": 5,
            },
            "counts": counts,
            "indicators": indicators,
            "highlights": {
                "areas_of_concern": AREAS_OF_CONCERN,
                "very_good_performance": sorted(
                    i["code"] for i in indicators if i["very_good_performance"]
                ),
                "significantly_improved": sorted(
                    i["code"] for i in indicators if i["significantly_improved"]
                ),
            },
            "challenges": [
                {
                    "indicator_code": i["code"],
                    "flags": i["flags"],
                    "computed_status": i["status"],
                    "prediction": (i["latest_result"] or {}).get("prediction"),
                    "decision": i["decision"],
                    "shown_status": i["shown_status"],
                }
                for i in flagged
            ],
            "actions": ACTIONS,
        }
    )
