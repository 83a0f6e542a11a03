"""The paper as one self-contained, accessible HTML page (WCAG 2.1 AA).

Jinja2 templates in `templates/` with autoescape on; the stylesheet is inlined and
the charts are inline SVG with `role="img"` and a text alternative, so the page works
saved to disk or attached to an email. The same page, with its print stylesheet, is
what WeasyPrint lays out as the PDF.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from . import labels
from .charts import chart_img, chart_svg
from .paper import Paper, build_paper

CONTENTS = {
    "executive": (
        ("summary", "1. Summary"),
        ("framework", "2. Every indicator: latest result against target"),
        ("challenge", "3. Flagged predictions for challenge"),
        ("detail", "4. Indicator detail"),
    ),
    "board": (
        ("purpose", "1. Purpose of the report"),
        ("recommendations", "2. Recommendations"),
        ("summary", "3. Summary"),
        ("concerns", "4. Areas of concern"),
        ("very-good", "5. Very good performance"),
        ("improved", "6. Significantly improved performance"),
        ("challenge", "7. The Executive's challenge outcomes"),
        ("actions", "8. Corrective actions due and overdue"),
        ("framework", "Appendix A: the framework by outcome"),
        ("appendix-b", "Appendix B: equalities and commentary in full"),
    ),
}


def render_html(snapshot: dict[str, Any]) -> bytes:
    """The snapshot's paper as UTF-8 HTML."""
    return html_text(build_paper(snapshot)).encode("utf-8")


def html_text(paper: Paper, inline_charts: bool = True) -> str:
    """The paper as an HTML document; charts inline SVG, or PNG images for print
    (``inline_charts=False``: the page WeasyPrint lays out as the PDF).

    Only the Executive paper has charts (in its indicator detail): the Board
    paper leaves them to it, so no chart is drawn for the Board's."""
    chart = chart_svg if inline_charts else chart_img
    kind = paper.kind if paper.kind in CONTENTS else "executive"
    charted = paper.indicators if kind == "executive" else ()
    return (
        _environment()
        .get_template(f"{kind}.html")
        .render(
            paper=paper,
            contents=CONTENTS[kind],
            charts={i.code: Markup(chart(i.chart)) for i in charted},
            colours=labels.STATUS_COLOURS,
            stamp=paper.as_of.strftime("%Y-%m-%dT%H:%M:%SZ"),
            printed=not inline_charts,
        )
    )


@lru_cache(maxsize=1)
def _environment() -> Environment:
    """Built on first use, not at import, and then reused."""
    return Environment(
        loader=PackageLoader("services.reporting.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
