"""Staff web pages driven in headless Chromium against a real ``pmf run``.

The server is started by this module with the demo loaded; tokens come from the
CLI, as a council would make them. Every page visited is kept as a screenshot in
``test-artifacts/screenshots/``. A machine without Chromium or Playwright fails
these tests: they never skip.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from shared.eventstore.engine import make_engine
from shared.http.auth import TokenStore
from tests.support.postgres import free_port
from tests.support.processes import REPO_ROOT, Process, create_token

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
# Dr Fiona Harrington (Primary Care Trust) leads NI 55, NI 56 and NI 70 in the demo.
LEAD_EMAIL = "fiona.harrington@northshire-pct.nhs.uk"
ROUND = "2009-H2"  # closed, with flagged predictions
TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class Server:
    """A running ``pmf run`` with the demo loaded."""

    url: str
    data_dir: Path

    def token(self, role: str, *args: str) -> str:
        """A new token made with ``pmf token create``."""
        return create_token(role, None, "--data-dir", str(self.data_dir), *args)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    work = tmp_path_factory.mktemp("web")
    data = work / "data"
    data.mkdir()
    port = free_port()
    args = ["run", "--port", str(port), "--data-dir", str(data), "--demo-if-empty"]
    proc = Process(args, {}, work / "pmf-run.log")
    try:
        url = f"http://127.0.0.1:{port}"
        proc.wait_http(f"{url}/healthz", timeout=120)
        yield Server(url, data)
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), (
        f"Chromium is missing at {CHROMIUM}: apt-get install -y chromium"
    )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def shot(page: Page, name: str, full_page: bool = True) -> None:
    """Keep what the page looks like now as a test artefact."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def sign_in(page: Page, server: Server, token: str) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Access token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".site-header__account")).to_contain_text("Signed in as")


