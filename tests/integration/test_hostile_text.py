"""Hostile input at the HTTP edge: streamed bodies, control characters, codes,
loose types, duplicate keys, nulls, backdating and unexpected errors.

Each bad request gets a 4xx problem+json naming what is wrong, and appends
nothing; text that is merely untidy (a vertical tab, CR LF) is normalised.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.embedded import EmbeddedSystem
from tests.integration.conftest import Api, at, indicator

P = "/api/v1"
PROBLEM = "application/problem+json"
ROUND = {
    "id": "2009-H1",
    "period_end": "2009-03-31",
    "requested": "2009-03-31",
    "deadline": "2009-04-30",
}


def raw(api: Api, method: str, path: str, body: str, expect: int, **kw: Any) -> Any:
    headers = {"Content-Type": "application/json", **kw.pop("headers", {})}
    return api.call(method, path, expect=expect, content=body, headers=headers, **kw)


# 1. Body limits hold for chunked bodies, before the token is looked at --------


def drive(
    app: Any, path: str, chunks: int, chunk: bytes, headers: list[tuple[bytes, bytes]]
) -> tuple[list[dict[str, Any]], int]:
    """Send a chunked body to the ASGI app; the messages sent back and how many
    chunks the app pulled before it answered."""
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        if pulled >= chunks:
            await asyncio.sleep(3600)  # the client never goes away on its own
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": pulled < chunks}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    asyncio.run(asyncio.wait_for(app(scope, receive, send), timeout=60))
    return sent, pulled


@pytest.mark.parametrize(
    ("path", "kind", "limit"),
    [
        (f"{P}/indicators", b"application/json", 5_000_000),
        ("/login", b"application/x-www-form-urlencoded", 64_000),
    ],
)
def test_a_chunked_body_is_cut_off_at_the_limit_before_the_token_is_checked(
    system: EmbeddedSystem, path: str, kind: bytes, limit: int
) -> None:
    head = system.store.head()
    chunk = b"x" * 16_384
    chunks = 10_000  # 160 MB if it were all read
    headers = [(b"content-type", kind), (b"transfer-encoding", b"chunked")]
    sent, pulled = drive(system.app(), path, chunks, chunk, headers)
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 413
    assert (b"content-type", PROBLEM.encode()) in start["headers"]
    body = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    assert body["status"] == 413 and body["title"] == "Request too large"
    assert pulled <= limit // len(chunk) + 1  # stopped reading at the limit
    assert system.store.head() == head


def test_a_chunked_body_over_the_limit_is_413_not_401(api: Api) -> None:
    def body() -> Any:
        for _ in range(400):
            yield b"y" * 16_384

    answer = api.client.post(
        f"{P}/indicators", content=body(), headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413
    assert answer.headers["content-type"] == PROBLEM


# 2. Free text -----------------------------------------------------------------

REFUSED = {
    "NUL": "\\u0000",
    "BEL": "\\u0007",
    "ESC": "\\u001b",
    "DEL": "\\u007f",
    "C1 control": "\\u009b",
    "right-to-left override": "\\u202e",
    "first strong isolate": "\\u2068",
    "lone surrogate": "\\ud800",
    "noncharacter": "\\uffff",
}


@pytest.mark.parametrize("char", REFUSED.values(), ids=REFUSED.keys())
def test_free_text_that_papers_cannot_hold_is_refused_naming_the_field(
    api: Api, system: EmbeddedSystem, char: str
) -> None:
    api.post(f"{P}/indicators", indicator("NI 50"))
    api.post(f"{P}/rounds", ROUND)
    head = system.store.head()
    ind = json.dumps({**indicator("NI 51"), "title": "TITLE"})
    cases = [
        ("POST", f"{P}/indicators", ind.replace("TITLE", f"Bad{char}title"), "title"),
        (
            "POST",
            f"{P}/returns",
            '{"indicator_code": "NI 50", "period_end": "2009-03-31", "value": 1, '
            f'"commentary": "a{char}b"}}',
            "commentary",
        ),
        (
            "POST",
            f"{P}/returns",
            '{"indicator_code": "NI 50", "period_end": "2009-03-31", "value": 1, '
            f'"breakdowns": {{"boys{char}": 1}}}}',
            "breakdowns",
        ),
        ("PATCH", f"{P}/indicators/NI%2050", f'{{"outcome": "o{char}"}}', "outcome"),
        (
            "PUT",
            f"{P}/indicators/NI%2050/lead",
            f'{{"named_lead": {{"name": "Dana{char}"}}}}',
            "named_lead.name",
        ),
        ("POST", f"{P}/framework/versions", f'{{"label": "v{char}"}}', "label"),
        (
            "POST",
            f"{P}/actions",
            '{"indicator_code": "NI 50", "description": "d", "owner": '
            f'"o{char}", "due": "2010-03-31"}}',
            "owner",
        ),
    ]
    for method, path, body, field in cases:
        problem = raw(api, method, path, body, 422)
        assert problem["title"] == "Invalid input"
        assert any(e["field"].startswith(field) for e in problem["errors"]), problem
        assert "must not contain U+" in problem["detail"], problem
    assert system.store.head() == head


def test_line_breaks_are_normalised_and_the_papers_still_open(
    api: Api, system: EmbeddedSystem
) -> None:
    api.post(
        f"{P}/indicators",
        indicator("NI 50", title="Emotional\vhealth"),
        headers=at("2008-06-01"),
    )
    api.post(f"{P}/rounds", ROUND, headers=at("2009-03-01"))
    made = {
        "indicator_code": "NI 50",
        "period_end": "2009-03-31",
        "value": 61.5,
        "commentary": "Up on last year.\vSoft break\r\nWindows line\fpage",
    }
    api.post(f"{P}/returns", made, headers=at("2009-04-10"))
    stored = [e for e in system.store.read_all(0) if e.type == "ReturnSubmitted"]
    assert stored[-1].data["commentary"] == (
        "Up on last year.\nSoft break\nWindows line\npage"
    )
    assert api.get(f"{P}/indicators/NI%2050")["title"] == "Emotional\nhealth"
    for kind in ("executive", "board"):
        for fmt in ("docx", "xlsx"):
            answer = api.client.get(f"{P}/reports/2009-H1/{kind}?format={fmt}")
            assert answer.status_code == 200, answer.text[:300]


def test_form_notes_follow_the_same_rules() -> None:
    from services.web.forms import long_text

    assert long_text("a\vb\r\nc") == ("a\nb\nc", None)
    kept, problem = long_text("a\x1bb")
    assert kept == "a\x1bb" and problem and "U+001B" in problem


# 4. Contract gaps ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (f"{P}/framework/settings", '{"amber_fraction": true}', "amber_fraction"),
        (f"{P}/framework/settings", '{"significance": false}', "significance"),
        (f"{P}/framework/settings", '{"amber_fraction": "0.1"}', "amber_fraction"),
    ],
)
def test_numbers_are_never_booleans_or_strings(
    api: Api, system: EmbeddedSystem, path: str, body: str, field: str
) -> None:
    head = system.store.head()
    problem = raw(api, "PUT", path, body, 422)
    assert field in problem["detail"]
    assert system.store.head() == head


@pytest.mark.parametrize("value", ["0", "1", '"true"', '"yes"', "null"])
def test_booleans_are_only_true_or_false(
    api: Api, system: EmbeddedSystem, value: str
) -> None:
    api.post(f"{P}/indicators", indicator("NI 50"))
    head = system.store.head()
    body = json.dumps(indicator("NI 51")).replace('"laa": false', f'"laa": {value}')
    assert "laa" in raw(api, "POST", f"{P}/indicators", body, 422)["detail"]
    problem = raw(
        api, "PATCH", f"{P}/indicators/NI%2050", f'{{"measurable": {value}}}', 422
    )
    assert "measurable" in problem["detail"]
    assert system.store.head() == head


def test_a_key_named_twice_is_refused(api: Api, system: EmbeddedSystem) -> None:
    api.post(f"{P}/indicators", indicator("NI 50"))
    head = system.store.head()
    body = '{"indicator_code": "NI 50", "period_end": "2009-03-31", "value": 1, "value": 99}'
    problem = raw(api, "POST", f"{P}/returns", body, 400)
    assert problem["title"] == "Bad request" and "'value' twice" in problem["detail"]
    nested = '{"named_lead": {"name": "A", "name": "B"}}'
    raw(api, "PUT", f"{P}/indicators/NI%2050/lead", nested, 400)
    assert system.store.head() == head


@pytest.mark.parametrize(
    "code",
    [
        "..",
        ".",
        "/etc/passwd",
        "NI/50",
        "NI  50",
        "-NI 50",
        "NI 50.",
        "NI_",
        "x" * 33,
        "NI\t50",
    ],
)
def test_codes_that_could_be_paths_or_formulas_are_refused(
    api: Api, system: EmbeddedSystem, code: str
) -> None:
    problem = api.post(f"{P}/indicators", indicator(code), expect=422)
    assert "code" in problem["detail"]
    assert "letters and digits" in problem["detail"] or len(code) > 32
    assert system.store.head() == 0


def test_every_demo_and_sample_code_is_valid() -> None:
    import csv
    from pathlib import Path

    from services.demo.plan import STORIES
    from services.indicators.domain import check_code

    sample = Path("services/demo/national_indicators_2008.csv")
    with sample.open(encoding="utf-8") as f:
        codes = [row["code"] for row in csv.DictReader(f)]
    codes += list(STORIES)
    codes += ["NI 50", "LOCAL 01", "LOCAL 3", "BENCH 000001", "NI 7.1", "KS2_EN"]
    for code in codes:
        assert check_code(code) == code


def test_the_location_of_a_new_indicator_is_url_encoded(api: Api) -> None:
    answer = api.client.post(
        f"{P}/indicators",
        json=indicator("NI 50"),
        headers={"Authorization": f"Bearer {api.token('admin')}"},
    )
    assert answer.headers["Location"] == f"{P}/indicators/NI%2050"
    assert api.get(answer.headers["Location"])["code"] == "NI 50"


def test_an_unexpected_error_is_problem_json_with_the_correlation_id(
    system: EmbeddedSystem, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(code: str) -> None:
        raise RuntimeError("disk on fire")

    with TestClient(system.app(), raise_server_exceptions=False) as client:
        monkeypatch.setattr(system.indicators, "get", broken)
        answer = client.get(f"{P}/indicators/NI%2050")
    assert answer.status_code == 500
    assert answer.headers["content-type"] == PROBLEM
    problem = answer.json()
    assert problem["status"] == 500 and problem["title"] == "Internal server error"
    assert "disk on fire" not in answer.text
    assert problem["correlation_id"] == answer.headers["x-correlation-id"]


@pytest.mark.parametrize(
    "field", ["title", "polarity", "frequency", "laa", "measurable", "unit", "outcome"]
)
def test_null_for_a_field_an_indicator_must_have_is_refused(
    api: Api, system: EmbeddedSystem, field: str
) -> None:
    api.post(f"{P}/indicators", indicator("NI 50"))
    head = system.store.head()
    problem = api.patch(f"{P}/indicators/NI%2050", {field: None}, expect=422)
    assert problem["errors"][0]["field"] == field
    assert "may not be null" in problem["detail"]
    assert system.store.head() == head
    assert api.get(f"{P}/framework")["indicators"][0]["title"] == "Indicator NI 50"


def test_null_settings_are_refused(api: Api, system: EmbeddedSystem) -> None:
    for field in ("rag_mode", "amber_fraction", "significance"):
        problem = api.put(f"{P}/framework/settings", {field: None}, expect=422)
        assert field in problem["detail"]
    assert system.store.head() == 0


def test_the_openapi_document_lists_problem_answers_and_types_occurred_at(
    api: Api,
) -> None:
    doc = api.get("/openapi.json", role=None)
    assert "Problem" in doc["components"]["schemas"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    post = doc["paths"]["/api/v1/indicators"]["post"]
    for code in ("400", "401", "403", "404", "409", "413", "422"):
        content = post["responses"][code]["content"]
        assert content == {
            PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}
        }
    header = next(p for p in post["parameters"] if p["name"] == "Occurred-At")
    typed = header["schema"]
    assert typed["type"] == "string"
    assert typed["format"] == "date-time" and typed["pattern"].startswith("^\\d{4}")


def test_only_admins_may_backdate(api: Api, system: EmbeddedSystem) -> None:
    lead = "dana@example.org"
    api.post(f"{P}/indicators", indicator("NI 50"))
    head = system.store.head()
    made = {"indicator_code": "NI 50", "period_end": "2009-03-31", "value": 60}
    problem = api.post(
        f"{P}/returns",
        made,
        role="lead",
        lead_email=lead,
        headers=at("2009-04-02"),
        expect=403,
    )
    assert "Only an admin may backdate" in problem["detail"]
    api.post(
        f"{P}/laa-results", [], role="system", headers=at("2009-04-02"), expect=403
    )
    assert system.store.head() == head
    api.post(f"{P}/returns", made, headers=at("2009-04-02"))
    event = next(e for e in system.store.read_all(head) if e.type == "ReturnSubmitted")
    assert event.actor.startswith("admin:")
    assert event.occurred_at is not None and event.occurred_at.day == 2
    assert event.recorded_at > event.occurred_at
    bad = api.post(
        f"{P}/returns", made, headers={"Occurred-At": "yesterday"}, expect=422
    )
    assert "ISO 8601" in bad["detail"]
