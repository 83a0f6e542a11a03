"""The reporting snapshot of a round: what the Executive and Board papers hold.

Built only from the read models, with a fixed ``as_of`` taken from the data
(the round's close, or its deadline), so regenerating a past round's report,
even after a replay, gives the same bytes.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from shared import codec
from shared.errors import NotFound

from .actions import action_status
from .comparator_queries import comparison_for, comparison_json, current_figures
from .queries import FrameworkQueries
from .reports.group_gaps import framework_gaps, gap_threshold_of
from .reports.narrative import plan_of
from .reports.privacy import private_data_removed
from .tables import actions, framework_rows, results, round_assessments, rounds

ReportKind = Literal["executive", "board"]
TITLES = {
    "executive": "Executive performance report",
    "board": "CYP Board performance report",
}


def _trajectory(definition: dict[str, Any]) -> list[dict[str, Any]]:
    points = []
    if definition.get("baseline"):
        points.append(definition["baseline"])
    target = definition.get("target")
    for m in definition.get("milestones") or []:
        if target is None or m["period_end"] < target["period_end"]:
            points.append(m)
    if target:
        points.append({"value": target["value"], "period_end": target["period_end"]})
    return [{"period_end": p["period_end"], "value": p["value"]} for p in points]


def _previous_round(conn: Connection, the_round: dict[str, Any]) -> str | None:
    """The round before this one: the latest whose period ended earlier."""
    earlier = [
        (found["period_end"], found["id"])
        for found in (
            codec.loads(raw) for raw in conn.execute(sa.select(rounds.c.data)).scalars()
        )
        if found["period_end"] < the_round["period_end"]
    ]
    return max(earlier)[1] if earlier else None


def _compared(
    definition: dict[str, Any],
    figures: dict[str, list[dict[str, Any]]],
    upto: dict[str, dict[str, Any]],
    as_of: str,
    settings: dict[str, Any],
) -> dict[str, Any] | None:
    """The indicator against England and neighbours at the round (or None)."""
    mine = figures.get(definition["code"]) or []
    own = {p: float(r["value"]) for p, r in upto.items()}
    _grouped, found = comparison_for(definition, mine, own, settings)
    return comparison_json(found)


def build_snapshot(
    engine: Engine,
    round_id: str,
    kind: ReportKind,
    council: str,
    small_number_threshold: int,
) -> dict[str, Any]:
    """The snapshot of round ``round_id`` for the ``kind`` of report."""
    with engine.connect() as conn:
        raw = conn.execute(
            sa.select(rounds.c.data).where(rounds.c.id == round_id)
        ).scalar()
        if raw is None:
            raise NotFound(f"No round {round_id!r}")
        the_round = codec.loads(raw)
        rows = list(
            conn.execute(
                sa.select(framework_rows).order_by(framework_rows.c.code)
            ).mappings()
        )
        assessed = {
            r["code"]: codec.loads(r["data"])
            for r in conn.execute(
                sa.select(round_assessments).where(
                    round_assessments.c.round_id == round_id
                )
            ).mappings()
        }
        previous_id = _previous_round(conn, the_round)
        previous_status = {
            r["code"]: codec.loads(r["data"]).get("shown_status", "GREY")
            for r in conn.execute(
                sa.select(round_assessments).where(
                    round_assessments.c.round_id == (previous_id or "")
                )
            ).mappings()
        }
        all_actions = [
            codec.loads(r) for r in conn.execute(sa.select(actions.c.data)).scalars()
        ]
        period_end = the_round["period_end"]
        results_of: dict[str, dict[str, Any]] = {}
        found = conn.execute(
            sa.select(results.c.code, results.c.period_end, results.c.data)
            .where(results.c.period_end <= period_end)
            .order_by(results.c.code, results.c.period_end)
        )
        for code, period, data in found:
            results_of.setdefault(code, {})[period] = codec.loads(data)
        as_of = (
            the_round.get("closed_at") or f"{the_round['deadline']}T23:59:59.999999Z"
        )
        figures = {
            code: [f for f in loaded if f["period_end"] <= period_end]
            for code, loaded in current_figures(conn, at=as_of).items()
        }
    as_of_day = date.fromisoformat(as_of[:10])
    rows_settings = FrameworkQueries(engine).settings(as_of)
    indicators = []
    registered = sorted(rows, key=lambda r: (r["registered_at"] or "", r["code"]))
    position = {r["code"]: n for n, r in enumerate(registered)}
    for row in rows:
        definition = codec.loads(row["definition"])
        if definition is None or definition["retired"]:
            continue
        upto = results_of.get(definition["code"], {})
        latest = upto[max(upto)] if upto else None
        a = assessed.get(definition["code"], {})
        compared = _compared(definition, figures, upto, as_of, rows_settings)
        indicators.append(
            {
                **{k: v for k, v in definition.items() if k != "retired"},
                "latest_result": latest,
                "status": a.get("computed_status", "GREY"),
                "shown_status": a.get("shown_status", "GREY"),
                "status_explanation": a.get(
                    "explanation", "Not assessed at this round"
                ),
                "projection": a.get("projection"),
                "direction": a.get("direction", "none"),
                "significantly_improved": a.get("significantly_improved", False),
                "very_good_performance": a.get("very_good_performance", False),
                "flags": a.get("flags", []),
                "decision": a.get("decision"),
                "severity": a.get("severity", -1.0),
                "results": [
                    {"period_end": p, "value": upto[p]["value"]} for p in sorted(upto)
                ],
                "trajectory": _trajectory(definition),
                "position": position[row["code"]],
                **(
                    {"previous_status": previous_status[definition["code"]]}
                    if definition["code"] in previous_status
                    else {}
                ),
                **({"comparison": compared} if compared else {}),
            }
        )
    indicators.sort(key=lambda i: (i["outcome"] or "", i["code"]))
    counts = dict.fromkeys(("GREEN", "AMBER", "RED", "GREY"), 0)
    for i in indicators:
        counts[i["shown_status"]] += 1
    by_code = sorted(indicators, key=lambda i: i["code"])
    concerns = sorted(
        (i for i in indicators if i["shown_status"] == "RED"),
        key=lambda i: (-i["severity"], i["code"]),
    )
    challenges = [
        {
            "indicator_code": i["code"],
            "flags": i["flags"],
            "computed_status": i["status"],
            "prediction": (i["latest_result"] or {}).get("prediction"),
            "decision": i["decision"],
            "shown_status": i["shown_status"],
        }
        for i in by_code
        if i["flags"]
    ]
    listed_actions = sorted(
        (
            {**a, "status": action_status(a, as_of_day)}
            for a in all_actions
            if a.get("round_id") == round_id or not a.get("completed")
        ),
        key=lambda a: (a["due"], a["id"]),
    )
    queries = FrameworkQueries(engine)
    settings = queries.settings(as_of)
    published = [v for v in queries.versions() if v["published_at"] <= as_of]
    return private_data_removed(
        {
            "kind": kind,
            "title": f"{TITLES[kind]}: {round_id}",
            "council": council,
            "round": {
                "id": the_round["id"],
                "period_end": period_end,
                "requested": the_round["requested"],
                "deadline": the_round["deadline"],
                "status": "closed" if the_round.get("closed") else "open",
            },
            "as_of": as_of,
            "previous_round": previous_id,
            "plan": plan_of(settings, indicators),
            "framework_version": (
                {"number": published[-1]["number"], "label": published[-1]["label"]}
                if published
                else None
            ),
            "settings": {**settings, "small_number_threshold": small_number_threshold},
            "counts": counts,
            "indicators": [
                {k: v for k, v in i.items() if k != "severity"} for i in indicators
            ],
            "highlights": {
                "areas_of_concern": [i["code"] for i in concerns],
                "very_good_performance": [
                    i["code"] for i in by_code if i["very_good_performance"]
                ],
                "significantly_improved": [
                    i["code"] for i in by_code if i["significantly_improved"]
                ],
            },
            "challenges": challenges,
            "actions": listed_actions,
            "equalities": framework_gaps(
                ((i, results_of.get(i["code"], {}).values()) for i in by_code),
                small_number_threshold,
                gap_threshold_of(settings),
            ),
        }
    )