def test_the_framework_filters_to_off_target_indicators(
    server: Server, page: Page
) -> None:
    page.goto(server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Performance framework")
    rows = page.locator("#framework-table tr[data-row]")
    assert rows.count() > 40
    shot(page, "01-framework")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to main content")

    page.get_by_label("Status", exact=True).select_option(label="Off target")
    page.get_by_role("button", name="Apply").click()

    page.wait_for_url("**status=RED**")
    off_target = rows.count()
    assert 0 < off_target < 43
    statuses = page.locator("#framework-table tr[data-row] .status-cell .tag")
    assert statuses.all_inner_texts() == ["Off target"] * off_target
    assert {r.get_attribute("data-status") for r in rows.all()} == {"RED"}
    expect(page.locator("#result-count")).to_contain_text(f"Showing {off_target} of")
    shot(page, "02-framework-off-target")


def test_an_indicator_page_shows_its_chart_and_history(
    server: Server, page: Page
) -> None:
    page.goto(server.url + "/?status=RED")
    page.get_by_role("link", name="NI 55 Obesity among primary school").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Obesity")
    expect(page.locator(".status-panel .tag")).to_have_text("Off target")
    chart = page.locator("figure.chart svg[role=img]")
    expect(chart).to_be_visible()
    assert page.locator("figure.chart circle.chart__dot").count() >= 2
    expect(page.locator("#chart-desc")).to_contain_text("Results:")
    expect(page.locator("#chart-desc")).to_contain_text("Target 9%")
    history = page.locator("#history-table tbody tr")
    assert history.count() > 8
    expect(page.locator("#history-table")).to_contain_text("Challenge raised")
    expect(page.locator("#history-table")).to_contain_text("demo admin (admin)")
    shot(page, "03-indicator-ni-55")


def test_an_indicator_page_compares_with_england_and_neighbours(
    server: Server, page: Page
) -> None:
    page.goto(server.url + "/indicators/NI%2055")
    section = page.locator("section[aria-labelledby=comparison]")
    expect(section.get_by_role("heading", level=2)).to_have_text(
        "Compared with England and neighbours"
    )
    expect(section).to_contain_text("never change the RAG status")
    expect(section).to_contain_text("Rank among neighbours")
    expect(section).to_contain_text("(1 is best)")
    for kind in ("england", "region", "neighbours"):
        expect(page.locator(f"polyline.chart__comparator--{kind}")).to_be_visible()
    expect(page.locator("figure.chart .legend")).to_contain_text(
        "Statistical neighbours (average)"
    )
    expect(page.locator("#chart-desc")).to_contain_text("England:")
    shot(page, "03b-indicator-ni-55-comparators")
    page.goto(server.url + "/")
    expect(page.locator("#framework-table thead")).to_contain_text("Neighbours")


def test_a_lead_submits_a_return_through_the_form(server: Server, page: Page) -> None:
    page.goto(f"{server.url}/rounds/{ROUND}")
    expect(page.locator("#return-form")).to_contain_text("Sign in")
    expect(page.locator("form.form--decision")).to_have_count(0)

    sign_in(page, server, server.token("lead", "--lead-email", LEAD_EMAIL))
    page.goto(f"{server.url}/rounds/{ROUND}")
    choices = page.locator("#return-indicator_code option").all_inner_texts()
    assert any(c.startswith("NI 55:") for c in choices)
    assert not any(c.startswith("NI 59:") for c in choices), "not this lead's"

    page.get_by_label("Indicator").select_option("NI 55")
    page.get_by_label("Result").fill("ten point one")
    page.get_by_label("Commentary").fill("Family weight programme now county-wide.")
    page.get_by_label("On target", exact=True).check()
    page.get_by_role("button", name="Submit return").click()

    error = page.locator("#return-value-error")
    expect(error).to_contain_text("Enter the result as a number")
    expect(page.get_by_label("Result")).to_have_value("ten point one")
    expect(page.get_by_label("Result")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Commentary")).to_have_value(
        "Family weight programme now county-wide."
    )
    expect(page.get_by_label("Indicator")).to_have_value("NI 55")
    expect(page.locator(".error-summary")).to_contain_text("There is a problem")
    shot(page, "04-return-form-error")

    page.get_by_label("Result").fill("10.1")
    page.get_by_role("button", name="Submit return").click()

    expect(page.locator(".notice")).to_contain_text("Return recorded")
    shot(page, "05-return-recorded")
    page.goto(f"{server.url}/indicators/NI%2055#results")
    first = page.locator("#results ~ .table-wrap tbody tr").first
    expect(first).to_contain_text("10.1%")
    expect(first).to_contain_text(f"{LEAD_EMAIL} (lead)")


def test_the_executive_records_a_decision(server: Server, page: Page) -> None:
    sign_in(page, server, server.token("executive", "--name", "Cllr Ann Marsh"))
    page.goto(f"{server.url}/rounds/{ROUND}#challenges")
    challenge = page.locator("#challenge-NI-87")
    expect(challenge).to_contain_text("Prediction conflicts with the assessment")
    expect(challenge.locator(".challenge__status .tag")).to_have_text("Off target")

    challenge.get_by_label("Note for the record").fill("Evidence of a turnaround.")
    challenge.get_by_role("button", name="Record decision on NI 87").click()

    challenge = page.locator("#challenge-NI-87")
    expect(challenge.locator("#d-NI-87-decision-error")).to_contain_text("Choose")
    expect(challenge.get_by_label("Note for the record")).to_have_value(
        "Evidence of a turnaround."
    )
    challenge.get_by_label("Accept the lead's view").check()
    challenge.get_by_role("button", name="Record decision on NI 87").click()

    expect(page.locator(".notice")).to_contain_text("Decision recorded")
    challenge = page.locator("#challenge-NI-87")
    expect(challenge).to_contain_text("Decision: Lead's view accepted")
    expect(challenge).to_contain_text("Cllr Ann Marsh (executive)")
    expect(challenge.locator(".challenge__status .tag")).to_have_text("On target")
    shot(page, "06-decision-recorded")


def test_the_versions_page_compares_two_versions(server: Server, page: Page) -> None:
    page.goto(f"{server.url}/versions")
    shot(page, "07-versions")
    page.get_by_label("From version").select_option("1")
    page.get_by_label("To version").select_option("3")
    page.get_by_role("button", name="Compare").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Changes from version 1 to version 3"
    )
    table = page.locator("table.diff-table")
    expect(table).to_contain_text("LOCAL 01")
    expect(table).to_contain_text("Lead organisation")
    shot(page, "08-versions-diff")


