"""One scenario of the plan's cycle, driven over HTTP, for every mode.

Register indicators, set baselines and targets, take returns (with a
correction) and LAA results (with a duplicate and rejects), open and close a
round, then read the framework. The embedded and distributed modes must
answer with the same framework.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from tests.support.processes import eventually


@dataclass(frozen=True)
class Endpoints:
    """Where each service's routes are served (one URL in embedded mode)."""

    indicators: str
    returns: str
    assessment: str
    reporting: str

    @classmethod
    def single(cls, url: str) -> Endpoints:
        return cls(url, url, url, url)


INDICATORS: list[dict[str, Any]] = [
    {
        "code": "NI 50",
        "title": "Emotional health of children",
        "outcome": "Be healthy",
        "polarity": "higher_is_better",
        "unit": "percent",
        "frequency": "annual",
        "laa": False,
        "measurable": True,
        "lead_organisation": "Primary Care Trust",
        "named_lead": {
            "name": "Dana Wright",
            "email": "dana.wright@northshire-pct.nhs.uk",
        },
    },
    {
        "code": "NI 112",
        "title": "Under 18 conception rate",
        "outcome": "Be healthy",
        "polarity": "lower_is_better",
        "unit": "rate_per_1000",
        "frequency": "quarterly",
        "laa": True,
        "measurable": True,
        "lead_organisation": "Teenage Pregnancy Partnership",
        "named_lead": {"name": "Sam Okafor", "email": "sam.okafor@northshire.gov.uk"},
    },
    {
        "code": "NI 71",
        "title": "Children who have run away from home/care overnight",
        "outcome": "Stay safe",
        "polarity": "higher_is_better",
        "unit": "score",
        "frequency": "annual",
        "laa": False,
        "measurable": False,
    },
    {
        "code": "LOCAL 01",
        "title": "Number of 16 and 17 year olds presenting as homeless",
        "outcome": "Achieve economic well-being",
        "polarity": "lower_is_better",
        "unit": "number",
        "frequency": "quarterly",
        "laa": False,
        "measurable": True,
    },
]

EXPECTED_FLAGS = {
    "NI 50": [],
    "NI 112": ["MISSING_RETURN", "STALE_RESULT"],
    "NI 71": ["NO_LEAD"],
    "LOCAL 01": ["NO_PREDICTION", "MISSING_RETURN", "NO_TARGET", "NO_LEAD"],
}
EXPECTED_STATUS = {
    "NI 50": "GREEN",
    "NI 112": "RED",
    "NI 71": "GREY",
    "LOCAL 01": "GREY",
}


def _ok(response: httpx.Response, *codes: int) -> dict[str, Any]:
    assert response.status_code in (codes or (200, 201)), (
        f"{response.request.method} {response.request.url} -> "
        f"{response.status_code}: {response.text}"
    )
    return response.json()  # type: ignore[no-any-return]


def _path(code: str) -> str:
    return quote(code, safe="")


