# ruff: noqa: F811 (the fixtures imported from test_web_pages are arguments here)
"""The round page's forms in headless Chromium against a real ``pmf run``: the
lead's return sheet (two indicators at once, a warning confirmed, a draft kept)
and the Executive deciding a raised challenge.

The server, browser and page fixtures are those of ``test_web_pages``; this
module gets a server of its own, with two new rounds opened for the leads.
"""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_web_pages import (  # noqa: F401 (fixtures)
    LEAD_EMAIL,
    Server,
    browser,
    page,
    server,
    shot,
    sign_in,
)

pytestmark = pytest.mark.e2e

# Fiona Harrington leads NI 55 (percent, last 10.3%) and NI 70 (rate per
# 10,000, last 118.1); NI 56 is hers too but comes from the LAA system.
SUBMIT_ROUND = "2010-H1"
DRAFT_ROUND = "2010-H2"


@pytest.fixture(scope="module")
def rounds(server: Server) -> Server:
    """Two open rounds after the demo's last, opened as the central team would."""
    admin = server.token("admin")
    # Every measurable indicator, annual ones too: by default a half-year
    # round asks only for what is due then (docs/rounds.md), and Fiona's
    # indicators are annual.
    framework = httpx.get(f"{server.url}/api/v1/framework", timeout=60).json()
    scope = [
        i["code"]
        for i in framework["indicators"]
        if i["measurable"] and not i["retired"]
    ]
    for rid, period_end in ((SUBMIT_ROUND, "2010-09-30"), (DRAFT_ROUND, "2011-03-31")):
        answer = httpx.post(
            f"{server.url}/api/v1/rounds",
            json={
                "id": rid,
                "period_end": period_end,
                "requested": period_end,
                "deadline": "2099-12-31",
                "scope": scope,
            },
            headers={"Authorization": f"Bearer {admin}"},
            timeout=60,
        )
        assert answer.status_code == 201, answer.text
    return server


def results_for(at: Server, code: str, period_end: str) -> list[float]:
    history = httpx.get(
        f"{at.url}/api/v1/indicators/{code.replace(' ', '%20')}/history",
        headers={"Authorization": f"Bearer {at.token('viewer')}"},
        timeout=60,
    ).json()["history"]
    return [
        h["details"]["value"]
        for h in history
        if h["kind"] == "result" and h["details"]["period_end"] == period_end
    ]


def test_a_lead_submits_two_indicators_at_once_and_confirms_a_warning(
    rounds: Server,
    page: Page,
) -> None:
    sign_in(page, rounds, rounds.token("lead", "--lead-email", LEAD_EMAIL))
    page.goto(f"{rounds.url}/rounds/{SUBMIT_ROUND}#sheet")
    sheet = page.locator("form.form--sheet")
    expect(sheet.locator("fieldset.sheet-row")).to_have_count(2)
    ni55 = page.locator("#sheet-NI-55-row")
    expect(ni55.locator(".sheet-row__facts")).to_contain_text("10.3%")
    expect(ni55.locator(".sheet-row__facts")).to_contain_text("31 Mar 2010")
    expect(ni55.locator(".sheet-row__facts")).to_contain_text("9%")
    expect(page.locator("#sheet-NI-70-row .sheet-row__facts")).to_contain_text("118.1")
    shot(page, "21-return-sheet")

    page.get_by_label("Result for NI 55").fill("10.1")
    ni55.get_by_label("On target").check()
    page.get_by_label("Commentary on NI 55").fill("Healthy weight programme.")
    page.get_by_label("Result for NI 70").fill("1,240")  # a slipped decimal point
    early = page.locator("#sheet-NI-70-value-check")
    expect(early).to_be_visible()  # said as it is typed, before any submit
    expect(early).to_contain_text("more than ten times the previous result")
    expect(page.locator("#sheet-NI-55-value-check")).to_be_hidden()
    page.get_by_label("Commentary on NI 70").fill("Admissions audit complete.")
    page.get_by_role("button", name="Submit returns").click()

    # NI 55 is recorded; NI 70 waits for the lead's word, with what was typed
    expect(page.locator(".notice")).to_contain_text("NI 55")
    warning = page.locator("#sheet-NI-70-value-warning")
    expect(warning).to_contain_text("more than ten times the previous result")
    result = page.get_by_label("Result for NI 70")
    expect(result).to_have_value("1,240")
    described = result.get_attribute("aria-describedby") or ""
    assert "sheet-NI-70-value-warning" in described.split()
    expect(page.get_by_label("Commentary on NI 70")).to_have_value(
        "Admissions audit complete."
    )
    expect(page.locator("#sheet-NI-55-row")).to_have_count(0)
    expect(page.locator(".warning-summary")).to_contain_text("Check this figure")
    shot(page, "22-return-sheet-warning")
    assert results_for(rounds, "NI 55", "2010-09-30") == [10.1]
    assert results_for(rounds, "NI 70", "2010-09-30") == []

    page.get_by_label("NI 70: this figure is right, record it").check()
    page.get_by_role("button", name="Submit returns").click()
    expect(page.locator(".notice")).to_contain_text("1 return recorded")
    expect(page.locator(".notice")).to_contain_text("NI 70")
    expect(page.locator("form.form--sheet")).to_have_count(0)
    expect(page.locator("#sheet")).to_contain_text("You owe no return for this round")
    shot(page, "23-return-sheet-done")
    assert results_for(rounds, "NI 70", "2010-09-30") == [1240.0]