def test_the_reports_page_links_every_format(server: Server, page: Page) -> None:
    page.goto(f"{server.url}/reports")
    links = page.locator(f"a[href^='/api/v1/reports/{ROUND}/executive?format=']")
    formats = {h.split("format=")[1] for h in _hrefs(links)}
    assert formats == {"json", "html", "pdf", "docx", "xlsx"}
    shot(page, "09-reports")

    board_html = f"/api/v1/reports/{ROUND}/board?format=html"
    # a cold render draws every chart: allow for a busy machine
    with page.expect_response(
        lambda r: r.url.endswith(board_html), timeout=120_000
    ) as answer:
        page.locator(f"a[href='{board_html}']").click(timeout=120_000)
    assert answer.value.status == 200
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    shot(page, "10-board-report", full_page=False)


def test_forms_refuse_posts_without_the_session_form_token(server: Server) -> None:
    token = server.token("lead", "--lead-email", LEAD_EMAIL)
    body = {"indicator_code": "NI 55", "period_end": "2010-03-31", "value": "9"}
    with httpx.Client(base_url=server.url) as web:
        signed_in = web.post("/login", data={"token": token, "next": "/"})
        assert signed_in.status_code == 303 and web.cookies.get("pmf_session")
        forged = web.post(f"/rounds/{ROUND}/returns", data=body)
        assert forged.status_code == 403
        elsewhere = web.post(
            f"/rounds/{ROUND}/returns",
            data=body,
            headers={"Origin": "https://elsewhere.example"},
        )
        assert elsewhere.status_code == 403
    anonymous = httpx.post(f"{server.url}/rounds/{ROUND}/returns", data=body)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login?next=")


def test_a_personal_link_from_an_e_mail_signs_the_lead_in(
    server: Server, page: Page
) -> None:
    """Followed from another site (a mail client), the link still signs the lead in."""
    db = make_engine(f"sqlite:///{server.data_dir / 'pmf.sqlite3'}")
    expires = datetime.now(UTC) + timedelta(days=1)
    token = TokenStore(db).create_scoped(
        "Dr Fiona Harrington", LEAD_EMAIL, ROUND, expires
    )
    db.dispose()
    link = f"{server.url}/login/link?token={token}"
    page.set_content(f'<p><a href="{link}">Open your return form</a></p>')
    page.get_by_role("link", name="Open your return form").click()

    page.wait_for_url(f"**/rounds/{ROUND}#return-form")
    expect(page.locator(".site-header__account")).to_contain_text("Dr Fiona Harrington")
    choices = page.locator("#return-indicator_code option").all_inner_texts()
    assert any(c.startswith("NI 55:") for c in choices)
    shot(page, "11-personal-link")


# Content-Security-Policy ----------------------------------------------------

WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def test_every_page_renders_under_the_content_security_policy(
    server: Server, page: Page
) -> None:
    """No page (charts, forms, reports, Swagger UI) breaks the strict policy, and
    /docs draws the API from this server alone, with no CDN."""
    page.add_init_script(WATCH_CSP)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith(server.url) else elsewhere.append(r.url),
    )
    sign_in(page, server, server.token("admin"))
    visits = [
        "/",
        "/indicators/NI%2055",
        "/rounds",
        f"/rounds/{ROUND}",
        "/reports",
        "/versions",
        "/versions/diff?from=1&to=2",
        f"/api/v1/reports/{ROUND}/executive?format=html",
        "/docs",
    ]
    for path in visits:
        answer = page.goto(server.url + path, timeout=120_000)
        assert answer is not None and answer.status == 200, path
        policy = answer.headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in policy, path
        assert answer.headers.get("x-content-type-options") == "nosniff", path
        if path == "/docs":
            expect(page.locator(".opblock").first).to_be_visible(timeout=30_000)
            shot(page, "12-api-docs", full_page=False)
        if path.startswith("/indicators"):
            expect(page.locator("svg.chart__svg")).to_be_visible()
        if path.startswith("/rounds/"):
            expect(page.locator("svg.progress rect")).to_have_count(1)
        violations = page.evaluate("window.__csp")
        assert violations == [], f"{path}: {violations}"
    assert not [c for c in console if "Content Security Policy" in c], console
    assert elsewhere == [], "every asset comes from this server"


def _hrefs(links: Locator) -> list[str]:
    return [h for h in (a.get_attribute("href") for a in links.all()) if h]
