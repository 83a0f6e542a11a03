"""The whole cycle in the browser, in both modes: headless Chromium against
``pmf run`` (embedded) and against ``pmf serve web`` in front of the four real
services (distributed: Kafka, PostgreSQL).

The same pages at one address in each mode: the central team imports a
council's spreadsheet with its own column names and opens a round, two leads
send their returns (one refused by the service in its own words), the round is
closed, the Executive decides a challenge, the papers are downloaded and the
Board paper is worded and published. Each step is checked at the API as well,
so a page that only looked right would fail. Screenshots go to
``test-artifacts/screenshots/``. The admin forms the cycle does not need are
sent in a second test against the same two addresses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from services.demo.routing import ServiceRouter
from tests.conftest import Distributed
from tests.e2e.test_web_pages import CHROMIUM, CHROMIUM_ARGS, SHOTS, TIMEOUT_MS
from tests.support.postgres import free_port
from tests.support.processes import Process, create_token, eventually

pytestmark = pytest.mark.e2e

ROUND = "WEB-2010-H2"
LEAD_A = "asha.patel@northshire.gov.uk"
LEAD_B = "tom.reid@northshire-pct.nhs.uk"
COUNCIL_SHEET = (
    "Ref,Measure,Which way is good,Responsible body,Lead officer,Lead e-mail,"
    "Aim for 2011\n"
    f"WEB 1,Young carers known to services,higher_is_better,Children's Services,"
    f"Asha Patel,{LEAD_A},400\n"
    f"WEB 2,Children's centre reach,higher_is_better,Primary Care Trust,"
    f"Tom Reid,{LEAD_B},75\n"
    f"WEB 3,Breastfeeding at 6-8 weeks,higher_is_better,Primary Care Trust,"
    f"Tom Reid,{LEAD_B},60\n"
)
ADMIN_PAGES = [
    "/admin",
    "/admin/import",
    "/admin/indicators",
    "/admin/indicators/new",
    "/admin/indicators/WEB%201/edit",
    "/admin/versions",
    "/admin/rounds",
    "/admin/settings",
    "/admin/actions",
    "/admin/tokens",
]
MAPPING = {
    "Ref": "Code (code)",
    "Measure": "Title (title)",
    "Which way is good": "Polarity (polarity)",
    "Responsible body": "Lead organisation (lead_organisation)",
    "Lead officer": "Named lead (named_lead_name)",
    "Lead e-mail": "Named lead's e-mail (named_lead_email)",
    "Aim for 2011": "Target value (target_value)",
}


@dataclass(frozen=True)
class Site:
    """One address for staff, in one mode."""

    mode: str
    url: str
    make_token: Callable[..., str]  # (role, *pmf token create options)
    settle: Callable[[], None]  # wait until every read shows every write


@pytest.fixture(scope="module", params=["embedded", "distributed"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    if request.param == "embedded":
        yield from embedded_site(tmp_path_factory)
    else:
        yield from distributed_site(request.getfixturevalue("distributed"))


def embedded_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """``pmf run`` on an empty data directory (no demo)."""
    work = tmp_path_factory.mktemp("cycle-embedded")
    data = work / "data"
    data.mkdir()
    port = free_port()
    proc = Process(
        ["run", "--port", str(port), "--data-dir", str(data)], {}, work / "run.log"
    )
    url = f"http://127.0.0.1:{port}"
    try:
        proc.wait_http(f"{url}/healthz", timeout=120)
        yield Site(
            "embedded",
            url,
            lambda role, *args: create_token(
                role, None, "--data-dir", str(data), *args
            ),
            lambda: None,  # one process: reads follow writes at once
        )
    finally:
        proc.stop()


def distributed_site(distributed: Distributed) -> Iterator[Site]:
    """``pmf serve web`` in front of the four services, with the token database."""
    port = free_port()
    env = {
        **distributed.auth_env,
        **{
            f"PMF_{name.upper()}_URL": distributed.url(name)
            for name in distributed.ports
        },
    }
    proc = Process(
        ["serve", "web", "--port", str(port)], env, distributed.work / "web-pages.log"
    )
    url = f"http://127.0.0.1:{port}"
    try:
        proc.wait_http(f"{url}/login", timeout=60)  # the token database prepared
        yield Site(
            "distributed",
            url,
            lambda role, *args: create_token(role, distributed.auth_env, *args),
            lambda: settle(distributed),
        )
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), f"Chromium is missing at {CHROMIUM}"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


def person(browser: Browser) -> Page:
    """A browser of one's own (cookies apart from everyone else's)."""
    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, url: str, token: str, then: str = "/") -> None:
    page.goto(f"{url}/login?next={then}")
    page.get_by_label("Access token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".site-header__account")).to_contain_text("Signed in as")


def settle(distributed: Distributed) -> None:
    """Wait until every service has applied everything written so far."""
    router = ServiceRouter(
        {name: distributed.url(name) for name in distributed.ports},
        settle_timeout=120,
    )
    try:
        router.settle()
    finally:
        router.close()


def test_the_whole_cycle_at_one_address(
    site: Site, browser: Browser, tmp_path: Path
) -> None:
    web, mode = site.url, site.mode
    api = httpx.Client(base_url=web, timeout=60)

    # 1. The central team imports the council's own spreadsheet.
    admin = person(browser)
    sign_in(admin, web, site.make_token("admin", "--name", "Pat Ng"), "/admin")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Admin")
    admin.get_by_role("link", name="Import a framework spreadsheet").click()
    sheet = tmp_path / "Northshire CYPP refresh.csv"
    sheet.write_text(COUNCIL_SHEET, encoding="utf-8")
    admin.get_by_label("Spreadsheet").set_input_files(str(sheet))
    admin.get_by_role("button", name="Upload and match columns").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Match your columns")
    for theirs, ours in MAPPING.items():
        admin.get_by_label(theirs.lower(), exact=True).select_option(label=ours)
    admin.get_by_role("button", name="Check the changes").click()
    expect(admin.locator("#import-counts")).to_contain_text("New indicators3")
    expect(admin.locator("#import-changes")).to_contain_text("Young carers known")
    shot(admin, f"{mode}-01-import-preview")
    assert api.get("/api/v1/indicators/WEB%201").status_code == 404  # a preview
    admin.get_by_role("button", name="Import 3 changes").click()
    expect(admin.locator("[data-notice]")).to_contain_text("3 new, 0 changed")
    made = api.get("/api/v1/indicators/WEB%202").json()
    assert made["named_lead"]["email"] == LEAD_B
    assert made["target"]["value"] == 75
    site.settle()

    # 2. It opens a round asking for every measurable indicator.
    admin.get_by_role("link", name="Admin").first.click()
    admin.get_by_role("link", name="Open and close rounds").click()
    admin.get_by_label("Round name").fill(ROUND)
    admin.get_by_label("Period ending").fill("2010-09-30")
    admin.get_by_label("Requested on").fill("2010-10-01")
    admin.get_by_label("Deadline").fill("2010-10-31")
    expect(admin.get_by_label("WEB 3: Breastfeeding at 6-8 weeks")).to_be_checked()
    admin.get_by_role("button", name="Open round").click()
    expect(admin.locator("[data-notice]")).to_contain_text(f"Round {ROUND} is open")
    opened = api.get(f"/api/v1/rounds/{ROUND}").json()
    assert {"WEB 1", "WEB 2", "WEB 3"} <= set(opened["scope"])
    site.settle()

    # 3. Two leads send their returns, each for the indicators they lead.
    lead_a = person(browser)
    sign_in(lead_a, web, site.make_token("lead", "--lead-email", LEAD_A))
    lead_a.goto(f"{web}/rounds/{ROUND}")
    choices = lead_a.locator("#return-indicator_code option").all_inner_texts()
    assert any(c.startswith("WEB 1:") for c in choices)
    assert not any(c.startswith("WEB 2:") for c in choices), "not this lead's"
    form = lead_a.locator("#return-form")  # the single return, not the sheet
    form.get_by_label("Indicator").select_option("WEB 1")
    form.get_by_label("Result", exact=True).fill("412")
    form.get_by_label("Commentary").fill("Schools now refer young carers.")
    form.get_by_label("On target", exact=True).check()
    form.get_by_role("button", name="Submit return").click()
    expect(lead_a.locator(".notice")).to_contain_text("Return recorded")
    shot(lead_a, f"{mode}-02-return-recorded")

    lead_b = person(browser)
    sign_in(lead_b, web, site.make_token("lead", "--lead-email", LEAD_B))
    lead_b.goto(f"{web}/rounds/{ROUND}")
    form = lead_b.locator("#return-form")
    form.get_by_label("Indicator").select_option("WEB 2")
    form.get_by_label("Result", exact=True).fill("61")
    form.get_by_label("No prediction", exact=True).check()
    form.get_by_role("button", name="Submit return").click()
    expect(lead_b.locator(".notice")).to_contain_text("Return recorded")
    # A lead's return for an indicator they do not lead is refused by the
    # returns service, and the form says so in its words.
    lead_b.goto(f"{web}/rounds/{ROUND}")
    lead_b.evaluate(
        """() => { const s = document.querySelector('#return-indicator_code');
                   const o = document.createElement('option');
                   o.value = 'WEB 1'; o.text = 'WEB 1'; s.add(o); s.value = 'WEB 1'; }"""
    )
    form = lead_b.locator("#return-form")
    form.get_by_label("Result", exact=True).fill("1")
    form.get_by_role("button", name="Submit return").click()
    expect(lead_b.locator("#return-indicator_code-error")).to_contain_text("WEB 1")
    site.settle()

    def recorded() -> None:
        history = api.get("/api/v1/indicators/WEB%201/history").json()["history"]
        results = [h for h in history if h["kind"] == "result"]
        assert [r["details"]["value"] for r in results] == [412]
        assert LEAD_A in results[0]["actor"]

    eventually(recorded)

    # 4. The central team closes the round: its flags become challenges.
    admin.goto(f"{web}/admin/rounds")
    admin.get_by_role("button", name=f"Close round {ROUND}").click()
    expect(admin.locator("[data-notice]")).to_contain_text(f"Round {ROUND} is closed")
    assert api.get(f"/api/v1/rounds/{ROUND}").json()["closed"] is True
    site.settle()

    # 5. The Executive decides the challenge the missing prediction raised.
    executive = person(browser)
    sign_in(executive, web, site.make_token("executive", "--name", "Cllr Ann Marsh"))

    def challenge_offered() -> None:
        executive.goto(f"{web}/rounds/{ROUND}")  # no fragment: a real load
        offered = executive.locator("#challenge-WEB-2 form.form--decision")
        listed = api.get("/api/v1/challenges", params={"round": ROUND}).json()
        assert offered.count() == 1, f"no decision form on WEB 2 yet: {listed}"

    eventually(challenge_offered)
    challenge = executive.locator("#challenge-WEB-2")
    expect(challenge).to_contain_text("No prediction")
    # The lead gave no prediction, so there is no view of theirs to accept.
    expect(challenge.get_by_label("Accept the lead's view")).to_have_count(0)
    challenge.get_by_label("Upheld: the computed status stands", exact=False).check()
    challenge.get_by_label("Note for the record").fill("Ask for a prediction.")
    challenge.get_by_role("button", name="Record decision on WEB 2").click()
    expect(executive.locator(".notice")).to_contain_text("Decision recorded")
    shot(executive, f"{mode}-03-decision-recorded")
    decided = api.get("/api/v1/challenges", params={"round": ROUND}).json()
    [web2] = [c for c in decided if c["indicator_code"] == "WEB 2"]
    assert web2["decision"]["decision"] == "upheld"
    assert "Cllr Ann Marsh" in web2["decision"]["decided_by"]

    # 6. The papers come from the reporting service through the one address.
    executive.goto(f"{web}/reports")
    shot(executive, f"{mode}-04-reports")
    pdf_link = executive.locator(
        f"a[href='/api/v1/reports/{ROUND}/executive?format=pdf']"
    )
    with executive.expect_download(timeout=180_000) as pdf:
        pdf_link.click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    board = api.get(f"/api/v1/reports/{ROUND}/board", params={"format": "json"})
    assert board.status_code == 200
    codes = {i["code"] for i in board.json()["indicators"]}
    assert {"WEB 1", "WEB 2", "WEB 3"} <= codes

    # 7. The central team words the Board's covering paper and publishes it:
    # the page drafts from the reporting service's figures, and only what the
    # officer changed is recorded as their words.
    admin.goto(f"{web}/admin/papers/{ROUND}")
    purpose = admin.get_by_label("Purpose of the report")
    expect(purpose).not_to_have_value("")
    purpose.fill("To report the half year's performance to the Board.")
    admin.get_by_role("button", name="Save the covering text").click()
    expect(admin.locator("[data-notice]")).to_contain_text("Your words are saved")
    publication = f"/api/v1/reports/{ROUND}/board/publication"
    assert set(api.get(publication).json()["edits"]) == {"purpose"}
    admin.get_by_role(
        "button", name=f"Publish the Board paper for round {ROUND}"
    ).click()
    expect(admin.locator("[data-notice]")).to_contain_text("is published")
    shot(admin, f"{mode}-05-board-paper-published")
    assert api.get(publication).json()["status"] == "published"

    # 8. Every admin page reads what it shows from the services.
    for path in ADMIN_PAGES:
        answer = admin.goto(f"{web}{path}")
        assert answer is not None and answer.status == 200, path
        expect(admin.get_by_role("heading", level=1)).to_be_visible()
    admin.goto(f"{web}/admin/versions")
    admin.get_by_label("Version name").fill("After the web refresh")
    admin.get_by_role("button", name="Publish version").click()
    expect(admin.locator("[data-notice]")).to_contain_text("is published")

    def version_listed() -> None:
        versions = api.get("/api/v1/framework/versions").json()
        assert versions[-1]["label"] == "After the web refresh"

    eventually(version_listed)


ADMIN_CODE = "WEB ADMIN 1"


class Forms:
    """The admin pages' forms sent as a browser sends them (httpx, one session
    cookie, each form's own ``csrf`` field read from the page it is on)."""

    def __init__(self, url: str, token: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=60, follow_redirects=False)
        signed = self.client.post("/login", data={"token": token, "next": "/admin"})
        assert signed.status_code == 303, signed.text[:300]
        self.csrf = ""

    def open(self, path: str) -> str:
        page = self.client.get(path)
        assert page.status_code == 200, f"{path}: {page.status_code}"
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found, f"{path} has no form"
        self.csrf = found.group(1)
        return page.text

    def send(self, path: str, fields: dict[str, str], status: int = 303) -> str:
        answer = self.client.post(path, data={"csrf": self.csrf, **fields})
        assert answer.status_code == status, f"{path}: {answer.text[:500]}"
        return answer.text


