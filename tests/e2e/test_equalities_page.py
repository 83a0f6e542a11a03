"""The equalities page and an indicator's groups, in headless Chromium against a
real ``pmf run`` with the demo loaded."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_web_pages import Server, browser, page, server, shot

pytestmark = pytest.mark.e2e
__all__ = ["browser", "page", "server"]  # the fixtures, shared with the web pages


def test_the_equalities_page_leads_to_the_groups_of_an_indicator(
    server: Server, page: Page
) -> None:
    page.goto(server.url + "/")
    page.get_by_role("link", name="Equalities", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Equalities")
    table = page.locator("table.equalities-table")
    expect(table).to_contain_text("Eligible for free school meals")
    expect(table).to_contain_text("Gap widening")
    # four looked-after children at Key Stage 2: withheld, so not listed
    ks2 = table.locator("tr", has_text="NI 73")
    expect(ks2.first).to_be_visible()
    assert "Looked after" not in " ".join(ks2.all_inner_texts())
    shot(page, "20-equalities")

    ks2.filter(has_text="Eligible for free school meals").get_by_role(
        "link", name="NI 73"
    ).click()
    section = page.locator("section[aria-labelledby=groups]")
    expect(section.get_by_role("heading", level=2)).to_have_text("Groups of children")
    charts = section.locator("figure.chart--groups svg[role=img]")
    assert charts.count() == 4  # sex, SEN, free school meals, looked after
    expect(charts.first).to_be_visible()
    assert section.locator("rect.group-chart__bar--behind").count() >= 2
    looked_after = section.locator("table.groups-table tr", has_text="Looked after")
    expect(looked_after.first.locator("td").first).to_have_text("c")
    shot(page, "21-indicator-groups-ni-73")
