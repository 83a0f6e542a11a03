"""The staff pages' port over HTTP: where each request goes, with whose token,
and how the services' refusals come back as the errors the forms show.

The services are stood in for by ``httpx.MockTransport`` here: what is checked
is this module's own mapping. The real services answer in
tests/e2e/test_web_whole_cycle.py.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from services.gateway import gateway_router
from services.web.credentials import SealedCredentials, acting_as
from services.web.http_port import HttpWeb, Unavailable, report_of
from shared.errors import ConcurrencyConflict, Conflict, Invalid, NotFound
from shared.http.auth import Principal, TokenStore
from tests.support.processes import eventually

URLS = {
    "indicators": "http://indicators",
    "returns": "http://returns",
    "assessment": "http://assessment",
    "reporting": "http://reporting",
}
LEAD = Principal("lead", "Asha", lead_email="asha@example.org")


def port_answering(
    answer: Any, status: int = 200, seen: list[httpx.Request] | None = None
) -> HttpWeb:
    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(status, json=answer)

    tokens = TokenStore(sa.create_engine("sqlite://"))
    return HttpWeb(URLS, tokens, httpx.Client(transport=httpx.MockTransport(handle)))


def test_each_read_goes_to_the_service_that_owns_it_with_the_visitors_token() -> None:
    seen: list[httpx.Request] = []
    port = port_answering([], seen=seen)
    acting_as("lead-token")
    port.challenges("2010-H2")
    port.outstanding("2010 H2")
    port.history("NI 55")
    acting_as(None)
    port.rounds()
    assert [str(r.url) for r in seen] == [
        "http://assessment/api/v1/challenges?round=2010-H2",
        "http://returns/api/v1/rounds/2010%20H2/outstanding",
        "http://reporting/api/v1/indicators/NI%2055/history",
        "http://returns/api/v1/rounds",
    ]
    assert [r.headers.get("authorization") for r in seen] == [
        "Bearer lead-token",
        "Bearer lead-token",
        "Bearer lead-token",
        None,
    ]


def test_a_return_is_sent_as_the_api_takes_it() -> None:
    seen: list[httpx.Request] = []
    port = port_answering({"indicator_code": "NI 55"}, 201, seen)
    acting_as("lead-token")
    from datetime import date

    port.submit_return(
        {"indicator_code": "NI 55", "period_end": date(2010, 9, 30), "value": 10.1},
        LEAD,
    )
    acting_as(None)
    [sent] = seen
    assert (sent.method, str(sent.url)) == ("POST", "http://returns/api/v1/returns")
    assert json.loads(sent.content) == {
        "indicator_code": "NI 55",
        "period_end": "2010-09-30",
        "value": 10.1,
    }


@pytest.mark.parametrize(
    ("status", "body", "kind", "field"),
    [
        (404, {"detail": "No round 'X'"}, NotFound, None),
        (409, {"title": "Conflict", "detail": "Already closed"}, Conflict, None),
        (
            409,
            {"title": "Stale version", "detail": "Changed"},
            ConcurrencyConflict,
            None,
        ),
        (422, {"detail": "Too big", "field": "value"}, Invalid, "value"),
        (
            422,
            {"detail": "value: must be a number", "errors": [{"field": "value"}]},
            Invalid,
            "value",
        ),
        (
            403,
            {"detail": "You are not the named lead for 'NI 1'"},
            PermissionError,
            None,
        ),
        (500, {"detail": "boom"}, Unavailable, None),
    ],
)
def test_a_refusal_comes_back_as_the_error_the_service_raised(
    status: int, body: dict[str, Any], kind: type[Exception], field: str | None
) -> None:
    port = port_answering(body, status)
    with pytest.raises(kind) as raised:
        port.decide("NI 1", "2010-H2", "upheld", None, LEAD)
    if isinstance(raised.value, Invalid):
        assert raised.value.field == field
        assert raised.value.detail == body["detail"]
    if kind is PermissionError:
        assert str(raised.value) == body["detail"]


def test_an_unreachable_service_is_named_and_nothing_is_recorded() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    tokens = TokenStore(sa.create_engine("sqlite://"))
    port = HttpWeb(URLS, tokens, httpx.Client(transport=httpx.MockTransport(refuse)))
    with pytest.raises(Unavailable, match="returns service cannot be reached"):
        port.close_round("2010-H2", LEAD)


def test_an_import_answer_becomes_the_report_the_preview_shows() -> None:
    report = report_of(
        {
            "file": "sheet.csv",
            "dry_run": True,
            "applied": False,
            "changes": [
                {
                    "row": 2,
                    "code": "LOCAL 90",
                    "kind": "register",
                    "changes": [{"column": "title", "before": "", "after": "Carers"}],
                }
            ],
            "errors": [{"row": 3, "column": "polarity", "message": "not a polarity"}],
            "notes": [{"column": "target_value", "message": "read as %", "rows": [2]}],
        },
        True,
    )
    assert report.count("register") == 1
    assert report.changes[0].diff == (("title", "", "Carers"),)
    assert str(report.errors[0]).startswith("row 3, polarity")
    assert report.notes[0].rows == (2,)


def test_a_sealed_credential_opens_only_with_its_session_id() -> None:
    from datetime import timedelta

    from shared.http.sessions import SessionStore

    engine = sa.create_engine("sqlite://")
    tokens = TokenStore(engine)
    tokens.create_schema()
    sessions = SessionStore(engine, tokens, timedelta(hours=8))
    sessions.create_schema()
    sealed = SealedCredentials(engine)
    sealed.create_schema()
    token = tokens.create("executive", "Cllr Ann Marsh")
    who = tokens.resolve(token)
    assert who is not None
    first, _ = sessions.start(who)
    sealed.keep(first, token)
    assert sealed.unseal(first) == token
    assert sealed.unseal("another session") is None
    with engine.connect() as conn:
        stored = conn.execute(sa.text("select * from web_session_credentials")).all()
    assert token not in repr(stored)
    assert first not in repr(stored)

    # Signing out forgets it; a session that ended is cleared at the next sign-in.
    second, _ = sessions.start(who)
    sealed.keep(second, token)
    sealed.forget(second)
    assert sealed.unseal(second) is None
    sessions.end(first)
    third, _ = sessions.start(who)
    sealed.keep(third, token)
    with engine.connect() as conn:
        kept = conn.execute(sa.text("select count(*) from web_session_credentials"))
        assert kept.scalar() == 1
    assert sealed.unseal(third) == token


def test_the_gateway_sends_a_signed_in_readers_token_with_reads_only() -> None:
    seen: list[httpx.Request] = []

    def upstream(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    client = httpx.AsyncClient(transport=httpx.MockTransport(upstream))

    def reader_token(request: Request) -> str | None:
        return "exec-token" if request.cookies.get("pmf_session") == "s1" else None

    app = FastAPI()
    app.include_router(gateway_router(URLS, client, reader_token))
    with TestClient(app) as browser:
        browser.cookies.set("pmf_session", "s1")
        browser.get("/api/v1/reports/2010-H2/board?format=pdf")
        browser.post("/api/v1/rounds/2010-H2/close")
        browser.get("/api/v1/rounds", headers={"Authorization": "Bearer own"})
    assert [r.headers.get("authorization") for r in seen] == [
        "Bearer exec-token",
        None,
        "Bearer own",
    ]


def test_a_page_whose_service_is_away_says_so(tmp_path: Any) -> None:
    from services.gateway import create_gateway
    from shared.settings import Settings
    from tests.support.postgres import free_port

    away = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    settings = Settings(
        mode="distributed",
        auth_database_url=f"sqlite:///{tmp_path / 'auth.db'}",
        indicators_url=away,
        returns_url=away,
        assessment_url=away,
        reporting_url=away,
    )
    app = create_gateway(settings)
    with TestClient(app) as browser:
        assert app.state.startup.finished.wait(30)  # the token database's tables
        page = browser.get("/rounds")
        ready = browser.get("/readyz").json()
    assert ready["checks"]["sessions"]["state"] == "ok"
    assert ready["checks"]["returns"]["state"] == "down"
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["retry-after"] == "5"
    assert "The returns service cannot be reached just now" in page.text


def test_the_framework_is_asked_again_with_its_etag() -> None:
    seen: list[httpx.Request] = []

    def reporting(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.headers.get("if-none-match") == '"7"':
            return httpx.Response(304, headers={"ETag": '"7"'})
        body = {"indicators": [{"code": "NI 1"}], "settings": {}}
        return httpx.Response(200, json=body, headers={"ETag": '"7"'})

    tokens = TokenStore(sa.create_engine("sqlite://"))
    port = HttpWeb(URLS, tokens, httpx.Client(transport=httpx.MockTransport(reporting)))
    first = port.framework()
    first["indicators"].clear()  # a page changing what it was given
    again = port.framework()
    assert again == {"indicators": [{"code": "NI 1"}], "settings": {}}
    assert [r.headers.get("if-none-match") for r in seen] == [None, '"7"']
    port.framework(version=2)
    assert seen[-1].headers.get("if-none-match") is None  # another key
    assert str(seen[-1].url) == "http://reporting/api/v1/framework?version=2"


def test_the_pages_wait_for_a_token_database_that_is_away() -> None:
    """Started while the token database does not answer, the web service is
    alive, says what it waits for and refuses pages with 503 and Retry-After
    (its return, with a real PostgreSQL stopped and started, is in
    tests/e2e/test_web_token_database_outage.py)."""
    from services.gateway import create_gateway
    from shared.settings import Settings
    from tests.support.postgres import base_url, free_port

    away = f"http://127.0.0.1:{free_port()}"
    settings = Settings(
        mode="distributed",
        auth_database_url=f"{base_url(free_port())}/pmf_auth",  # nothing listens
        indicators_url=away,
        returns_url=away,
        assessment_url=away,
        reporting_url=away,
    )
    with TestClient(create_gateway(settings)) as browser:
        alive = browser.get("/healthz")
        page = browser.get("/login")
        browser.cookies.set("pmf_session", "s1")
        paper = browser.get("/api/v1/reports/2010-H2/board")
        ready = eventually(lambda: _waiting_for_the_database(browser), timeout=10)
    assert alive.status_code == 200
    checks = ready.json()["checks"]
    assert ready.status_code == 503
    assert checks["sessions"]["state"] == "down"
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["retry-after"] == "5"
    assert "The staff pages are starting" in page.text
    assert paper.status_code == 503
    assert paper.headers["content-type"] == "application/problem+json"
    assert paper.headers["retry-after"] == "5"


def _waiting_for_the_database(browser: TestClient) -> httpx.Response:
    ready = browser.get("/readyz")
    reason = ready.json()["checks"]["startup"].get("reason", "")
    assert "waiting for the token database" in reason, reason
    return ready
