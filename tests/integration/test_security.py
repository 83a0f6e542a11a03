"""Hostile and careless callers at the door: headers, sessions, sign-in
throttling, the access trail, /metrics and private data files."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.embedded import EmbeddedSystem
from shared.http.app_factory import in_networks
from shared.settings import Settings
from tests.integration.conftest import Api, indicator
from tests.support.postgres import free_port
from tests.support.processes import Process

P = "/api/v1"


def access(api: Api, **query: str) -> list[dict[str, object]]:
    found: list[dict[str, object]] = api.get(f"{P}/audit/access", params=query)[
        "events"
    ]
    return found


def sign_in(client: TestClient, token: str) -> str:
    answer = client.post(
        "/login", data={"token": token, "next": "/"}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    session = client.cookies.get("pmf_session")
    assert session
    return session


# Headers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/api/v1/framework", "/docs", "/healthz", "/no-such-page"]
)
def test_every_response_carries_the_security_headers(api: Api, path: str) -> None:
    answer = api.client.get(path)
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in answer.headers, "plain HTTP"


def test_hsts_is_sent_over_https(system: EmbeddedSystem) -> None:
    with TestClient(system.app(), base_url="https://pmf.example") as client:
        answer = client.get("/healthz")
    assert answer.headers["strict-transport-security"].startswith("max-age=")


def test_swagger_ui_is_served_from_the_package(api: Api) -> None:
    page = api.client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower() and "<script>" not in page.text
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "api-docs.js"):
        asset = api.client.get(f"/docs/assets/{name}")
        assert asset.status_code == 200 and len(asset.content) > 300, name
    assert api.client.get("/docs/assets/..%2Fcore.py").status_code == 404
    assert api.client.get("/redoc").status_code == 404, "it would load from a CDN"


# Sessions ---------------------------------------------------------------------


def test_the_cookie_is_a_session_id_that_signing_out_ends(api: Api) -> None:
    token = api.token("executive")
    client = api.client
    session = sign_in(client, token)
    assert token not in session and session not in token
    assert "Signed in as" in client.get("/").text
    copied = dict(client.cookies)
    out = client.post("/logout", data={"csrf": ""}, follow_redirects=False)
    assert out.status_code == 303
    client.cookies.clear()
    replayed = client.get("/", cookies=copied)
    assert "Signed in as" not in replayed.text, "a copied cookie dies at sign-out"
    assert api.system.tokens.resolve(token) is not None, "the token still works"
    kinds = [e["kind"] for e in access(api, token_id=token.split("_")[1])]
    assert kinds[-2:] == ["sign-in", "sign-out"]


def test_a_session_expires_and_ends_with_its_token(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", session_hours=1)
    system = EmbeddedSystem(settings)
    token = system.tokens.create("viewer", "Jo")
    with TestClient(system.app()) as client:
        sign_in(client, token)
        again = client.post("/login", data={"token": token}, follow_redirects=False)
        set_cookie = again.headers["set-cookie"]
        assert "Max-Age=3600" in set_cookie and "HttpOnly" in set_cookie
        assert "SameSite=strict" in set_cookie
        session = client.cookies["pmf_session"]
        found = system.sessions.resolve(session)
        assert found is not None and found.principal.name == "Jo"
        later = found.expires_at
        system.sessions._now = lambda: later
        assert system.sessions.resolve(session) is None, "expired"
        system.sessions._now = None
        assert system.sessions.resolve(session) is not None
        system.tokens.revoke(token.split("_")[1])
        assert system.sessions.resolve(session) is None, "the token was revoked"
        assert "Signed in as" not in client.get("/").text


def test_sessions_are_stored_hashed(api: Api) -> None:
    session = sign_in(api.client, api.token("viewer"))
    with api.system.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT session_hash FROM web_sessions").all()
    assert rows and all(session not in r[0] for r in rows)


def test_machine_tokens_cannot_sign_in(api: Api) -> None:
    for role in ("system", "metrics"):
        answer = api.client.post("/login", data={"token": api.token(role)})
        assert answer.status_code == 422 and "machines" in answer.text


# Throttling -------------------------------------------------------------------


def test_sign_in_is_throttled_per_address(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", login_attempts=3, login_window_seconds=60
    )
    system = EmbeddedSystem(settings)
    good = system.tokens.create("admin", "Ann")
    with TestClient(system.app()) as client:
        for _ in range(3):
            wrong = client.post("/login", data={"token": "pmf_guess_guess"})
            assert wrong.status_code == 422
        stopped = client.post("/login", data={"token": good})
        assert stopped.status_code == 429
        assert 1 <= int(stopped.headers["retry-after"]) <= 60
        assert "too many failed attempts" in stopped.text
        link = client.get("/login/link", params={"token": good})
        assert link.status_code == 429, "the e-mail link is throttled too"
        # Another address is not held back by this one's failures.
        with TestClient(system.app(), client=("10.0.0.9", 4000)) as other:
            signed = other.post("/login", data={"token": good}, follow_redirects=False)
            assert signed.status_code == 303
        api = Api(client, system)
        trail = access(api)
        failures = [e for e in trail if e["kind"] == "sign-in-failed"]
        assert len(failures) == 3 and {e["client"] for e in failures} == {"testclient"}
        throttled = [e for e in trail if e["kind"] == "sign-in-throttled"]
        assert [e["status"] for e in throttled] == [429, 429]
        assert all("pmf_guess" not in str(e) for e in trail), "no secrets kept"


# The access trail and actors --------------------------------------------------


def test_refusals_and_token_changes_are_in_the_access_trail(api: Api) -> None:
    viewer = api.token("viewer")
    viewer_id = viewer.split("_")[1]
    api.post(f"{P}/indicators", indicator("NI 50"), role=None, expect=401)
    api.post(
        f"{P}/indicators",
        indicator("NI 50"),
        role=None,
        headers={"Authorization": "Bearer pmf_nope_secret"},
        expect=401,
    )
    api.post(f"{P}/indicators", indicator("NI 50"), role="viewer", expect=403)
    refused = access(api, kind="refused")
    assert [e["status"] for e in refused] == [401, 401, 403]
    assert refused[2]["token_id"] == viewer_id
    assert refused[2]["actor"] == f"viewer:test viewer#{viewer_id}"
    assert refused[2]["path"] == f"{P}/indicators" and refused[2]["method"] == "POST"
    assert "secret" not in str(refused)
    assert api.system.tokens.revoke(viewer_id, by="cli:ops")
    created = access(api, kind="token-created")
    assert viewer_id in {e["token_id"] for e in created}
    (revoked,) = access(api, kind="token-revoked")
    assert revoked["token_id"] == viewer_id and revoked["actor"] == "cli:ops"


def test_two_tokens_with_one_name_are_told_apart(api: Api) -> None:
    first = api.system.tokens.create("admin", "Jane Smith")
    second = api.system.tokens.create("admin", "Jane Smith")
    for token, code in ((first, "NI 50"), (second, "NI 51")):
        bearer = {"Authorization": f"Bearer {token}"}
        made = api.client.post(f"{P}/indicators", json=indicator(code), headers=bearer)
        assert made.status_code == 201, made.text
    both = api.get(f"{P}/audit", params={"actor": "admin:Jane Smith"})["events"]
    actors = {e["actor"] for e in both}
    assert actors == {f"admin:Jane Smith#{t.split('_')[1]}" for t in (first, second)}
    one = api.get(f"{P}/audit", params={"actor": f"admin:Jane Smith#{first[4:12]}"})
    assert {e["stream"] for e in one["events"]} == {"indicator:NI 50"}
    page = api.client.get("/indicators/NI%2050").text
    assert "Jane Smith (admin)" in page and "#" + first[4:12] not in page


def test_the_access_trail_is_for_admins_only(api: Api) -> None:
    api.get(f"{P}/audit/access", role="executive", expect=403)
    api.get(f"{P}/audit/access", role=None, expect=401)


# /metrics ---------------------------------------------------------------------


def test_metrics_need_a_trusted_network_or_a_metrics_token(api: Api) -> None:
    client = api.client  # its address is "testclient", not loopback
    assert client.get("/metrics").status_code == 401
    viewer = {"Authorization": f"Bearer {api.token('viewer')}"}
    assert client.get("/metrics", headers=viewer).status_code == 403
    for role in ("metrics", "admin"):
        bearer = {"Authorization": f"Bearer {api.token(role)}"}
        answer = client.get("/metrics", headers=bearer)
        assert answer.status_code == 200 and "pmf_" in answer.text
    metrics = {"Authorization": f"Bearer {api.token('metrics')}"}
    refused = client.get(f"{P}/framework", headers=metrics)
    assert refused.status_code == 403, "a metrics token reads /metrics only"
    with TestClient(api.system.app(), client=("127.0.0.1", 5000)) as local:
        assert local.get("/metrics").status_code == 200, "loopback by default"


def test_metrics_networks_are_a_setting(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d", metrics_networks="10.1.0.0/16")
    system = EmbeddedSystem(settings)
    app = system.app()
    with TestClient(app, client=("10.1.2.3", 5000)) as inside:
        assert inside.get("/metrics").status_code == 200
    with TestClient(app, client=("127.0.0.1", 5000)) as local:
        assert local.get("/metrics").status_code == 401
    assert in_networks("::ffff:10.1.0.7", ["10.1.0.0/16"])
    assert in_networks("203.0.113.5", ["*"])
    with pytest.raises(ValueError, match="not a network"):
        Settings(metrics_networks="intranet")


# Files --------------------------------------------------------------------------


def test_pmf_run_keeps_its_data_files_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    port = free_port()
    proc = Process(
        ["run", "--port", str(port), "--data-dir", str(data)], {}, tmp_path / "log"
    )
    try:
        proc.wait_http(f"http://127.0.0.1:{port}/healthz", timeout=60)
        files = [p for p in data.iterdir() if p.is_file()]
        assert {"admin-token", "pmf.sqlite3"} <= {p.name for p in files}
        for path in [data, *files]:
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode & 0o077 == 0, f"{path.name} is {oct(mode)}"
    finally:
        proc.stop()


def test_a_session_reads_the_api_but_never_writes_through_it(tmp_path: Path) -> None:
    system = EmbeddedSystem(Settings(data_dir=tmp_path / "d", anonymous_reads=False))
    token = system.tokens.create("admin", "Ann")
    with TestClient(system.app()) as client:
        assert client.get(f"{P}/framework").status_code == 401
        sign_in(client, token)
        assert client.get(f"{P}/framework").status_code == 200, "report links work"
        write = client.post(f"{P}/indicators", json=indicator("NI 50"))
        assert write.status_code == 401, "a cookie alone never writes"
        client.cookies.set("pmf_session", token)
        assert client.get(f"{P}/framework").status_code == 401, "the token is no cookie"
