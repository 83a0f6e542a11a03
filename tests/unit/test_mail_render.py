"""E-mails rendered from the templates: escaped HTML, safe headers, threading."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from services.returns.mail_log import MailKey
from services.returns.mail_plan import Item, PlannedMail
from services.returns.mail_render import Letterhead, MailRenderer
from services.returns.rounds import Round

ROUND = Round("2008-H1", "2008-09-30", "2008-09-30", "2008-10-31", None)
HEAD = Letterhead(
    council="Northshire County Council",
    mail_from="CYPP <performance@northshire.example>",
    public_url="https://pmf.example/",
    central_email="central@northshire.example",
)
NOW = datetime(2008, 9, 30, 9, tzinfo=UTC)


def reminder(title: str, name: str = "Dana Wright") -> PlannedMail:
    return PlannedMail(
        MailKey("2008-H1", "dana@x.org", "reminder", 7),
        name,
        items=(Item("NI 50", title, "PCT"),),
        asked_on="2008-09-30",
    )


def test_html_is_escaped_and_headers_stay_on_one_line() -> None:
    mail = reminder("<script>alert(1)</script> & more", "Dana\r\nBcc: x@evil.example")
    msg = MailRenderer(HEAD).render(
        mail, ROUND, NOW, "https://pmf.example/l?t=1", date(2008, 11, 14)
    )
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<script>alert(1)</script> & more" in text, "plain text is not escaped"
    assert msg["To"] == '"Dana Bcc: x@evil.example" <dana@x.org>'
    assert "Bcc" not in msg
    assert (
        msg["Subject"]
        == "Reminder: your CYPP returns are due in 7 days (31 October 2008)"
    )
    request_id = MailKey("2008-H1", "dana@x.org", "request").message_id(
        "northshire.example"
    )
    assert msg["In-Reply-To"] == request_id == msg["References"]
    assert msg["Message-ID"] == mail.key.message_id("northshire.example")
    assert "until the end of\n14 November 2008" in text


def test_a_councils_own_template_is_used_before_the_built_in_one(
    tmp_path: Path,
) -> None:
    (tmp_path / "reminder.txt").write_text(
        "Subject: Chase from {{ council }}\n\nHello {{ recipient_name }}: {{ link }}\n"
    )
    msg = MailRenderer(HEAD, tmp_path).render(reminder("Title"), ROUND, NOW, "L", None)
    assert msg["Subject"] == "Chase from Northshire County Council"
    assert msg.get_body(("plain",)).get_content() == "Hello Dana Wright: L\n"  # type: ignore[union-attr]
    assert "Your returns are due" in msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
