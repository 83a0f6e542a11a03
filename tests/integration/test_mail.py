"""Asking the leads by e-mail: requests, reminders, overdue notices, summaries.

A real SMTP server (aiosmtpd) listens on loopback and the tests read what
arrived. The clock is injected: the round is dated 2008 and the tests move
"today" through it.
"""

from __future__ import annotations

import dataclasses
import re
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from fastapi.testclient import TestClient

from services.embedded import EmbeddedSystem
from services.returns.mail_transport import SmtpTransport
from services.web.session import SESSION_COOKIE, Visitor
from shared.settings import Settings
from tests.integration.conftest import Api
from tests.integration.conftest import indicator as any_indicator
from tests.support.postgres import free_port


def indicator(code: str, **overrides: Any) -> dict[str, Any]:
    """A half-yearly indicator: the half-year round asks for it."""
    return any_indicator(code, **{"frequency": "half_yearly", **overrides})


P = "/api/v1"
ROUND = "2008-H1"
DANA, SAM, LEE = "dana@example.org", "sam@example.org", "lee@example.org"
CENTRAL = "central@example.org"
ROUND_BODY = {
    "id": ROUND,
    "period_end": "2008-09-30",
    "requested": "2008-09-30",
    "deadline": "2008-10-31",
}


# A real SMTP server on loopback -------------------------------------------------


