"""The round page's forms through the web routes: the return sheet with its
drafts and warnings, and the Executive deciding only raised challenges."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from services.web.session import Visitor
from tests.integration.conftest import Api, indicator

P = "/api/v1"
LEAD = "dana@example.org"


def setup(api: Api) -> None:
    for code, unit in (("NI 50", "percent"), ("NI 51", "number"), ("NI 52", "score")):
        api.post(
            f"{P}/indicators",
            indicator(
                code,
                unit=unit,
                baseline={"value": 60, "period_end": "2008-03-31"},
                target={"value": 70, "period_end": "2011-03-31", "reason": "agreed"},
            ),
        )
        api.post(
            f"{P}/returns",
            {"indicator_code": code, "period_end": "2009-03-31", "value": 62.0},
        )
    api.post(
        f"{P}/rounds",
        {
            "id": "2009-H2",
            "period_end": "2010-03-31",
            "requested": "2010-03-31",
            "deadline": "2099-04-30",
        },
    )


def signed_in(
    api: Api, role: str, lead_email: str | None = None
) -> tuple[TestClient, str]:
    """A fresh web client signed in as ``role``, and its form token."""
    client = TestClient(api.system.app())
    token = api.system.tokens.create(role, f"web {role}", lead_email)  # type: ignore[arg-type]
    answer = client.post(
        "/login", data={"token": token, "next": "/"}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return client, Visitor(token=client.cookies.get("pmf_session")).csrf


def sheet_rows(html: str) -> dict[str, str]:
    """Row index by indicator code, as the page numbered them."""
    return {
        code: n
        for n, code in re.findall(r'name="row-(\d+)-code" value="([^"]+)"', html)
    }


def results(api: Api, code: str) -> list[float]:
    history = api.get(f"{P}/indicators/{code.replace(' ', '%20')}/history")["history"]
    return [
        h["details"]["value"]
        for h in history
        if h["kind"] == "result" and h["details"]["period_end"] == "2010-03-31"
    ]


def test_the_sheet_records_good_rows_and_holds_the_rest(api: Api) -> None:
    setup(api)
    client, csrf = signed_in(api, "lead", LEAD)
    page = client.get("/rounds/2009-H2")
    rows = sheet_rows(page.text)
    assert set(rows) == {"NI 50", "NI 51", "NI 52"}
    assert "62%" in page.text and "for 31 Mar 2009" in page.text  # previous result
    assert "70% " in page.text or "70%<" in page.text  # target
    # trajectory at 31 Mar 2010: 60 + 10 * (730 / 1095) = 66.67
    assert "66.67%" in page.text or "66.7%" in page.text

    posted = {
        "csrf": csrf,
        "action": "submit",
        f"row-{rows['NI 50']}-code": "NI 50",
        f"row-{rows['NI 50']}-value": "64.5",
        f"row-{rows['NI 50']}-prediction": "on_target",
        f"row-{rows['NI 51']}-code": "NI 51",
        f"row-{rows['NI 51']}-value": "lots",
        f"row-{rows['NI 51']}-commentary": "Counted by hand",
        f"row-{rows['NI 52']}-code": "NI 52",
        f"row-{rows['NI 52']}-value": "700",
    }
    answer = client.post("/rounds/2009-H2/sheet", data=posted)
    assert answer.status_code == 422
    assert results(api, "NI 50") == [64.5], "the good row is recorded"
    assert results(api, "NI 51") == [] and results(api, "NI 52") == []
    assert "Enter the result as a number" in answer.text
    assert 'value="lots"' in answer.text and "Counted by hand" in answer.text
    assert "more than ten times the previous result" in answer.text
    assert 'value="700"' in answer.text
    left = sheet_rows(answer.text)
    assert set(left) == {"NI 51", "NI 52"}

    confirmed = {
        "csrf": csrf,
        "action": "submit",
        f"row-{left['NI 52']}-code": "NI 52",
        f"row-{left['NI 52']}-value": "700",
        f"row-{left['NI 52']}-confirm": "yes",
        f"row-{left['NI 51']}-code": "NI 51",
        f"row-{left['NI 51']}-value": "",
    }
    done = client.post("/rounds/2009-H2/sheet", data=confirmed, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"].endswith("?recorded=NI%2052#sheet")
    assert results(api, "NI 52") == [700.0]
    assert results(api, "NI 51") == [], "a row without a value is ignored"


def test_a_draft_is_kept_per_lead_and_round_until_submitted(api: Api) -> None:
    setup(api)
    client, csrf = signed_in(api, "lead", LEAD)
    rows = sheet_rows(client.get("/rounds/2009-H2").text)
    draft = {
        "csrf": csrf,
        "action": "draft",
        f"row-{rows['NI 51']}-code": "NI 51",
        f"row-{rows['NI 51']}-value": "61",
        f"row-{rows['NI 51']}-prediction": "off_target",
        f"row-{rows['NI 51']}-commentary": "Provisional",
    }
    saved = client.post("/rounds/2009-H2/sheet", data=draft, follow_redirects=False)
    assert saved.status_code == 303 and "draft=saved" in saved.headers["location"]
    assert results(api, "NI 51") == [], "a draft submits nothing"

    # the same lead signed in afresh finds the draft
    again, csrf2 = signed_in(api, "lead", LEAD)
    page = again.get("/rounds/2009-H2")
    assert 'value="61"' in page.text and "Provisional" in page.text
    assert "Draft last saved" in page.text
    rows = sheet_rows(page.text)
    checked = re.search(
        rf'name="row-{rows["NI 51"]}-prediction" value="off_target" checked', page.text
    )
    assert checked, "the prediction is kept too"
    # another person does not see it
    admin, _ = signed_in(api, "admin")
    assert "Provisional" not in admin.get("/rounds/2009-H2").text

    submit = {
        "csrf": csrf2,
        "action": "submit",
        f"row-{rows['NI 51']}-code": "NI 51",
        f"row-{rows['NI 51']}-value": "61",
    }
    assert again.post("/rounds/2009-H2/sheet", data=submit).status_code == 200
    assert results(api, "NI 51") == [61.0]
    assert "Provisional" not in again.get("/rounds/2009-H2").text


def test_the_single_form_takes_a_british_date(api: Api) -> None:
    setup(api)
    client, csrf = signed_in(api, "lead", LEAD)
    body = {
        "csrf": csrf,
        "indicator_code": "NI 50",
        "period_end": "31/03/2010",
        "value": "63",
    }
    answer = client.post("/rounds/2009-H2/returns", data=body, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert results(api, "NI 50") == [63.0]


def test_only_a_raised_challenge_can_be_decided(api: Api) -> None:
    setup(api)
    api.post(
        f"{P}/returns",
        {
            "indicator_code": "NI 50",
            "period_end": "2010-03-31",
            "value": 60.5,
            "prediction": "on_target",
        },
    )
    api.post(
        f"{P}/returns",
        {"indicator_code": "NI 51", "period_end": "2010-03-31", "value": 60.5},
    )
    client, csrf = signed_in(api, "executive")
    open_page = client.get("/rounds/2009-H2").text
    assert "Flagged, not yet a challenge" in open_page
    assert 'class="form form--decision"' not in open_page
    early = client.post(
        "/rounds/2009-H2/decisions",
        data={"csrf": csrf, "indicator_code": "NI 50", "decision": "upheld"},
    )
    assert early.status_code == 422 and "No challenge has been raised" in early.text

    api.post(f"{P}/rounds/2009-H2/close")
    listing = client.get("/rounds").text
    assert "3 undecided" in listing  # NI 50 conflict, NI 51 and NI 52 unpredicted
    page = client.get("/rounds/2009-H2").text
    ni50 = page.split('id="challenge-NI-50"')[1].split('<li class="challenge')[0]
    ni51 = page.split('id="challenge-NI-51"')[1].split('<li class="challenge')[0]
    assert "Accept the lead's view (on target)" in ni50
    assert "lead_view_accepted" not in ni51, "NI 51's lead gave no prediction"
    assert "3</strong> challenges await a decision" in page

    refused = client.post(
        "/rounds/2009-H2/decisions",
        data={
            "csrf": csrf,
            "indicator_code": "NI 51",
            "decision": "lead_view_accepted",
        },
    )
    assert refused.status_code == 422 and "no view of theirs" in refused.text
    decided = client.post(
        "/rounds/2009-H2/decisions",
        data={"csrf": csrf, "indicator_code": "NI 51", "decision": "upheld"},
        follow_redirects=False,
    )
    assert decided.status_code == 303
    assert "2 undecided" in client.get("/rounds").text


def test_the_sheet_refuses_forged_foreign_and_oversized_posts(api: Api) -> None:
    setup(api)
    client, csrf = signed_in(api, "lead", LEAD)
    row = {"row-0-code": "NI 50", "row-0-value": "63", "action": "submit"}
    assert client.post("/rounds/2009-H2/sheet", data=row).status_code == 403
    viewer, viewer_csrf = signed_in(api, "viewer")
    refused = viewer.post("/rounds/2009-H2/sheet", data={**row, "csrf": viewer_csrf})
    assert refused.status_code == 403
    other, other_csrf = signed_in(api, "lead", "someone@example.org")
    stray = other.post("/rounds/2009-H2/sheet", data={**row, "csrf": other_csrf})
    assert stray.status_code == 422
    assert "NI 50: not recorded, it is not outstanding for you" in stray.text
    crowded = {f"row-{n}-value": "1" for n in range(1_001)}
    too_many = client.post("/rounds/2009-H2/sheet", data={**crowded, "csrf": csrf})
    assert too_many.status_code == 413
    missing = client.post("/rounds/nope/sheet", data={**row, "csrf": csrf})
    assert missing.status_code == 404
    assert results(api, "NI 50") == [], "nothing was recorded by any of these"


def test_the_framework_page_reads_a_british_date(api: Api) -> None:
    setup(api)
    page = api.client.get("/", params={"as_of": "30/04/2009"})
    assert page.status_code == 200
    assert "As the framework stood on" in page.text
    assert "30 Apr 2009" in page.text
    wrong = api.client.get("/", params={"as_of": "31/02/2009"})
    assert "Enter a date, for example 30/04/2009" in wrong.text