def test_the_admin_commands_at_one_address(site: Site) -> None:
    """Editing an indicator, the framework settings, corrective actions and
    tokens, from the admin pages' forms; each change checked at the API."""
    admin_token = site.make_token("admin", "--name", "Pat Ng")
    api = httpx.Client(
        base_url=site.url,
        timeout=60,
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    code = quote(ADMIN_CODE, safe="")
    made = api.post(
        "/api/v1/indicators",
        json={
            "code": ADMIN_CODE,
            "title": "Looked-after children placed within 20 miles",
            "outcome": "Stay safe",
            "polarity": "higher_is_better",
            "unit": "percent",
            "frequency": "annual",
            "laa": False,
            "measurable": True,
        },
    )
    assert made.status_code == 201, made.text
    forms = Forms(site.url, admin_token)

    def version() -> str:
        page = forms.open(f"/admin/indicators/{code}/edit")
        found = re.search(r'name="version" value="(\d+)"', page)
        assert found
        return found.group(1)

    # The indicator's definition, lead and target (a target needs its reason).
    forms.send(
        f"/admin/indicators/{code}/definition",
        {
            "title": "Children in care placed within 20 miles of home",
            "outcome": "Stay safe",
            "polarity": "higher_is_better",
            "unit": "percent",
            "frequency": "quarterly",
            "tolerance": "2",
            "version": version(),
        },
    )
    forms.send(
        f"/admin/indicators/{code}/lead",
        {
            "lead_organisation": "Children's Services",
            "named_lead_name": "Asha Patel",
            "named_lead_email": LEAD_A,
            "version": version(),
        },
    )
    no_reason = forms.send(
        f"/admin/indicators/{code}/target",
        {"value": "80", "version": version()},
        status=422,
    )
    assert "say why it was agreed or revised" in no_reason
    forms.send(
        f"/admin/indicators/{code}/target",
        {"value": "80", "reason": "Agreed by the Board", "version": version()},
    )
    now = api.get(f"/api/v1/indicators/{code}").json()
    assert now["title"] == "Children in care placed within 20 miles of home"
    assert (now["frequency"], now["tolerance"]) == ("quarterly", 2)
    assert now["lead_organisation"] == "Children's Services"
    assert now["named_lead"] == {"name": "Asha Patel", "email": LEAD_A}
    assert (now["target"]["value"], now["target"]["reason"]) == (
        80,
        "Agreed by the Board",
    )

    # The framework settings, refused in the API's words, then saved.
    forms.open("/admin/settings")
    wrong = forms.send(
        "/admin/settings", {"rag_mode": "red_green", "amber_fraction": "2"}, 422
    )
    assert "Amber band" in wrong
    forms.send(
        "/admin/settings", {"rag_mode": "red_amber_green", "amber_fraction": "0.2"}
    )
    settings = api.get("/api/v1/framework/settings").json()
    assert (settings["rag_mode"], settings["amber_fraction"]) == (
        "red_amber_green",
        0.2,
    )
    forms.send(
        "/admin/settings", {"rag_mode": "red_green", "amber_fraction": "0.05"}
    )  # the defaults again, for what runs after
    site.settle()

    # A corrective action assigned, then completed.
    forms.open("/admin/actions")
    forms.send(
        "/admin/actions",
        {
            "indicator_code": ADMIN_CODE,
            "description": "Recruit local foster carers",
            "owner": "Head of Placements",
            "due": "2011-03-31",
        },
    )

    def assigned() -> dict[str, Any]:
        listed = api.get("/api/v1/actions").json()
        found = [a for a in listed if a["indicator_code"] == ADMIN_CODE]
        assert len(found) == 1, listed  # reporting records it a moment later
        return dict(found[0])

    action = eventually(assigned)
    assert (action["owner"], action["due"]) == ("Head of Placements", "2011-03-31")
    assert action["status"] != "completed"
    forms.open("/admin/actions")
    forms.send(
        f"/admin/actions/{quote(str(action['id']), safe='')}/complete",
        {"note": "Twelve new carers approved"},
    )

    def completed() -> None:
        assert assigned()["status"] == "completed"

    eventually(completed)

    # A token issued (shown once), working at the API, then revoked there too.
    forms.open("/admin/tokens")
    issued = forms.send(
        "/admin/tokens", {"role": "executive", "name": "Cllr Jo Marsh"}, 201
    )
    shown = re.search(r'id="issued-token"[^>]*value="([^"]+)"', issued)
    assert shown
    theirs = {"Authorization": f"Bearer {unescape(shown.group(1))}"}
    assert httpx.get(f"{site.url}/api/v1/actions", headers=theirs).status_code == 200
    listing = forms.open("/admin/tokens")
    row = next(r for r in listing.split("<tr>") if "Cllr Jo Marsh" in r)
    revoke = re.search(r'action="(/admin/tokens/[^"]+/revoke)"', row)
    assert revoke
    forms.send(unescape(revoke.group(1)), {})

    def refused() -> None:
        answer = httpx.get(f"{site.url}/api/v1/actions", headers=theirs)
        assert answer.status_code == 401, answer.status_code

    eventually(refused, timeout=30)
    listing = forms.open("/admin/tokens")
    row = next(r for r in listing.split("<tr>") if "Cllr Jo Marsh" in r)
    assert "Revoked" in row and "/revoke" not in row
