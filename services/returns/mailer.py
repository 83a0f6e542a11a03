"""The mail scheduler: claim, send, record (the shell around ``mail_plan``).

Each planned message has its own stream (``MailKey.stream``), and every run
does this for each message that is due and not recorded as sent:

1. **Claim**: append ``MailClaimed`` at the stream version just read (0 for
   a new message). Another scheduler that read the same state gets a
   ``ConcurrencyConflict`` and skips the message, so a second instance sends
   nothing extra; a fresh claim with no outcome is left alone too.
2. **Send** over SMTP, with a Message-ID fixed by the message's key.
3. **Record**: append ``RequestSent`` / ``ReminderSent`` /
   ``OverdueNoticeSent`` / ``CentralSummarySent`` with that Message-ID.

A crash between 2 and 3 leaves a claim with no outcome. Once it is older
than ``mail_claim_minutes``, the next run re-claims it (step 1 again, at the
claim's version, so again only one scheduler wins) and sends it again: at
most one duplicate, carrying the same Message-ID, and never no message at all.
Claiming before sending is what makes a second scheduler harmless;
recording after sending is what makes a crash cost a duplicate rather than
a lost message. A send that fails is recorded as ``MailSendFailed`` and tried
again at the next run, up to ``MAX_FAILURES`` times.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import quote

from shared.errors import ConcurrencyConflict
from shared.events.catalogue import current_version
from shared.events.envelope import Metadata, NewEvent, iso, utc_now
from shared.http.auth import TokenStore
from shared.settings import Settings

from . import rounds
from .handlers import ReturnsService
from .mail_log import SENT_TYPES, MailState
from .mail_plan import MailPolicy, PlannedMail, plan_round
from .mail_render import Letterhead, MailRenderer
from .mail_transport import MailSession, SmtpTransport, Transport, connection_lost
from .rounds import Round

log = logging.getLogger(__name__)
ACTOR = "service:returns-mail"


@dataclass(frozen=True)
class MailConfig:
    """How the scheduler mails: the plan's policy, the letterhead, the claim wait."""

    policy: MailPolicy
    letterhead: Letterhead
    claim_minutes: float = 15.0
    own_templates: Path | None = None

    @classmethod
    def from_settings(cls, s: Settings) -> MailConfig:
        """The configuration the process settings describe."""
        return cls(
            policy=MailPolicy(
                reminder_days=tuple(s.reminder_days),
                grace_days=s.link_grace_days,
                central_email=s.central_team_email,
            ),
            letterhead=Letterhead(
                council=s.council_name,
                mail_from=s.mail_from,
                public_url=s.public_url,
                central_email=s.central_team_email,
            ),
            claim_minutes=s.mail_claim_minutes,
            own_templates=s.mail_templates_dir,
        )


def smtp_transport(s: Settings) -> SmtpTransport:
    """The SMTP connection the process settings describe."""
    return SmtpTransport(
        host=s.smtp_host,
        port=s.smtp_port,
        starttls=s.smtp_starttls,
        username=s.smtp_username,
        password=s.smtp_password.get_secret_value() if s.smtp_password else None,
        timeout=s.smtp_timeout_seconds,
    )


@dataclass
class MailRun:
    """What one run did, by message stream."""

    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    left_to_others: list[str] = field(default_factory=list)


class _ConnectionLost(Exception):
    """The SMTP connection is gone: stop this run, try again at the next."""


