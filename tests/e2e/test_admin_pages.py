"""The central team runs the cycle from the browser: headless Chromium against
a real ``pmf run`` (embedded mode) with the demo loaded.

A council's own spreadsheet goes through the column-mapping step, the preview
and the confirmation; then a round is opened from the admin pages and closed
again. Screenshots go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.e2e.test_web_pages import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SHOTS,
    TIMEOUT_MS,
    WATCH_CSP,
)
from tests.support.postgres import free_port
from tests.support.processes import Process, create_token

pytestmark = pytest.mark.e2e

COUNCIL_SHEET = (
    "Ref,Measure,Which way is good,Responsible body,Aim for 2011\n"
    "LOCAL 90,Young carers known to services,higher_is_better,"
    "Children's Services,400\n"
    "LOCAL 91,Families using children's centres,higher_is_better,"
    "Children's Services,75\n"
)
ADMIN_PAGES = [
    "/admin",
    "/admin/import",
    "/admin/indicators",
    "/admin/indicators/new",
    "/admin/indicators/NI%2055/edit",
    "/admin/versions",
    "/admin/rounds",
    "/admin/settings",
    "/admin/actions",
    "/admin/tokens",
]
# Form controls a person uses that no label names (there should be none).
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(c => c.type !== 'hidden' && c.labels.length === 0)
  .map(c => c.name || c.id)"""
MAPPING = {
    "Ref": "Code (code)",
    "Measure": "Title (title)",
    "Which way is good": "Polarity (polarity)",
    "Responsible body": "Lead organisation (lead_organisation)",
    "Aim for 2011": "Target value (target_value)",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    work = tmp_path_factory.mktemp("admin-web")
    data = work / "data"
    data.mkdir()
    port = free_port()
    args = ["run", "--port", str(port), "--data-dir", str(data), "--demo-if-empty"]
    proc = Process(args, {}, work / "pmf-run.log")
    try:
        url = f"http://127.0.0.1:{port}"
        proc.wait_http(f"{url}/healthz", timeout=120)
        yield url, data
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


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_the_central_team_imports_a_spreadsheet_and_runs_a_round(
    server: tuple[str, Path], page: Page, tmp_path: Path
) -> None:
    url, data = server
    token = create_token("admin", None, "--data-dir", str(data), "--name", "Pat Ng")
    page.goto(f"{url}/login?next=/admin")
    page.get_by_label("Access token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Admin")

    # 1. Upload the council's own spreadsheet and map its columns.
    page.get_by_role("link", name="Import a framework spreadsheet").click()
    sheet = tmp_path / "Northshire CYPP refresh.csv"
    sheet.write_text(COUNCIL_SHEET, encoding="utf-8")
    page.get_by_label("Spreadsheet").set_input_files(str(sheet))
    page.get_by_role("button", name="Upload and match columns").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Match your columns")
    for theirs, ours in MAPPING.items():
        page.get_by_label(theirs.lower(), exact=True).select_option(label=ours)
    shot(page, "admin-01-import-mapping")
    page.get_by_role("button", name="Check the changes").click()

    # 2. The preview says what will change; nothing is recorded yet.
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the changes")
    expect(page.locator("#import-counts")).to_contain_text("New indicators2")
    expect(page.locator("#import-changes")).to_contain_text("Young carers known")
    shot(page, "admin-02-import-preview")
    before = httpx.get(f"{url}/api/v1/indicators/LOCAL%2090")
    assert before.status_code == 404

    # 3. Confirm: both rows are recorded.
    page.get_by_role("button", name="Import 2 changes").click()
    expect(page.locator("[data-notice]")).to_contain_text("2 new, 0 changed")
    made = httpx.get(f"{url}/api/v1/indicators/LOCAL%2090").json()
    assert made["target"]["value"] == 400
    assert made["lead_organisation"] == "Children's Services"

    # 4. Open a round asking for every measurable indicator (ticked before a
    # period end is typed).
    page.get_by_role("link", name="Admin").first.click()
    page.get_by_role("link", name="Open and close rounds").click()
    page.get_by_label("Round name").fill("2010-H2")
    page.get_by_label("Period ending").fill("2010-09-30")
    page.get_by_label("Requested on").fill("2010-10-01")
    page.get_by_label("Deadline").fill("2010-10-31")
    expect(
        page.get_by_label("LOCAL 90: Young carers known to services")
    ).to_be_checked()
    page.get_by_role("button", name="Open round").click()
    expect(page.locator("[data-notice]")).to_contain_text("Round 2010-H2 is open")
    shot(page, "admin-03-round-open")
    opened = httpx.get(f"{url}/api/v1/rounds/2010-H2").json()
    # Every measurable indicator stays ticked, so the round asks for them all
    # by name, although annual ones are not due at the half year by default
    # (docs/rounds.md).
    assert opened["closed"] is False
    assert {"LOCAL 90", "LOCAL 91"} <= set(opened["scope"])

    # 5. Close it with the keyboard: the button is reachable and works.
    close = page.get_by_role("button", name="Close round 2010-H2")
    close.focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-notice]")).to_contain_text("Round 2010-H2 is closed")
    assert httpx.get(f"{url}/api/v1/rounds/2010-H2").json()["closed"] is True
    shot(page, "admin-04-round-closed")


def test_every_admin_page_is_labelled_and_keeps_the_content_security_policy(
    server: tuple[str, Path], page: Page
) -> None:
    url, data = server
    page.add_init_script(WATCH_CSP)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    token = create_token("admin", None, "--data-dir", str(data))
    page.goto(f"{url}/login")
    page.get_by_label("Access token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    for path in ADMIN_PAGES:
        answer = page.goto(url + path)
        assert answer is not None and answer.status == 200, path
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        assert page.evaluate(UNLABELLED) == [], path
        assert page.evaluate("window.__csp") == [], path
    shot(page, "admin-05-tokens")
    assert not [c for c in console if "Content Security Policy" in c], console