@dataclass
class Inbox:
    """Every message the server accepted, in order of arrival."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        msg["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.messages.append(msg)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["X-Envelope-To"] == address]

    def recipients(self) -> list[str]:
        return sorted(m["X-Envelope-To"] for m in self.messages)

    def clear(self) -> None:
        self.messages.clear()


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def text_of(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(msg: EmailMessage) -> str:
    part = msg.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def token_in(msg: EmailMessage) -> str:
    link = re.search(r"http://testserver/login/link\?token=\S+", text_of(msg))
    assert link, text_of(msg)
    return parse_qs(urlsplit(link.group(0)).query)["token"][0]


# The system, its clock and the round --------------------------------------------


class Clock:
    """The injected 'now' of the returns service, the mailer and the tokens."""

    def __init__(self, day: str) -> None:
        self.at = datetime.fromisoformat(f"{day}T09:00:00+00:00")

    def today(self) -> date:
        return self.at.date()

    def now(self) -> datetime:
        return self.at

    def go_to(self, day: str) -> None:
        self.at = datetime.fromisoformat(f"{day}T09:00:00+00:00")

    def wait(self, minutes: float) -> None:
        self.at += timedelta(minutes=minutes)


def settings(data_dir: Path, port: int, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "mail_enabled": True,
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_timeout_seconds": 5,
        "mail_from": "CYPP performance <performance@northshire.example>",
        "central_team_email": CENTRAL,
        "public_url": "http://testserver",
        **overrides,
    }
    return Settings(**values)


def on_clock(system: EmbeddedSystem, clock: Clock) -> EmbeddedSystem:
    system.returns.today = clock.today
    system.mailer.now = clock.now
    system.tokens.now = clock.now
    return system


@dataclass
class World:
    api: Api
    system: EmbeddedSystem
    inbox: Inbox
    clock: Clock
    port: int
    data_dir: Path

    def run(self) -> None:
        self.system.mailer.run_once()

    def another_scheduler(self) -> EmbeddedSystem:
        """A second process on the same log (another `pmf run`)."""
        return on_clock(EmbeddedSystem(settings(self.data_dir, self.port)), self.clock)

    def submit(self, code: str, lead: str) -> None:
        self.api.post(
            f"{P}/returns",
            {"indicator_code": code, "period_end": "2008-09-30", "value": 50.0},
            role="lead",
            lead_email=lead,
        )

    def outstanding(self) -> dict[str, dict[str, Any]]:
        found = self.api.get(f"{P}/rounds/{ROUND}/outstanding", role=None)
        return {e["code"]: e for e in found["outstanding"]}


@pytest.fixture
def world(tmp_path: Path, smtp: tuple[Inbox, int]) -> Iterator[World]:
    inbox, port = smtp
    clock = Clock("2008-09-30")
    data_dir = tmp_path / "data"
    system = on_clock(EmbeddedSystem(settings(data_dir, port)), clock)
    with TestClient(system.app()) as client:
        api = Api(client, system)
        for code, lead in [
            ("NI 50", ("Dana Wright", DANA)),
            ("NI 51", ("Dana Wright", DANA)),
            ("NI 52", ("Sam Patel", SAM)),
            ("NI 70", ("Lee Jones", LEE)),
        ]:
            api.post(
                f"{P}/indicators",
                indicator(code, named_lead={"name": lead[0], "email": lead[1]}),
            )
        api.post(
            f"{P}/indicators",
            indicator(
                "NI 110",
                laa=True,
                named_lead={"name": "Dana Wright", "email": DANA},
            ),
        )
        api.post(f"{P}/indicators", indicator("NI 60", named_lead=None))
        api.post(f"{P}/rounds", ROUND_BODY)
        yield World(api, system, inbox, clock, port, data_dir)


# Requests ---------------------------------------------------------------------


def test_every_lead_is_asked_once_for_their_own_indicators(world: World) -> None:
    world.run()
    assert world.inbox.recipients() == [CENTRAL, DANA, LEE, SAM]
    (dana,) = world.inbox.to(DANA)
    text = text_of(dana)
    assert "NI 50" in text and "NI 51" in text
    assert "NI 110" not in text, "LAA indicators are not asked for twice"
    assert "NI 52" not in text and "NI 60" not in text
    assert "30 September 2008" in text and "31 October 2008" in text
    assert dana["To"] == "Dana Wright <dana@example.org>"
    assert dana["Reply-To"] == CENTRAL
    assert dana["Auto-Submitted"] == "auto-generated"
    assert "31 October 2008" in dana["Subject"]
    html = html_of(dana)
    assert "<strong>NI 50</strong>" in html and 'href="http://testserver/login/' in html
    # The central team hears of the indicator nobody could be asked about.
    (summary,) = world.inbox.to(CENTRAL)
    assert "NI 60" in text_of(summary) and "Dana Wright" in text_of(summary)
    assert "NI 60" in html_of(summary)


def test_running_again_or_in_a_second_process_sends_nothing_more(
    world: World,
) -> None:
    world.run()
    sent = len(world.inbox.messages)
    world.run()
    other = world.another_scheduler()
    assert other.mailer.run_once().sent == []
    other.tick()
    assert len(world.inbox.messages) == sent == 4


def test_two_schedulers_at_the_same_moment_send_each_message_once(
    world: World,
) -> None:
    other = world.another_scheduler()
    transport = world.system.mailer.transport
    seen: list[Any] = []

    class Interleaved:
        """While the first scheduler sends its first message, the second runs."""

        def session(self) -> Any:
            real = transport.session()

            class Wrap:
                def __enter__(self) -> Any:
                    inner = real.__enter__()

                    class Sending:
                        def send(self, message: EmailMessage) -> None:
                            if not seen:
                                seen.append(other.mailer.run_once())
                            inner.send(message)

                    return Sending()

                def __exit__(self, *exc: Any) -> Any:
                    return real.__exit__(*exc)

            return Wrap()

    world.system.mailer.transport = Interleaved()
    first = world.system.mailer.run_once()
    (second,) = seen
    assert world.inbox.recipients() == [CENTRAL, DANA, LEE, SAM]
    assert len(first.sent) + len(second.sent) == 4
    assert second.left_to_others, "the message being sent was left alone"


# Reminders, submissions and overdue notices -------------------------------------


def test_reminders_go_only_to_leads_who_still_owe_a_return(world: World) -> None:
    world.run()
    world.inbox.clear()
    world.submit("NI 70", LEE)  # Lee is done before any reminder
    world.clock.go_to("2008-10-23")
    world.run()
    assert world.inbox.messages == [], "not yet a week before the deadline"

    world.clock.go_to("2008-10-24")
    world.run()
    world.run()
    assert world.inbox.recipients() == [DANA, SAM]
    (dana,) = world.inbox.to(DANA)
    assert "in 7 days" in dana["Subject"]
    assert "NI 50" in text_of(dana) and "NI 110" not in text_of(dana)
    assert dana["In-Reply-To"].startswith("<pmf."), "threaded under the request"

    world.inbox.clear()
    world.submit("NI 52", SAM)
    world.submit("NI 50", DANA)
    world.clock.go_to("2008-10-30")
    world.run()
    assert world.inbox.recipients() == [DANA], "nothing after submission"
    (dana,) = world.inbox.to(DANA)
    assert "tomorrow" in dana["Subject"]
    assert "NI 51" in text_of(dana) and "NI 50" not in text_of(dana)

    world.inbox.clear()
    world.clock.go_to("2008-11-01")
    world.run()
    world.run()
    assert world.inbox.recipients() == [CENTRAL, DANA]
    (notice,) = world.inbox.to(DANA)
    assert notice["Subject"].startswith("Overdue")
    assert "NI 51" in text_of(notice)
    (summary,) = world.inbox.to(CENTRAL)
    assert "NI 51" in text_of(summary) and "NI 60" in text_of(summary)

    world.inbox.clear()
    world.clock.go_to("2008-11-20")  # past the grace period: nothing more
    world.run()
    assert world.inbox.messages == []


def test_the_outstanding_list_and_the_round_page_show_who_was_asked_when(
    world: World,
) -> None:
    world.run()
    world.clock.go_to("2008-10-24")
    world.run()
    world.clock.go_to("2008-11-01")
    world.run()
    entries = world.outstanding()
    dana = entries["NI 51"]
    assert dana["asked_at"] and len(dana["reminded_at"]) == 1
    assert dana["overdue_notice_at"] is not None
    assert dana["asked_at"] < dana["reminded_at"][0] < dana["overdue_notice_at"]
    nobody = entries["NI 60"]
    assert nobody["asked_at"] is None and nobody["reminded_at"] == []
    page = world.api.client.get(f"/rounds/{ROUND}").text
    assert "Asked and reminded by e-mail" in page
    assert "Asked " in page and "Reminded " in page and "Overdue notice " in page
    assert "Not asked by e-mail" in page  # NI 60's row


# Crashes ----------------------------------------------------------------------


def test_a_crash_between_sending_and_recording_costs_one_duplicate_never_a_loss(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    crashing = world.system.mailer

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the process died here")

    monkeypatch.setattr(crashing, "_record", crash)
    with pytest.raises(RuntimeError):
        crashing.run_once()
    assert len(world.inbox.messages) == 1  # sent, never recorded
    (first,) = world.inbox.messages

    restarted = world.another_scheduler()
    restarted.mailer.run_once()  # the claim is fresh: the rest go, not that one
    assert len(world.inbox.messages) == 4
    assert len(world.inbox.to(first["X-Envelope-To"])) == 1

    world.clock.wait(minutes=16)  # the claim is now stale: sent again, once
    again = restarted.mailer.run_once()
    assert len(again.sent) == 1
    restarted.mailer.run_once()
    world.another_scheduler().mailer.run_once()
    repeats = world.inbox.to(first["X-Envelope-To"])
    assert len(repeats) == 2 and len(world.inbox.messages) == 5
    assert repeats[0]["Message-ID"] == repeats[1]["Message-ID"]


def test_a_server_that_refuses_us_gets_no_claims_and_is_tried_again(
    world: World,
) -> None:
    world.system.mailer.transport = SmtpTransport("127.0.0.1", free_port(), timeout=2)
    assert world.system.mailer.run_once().sent == []
    assert world.system.returns.mail_states(ROUND) == {}, "nothing claimed"
    world.another_scheduler().mailer.run_once()
    assert len(world.inbox.messages) == 4


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made by the openssl command."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes"),
            *("-days", "1", "-keyout", str(key), "-out", str(cert)),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_starttls_and_credentials_from_the_settings_are_used(tmp_path: Path) -> None:
    cert, key = self_signed_certificate(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    inbox = Inbox()
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(*args: Any) -> AuthResult:
        login = args[4]  # server, session, envelope, mechanism, auth data
        assert isinstance(login, LoginPassword)
        logins.append((login.login, login.password))
        return AuthResult(success=login.password == b"s3cret", handled=False)

    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_tls,
        require_starttls=True,  # and AUTH only after TLS, aiosmtpd's default
        authenticator=authenticator,
        auth_required=True,
    )
    controller.start()
    try:
        system = EmbeddedSystem(
            settings(
                tmp_path / "data",
                port,
                smtp_starttls=True,
                smtp_username="pmf",
                smtp_password="wrong",
            )
        )
        on_clock(system, Clock("2008-09-30"))
        transport = system.mailer.transport
        assert isinstance(transport, SmtpTransport) and transport.starttls
        trusting = ssl.create_default_context(cafile=str(cert))
        system.mailer.transport = dataclasses.replace(transport, tls_context=trusting)
        with TestClient(system.app()) as client:
            api = Api(client, system)
            api.post(f"{P}/indicators", indicator("NI 50"))
            api.post(f"{P}/rounds", ROUND_BODY)
        assert system.mailer.run_once().sent == []
        # smtplib tries each mechanism the server offers (PLAIN, then LOGIN).
        assert set(logins) == {(b"pmf", b"wrong")} and inbox.messages == []
        assert system.returns.mail_states(ROUND) == {}, "nothing claimed"
        system.mailer.transport = dataclasses.replace(
            system.mailer.transport, password="s3cret"
        )
        assert len(system.mailer.run_once().sent) == 2
        assert logins[-1] == (b"pmf", b"s3cret")
        assert sorted(m["X-Envelope-To"] for m in inbox.messages) == [
            CENTRAL,
            "dana@example.org",
        ]
    finally:
        controller.stop()


# The personal link ------------------------------------------------------------


def test_the_personal_link_signs_the_lead_in_for_their_own_indicators_only(
    world: World,
) -> None:
    world.run()
    (dana,) = world.inbox.to(DANA)
    token = token_in(dana)
    client = world.api.client

    landing = client.get("/login/link", params={"token": token})
    assert landing.status_code == 200
    assert f'url=/rounds/{ROUND}#return-form"' in landing.text
    assert landing.headers["Referrer-Policy"] == "no-referrer"
    session = client.cookies.get(SESSION_COOKIE)
    assert session and token not in session, "the cookie never holds the token"
    page = client.get(f"/rounds/{ROUND}").text
    assert 'action="/rounds/2008-H1/returns"' in page
    assert ">NI 50: Indicator NI 50</option>" in page
    assert "NI 52: Indicator NI 52</option>" not in page

    bearer = {"Authorization": f"Bearer {token}"}
    body = {"indicator_code": "NI 52", "period_end": "2008-09-30", "value": 1.0}
    refused = client.post(f"{P}/returns", json=body, headers=bearer)
    assert refused.status_code == 403, "another lead's indicator"
    body = {**body, "indicator_code": "NI 50", "period_end": "2008-06-30"}
    refused = client.post(f"{P}/returns", json=body, headers=bearer)
    assert refused.status_code == 403 and "2008-H1" in refused.json()["detail"]
    form = {
        "csrf": Visitor(token=session).csrf,
        "indicator_code": "NI 52",
        "period_end": "2008-09-30",
        "value": "3",
        "prediction": "on_target",
    }
    web = client.post(f"/rounds/{ROUND}/returns", data=form)
    assert web.status_code == 422 and "not the named lead" in web.text
    form["indicator_code"] = "NI 50"
    web = client.post(f"/rounds/{ROUND}/returns", data=form, follow_redirects=False)
    assert web.status_code == 303
    body = {**body, "period_end": "2008-09-30"}
    assert client.post(f"{P}/returns", json=body, headers=bearer).status_code == 201
    assert "NI 50" not in world.outstanding()


def test_the_personal_link_expires_after_the_deadline_and_grace(
    world: World,
) -> None:
    world.run()
    token = token_in(world.inbox.to(DANA)[0])
    client = world.api.client
    bearer = {"Authorization": f"Bearer {token}"}
    world.clock.at = datetime(2008, 11, 14, 23, 59, tzinfo=UTC)
    assert client.get(f"{P}/rounds", headers=bearer).status_code == 200
    world.clock.at = datetime(2008, 11, 15, 0, 0, tzinfo=UTC)
    assert client.get(f"{P}/rounds", headers=bearer).status_code == 401
    landing = client.get("/login/link", params={"token": token})
    assert landing.status_code == 400 and "expired" in landing.text
    # An ordinary token is no personal link either.
    admin = world.api.token("admin")
    assert client.get("/login/link", params={"token": admin}).status_code == 400


# When nothing is sent ---------------------------------------------------------


def test_nothing_is_sent_when_mail_is_off_or_the_round_is_closed(
    world: World,
) -> None:
    quiet = EmbeddedSystem(settings(world.data_dir, world.port, mail_enabled=False))
    on_clock(quiet, world.clock).tick()
    assert world.inbox.messages == []
    world.api.post(f"{P}/rounds/{ROUND}/close")
    world.run()
    assert world.inbox.messages == []


def test_a_round_whose_deadline_passed_before_mail_began_is_not_chased(
    world: World,
) -> None:
    world.api.post(f"{P}/rounds/{ROUND}/close")
    world.api.post(
        f"{P}/rounds",
        {
            "id": "2008-Q2",
            "period_end": "2008-06-30",
            "requested": "2008-06-30",
            "deadline": "2008-09-29",
        },
    )
    world.run()
    assert world.inbox.messages == [], "leads are not chased for what nobody asked"
