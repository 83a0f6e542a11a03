"""E-mails from the council-editable Jinja2 templates in ``templates/mail``.

Each kind of message has a plain-text template (whose first line is
``Subject: ...``) and an HTML one (autoescaped). A council may keep its own
versions in ``PMF_MAIL_TEMPLATES_DIR``: files there are used before the
built-in ones, so an upgrade never overwrites them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)

from .mail_log import MailKey
from .mail_plan import PlannedMail
from .rounds import Round

TEMPLATES = Path(__file__).parent / "templates" / "mail"


@dataclass(frozen=True)
class Letterhead:
    """What every message shares: who sends it and where replies and links go."""

    council: str
    mail_from: str
    public_url: str
    central_email: str | None = None

    @property
    def domain(self) -> str:
        """The sender's domain, which Message-IDs are made in."""
        return parseaddr(self.mail_from)[1].rpartition("@")[2] or "localhost"


def long_day(value: str | date | None) -> str:
    """An ISO date as '31 October 2008'."""
    if not value:
        return ""
    d = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{d.day} {d:%B %Y}"


def count_of(items: Any, noun: str) -> str:
    """'1 indicator', '3 indicators' (``items`` a number or a collection)."""
    n = items if isinstance(items, int) else len(items)
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def period_label(period_end: str) -> str:
    """What a round's period is called in the plan's cycle."""
    month = period_end[5:7]
    if month == "09":
        return "half-year position"
    if month == "03":
        return "end-of-year position"
    return "latest position"


def due_words(days: int | None) -> str:
    """'today', 'tomorrow' or 'in 7 days'."""
    if days is None:
        return ""
    return {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")


def _one_line(text: str) -> str:
    """A header value: no line breaks, so nothing can add a header."""
    return " ".join(text.split())


class MailRenderer:
    """Turns a planned message into an ``EmailMessage`` (text and HTML parts)."""

    def __init__(self, letterhead: Letterhead, own_templates: Path | None = None):
        self.letterhead = letterhead
        loaders = [FileSystemLoader(TEMPLATES)]
        if own_templates is not None:
            loaders.insert(0, FileSystemLoader(own_templates))
        self.env = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(["html"], default_for_string=False),
            undefined=StrictUndefined,  # a typo fails loudly, never mails a blank
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(day=long_day, count_of=count_of)

    def context(
        self,
        mail: PlannedMail,
        the_round: Round,
        link: str | None,
        link_expires: date | None,
    ) -> dict[str, Any]:
        """Everything a template may use."""
        base = self.letterhead.public_url.rstrip("/")
        return {
            "council": self.letterhead.council,
            "central_email": self.letterhead.central_email,
            "kind": mail.key.kind,
            "round": {
                "id": the_round.id,
                "period_end": the_round.period_end,
                "requested": the_round.requested,
                "deadline": the_round.deadline,
            },
            "period_label": period_label(the_round.period_end),
            "round_url": f"{base}/rounds/{quote(the_round.id, safe='')}",
            "recipient_name": mail.recipient_name,
            "indicators": list(mail.items),
            "leads": list(mail.leads),
            "unassigned": list(mail.unassigned),
            "awaiting_laa": mail.awaiting_laa,
            "days_left": mail.key.offset_days,
            "due_words": due_words(mail.key.offset_days),
            "asked_on": mail.asked_on,
            "link": link,
            "link_expires": link_expires,
        }

    def render(
        self,
        mail: PlannedMail,
        the_round: Round,
        now: datetime,
        link: str | None = None,
        link_expires: date | None = None,
    ) -> EmailMessage:
        """The message, with its stable Message-ID and threading headers."""
        ctx = self.context(mail, the_round, link, link_expires)
        kind = mail.key.kind
        text = self.env.get_template(f"{kind}.txt").render(ctx)
        html = self.env.get_template(f"{kind}.html").render(ctx)
        first, _, body = text.partition("\n")
        if first.startswith("Subject:"):
            subject = first.removeprefix("Subject:")
        else:
            subject, body = f"CYPP performance: round {the_round.id}", text
        head = self.letterhead
        msg = EmailMessage()
        msg["Subject"] = _one_line(subject)
        msg["From"] = head.mail_from
        msg["To"] = formataddr((_one_line(mail.recipient_name), mail.key.recipient))
        if head.central_email and head.central_email != mail.key.recipient:
            msg["Reply-To"] = head.central_email
        msg["Message-ID"] = mail.key.message_id(head.domain)
        msg["Date"] = format_datetime(now)
        msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
        if kind in ("reminder", "overdue"):
            request = MailKey(mail.key.round_id, mail.key.recipient, "request")
            msg["In-Reply-To"] = msg["References"] = request.message_id(head.domain)
        msg.set_content(body.lstrip("\n"))
        msg.add_alternative(html, subtype="html")
        return msg
