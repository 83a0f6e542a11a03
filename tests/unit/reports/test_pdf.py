"""The PDF papers: the same content as the HTML, tagged for assistive technology."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from pypdf import PdfReader

from .conftest import Rendered
from .reading import between, codes_in_order, pdf_text
from .snapshots import AREAS_OF_CONCERN


@pytest.fixture(scope="module")
def texts(rendered: Rendered) -> dict[str, str]:
    """Each PDF's text, extracted once (pypdf takes a second or two)."""
    return {
        "board": pdf_text(rendered("board", "pdf")),
        "executive": pdf_text(rendered("executive", "pdf")),
    }


def test_the_board_pdf_reads_as_the_board_paper(texts: dict[str, str]) -> None:
    text = texts["board"]
    for words in ("On target", "Off target", "Amber: close to target", "Not assessed"):
        assert words in text
    concerns = between(text, "4. Areas of concern", "5. Very good performance")
    assert codes_in_order(concerns, AREAS_OF_CONCERN) == AREAS_OF_CONCERN
    outcomes = between(text, "7. The Executive's challenge outcomes", "8. Corrective")
    assert "Lead's view accepted" in outcomes
    assert "Upheld: the computed status stands" in outcomes
    assert "the Executive accepts the lead's view." in outcomes
    actions = between(text, "8. Corrective actions due and overdue", "Appendix A")
    assert actions.index("Review the healthy schools") < actions.index(
        "Attendance plan"
    )
    assert "Overdue" in actions


def test_the_pdf_suppresses_small_numbers_and_shows_gaps(texts: dict[str, str]) -> None:
    text = texts["executive"]
    assert "Cyclists c c Not shown (small numbers)" in text
    assert "Pedestrians 14 -13 13 below overall" in text
    assert "Looked after 21.4% +15.3 15.3 percentage points above overall" in text
    assert "c (31 Mar 2010, Lead's return)" in text
    assert (
        "LOCAL 02 results Period ending Result "
        "31 Mar 2008 8 31 Mar 2009 7 31 Mar 2010 c" in text
    )
    assert "Projected 2.1" not in text
    assert "Projected 2.1" not in texts["board"]


def test_the_executive_pdf_groups_flagged_predictions(texts: dict[str, str]) -> None:
    text = texts["executive"]
    challenge = between(text, "3. Flagged predictions for challenge", "4. Indicator")
    assert "Prediction conflicts with the assessment (3 indicators)" in challenge
    assert "Volatile result (2 indicators)" in challenge
    assert "We expect the new healthy schools programme to turn this round." in text
    assert "Lead's commentary" in text


def test_the_pdf_is_dated_from_as_of_and_titled(rendered: Rendered) -> None:
    reader = PdfReader(io.BytesIO(rendered("board", "pdf")))
    meta = reader.metadata
    assert meta is not None
    assert meta.creation_date == datetime(2010, 5, 14, tzinfo=UTC)
    assert meta.modification_date == datetime(2010, 5, 14, tzinfo=UTC)
    assert (
        meta.title == "CYP Board performance report: 2009-H2: Northshire County Council"
    )
    assert meta.author == "Northshire County Council"


def test_the_pdf_is_tagged_pdf_ua_with_alternative_text(rendered: Rendered) -> None:
    reader = PdfReader(io.BytesIO(rendered("board", "pdf")))
    root: Any = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] in (True, "true")
    assert root["/Lang"] == "en-GB"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] in (True, "true")
    metadata = root["/Metadata"].get_object().get_data().decode()
    assert "pdfuaid:part" in metadata
    kinds = struct_kinds(root["/StructTreeRoot"])
    for tag in ("/H1", "/H2", "/H3", "/Table", "/TH", "/TD"):
        assert kinds.get(tag), tag
    assert "/Figure" not in kinds  # the charts are in the Executive paper
    executive: Any = PdfReader(io.BytesIO(rendered("executive", "pdf"))).trailer
    kinds = struct_kinds(executive["/Root"]["/StructTreeRoot"])
    assert kinds["/Figure"] == kinds["alt"] == 17


def test_every_indicator_has_its_trend_chart_drawn_in_the_executive_pdf(
    rendered: Rendered, snapshots: dict[str, dict[str, Any]]
) -> None:
    """One chart per indicator, embedded as a 150 dpi raster and painted on a page."""
    kind = "executive"
    reader = PdfReader(io.BytesIO(rendered(kind, "pdf")))
    painted: set[Any] = set()
    sizes = set()
    for page in reader.pages:
        images = page["/Resources"].get("/XObject") or {}
        content = page.get_contents()
        stream = content.get_data() if content is not None else b""
        for name, ref in images.items():
            image = ref.get_object()
            if image["/Subtype"] != "/Image" or f"{name} Do".encode() not in stream:
                continue
            painted.add(ref.idnum if hasattr(ref, "idnum") else id(image))
            sizes.add((image["/Width"], image["/Height"]))
    assert len(painted) == len(snapshots[kind]["indicators"])
    assert sizes == {(630, 330)}  # 4.2 x 2.2 inches at 150 dpi


def struct_kinds(tree: Any) -> dict[str, int]:
    """How many structure elements of each type, and how many figures have Alt."""
    counts: dict[str, int] = {}
    stack = [tree.get_object()]
    while stack:
        node = stack.pop()
        if hasattr(node, "get_object"):
            node = node.get_object()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not hasattr(node, "get"):
            continue
        kind = node.get("/S")
        if kind is not None:
            counts[str(kind)] = counts.get(str(kind), 0) + 1
            if kind == "/Figure" and node.get("/Alt"):
                counts["alt"] = counts.get("alt", 0) + 1
        kids = node.get("/K")
        if kids is not None:
            stack.append(kids)
    return counts
