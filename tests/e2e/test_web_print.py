# ruff: noqa: F811 (the fixtures imported from test_web_pages are arguments here)
"""Every staff page prints on A4 portrait without losing a column.

Chromium lays each page out for print at the width an A4 sheet leaves inside
the stylesheet's margins (210 mm less 2 x 12 mm, 703 CSS pixels); no table or
cell may reach past it, navigation and buttons are left out and table headers
are set to repeat on each sheet. Each page is also printed to a PDF (kept in
``test-artifacts/print/``) and must come out as A4 portrait.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

from tests.e2e.test_web_pages import (  # noqa: F401 (fixtures)
    ROUND,
    Server,
    browser,
    page,
    server,
    sign_in,
)
from tests.support.processes import REPO_ROOT

pytestmark = pytest.mark.e2e

PRINTS = REPO_ROOT / "test-artifacts" / "print"
A4_INSIDE_MARGINS = 703  # CSS px: (210 - 24) mm at 96 px to the inch
PAGES = {
    "framework": "/",
    "indicator": "/indicators/NI%2055",
    "rounds": "/rounds",
    "round": f"/rounds/{ROUND}",
    "versions": "/versions",
    "diff": "/versions/diff?from=1&to=4",
    "reports": "/reports",
}

MEASURE = """
(limit) => {
  const wide = [];
  const edge = limit + 0.5;
  for (const table of document.querySelectorAll("table")) {
    const box = table.getBoundingClientRect();
    if (box.width === 0) continue;
    if (box.right > edge || table.scrollWidth > table.clientWidth + 1) {
      wide.push(`table #${table.id || "?"} ends at ${Math.round(box.right)}px`);
    }
    for (const cell of table.querySelectorAll("th, td")) {
      const r = cell.getBoundingClientRect();
      if (r.width && r.right > edge) {
        wide.push(`cell "${cell.textContent.trim().slice(0, 30)}" ends at ${Math.round(r.right)}px`);
        break;
      }
    }
  }
  const shown = (sel) => [...document.querySelectorAll(sel)].filter(
    (el) => el.getClientRects().length > 0).length;
  const heads = [...document.querySelectorAll("thead")].map(
    (h) => getComputedStyle(h).display);
  return {
    wide,
    tables: document.querySelectorAll("table").length,
    pageWidth: document.documentElement.scrollWidth,
    nav: shown(".site-nav, .breadcrumbs, .skip-link"),
    buttons: shown("button, .button, form"),
    heads,
  };
}
"""


def test_every_page_prints_on_a4_portrait_with_all_its_columns(
    server: Server,
    page: Page,
) -> None:
    sign_in(page, server, server.token("admin"))  # admins see the most
    PRINTS.mkdir(parents=True, exist_ok=True)
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_INSIDE_MARGINS, "height": 1000})
    tables_seen = 0
    for name, path in PAGES.items():
        answer = page.goto(server.url + path, timeout=120_000)
        assert answer is not None and answer.status == 200, path
        found = page.evaluate(MEASURE, A4_INSIDE_MARGINS)
        assert found["wide"] == [], f"{name}: {found['wide']}"
        assert found["pageWidth"] <= A4_INSIDE_MARGINS, f"{name}: {found}"
        assert found["nav"] == 0 and found["buttons"] == 0, f"{name}: {found}"
        assert set(found["heads"]) <= {"table-header-group"}, f"{name}: {found}"
        tables_seen += found["tables"]
        pdf = page.pdf(format="A4", print_background=True)
        (PRINTS / f"{name}.pdf").write_bytes(pdf)
        boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
        assert boxes, name
        for width, height in boxes:  # A4 is 595 x 842 points
            assert abs(float(width) - 595) < 2 and abs(float(height) - 842) < 2
    assert tables_seen >= 6, "the pages measured hold the wide tables"


def test_the_framework_table_really_is_too_wide_without_the_print_styles(
    server: Server,
    page: Page,
) -> None:
    """The measure above can fail: on screen, at the same width, the framework
    table runs past the edge of an A4 sheet."""
    page.set_viewport_size({"width": A4_INSIDE_MARGINS, "height": 1000})
    page.goto(server.url + "/")
    found = page.evaluate(MEASURE, A4_INSIDE_MARGINS)
    assert found["wide"], found
