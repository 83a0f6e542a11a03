"""Every write route against every role (deny by default), revocation and audit."""

from __future__ import annotations

import pytest

from shared.http.auth import ROLES
from tests.integration.conftest import Api, indicator

P = "/api/v1"
LEAD = "dana@example.org"

# (method, path, body, roles that may call it)
WRITES: list[tuple[str, str, object, set[str]]] = [
    ("POST", f"{P}/indicators", indicator("NI 77"), {"admin"}),
    ("PATCH", f"{P}/indicators/NI%2050", {"title": "T"}, {"admin"}),
    ("PUT", f"{P}/indicators/NI%2050/lead", {"lead_organisation": "PCT"}, {"admin"}),
    (
        "PUT",
        f"{P}/indicators/NI%2050/baseline",
        {"value": 1, "period_end": "2008-03-31"},
        {"admin"},
    ),
    ("PUT", f"{P}/indicators/NI%2050/target", {"value": 2, "reason": "r"}, {"admin"}),
    ("PUT", f"{P}/indicators/NI%2050/milestones", {"milestones": []}, {"admin"}),
    ("POST", f"{P}/indicators/NI%2051/retire", {"reason": "r"}, {"admin"}),
    ("PUT", f"{P}/framework/settings", {"significance": 0.2}, {"admin"}),
    ("POST", f"{P}/framework/versions", {"label": "v"}, {"admin"}),
    (
        "POST",
        f"{P}/rounds",
        {
            "id": "R2",
            "period_end": "2009-03-31",
            "requested": "2009-03-31",
            "deadline": "2099-04-30",
        },
        {"admin"},
    ),
    ("POST", f"{P}/rounds/R1/close", None, {"admin"}),
    (
        "POST",
        f"{P}/returns",
        {"indicator_code": "NI 50", "period_end": "2009-03-31", "value": 1},
        {"admin", "lead"},
    ),
    ("POST", f"{P}/laa-results", [], {"admin", "system"}),
    (
        "POST",
        f"{P}/challenges/NI%2050/R1/decision",
        {"decision": "upheld"},
        {"executive"},
    ),
    (
        "POST",
        f"{P}/actions",
        {
            "indicator_code": "NI 50",
            "description": "d",
            "owner": "o",
            "due": "2009-06-30",
        },
        {"admin", "executive"},
    ),
    ("POST", f"{P}/actions/A1/complete", None, {"admin", "executive"}),
    ("PUT", f"{P}/reports/R1/board/draft", {"purpose": "p"}, {"admin"}),
    ("POST", f"{P}/reports/R1/board/publish", None, {"admin"}),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "allowed"),
    WRITES,
    ids=[f"{m} {p}" for m, p, _, _ in WRITES],
)
def test_each_write_admits_only_its_roles(
    api: Api, method: str, path: str, body: object, allowed: set[str]
) -> None:
    api.post(
        f"{P}/indicators",
        indicator("NI 50", named_lead={"name": "Dana", "email": LEAD}),
    )
    api.post(f"{P}/indicators", indicator("NI 51"))
    api.post(
        f"{P}/rounds",
        {
            "id": "R1",
            "period_end": "2009-03-31",
            "requested": "2009-03-31",
            "deadline": "2099-04-30",
        },
    )
    assert api.call(method, path, expect=(401,), role=None, json=body)["status"] == 401
    for role in ROLES:
        answer = api.client.request(
            method,
            path,
            json=body,
            headers={
                "Authorization": f"Bearer {api.token(role, LEAD if role == 'lead' else None)}"
            },
        )
        if role in allowed:
            assert answer.status_code not in (401, 403), (role, answer.text)
        else:
            assert answer.status_code == 403, (role, answer.text)


def test_a_revoked_token_is_refused(api: Api) -> None:
    token = api.system.tokens.create("admin", "leaver")
    headers = {"Authorization": f"Bearer {token}"}
    assert (
        api.client.post(
            f"{P}/indicators", json=indicator("NI 50"), headers=headers
        ).status_code
        == 201
    )
    token_id = token.split("_")[1]
    assert api.system.tokens.revoke(token_id)
    refused = api.client.post(
        f"{P}/indicators", json=indicator("NI 51"), headers=headers
    )
    assert refused.status_code == 401
    assert not api.system.tokens.revoke(token_id)  # already revoked


def test_the_audit_lists_who_did_what_for_admins_only(api: Api) -> None:
    api.post(f"{P}/indicators", indicator("NI 50"))
    api.post(
        f"{P}/returns",
        {"indicator_code": "NI 50", "period_end": "2009-03-31", "value": 1.0},
    )
    audit = api.get(f"{P}/audit?actor=admin:test%20admin")
    types = [e["type"] for e in audit["events"]]
    assert types == ["IndicatorRegistered", "ReturnSubmitted"]
    assert all(e["recorded_at"] and e["correlation_id"] for e in audit["events"])
    only = api.get(f"{P}/audit?type=ReturnSubmitted")["events"]
    assert [e["stream"] for e in only] == ["returns:NI 50"]
    page = api.get(f"{P}/audit?limit=1")
    assert len(page["events"]) == 1 and page["next_after"] is not None
    api.get(f"{P}/audit", role="viewer", expect=403)
    api.get(f"{P}/audit", role=None, expect=401)
