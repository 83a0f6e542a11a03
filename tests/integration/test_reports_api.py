"""Reports over HTTP: every format, the right content, and the same bytes after a replay."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.demo_local import load_demo_into
from services.embedded import EmbeddedSystem
from services.replay import replay_read_models
from shared.settings import Settings

FORMATS = ("json", "html", "pdf", "docx", "xlsx")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedSystem:
    system = EmbeddedSystem(Settings(data_dir=tmp_path_factory.mktemp("reports") / "d"))
    load_demo_into(system)
    return system


def fetch(
    system: EmbeddedSystem, kind: str, fmt: str, round_id: str = "2009-H2"
) -> bytes:
    with TestClient(system.app()) as client:
        response = client.get(f"/api/v1/reports/{round_id}/{kind}?format={fmt}")
    assert response.status_code == 200, response.text[:500]
    return response.content


def test_the_board_report_highlights_and_challenges(demo: EmbeddedSystem) -> None:
    board = json.loads(fetch(demo, "board", "json"))
    assert board["round"]["id"] == "2009-H2" and board["kind"] == "board"
    concern = board["highlights"]["areas_of_concern"]
    shown = {i["code"]: i["shown_status"] for i in board["indicators"]}
    assert concern and all(shown[c] == "RED" for c in concern)
    assert sorted(concern) == sorted(c for c, s in shown.items() if s == "RED")
    assert board["challenges"] and all(c["flags"] for c in board["challenges"])
    assert sum(board["counts"].values()) == len(board["indicators"])
    assert board["framework_version"]["number"] == 4


def test_every_format_opens_with_its_content(demo: EmbeddedSystem) -> None:
    from docx import Document
    from openpyxl import load_workbook
    from pypdf import PdfReader

    html = fetch(demo, "executive", "html").decode()
    assert "Off target" in html and "NI 55" in html
    text = " ".join(
        p.extract_text()
        for p in PdfReader(io.BytesIO(fetch(demo, "board", "pdf"))).pages[:3]
    )
    assert "Areas of concern" in text
    doc = Document(io.BytesIO(fetch(demo, "board", "docx")))
    assert any("Areas of concern" in p.text for p in doc.paragraphs)
    book = load_workbook(io.BytesIO(fetch(demo, "executive", "xlsx")))
    cells = {
        str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row
    }
    assert "NI 55" in cells


def test_unknown_rounds_and_formats_are_clear_errors(demo: EmbeddedSystem) -> None:
    with TestClient(demo.app()) as client:
        assert client.get("/api/v1/reports/2099-H1/board").status_code == 404
        assert client.get("/api/v1/reports/2009-H2/board?format=odt").status_code == 422
        assert client.get("/api/v1/reports/2009-H2/minutes").status_code == 422


def test_a_past_report_has_the_same_bytes_after_a_replay(demo: EmbeddedSystem) -> None:
    before = {f: fetch(demo, "board", f, "2008-H2") for f in FORMATS}
    replay_read_models(demo.store, demo.engine)
    after = {f: fetch(demo, "board", f, "2008-H2") for f in FORMATS}
    for fmt in FORMATS:
        assert after[fmt] == before[fmt], fmt


def test_report_bytes_do_not_depend_on_the_process(
    tmp_path: Path, demo: EmbeddedSystem
) -> None:
    # a second system on a copy of the log renders the same bytes
    again = EmbeddedSystem(Settings(data_dir=demo.settings.data_dir))
    assert fetch(again, "executive", "json") == fetch(demo, "executive", "json")
