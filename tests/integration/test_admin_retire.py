"""Retiring an indicator from its admin page: the API's retirement with a reason
and the version the form was read at; the page then says it is retired and
offers nothing more, and the history is kept."""

from __future__ import annotations

import re

from tests.integration.conftest import Api, at, indicator
from tests.integration.test_admin_pages import Admin, text

P = "/api/v1"
EDIT = "/admin/indicators/NI%2050/edit"
RETIRE = "/admin/indicators/NI%2050/retire"


def version_of(page: str) -> str:
    found = re.search(r'id="retire".*?name="version" value="(\d+)"', page, re.S)
    assert found, "no retirement form"
    return found.group(1)


def test_retire_from_the_page_with_a_reason(api: Api) -> None:
    admin = Admin(api)
    api.post(f"{P}/indicators", indicator("NI 50"), headers=at("2008-06-01"))
    page = admin.get(EDIT)
    assert page.status_code == 200
    version = version_of(page.text)

    # Someone else changed the indicator since the page was read: refused.
    api.put(f"{P}/indicators/NI 50/lead", {"lead_organisation": "Schools"})
    stale = admin.post(RETIRE, {"reason": "Replaced", "version": version})
    assert stale.status_code in (409, 422)
    assert api.get(f"{P}/indicators/NI 50")["retired"] is False

    fresh = version_of(admin.get(EDIT).text)
    done = admin.post(RETIRE, {"reason": "Replaced by NI 117", "version": fresh})
    assert done.status_code == 303, done.text[:400]
    assert "saved=retirement" in done.headers["location"]
    assert api.get(f"{P}/indicators/NI 50")["retired"] is True
    history = api.get(f"{P}/indicators/NI 50/history")
    assert "Replaced by NI 117" in str(history)

    after = admin.get(EDIT)
    assert "Retired." in text(after)
    assert 'action="/admin/indicators/NI%2050/retire"' not in after.text
    again = admin.post(RETIRE, {"reason": "Twice", "version": fresh})
    assert again.status_code in (409, 422)
    assert "retired" in text(again).lower()


def test_only_admins_retire(api: Api) -> None:
    api.post(f"{P}/indicators", indicator("NI 50"), headers=at("2008-06-01"))
    executive = Admin(api, role="executive")
    assert executive.post(RETIRE, {"version": "1"}).status_code == 403
    assert api.get(f"{P}/indicators/NI 50")["retired"] is False