class Mailer:
    """Sends the requests, reminders, notices and summaries that are due."""

    def __init__(
        self,
        service: ReturnsService,
        tokens: TokenStore,
        transport: Transport,
        config: MailConfig,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.service = service
        self.store = service.store
        self.tokens = tokens
        self.transport = transport
        self.config = config
        self.renderer = MailRenderer(config.letterhead, config.own_templates)
        self.now = now
        self.name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def run_once(self) -> MailRun:
        """Send every message that is due now; safe to run anywhere, any time."""
        today = self.service.today()
        run = MailRun()
        with ExitStack() as stack:
            session: MailSession | None = None
            try:
                for the_round in self._rounds(today):
                    for mail, state in self._due(the_round, today):
                        stream = mail.key.stream
                        if state.pending and not self._stale(state):
                            run.left_to_others.append(stream)
                            continue
                        if session is None:  # connect before claiming anything
                            session = stack.enter_context(self.transport.session())
                        sent = self._deliver(session, the_round, mail, state, today)
                        (run.sent if sent else run.failed).append(stream)
            except _ConnectionLost:
                log.warning("mail: the SMTP connection was lost; trying next run")
            except OSError as exc:
                log.warning("mail: no SMTP session (%s): nothing claimed", exc)
        return run

    def _rounds(self, today: date) -> list[Round]:
        """Rounds that may have mail due: open, requested, within the grace period."""
        grace = timedelta(days=self.config.policy.grace_days)
        return [
            r
            for r in rounds.fold_all(self.store.read_streams_like("round:"))
            if not r.closed
            and date.fromisoformat(r.requested) <= today
            and today <= date.fromisoformat(r.deadline) + grace
        ]

    def _due(
        self, the_round: Round, today: date
    ) -> list[tuple[PlannedMail, MailState]]:
        states = self.service.mail_states(the_round.id)
        outstanding = self.service.outstanding(the_round.id)
        planned = plan_round(the_round, outstanding, states, today, self.config.policy)
        return [(p, states.get(p.key.stream, MailState())) for p in planned]

    def _stale(self, state: MailState) -> bool:
        if state.claimed_at is None:
            return True
        claimed = datetime.fromisoformat(state.claimed_at)
        return self.now() - claimed >= timedelta(minutes=self.config.claim_minutes)

    def _deliver(
        self,
        session: MailSession,
        the_round: Round,
        mail: PlannedMail,
        state: MailState,
        today: date,
    ) -> bool:
        """Claim, send and record one message; False when it was not sent."""
        message_id = mail.key.message_id(self.config.letterhead.domain)
        attempt = state.claims + 1
        version = self._claim(mail, state, message_id, attempt)
        if version is None:
            return False
        try:
            link, expires = self._link(mail, the_round)
            message = self.renderer.render(mail, the_round, self.now(), link, expires)
            session.send(message)
        except Exception as exc:
            self._failed(mail, version, attempt, exc)
            if connection_lost(exc):
                raise _ConnectionLost from exc
            return False
        self._record(mail, message_id, attempt, today)
        log.info("mail: sent %s (attempt %d)", mail.key.stream, attempt)
        return True

    def _claim(
        self, mail: PlannedMail, state: MailState, message_id: str, attempt: int
    ) -> int | None:
        """Step 1: the stream version after our claim, or None if another won."""
        data = {
            **mail.key.to_data(),
            "message_id": message_id,
            "attempt": attempt,
            "claimed_at": iso(self.now()),
            "claimed_by": self.name,
        }
        try:
            self.store.append(
                mail.key.stream, state.version, [_event("MailClaimed", data)], _meta()
            )
        except ConcurrencyConflict:
            return None
        return state.version + 1

    def _link(
        self, mail: PlannedMail, the_round: Round
    ) -> tuple[str | None, date | None]:
        """A personal link for a lead: a token for this round, lead and grace."""
        if not mail.to_lead:
            return None, None
        last_day = date.fromisoformat(the_round.deadline) + timedelta(
            days=self.config.policy.grace_days
        )
        expires = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=UTC)
        token = self.tokens.create_scoped(
            mail.recipient_name[:200], mail.key.recipient, the_round.id, expires
        )
        base = self.config.letterhead.public_url.rstrip("/")
        return f"{base}/login/link?token={quote(token, safe='')}", last_day

    def _record(
        self, mail: PlannedMail, message_id: str, attempt: int, today: date
    ) -> None:
        """Step 3: the message was sent.

        Appended whatever the stream's version: if our claim went stale while
        we were sending and another scheduler re-claimed it, both sends
        happened, and the log must say so rather than refuse the truth.
        """
        data = {
            **mail.key.to_data(),
            "recipient_name": mail.recipient_name,
            "message_id": message_id,
            "indicators": list(mail.codes),
            "sent_on": today.isoformat(),
            "attempt": attempt,
        }
        if mail.leads:
            data["leads"] = [lead.email for lead in mail.leads]
        event = _event(SENT_TYPES[mail.key.kind], data)
        self.store.append(mail.key.stream, None, [event], _meta())

    def _failed(
        self, mail: PlannedMail, version: int, attempt: int, exc: Exception
    ) -> None:
        log.warning("mail: %s failed (attempt %d): %s", mail.key.stream, attempt, exc)
        data = {
            **mail.key.to_data(),
            "attempt": attempt,
            "error": f"{type(exc).__name__}: {exc}"[:500],
        }
        # A conflict means someone re-claimed it meanwhile: their attempt stands.
        with suppress(ConcurrencyConflict):
            self.store.append(
                mail.key.stream, version, [_event("MailSendFailed", data)], _meta()
            )


def _event(event_type: str, data: dict[str, object]) -> NewEvent:
    return NewEvent(
        type=event_type, data=data, schema_version=current_version(event_type)
    )


def _meta() -> Metadata:
    return Metadata(actor=ACTOR)


__all__ = ["MailConfig", "MailRun", "Mailer", "smtp_transport"]
