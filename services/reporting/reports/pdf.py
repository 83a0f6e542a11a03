"""The paper as a tagged PDF, laid out by WeasyPrint from the HTML page.

The PDF is PDF/UA-1 (`pdf_variant="pdf/ua-1"`, available in the installed WeasyPrint
70): a structure tree (headings, lists, tables whose data cells point at their
headers through the `scope` of each `th`), the document language from
`<html lang>`, the title shown in the viewer's title bar, and each chart (a 150 dpi
PNG, see `charts.py`) tagged as a Figure with its `alt` text. What WeasyPrint
leaves short of a validator's full pass: the running footer is kept out of the
structure tree rather than marked as an artifact (that needs PDF 2.0, i.e.
"pdf/ua-2"), and nothing here runs veraPDF, so conformance is claimed by the
library's metadata, not proven.

Reproducible bytes: the creation and modification dates come from the snapshot's
`as_of` (through `<meta name="dcterms.created">`) and WeasyPrint writes no random
document id for PDF/UA-1. Fonts are subset by HarfBuzz (Debian's
libharfbuzz-subset0), which adds no date; without it WeasyPrint falls back to
fontTools, which stamps each subset font with the current time unless
SOURCE_DATE_EPOCH is set, so rendering sets it to `as_of` for the duration (under
a lock, and puts back what was there).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from .html import html_text
from .paper import build_paper

PDF_VARIANT = "pdf/ua-1"

_ENVIRONMENT_LOCK = threading.Lock()


def render_pdf(snapshot: dict[str, Any]) -> bytes:
    """The snapshot's paper as PDF/UA-1 bytes."""
    from weasyprint import HTML

    paper = build_paper(snapshot)
    document = HTML(string=html_text(paper, inline_charts=False), base_url=None)
    with _fixed_font_dates(paper.as_of):
        return bytes(document.write_pdf(pdf_variant=PDF_VARIANT))


@contextmanager
def _fixed_font_dates(moment: datetime) -> Iterator[None]:
    """fontTools reads SOURCE_DATE_EPOCH for the date it writes into a font."""
    with _ENVIRONMENT_LOCK:
        before = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))
        try:
            yield
        finally:
            if before is None:
                del os.environ["SOURCE_DATE_EPOCH"]
            else:
                os.environ["SOURCE_DATE_EPOCH"] = before
