"""The Board paper's edit page: the officer reads the covering text drafted from
the figures, rewrites part of it and publishes, through the same desk as
``PUT .../board/draft`` and ``POST .../board/publish``; a part left as drafted is
not recorded as an edit, and a published paper is shown, not offered for edit."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.demo_local import load_demo_into
from services.embedded import EmbeddedSystem
from shared.settings import Settings
from tests.integration.conftest import Api
from tests.integration.test_admin_pages import Admin, text

ROUND = "2009-H2"
PAGE = f"/admin/papers/{ROUND}"
PAPER = f"/api/v1/reports/{ROUND}/board"


@pytest.fixture
def demo(tmp_path: Path) -> EmbeddedSystem:
    system = EmbeddedSystem(Settings(data_dir=tmp_path / "d"))
    load_demo_into(system)
    return system


def textarea(page: str, name: str) -> str:
    from html import unescape

    start = page.index(f'name="{name}"')
    body = page[page.index(">", start) + 1 :]
    return unescape(body[: body.index("</textarea>")])


def test_edit_only_what_changed_then_publish(demo: EmbeddedSystem) -> None:
    with TestClient(demo.app()) as client:
        api = Api(client, demo)
        admin = Admin(api)
        page = admin.get(PAGE)
        assert page.status_code == 200, page.text[:300]
        drafted = api.get(f"{PAPER}/publication")
        assert drafted["status"] == "draft" and drafted["edits"] == {}
        purpose = textarea(page.text, "purpose")
        summary = textarea(page.text, "summary")
        recommendations = textarea(page.text, "recommendations")
        assert purpose and summary and recommendations
        assert "Draft." in text(page)

        # The purpose rewritten; the summary re-flowed but saying the same;
        # the recommendations as drafted with bullets added by hand.
        saved = admin.post(
            PAGE,
            {
                "purpose": "To tell the Board where the plan stands at the half year.",
                "summary": summary.replace("\n\n", "\n\n  ").replace(". ", ".  "),
                "recommendations": "\n".join(
                    "- " + line for line in recommendations.splitlines()
                ),
            },
        )
        assert saved.status_code == 303, saved.text[:500]
        assert saved.headers["location"] == f"{PAGE}?saved=1"
        edits = api.get(f"{PAPER}/publication")["edits"]
        assert edits == {
            "purpose": "To tell the Board where the plan stands at the half year."
        }
        html = client.get(f"{PAPER}?format=html").text
        assert "where the plan stands at the half year" in html
        again = admin.get(PAGE)
        assert "where the plan stands at the half year" in textarea(
            again.text, "purpose"
        )

        # Too long a purpose: the API's limit, with the page's label.
        refused = admin.post(PAGE, {"purpose": "x" * 30_000})
        assert refused.status_code == 422
        assert "Purpose of the report" in text(refused)

        published = admin.post(f"{PAGE}/publish")
        assert published.status_code == 303, published.text[:500]
        assert api.get(f"{PAPER}/publication")["status"] == "published"
        shown = admin.get(PAGE)
        assert "Published" in text(shown)
        assert 'name="purpose"' not in shown.text  # nothing left to edit
        assert "where the plan stands at the half year" in text(shown)

        # After issue: the API's refusal, in words, and nothing recorded.
        late = admin.post(PAGE, {"purpose": "Changed after issue"})
        assert late.status_code in (409, 422)
        assert "published" in text(late).lower()
        twice = admin.post(f"{PAGE}/publish")
        assert twice.status_code in (409, 422)
        assert api.get(f"{PAPER}/publication")["status"] == "published"


def test_unknown_round_and_roles(demo: EmbeddedSystem) -> None:
    with TestClient(demo.app()) as client:
        api = Api(client, demo)
        admin = Admin(api)
        assert admin.get("/admin/papers/2099-H1").status_code == 404
        rounds = admin.get("/admin/rounds")
        assert f'href="{PAGE}"' in rounds.text
        executive = Admin(api, role="executive")
        assert executive.get(PAGE).status_code == 403
        refused = executive.post(f"{PAGE}/publish")
        assert refused.status_code == 403
        assert api.get(f"{PAPER}/publication")["status"] == "draft"
