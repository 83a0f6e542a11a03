"""The admin pages against the embedded app and its real store: each page's
form does what the API would, refuses what the API would with the API's
words, and is closed to anyone but a signed-in admin with the form token."""

from __future__ import annotations

import io
import re
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from services.web.session import Visitor
from tests.integration.conftest import Api, indicator

P = "/api/v1"
COUNCIL_CSV = (
    "Ref,Indicator name,Direction,Lead body,Target 2011,Notes\n"
    "NI 50,Emotional health of children,higher_is_better,Primary Care Trust,70,x\n"
    "LOCAL 01,Children walking to school,higher_is_better,Transport,55,y\n"
)


class Admin:
    """A browser signed in as an admin: its client and form token."""

    def __init__(self, api: Api, role: str = "admin") -> None:
        self.api = api
        self.client: TestClient = api.client
        answer = self.client.post(
            "/login",
            data={"token": api.token(role), "next": "/"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        session = self.client.cookies.get("pmf_session")
        assert session
        self.csrf = Visitor(token=session).csrf

    def get(self, path: str) -> Any:
        return self.client.get(path, follow_redirects=False)

    def post(self, path: str, data: Any = None, **kw: Any) -> Any:
        body = {"csrf": self.csrf, **(data or {})}
        return self.client.post(path, data=body, follow_redirects=False, **kw)


@pytest.fixture
def admin(api: Api) -> Admin:
    return Admin(api)


def text(answer: Any) -> str:
    """The page's words, without tags."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answer.text)))


def summary_links(answer: Any) -> dict[str, str]:
    """The error summary's links: field id -> message."""
    block = answer.text.split('class="error-summary__list"', 1)[1].split("</ul>")[0]
    return {
        m.group(1): unescape(m.group(2))
        for m in re.finditer(r'<a href="#([^"]+)">([^<]+)</a>', block)
    }


# The door -------------------------------------------------------------------


def test_admin_pages_are_for_signed_in_admins_only(api: Api) -> None:
    anonymous = api.client.get("/admin/rounds", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login?next=/admin/rounds")
    posted = api.client.post(
        "/admin/rounds/2009-H1/close", data={"csrf": "x"}, follow_redirects=False
    )
    assert posted.status_code == 303
    assert posted.headers["location"] == "/login?next=/admin"

    executive = Admin(api, "executive")
    refused = executive.get("/admin/rounds")
    assert refused.status_code == 403
    assert "Only the central performance team" in text(refused)
    assert executive.post("/admin/versions", {"label": "x"}).status_code == 403
    assert api.get(f"{P}/framework/versions") == []

    admin = Admin(api)
    home = admin.get("/admin")
    assert home.status_code == 200
    assert (
        'href="/admin"' in home.text and "Import a framework spreadsheet" in home.text
    )


def test_a_post_without_the_form_token_changes_nothing(admin: Admin) -> None:
    answer = admin.client.post(
        "/admin/versions", data={"label": "Forged"}, follow_redirects=False
    )
    assert answer.status_code == 403
    assert "The form has expired" in text(answer)
    other_site = admin.post(
        "/admin/versions",
        {"label": "Forged"},
        headers={"Origin": "http://evil.example"},
    )
    assert other_site.status_code == 403
    assert admin.api.get(f"{P}/framework/versions") == []


# Import ---------------------------------------------------------------------


def upload(admin: Admin, name: str, data: bytes) -> Any:
    return admin.client.post(
        "/admin/import",
        data={"csrf": admin.csrf},
        files={"file": (name, data, "text/csv")},
        follow_redirects=False,
    )


def draft_key(answer: Any) -> str:
    found = re.search(r'action="/admin/import/([^/"]+)/preview"', answer.text)
    assert found, answer.text
    return found.group(1)


def selected(answer: Any) -> dict[str, str]:
    """Each mapping select's chosen value."""
    found = {}
    for m in re.finditer(
        r'<select[^>]*name="(map-\d+)".*?</select>', answer.text, re.S
    ):
        choice = re.search(r'<option value="([^"]*)" selected', m.group(0))
        found[m.group(1)] = choice.group(1) if choice else ""
    return found


MAPPING = {
    "map-0": "code",
    "map-1": "title",
    "map-2": "polarity",
    "map-3": "lead_organisation",
    "map-4": "target_value",
    "map-5": "",
}


def test_a_council_spreadsheet_is_mapped_previewed_and_imported(admin: Admin) -> None:
    api = admin.api
    api.post(f"{P}/indicators", indicator("NI 50", title="Old title"))

    mapping = upload(admin, "council framework.csv", COUNCIL_CSV.encode())
    assert mapping.status_code == 200, mapping.text
    assert "Match your columns" in mapping.text
    assert "Emotional health of children" in text(mapping)  # a sample value
    key = draft_key(mapping)
    assert set(selected(mapping).values()) == {""}  # no names match ours

    preview = admin.post(f"/admin/import/{key}/preview", MAPPING)
    assert preview.status_code == 200, preview.text
    counts = text(preview)
    assert "New indicators 1" in counts and "Changed 1" in counts
    assert "Old title" in counts and "Emotional health of children" in counts
    assert api.get(f"{P}/indicators/NI 50")["title"] == "Old title", "not yet"
    plan = re.search(r'name="plan" value="([^"]+)"', preview.text)
    assert plan

    imported = admin.post(
        f"/admin/import/{key}/confirm", {**MAPPING, "plan": plan.group(1)}
    )
    assert imported.status_code == 303
    assert imported.headers["location"] == "/admin/import?new=1&changed=1&unchanged=0"
    assert "1 new, 1 changed and 0 unchanged" in text(
        admin.get(imported.headers["location"])
    )
    ni50 = api.get(f"{P}/indicators/NI 50")
    assert ni50["title"] == "Emotional health of children"
    assert ni50["target"]["value"] == 70
    assert api.get(f"{P}/indicators/LOCAL 01")["lead_organisation"] == "Transport"
    history = api.get(f"{P}/indicators/LOCAL 01/history")
    assert "admin:test admin" in str(history), "the admin who imported is recorded"

    again = upload(admin, "council framework.csv", COUNCIL_CSV.encode())
    assert selected(again) == MAPPING, "the mapping is remembered"
    assert admin.post(f"/admin/import/{key}/confirm", MAPPING).status_code == 422


def test_a_bad_row_imports_nothing_and_says_why(admin: Admin) -> None:
    bad = COUNCIL_CSV.replace("Transport,55", "Transport,lots")
    key = draft_key(upload(admin, "plan.csv", bad.encode()))
    preview = admin.post(f"/admin/import/{key}/preview", MAPPING)
    assert preview.status_code == 422
    words = text(preview)
    assert "nothing will be imported" in words
    assert "Row 3, Target value:" in words and "lots" in words
    assert "/confirm" not in preview.text
    assert admin.api.get(f"{P}/indicators") == []


def test_mapping_mistakes_are_shown_by_the_column(admin: Admin) -> None:
    key = draft_key(upload(admin, "plan.csv", COUNCIL_CSV.encode()))
    twice = admin.post(f"/admin/import/{key}/preview", {**MAPPING, "map-1": "code"})
    assert twice.status_code == 422
    assert "already comes from column 'ref'" in summary_links(twice)["map-1"]
    no_code = admin.post(f"/admin/import/{key}/preview", {**MAPPING, "map-0": ""})
    assert "indicator code" in summary_links(no_code)["map-0"]


def test_an_excel_file_with_our_column_names_is_matched_by_itself(
    admin: Admin,
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Code", "Title", "Polarity"])
    sheet.append(["NI 51", "Effectiveness of CAMHS", "higher_is_better"])
    buffer = io.BytesIO()
    book.save(buffer)
    answer = admin.client.post(
        "/admin/import",
        data={"csrf": admin.csrf},
        files={"file": ("plan.xlsx", buffer.getvalue(), "application/octet-stream")},
    )
    assert selected(answer) == {"map-0": "code", "map-1": "title", "map-2": "polarity"}


def test_percentages_excel_shows_are_read_as_shown_and_the_preview_says_so(
    admin: Admin,
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Northshire framework, March 2009"])
    sheet.append(["Ref", "Name", "Direction", "Unit", "Baseline", "Baseline date"])
    sheet.append(
        ["NI 50", "Emotional health", "Higher", "percent", 0.625, "31/03/2008"]
    )
    sheet["E3"].number_format = "0.0%"
    buffer = io.BytesIO()
    book.save(buffer)
    key = draft_key(upload(admin, "plan.xlsx", buffer.getvalue()))
    mapping = {
        "map-0": "code",
        "map-1": "title",
        "map-2": "polarity",
        "map-3": "unit",
        "map-4": "baseline_value",
        "map-5": "baseline_period_end",
    }
    preview = admin.post(f"/admin/import/{key}/preview", mapping)
    assert preview.status_code == 200, preview.text
    shown = text(preview)
    assert "How some columns were read" in shown
    assert "baseline: 1 cell formatted as percentages in the workbook (rows 3)" in shown
    plan = re.search(r'name="plan" value="([^"]+)"', preview.text)
    assert plan
    done = admin.post(
        f"/admin/import/{key}/confirm", {**mapping, "plan": plan.group(1)}
    )
    assert done.status_code == 303
    assert admin.api.get(f"{P}/indicators/NI 50")["baseline"] == {
        "value": 62.5,
        "period_end": "2008-03-31",
    }


def test_row_problems_are_numbered_as_the_councils_file_numbers_its_rows(
    admin: Admin,
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Northshire framework, March 2009"])
    sheet.append([])
    sheet.append(["Ref", "Name", "Direction"])
    sheet.append(["NI 50", "Emotional health", "Higher"])
    sheet.append(["NI 51", "Sport", "sideways"])
    buffer = io.BytesIO()
    book.save(buffer)
    key = draft_key(upload(admin, "plan.xlsx", buffer.getvalue()))
    mapping = {"map-0": "code", "map-1": "title", "map-2": "polarity"}
    refused = admin.post(f"/admin/import/{key}/preview", mapping)
    assert refused.status_code == 422
    assert "Row 5, " in text(refused) and "'sideways'" in text(refused)


def test_a_file_that_is_not_a_spreadsheet_is_refused_in_words(admin: Admin) -> None:
    answer = upload(admin, "plan.txt", b"hello")
    assert answer.status_code == 422
    assert "must be a CSV (.csv) or Excel (.xlsx) file" in summary_links(answer)["file"]
    broken = upload(admin, "plan.xlsx", b"not a zip")
    assert "Cannot read plan.xlsx" in summary_links(broken)["file"]


def test_the_preview_is_shown_again_when_the_framework_changed_meanwhile(
    admin: Admin,
) -> None:
    key = draft_key(upload(admin, "plan.csv", COUNCIL_CSV.encode()))
    preview = admin.post(f"/admin/import/{key}/preview", MAPPING)
    plan = re.search(r'name="plan" value="([^"]+)"', preview.text)
    assert plan
    admin.api.post(f"{P}/indicators", indicator("LOCAL 01", title="Made meanwhile"))
    stale = admin.post(
        f"/admin/import/{key}/confirm", {**MAPPING, "plan": plan.group(1)}
    )
    assert stale.status_code == 200
    assert "The framework changed after your preview" in text(stale)
    assert admin.api.get(f"{P}/indicators/LOCAL 01")["title"] == "Made meanwhile"


# Indicators -----------------------------------------------------------------


def test_an_indicator_is_registered_and_edited_from_the_forms(admin: Admin) -> None:
    api = admin.api
    refused = admin.post("/admin/indicators/new", {"code": "NI 50", "polarity": ""})
    assert refused.status_code == 422
    errors = summary_links(refused)
    assert errors["title"].startswith("Title: String should have at least 1")
    assert errors["polarity"].startswith("Polarity: Input should be")

    made = admin.post(
        "/admin/indicators/new",
        {
            "code": "NI 50",
            "title": "Emotional health",
            "polarity": "higher_is_better",
            "unit": "percent",
            "frequency": "annual",
            "laa": "no",
            "measurable": "yes",
            "named_lead_name": "Dana Wright",
            "named_lead_email": "dana@example.org",
            "baseline_value": "60",
            "baseline_period_end": "2008-03-31",
            "target_value": "70",
            "target_reason": "Agreed by the Board",
            "milestones": "2009-03-31 = 63\n2010-03-31 = 66",
        },
    )
    assert made.status_code == 303, made.text
    ni50 = api.get(f"{P}/indicators/NI 50")
    assert ni50["named_lead"] == {"name": "Dana Wright", "email": "dana@example.org"}
    assert ni50["target"]["reason"] == "Agreed by the Board"
    assert [m["value"] for m in ni50["milestones"]] == [63, 66]

    edit = admin.get("/admin/indicators/NI%2050/edit")
    assert edit.status_code == 200
    assert admin.get("/admin/indicators/NI%2099/edit").status_code == 404
    version = re.search(r'name="version" value="(\d+)"', edit.text)
    assert version
    no_reason = admin.post(
        "/admin/indicators/NI%2050/target",
        {"value": "72", "version": version.group(1)},
    )
    assert "target-reason" in summary_links(no_reason)
    saved = admin.post(
        "/admin/indicators/NI%2050/target",
        {
            "value": "72",
            "reason": "Raised after a strong year",
            "version": version.group(1),
        },
    )
    assert saved.status_code == 303
    assert api.get(f"{P}/indicators/NI 50")["target"]["value"] == 72

    stale = admin.post(
        "/admin/indicators/NI%2050/definition",
        {
            "title": "Renamed",
            "polarity": "higher_is_better",
            "unit": "percent",
            "frequency": "annual",
            "version": version.group(1),
        },
    )
    assert stale.status_code == 422
    assert "changed since you read it" in text(stale)
    fresh = admin.get("/admin/indicators/NI%2050/edit")
    now = re.search(r'name="version" value="(\d+)"', fresh.text)
    assert now
    renamed = admin.post(
        "/admin/indicators/NI%2050/definition",
        {
            "title": "Renamed",
            "polarity": "lower_is_better",
            "unit": "percent",
            "frequency": "quarterly",
            "tolerance": "2.5",
            "version": now.group(1),
        },
    )
    assert renamed.status_code == 303
    after = api.get(f"{P}/indicators/NI 50")
    assert (
        after["title"],
        after["polarity"],
        after["frequency"],
        after["tolerance"],
    ) == ("Renamed", "lower_is_better", "quarterly", 2.5)
    bad_target = admin.post(
        "/admin/indicators/NI%2050/target",
        {"value": "72", "period_end": "2007-03-31", "reason": "x"},
    )
    assert (
        "must be after the baseline" in summary_links(bad_target)["target-period_end"]
    )
    bad_milestones = admin.post(
        "/admin/indicators/NI%2050/milestones", {"milestones": "2009-03-31 = lots"}
    )
    assert "must be a number" in summary_links(bad_milestones)["ms-milestones"]


# Versions and settings ------------------------------------------------------


def test_a_version_is_published_with_its_description(admin: Admin) -> None:
    admin.api.post(f"{P}/indicators", indicator())
    empty = admin.post("/admin/versions", {"label": ""})
    assert empty.status_code == 422
    assert summary_links(empty)["label"].startswith("Version name: String should")
    hostile = admin.post("/admin/versions", {"label": "2009 \u202erefresh"})
    assert "must not contain U+202E" in summary_links(hostile)["label"]
    done = admin.post("/admin/versions", {"label": "2009 refresh", "note": "New NI 50"})
    assert done.status_code == 303
    [version] = admin.api.get(f"{P}/framework/versions")
    assert (version["label"], version["note"]) == ("2009 refresh", "New NI 50")
    assert "2009 refresh" in text(admin.get(done.headers["location"]))


def test_framework_settings_change_with_the_apis_rules(admin: Admin) -> None:
    page = admin.get("/admin/settings")
    assert page.status_code == 200
    wrong = admin.post(
        "/admin/settings", {"rag_mode": "red_green", "amber_fraction": "2"}
    )
    assert wrong.status_code == 422
    api_says = admin.api.put(
        f"{P}/framework/settings", {"amber_fraction": 2}, expect=422
    )
    assert summary_links(wrong)["amber_fraction"] == (
        f"Amber band: {api_says['errors'][0]['message']}"
    )
    assert (
        admin.post(
            "/admin/settings", {"rag_mode": "red_green", "amber_fraction": "0.2"}
        ).status_code
        == 303
    )
    now = admin.api.get(f"{P}/framework/settings")
    assert (now["rag_mode"], now["amber_fraction"]) == ("red_green", 0.2)


def test_the_councils_comparators_are_settings_too(admin: Admin) -> None:
    saved = admin.post(
        "/admin/settings",
        {
            "area_code": "e10000900",
            "region_code": "E12000002",
            "statistical_neighbours": "E10000901, E10000902\nE10000903",
        },
    )
    assert saved.status_code == 303
    now = admin.api.get(f"{P}/framework/settings")
    assert now["area_code"] == "E10000900"
    assert now["statistical_neighbours"] == ["E10000901", "E10000902", "E10000903"]
    assert (
        'value="E10000901, E10000902, E10000903"' in admin.get("/admin/settings").text
    )
    wrong = admin.post("/admin/settings", {"statistical_neighbours": "E1-bad"})
    assert wrong.status_code == 422


# Rounds ---------------------------------------------------------------------


ROUND = {
    "id": "2009-H1",
    "period_end": "2009-03-31",
    "requested": "2009-04-01",
    "deadline": "2009-04-30",
}


def test_a_round_is_opened_with_the_default_scope_and_closed(admin: Admin) -> None:
    api = admin.api
    api.post(f"{P}/indicators", indicator("NI 50"))
    api.post(f"{P}/indicators", indicator("NI 51", measurable=False))
    page = admin.get("/admin/rounds")
    assert re.search(r'value="NI 50" checked', page.text)
    assert not re.search(r'value="NI 51" checked', page.text)

    backwards = admin.post(
        "/admin/rounds", {**ROUND, "deadline": "2009-03-01", "scope": "NI 50"}
    )
    assert backwards.status_code == 422
    assert "deadline must not be before the requested date" in text(backwards)

    opened = admin.post("/admin/rounds", {**ROUND, "scope": "NI 50"})
    assert opened.status_code == 303
    # The server's default, recorded: NI 50 is annual and due at 31 March.
    assert api.get(f"{P}/rounds/2009-H1")["scope"] == ["NI 50"]
    again = admin.post("/admin/rounds", {**ROUND, "scope": "NI 50"})
    assert "already exists" in text(again)

    closed = admin.post("/admin/rounds/2009-H1/close")
    assert closed.status_code == 303
    assert api.get(f"{P}/rounds/2009-H1")["closed"] is True
    assert "Round 2009-H1 is closed" in text(admin.get(closed.headers["location"]))


def test_a_round_asks_for_the_indicators_ticked(admin: Admin) -> None:
    api = admin.api
    api.post(f"{P}/indicators", indicator("NI 50"))
    api.post(f"{P}/indicators", indicator("NI 51"))
    opened = admin.client.post(
        "/admin/rounds",
        data={"csrf": admin.csrf, **ROUND, "scope": ["NI 51"]},
        follow_redirects=False,
    )
    assert opened.status_code == 303
    assert api.get(f"{P}/rounds/2009-H1")["scope"] == ["NI 51"]
    none = admin.post("/admin/rounds", {**ROUND, "id": "2009-H2"})
    assert "tick at least one" in summary_links(none)["scope"]


# Actions --------------------------------------------------------------------


def test_an_action_is_assigned_and_completed(admin: Admin) -> None:
    admin.api.post(f"{P}/indicators", indicator())
    missing = admin.post("/admin/actions", {"indicator_code": "NI 50", "due": "soon"})
    assert missing.status_code == 422
    errors = summary_links(missing)
    assert errors["due"].startswith("Due by: Enter a date")
    assert errors["owner"].startswith("Owner:")
    made = admin.post(
        "/admin/actions",
        {
            "indicator_code": "NI 50",
            "description": "Recover the trend",
            "owner": "Head of Health",
            "due": "2010-06-30",
        },
    )
    assert made.status_code == 303
    [action] = admin.api.get(f"{P}/actions")
    assert (action["owner"], action["due"]) == ("Head of Health", "2010-06-30")
    completed = admin.post(f"/admin/actions/{action['id']}/complete", {"note": "Done"})
    assert completed.status_code == 303
    assert admin.api.get(f"{P}/actions")[0]["status"] == "completed"


# Tokens ---------------------------------------------------------------------


def test_tokens_and_links_are_issued_once_and_revoked(admin: Admin, api: Api) -> None:
    no_email = admin.post("/admin/tokens", {"role": "lead", "name": "Dana"})
    assert "lead_email" in summary_links(no_email)
    issued = admin.post(
        "/admin/tokens",
        {"role": "lead", "name": "Dana", "lead_email": "dana@example.org"},
    )
    assert issued.status_code == 201
    token = re.search(r'id="issued-token"[^>]*value="([^"]+)"', issued.text)
    assert token
    principal = api.system.tokens.resolve(token.group(1))
    assert principal and principal.role == "lead" and principal.name == "Dana"
    listed = admin.get("/admin/tokens")
    assert token.group(1) not in listed.text, "shown once only"

    api.post(f"{P}/rounds", {**ROUND, "deadline": "2100-01-01"})
    link = admin.post(
        "/admin/tokens/link",
        {
            "name": "Dana",
            "lead_email": "dana@example.org",
            "round_id": "2009-H1",
            "expires_on": "2099-12-31",
        },
    )
    assert link.status_code == 201, link.text
    url = re.search(r'id="issued-link"[^>]*value="([^"]+)"', link.text)
    assert url and "/login/link?token=" in url.group(1)
    scoped = api.system.tokens.resolve(unescape(url.group(1)).split("token=")[1])
    assert scoped and scoped.round_id == "2009-H1"
    followed = TestClient(api.client.app).get(
        unescape(url.group(1)).replace("http://testserver", "")
    )
    assert followed.status_code == 200
    assert "/rounds/2009-H1#return-form" in followed.text

    assert principal.token_id
    revoked = admin.post(f"/admin/tokens/{principal.token_id}/revoke")
    assert revoked.status_code == 303
    assert api.system.tokens.resolve(token.group(1)) is None
    twice = admin.post(f"/admin/tokens/{principal.token_id}/revoke")
    assert "already revoked" in text(twice)


def test_saving_a_definition_keeps_what_the_form_did_not_change(admin: Admin) -> None:
    """A unit outside the page's list and a long tolerance survive a save."""
    api = admin.api
    api.post(
        f"{P}/indicators",
        indicator(unit="children per 1,000 families", tolerance=0.123456789),
    )
    edit = admin.get("/admin/indicators/NI%2050/edit")
    assert 'value="children per 1,000 families" selected' in edit.text
    version = re.search(r'name="version" value="(\d+)"', edit.text)
    assert version
    saved = admin.post(
        "/admin/indicators/NI%2050/definition",
        {
            "title": "Renamed",
            "outcome": "Be healthy",
            "polarity": "higher_is_better",
            "unit": "children per 1,000 families",
            "frequency": "annual",
            "tolerance": re.search(
                r'id="def-tolerance"[^>]*value="([^"]*)"', edit.text
            ).group(1),
            "version": version.group(1),
        },
    )
    assert saved.status_code == 303
    after = api.get(f"{P}/indicators/NI 50")
    assert after["unit"] == "children per 1,000 families"
    assert after["tolerance"] == 0.123456789
    history = api.get(f"{P}/indicators/NI 50/history")["history"]
    amended = [e["details"] for e in history if e["event_type"] == "IndicatorAmended"]
    assert amended == [{"changes": {"title": "Renamed"}, "reason": None}]
