"""Who may do what: tokens, roles and a lead's own indicators (PRODUCT.md 8)."""

from __future__ import annotations

from tests.integration.conftest import Api, indicator

P = "/api/v1"
LEAD = "dana@example.org"


def setup(api: Api) -> None:
    api.post(
        f"{P}/indicators",
        indicator("NI 50", named_lead={"name": "Dana", "email": LEAD}),
    )
    api.post(
        f"{P}/indicators",
        indicator("NI 51", named_lead={"name": "Eve", "email": "eve@example.org"}),
    )


def test_writes_need_a_token(api: Api) -> None:
    problem = api.post(f"{P}/indicators", indicator("NI 52"), role=None, expect=401)
    assert problem["status"] == 401 and "token" in problem["detail"]
    bad = api.post(
        f"{P}/indicators",
        indicator("NI 52"),
        role=None,
        headers={"Authorization": "Bearer pmf_nope_nope"},
        expect=401,
    )
    assert bad["title"] == "Unauthorized"


def test_reads_are_open_by_default(api: Api) -> None:
    setup(api)
    assert len(api.get(f"{P}/framework", role=None)["indicators"]) == 2
    assert api.get(f"{P}/framework", role="viewer")["counts"]["GREY"] == 2


def test_each_write_needs_its_role(api: Api) -> None:
    setup(api)
    for role in ("viewer", "lead", "executive", "system"):
        api.post(
            f"{P}/indicators",
            indicator("NI 99"),
            role=role,
            lead_email=LEAD,
            expect=403,
        )
    api.post(f"{P}/laa-results", [], role="lead", lead_email=LEAD, expect=403)
    assert api.post(f"{P}/laa-results", [], role="system")["accepted"] == 0
    api.post(
        f"{P}/challenges/NI%2050/2009-H2/decision",
        {"decision": "upheld"},
        role="admin",
        expect=403,
    )


def test_a_lead_submits_only_for_their_own_indicators(api: Api) -> None:
    setup(api)
    body = {"indicator_code": "NI 50", "period_end": "2009-03-31", "value": 61.0}
    made = api.post(f"{P}/returns", body, role="lead", lead_email=LEAD, expect=201)
    assert made["submitted_by"].startswith("lead:")
    other = {**body, "indicator_code": "NI 51"}
    problem = api.post(f"{P}/returns", other, role="lead", lead_email=LEAD, expect=403)
    assert "not the named lead" in problem["detail"]
    api.post(f"{P}/returns", other, role="admin", expect=201)


def test_every_event_records_its_actor(api: Api) -> None:
    setup(api)
    history = api.get(f"{P}/indicators/NI%2050/history")["history"]
    token_id = api.token("admin").split("_")[1]
    assert history[0]["actor"] == f"admin:test admin#{token_id}"
