"""Sending e-mail over a real SMTP connection (smtplib).

One connection serves one scheduler run: it is opened before the first
message is claimed, so an unreachable server means nothing is claimed.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol


class MailSession(Protocol):
    """An open connection that sends messages."""

    def send(self, message: EmailMessage) -> None:
        """Hand ``message`` to the server (raises when it is refused)."""


class Transport(Protocol):
    """Opens sessions with a mail server."""

    def session(self) -> AbstractContextManager[MailSession]:
        """A connection for one run, closed when the run ends."""
        ...


@dataclass(frozen=True)
class SmtpTransport:
    """SMTP with optional STARTTLS and login, as the settings say."""

    host: str
    port: int
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    # Whom to trust for STARTTLS: the system's certificate authorities by default.
    tls_context: ssl.SSLContext | None = None

    @contextmanager
    def session(self) -> Iterator[MailSession]:
        """A connection: EHLO, STARTTLS when asked, login when credentials exist."""
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=self.tls_context or ssl.create_default_context())
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password or "")
            yield _SmtpSession(smtp)


@dataclass(frozen=True)
class _SmtpSession:
    smtp: smtplib.SMTP

    def send(self, message: EmailMessage) -> None:
        refused = self.smtp.send_message(message)
        if refused:  # some recipients refused: our messages have only one
            raise smtplib.SMTPRecipientsRefused(refused)


def connection_lost(exc: BaseException) -> bool:
    """Whether an error means the connection is gone (stop this run)."""
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    # smtplib's own errors are OSErrors too, but leave the connection usable.
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)
