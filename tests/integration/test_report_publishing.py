"""Publishing a round's Board paper: edits and publication are events, and the
published paper is the record, unchanged by later corrections and by a replay."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.demo_local import load_demo_into
from services.embedded import EmbeddedSystem
from services.replay import replay_read_models
from services.reporting.publishing import content_digest
from shared.settings import Settings
from tests.integration.conftest import Api

ROUND = "2009-H2"
PAPER = f"/api/v1/reports/{ROUND}/board"
FORMATS = ("json", "html", "pdf", "docx")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedSystem:
    system = EmbeddedSystem(Settings(data_dir=tmp_path_factory.mktemp("publish") / "d"))
    load_demo_into(system)
    return system


def paper(client: TestClient, fmt: str) -> tuple[bytes, str | None]:
    response = client.get(f"{PAPER}?format={fmt}")
    assert response.status_code == 200, response.text[:300]
    return response.content, response.headers.get("X-Content-Digest")


def pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages[:3])


def test_publish_then_correct_then_replay_gives_the_same_bytes(
    demo: EmbeddedSystem,
) -> None:
    data_dir = demo.settings.data_dir
    with TestClient(demo.app()) as client:
        api = Api(client, demo)
        # the officer's own purpose, recorded with who wrote it
        edited = api.put(
            f"{PAPER}/draft",
            json={
                "purpose": "To report the plan's position at the year end.",
                "recommendations": "Note the position\nThank the leads for their returns",
            },
        )
        assert edited["edits"]["purpose"] == (
            "To report the plan's position at the year end."
        )
        edits = [
            e
            for e in demo.store.read_stream(f"report:{ROUND}:board")
            if e.type == "ReportDraftEdited"
        ]
        assert len(edits) == 1 and edits[0].actor.startswith("admin:test admin")
        assert api.get(f"{PAPER}/publication")["status"] == "draft"
        draft_html = paper(client, "html")[0].decode()
        assert "To report the plan&#39;s position at the year end." in draft_html
        assert "Draft, not yet published" in draft_html

        api.post(f"{PAPER}/publish", expect=403, role="viewer")
        api.post(f"{PAPER}/publish", expect=403, role="executive")
        issued = api.post(f"{PAPER}/publish", expect=201)
        digest = issued["content_digest"]
        before = {}
        for fmt in FORMATS:
            body, header = paper(client, fmt)
            assert header == f"sha256={digest}"
            before[fmt] = body
        assert "Published on" in before["html"].decode()
        assert "Thank the leads for their returns" in pdf_text(before["pdf"])
        published = json.loads(before["json"])

        # the log holds the paper: its digest is the digest of its snapshot
        [event] = [
            e
            for e in demo.store.read_stream(f"report:{ROUND}:board")
            if e.type == "ReportPublished"
        ]
        assert event.data["content_digest"] == digest
        assert content_digest(event.data["snapshot"]) == digest
        assert event.actor.startswith("admin:")

        # a published paper is not edited or issued again
        api.post(f"{PAPER}/publish", expect=409)
        api.put(f"{PAPER}/draft", json={"purpose": "Too late."}, expect=409)

        # a correction to a figure the paper reports changes the framework...
        concern = published["highlights"]["areas_of_concern"][0]
        shown = next(i for i in published["indicators"] if i["code"] == concern)
        period = shown["latest_result"]["period_end"]
        corrected = shown["latest_result"]["value"]
        corrected = (corrected if isinstance(corrected, int | float) else 50) + 7
        api.post(
            "/api/v1/returns",
            json={
                "indicator_code": concern,
                "period_end": period,
                "value": corrected,
                "prediction": "on_target",
                "commentary": "Corrected after the Board met.",
            },
        )
        live = client.get(f"/api/v1/reports/{ROUND}/executive?format=json").json()
        now = next(i for i in live["indicators"] if i["code"] == concern)
        assert now["latest_result"]["value"] == corrected
        # ...but not the published paper
        for fmt in FORMATS:
            assert paper(client, fmt)[0] == before[fmt], fmt

    # every rendering and read model gone: the paper comes back from the log alone
    shutil.rmtree(Path(data_dir) / "published", ignore_errors=True)
    shutil.rmtree(Path(data_dir) / "papers", ignore_errors=True)
    replay_read_models(demo.store, demo.engine)
    with TestClient(demo.app()) as client:
        for fmt in FORMATS:
            body, header = paper(client, fmt)
            assert header == f"sha256={digest}"
            assert body == before[fmt], f"{fmt} differs after a replay"
            assert hashlib.sha256(body).hexdigest()  # bytes, not an error page


def test_unknown_rounds_and_bad_edits_are_clear_errors(demo: EmbeddedSystem) -> None:
    with TestClient(demo.app()) as client:
        api = Api(client, demo)
        api.post("/api/v1/reports/2099-H1/board/publish", expect=404)
        api.put("/api/v1/reports/2008-H1/board/draft", json={"purpos": "x"}, expect=422)
        api.put(
            "/api/v1/reports/2008-H1/board/draft",
            json={"summary": "bell \u0007 here"},
            expect=422,
        )
        api.put(
            "/api/v1/reports/2008-H1/executive/draft", json={"purpose": "x"}, expect=422
        )
        api.put("/api/v1/reports/2008-H1/board/draft", json={}, expect=403, role="lead")