def test_a_draft_is_saved_and_found_again(rounds: Server, page: Page) -> None:
    sign_in(page, rounds, rounds.token("lead", "--lead-email", LEAD_EMAIL))
    page.goto(f"{rounds.url}/rounds/{DRAFT_ROUND}#sheet")
    page.get_by_label("Result for NI 70").fill("112.4")
    page.locator("#sheet-NI-70-row").get_by_label("Off target").check()
    page.get_by_label("Commentary on NI 70").fill("Provisional: March figures due.")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.locator(".notice")).to_contain_text("Draft saved")
    assert results_for(rounds, "NI 70", "2011-03-31") == []

    # a new sign-in, a new session: the draft is the lead's, kept on the server
    page.context.clear_cookies()
    sign_in(page, rounds, rounds.token("lead", "--lead-email", LEAD_EMAIL))
    page.goto(f"{rounds.url}/rounds/{DRAFT_ROUND}#sheet")
    expect(page.get_by_label("Result for NI 70")).to_have_value("112.4")
    expect(page.locator("#sheet-NI-70-row").get_by_label("Off target")).to_be_checked()
    expect(page.get_by_label("Commentary on NI 70")).to_have_value(
        "Provisional: March figures due."
    )
    expect(page.locator("#sheet-draft-time")).to_contain_text("Draft last saved")
    expect(page.get_by_label("Result for NI 55")).to_have_value("")
    shot(page, "24-return-sheet-draft")


def test_the_executive_decides_only_raised_challenges(
    rounds: Server,
    page: Page,
) -> None:
    sign_in(page, rounds, rounds.token("executive", "--name", "Cllr Ann Marsh"))
    page.goto(f"{rounds.url}/rounds")
    closed = page.locator(
        "tr", has=page.get_by_role("link", name="2009-H2", exact=True)
    )
    undecided = closed.get_by_role("link", name=re.compile(r"\d+ undecided"))
    before = int(undecided.inner_text().split()[0])
    assert before > 0

    # an open round has flags but no challenge yet: nothing to decide
    page.goto(f"{rounds.url}/rounds/{SUBMIT_ROUND}#challenges")
    expect(page.locator("form.form--decision")).to_have_count(0)

    page.goto(f"{rounds.url}/rounds/2009-H2#challenges")
    expect(page.locator("#undecided-count")).to_contain_text(f"{before} challenges")
    # NI 63's lead gave no prediction: only "the computed status stands" is offered
    challenge = page.locator("#challenge-NI-63")
    expect(challenge).to_contain_text("No prediction")
    expect(challenge.get_by_label("Accept the lead's view")).to_have_count(0)
    upheld = challenge.get_by_label("Upheld: the computed status stands")
    expect(upheld).to_be_checked()
    challenge.get_by_label("Note for the record").fill("Ask for a prediction.")
    challenge.get_by_role("button", name="Record decision on NI 63").click()

    expect(page.locator(".notice")).to_contain_text("Decision recorded")
    expect(page.locator("#challenge-NI-63")).to_contain_text("Decision: Upheld")
    expect(page.locator("#undecided-count")).to_contain_text(f"{before - 1} ")
    # where the lead did predict, both choices are there
    expect(
        page.locator("#challenge-NI-87").get_by_label("Accept the lead's view")
    ).to_have_count(1)
    shot(page, "25-challenge-decided")
    page.goto(f"{rounds.url}/rounds")
    expect(undecided).to_have_text(f"{before - 1} undecided")