def run(ep: Endpoints, tokens: dict[str, str]) -> dict[str, Any]:
    """Drive the scenario with a token per role; returns the LAA batch outcome."""

    def as_(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[role]}"}

    admin = as_("admin")
    with httpx.Client(timeout=30, headers=admin) as http:
        for body in INDICATORS:
            _ok(http.post(f"{ep.indicators}/api/v1/indicators", json=body), 201)
        for code, base, target in [
            ("NI 50", 60, 70),
            ("NI 112", 45, 35),
            ("LOCAL 01", 40, None),
        ]:
            url = f"{ep.indicators}/api/v1/indicators/{_path(code)}"
            _ok(
                http.put(
                    f"{url}/baseline", json={"value": base, "period_end": "2008-03-31"}
                )
            )
            if target is not None:
                _ok(
                    http.put(
                        f"{url}/target",
                        json={
                            "value": target,
                            "period_end": "2011-03-31",
                            "reason": "Agreed July 2008",
                        },
                    )
                )

        def lead_return(body: dict[str, Any]) -> None:
            # Distributed: the returns service learns of indicators from Kafka.
            eventually(
                lambda: _ok(http.post(f"{ep.returns}/api/v1/returns", json=body), 201)
            )

        lead_return(
            {
                "indicator_code": "NI 50",
                "period_end": "2009-03-31",
                "value": 61,
                "prediction": "on_target",
            }
        )
        lead_return(
            {
                "indicator_code": "NI 50",
                "period_end": "2009-03-31",
                "value": 62,
                "prediction": "on_target",
                "commentary": "Corrected after data validation",
            }
        )
        lead_return(
            {
                "indicator_code": "NI 50",
                "period_end": "2010-03-31",
                "value": 68,
                "prediction": "on_target",
                "breakdowns": {"male": 66.5, "female": 69.4},
            }
        )
        lead_return(
            {"indicator_code": "LOCAL 01", "period_end": "2009-12-31", "value": 37}
        )
        round_body = {
            "id": "2009-H2",
            "period_end": "2010-03-31",
            "requested": "2010-03-31",
            "deadline": "2010-04-30",
        }

        # A round without a scope records the indicators due when it opens:
        # in distributed mode, once the returns service has heard of them all.
        def returns_would_ask_every_measurable_indicator() -> None:
            url = f"{ep.returns}/api/v1/rounds/scope/default?period_end=2010-03-31"
            assert _ok(http.get(url))["scope"] == ["LOCAL 01", "NI 112", "NI 50"]

        eventually(returns_would_ask_every_measurable_indicator)
        _ok(http.post(f"{ep.returns}/api/v1/rounds", json=round_body), 201)

        def returns_knows_every_measurable_indicator() -> None:
            url = f"{ep.returns}/api/v1/rounds/2009-H2/outstanding"
            assert _ok(http.get(url))["in_scope"] == 3

        eventually(returns_knows_every_measurable_indicator)
        batch = [
            {
                "result_id": "LAA-112-Q1",
                "indicator_code": "NI 112",
                "period_end": "2008-06-30",
                "value": 44.5,
                "source": "LAA",
            },
            {
                "result_id": "LAA-112-Q2",
                "indicator_code": "NI 112",
                "period_end": "2008-09-30",
                "value": 46.0,
                "breakdowns": {"looked_after": 70.0},
                "source": "LAA",
            },
            {
                "result_id": "LAA-112-Q3",
                "indicator_code": "NI 112",
                "period_end": "2008-12-31",
                "value": 45.5,
                "source": "LAA",
            },
            {
                "result_id": "LAA-112-Q3",
                "indicator_code": "NI 112",
                "period_end": "2008-12-31",
                "value": 45.5,
                "source": "LAA",
            },
            {
                "result_id": "LAA-XX-Q3",
                "indicator_code": "NI 999",
                "period_end": "2008-12-31",
                "value": 1.0,
            },
            {
                "result_id": "LAA-112-bad",
                "indicator_code": "NI 112",
                "period_end": "2008-12-31",
                "value": "high",
            },
        ]
        outcome = _ok(
            http.post(
                f"{ep.returns}/api/v1/laa-results", json=batch, headers=as_("system")
            )
        )
        _ok(http.post(f"{ep.returns}/api/v1/rounds/2009-H2/close"))

        def challenged_on_all_facts() -> None:
            # Distributed: the round's close may overtake the batch's results
            # (other partitions); the challenge is restated once they arrive.
            listed = _ok(http.get(f"{ep.assessment}/api/v1/challenges?round=2009-H2"))
            [ni112] = [c for c in listed if c["indicator_code"] == "NI 112"]
            assert ni112["computed_status"] == "RED", ni112["computed_status"]

        eventually(challenged_on_all_facts)

        def decide() -> dict[str, Any]:
            url = f"{ep.assessment}/api/v1/challenges/NI%20112/2009-H2/decision"
            body = {"decision": "upheld", "note": "Trend is clearly off target"}
            return _ok(http.post(url, json=body, headers=as_("executive")))

        decided = eventually(decide)
        assert decided["computed_status"] == "RED"
        assert decided["shown_status"] == "RED"
        loaded = _ok(
            http.post(
                f"{ep.reporting}/api/v1/comparators/import",
                params={"filename": "lait.csv", "indicator": "NI 50"},
                content=COMPARATORS_CSV.encode(),
                headers={"Content-Type": "text/csv"},
            ),
            201,
        )
        assert loaded["counts"]["figures"] == 6
    return outcome


# Figures for NI 50 as a LAIT download gives them (invented for the test).
COMPARATORS_CSV = """Area code,LA name,Comparator type,Time period,Data value
E92000001,England,England,2008/09,63.0
E92000001,England,England,2009/10,64.5
E12000002,North West,Region,2009/10,65.1
E10000001,Neighbour One,Statistical neighbour,2009/10,70
E10000002,Neighbour Two,Statistical neighbour,2009/10,x
E10000003,Neighbour Three,Statistical neighbour,2009/10,60
E10000004,Neighbour Four,Statistical neighbour,2009/10,66
"""
EXPECTED_COMPARISON = {
    "period_end": "2010-03-31",
    "council": 68.0,
    "england": 64.5,
    "region": 65.1,
    "neighbour_average": 65.33333333333333,
    "rank": 2,
    "ranked": 4,
    "gap_direction": "widening",
}


def framework(ep: Endpoints) -> dict[str, Any]:
    """The framework as the reporting service serves it."""
    return _ok(httpx.get(f"{ep.reporting}/api/v1/framework", timeout=30))


def settled_framework(ep: Endpoints, timeout: float = 90.0) -> dict[str, Any]:
    """The framework once every result and assessment of the scenario shows."""

    def check() -> dict[str, Any]:
        fw = framework(ep)
        by_code = {i["code"]: i for i in fw["indicators"]}
        assert {
            c: by_code.get(c, {}).get("status") for c in EXPECTED_STATUS
        } == EXPECTED_STATUS
        assert by_code["NI 50"]["latest_result"]["value"] == 68
        assert by_code["NI 112"]["latest_result"]["period_end"] == "2008-12-31"
        assert by_code["LOCAL 01"]["latest_result"]["value"] == 37
        assert by_code["NI 50"]["direction"] == "improving"
        flags = {c: [f["code"] for f in by_code[c]["flags"]] for c in EXPECTED_STATUS}
        assert flags == EXPECTED_FLAGS, flags
        assert (by_code["NI 112"]["decision"] or {}).get("decision") == "upheld"
        compared = by_code["NI 50"]["comparison"] or {}
        assert {k: compared.get(k) for k in EXPECTED_COMPARISON} == EXPECTED_COMPARISON
        return fw

    return eventually(check, timeout=timeout)


def equalities(ep: Endpoints) -> dict[str, Any]:
    """The groups behind all children, from the reporting service."""
    return _ok(httpx.get(f"{ep.reporting}/api/v1/equalities", timeout=30))
