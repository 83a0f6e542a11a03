"""Typed process settings, read from the environment with the ``PMF_`` prefix.

Only how a process runs lives here (where data is kept, which broker to use).
Framework settings that change answers (rag_mode, amber_fraction, significance)
are events in the log, never environment variables, so that a past assessment
can always be reproduced.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Settings for one pmf process (embedded or one distributed service)."""

    model_config = SettingsConfigDict(env_prefix="PMF_", extra="ignore")

    mode: Literal["embedded", "distributed"] = "embedded"
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path(".pmf-data")
    database_url: str | None = None
    kafka_bootstrap: str = "127.0.0.1:9092"
    relay_interval_seconds: float = 0.2
    tick_seconds: float = 60.0  # deadline checks and catching up with other writers
    log_level: str = "INFO"
    # /readyz says "down" when the consumers are more events behind than this.
    ready_max_lag: int = Field(default=1000, ge=0)
    # Distributed: how often consumer lag and the broker's state are read (in the
    # background; /metrics and /readyz show the last reading and its age).
    lag_sample_seconds: float = Field(default=5.0, gt=0)
    # Distributed: how long the broker keeps a consumer that stopped answering in
    # its group. A service restarted after a hard stop cannot join before the old
    # member's session has timed out, so this is short (Faust's default is 60 s).
    kafka_session_timeout_seconds: float = Field(default=10.0, ge=6, le=90)
    # Writes need a bearer token; reads of aggregate performance data are open
    # to anyone unless anonymous_reads is off.
    auth_required: bool = True
    anonymous_reads: bool = True
    # Where tokens live in distributed mode (one database for every service).
    auth_database_url: str | None = None
    # A web session ends this many hours after sign-in (or at sign-out).
    session_hours: float = Field(default=8.0, gt=0, le=24 * 30)
    # Sign-in throttling: this many failed attempts from one client address
    # within the window, then 429 until the oldest leaves the window.
    login_attempts: int = Field(default=10, ge=1, le=10_000)
    login_window_seconds: float = Field(default=300.0, gt=0, le=86_400)
    # Who may read /metrics without a token: clients in these networks ("*" for
    # anyone). A bearer token with the metrics or admin role may always read it.
    metrics_networks: Annotated[list[str], NoDecode] = ["127.0.0.0/8", "::1/128"]
    # Distributed: where ``pmf serve web`` finds each service (default: the
    # service's own port on this host).
    indicators_url: str | None = None
    returns_url: str | None = None
    assessment_url: str | None = None
    reporting_url: str | None = None
    council_name: str = "Northshire County Council"
    # Published figures that count fewer children than this are shown as "c".
    small_number_threshold: int = 5
    # Report documents (PDF, DOCX, XLSX, HTML): worker processes that render
    # them, how many more may wait before callers get 503, what Retry-After says,
    # and the cap of the cache of rendered papers in data_dir/papers.
    report_workers: int = Field(default=1, ge=1, le=32)
    report_queue: int = Field(default=4, ge=0, le=1000)
    report_retry_after_seconds: int = Field(default=30, ge=1, le=3600)
    report_cache_mb: int = Field(default=256, ge=0)
    # Distributed mode: how long an LAA result from the stream for an indicator
    # returns has not seen yet waits for its registration before it is
    # dead-lettered, and how often waiting results are looked at again.
    laa_unknown_wait_seconds: float = Field(default=600.0, ge=0)
    laa_recheck_seconds: float = Field(default=5.0, gt=0)

    # Mail to leads (requests, reminders, overdue notices). Off by default so
    # that `pmf run` and `pmf demo` never e-mail anyone by accident.
    mail_enabled: bool = False
    smtp_host: str = "localhost"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    mail_from: str = "cypp-performance@localhost"
    # Summaries go here; mail without a central address still reaches leads.
    central_team_email: str | None = None
    # The base of the personal links in e-mails (the address leads can reach).
    public_url: str = "http://127.0.0.1:8000"
    # Days before the deadline that reminders go out: "[7, 1]" or "7,1".
    reminder_days: Annotated[list[int], NoDecode] = [7, 1]
    # A personal link works until the end of the deadline plus this many days.
    link_grace_days: int = Field(default=14, ge=0, le=365)
    # A claimed message not recorded as sent after this long is sent again.
    mail_claim_minutes: float = Field(default=15.0, gt=0)
    # A folder of the council's own mail templates, used before the built-in ones.
    mail_templates_dir: Path | None = None

    @field_validator("metrics_networks", mode="before")
    @classmethod
    def _metrics_networks(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip().strip("[]")
            return [p.strip().strip("\"'") for p in text.split(",") if p.strip()]
        return value

    @field_validator("metrics_networks")
    @classmethod
    def _metrics_networks_valid(cls, value: list[str]) -> list[str]:
        for network in value:
            if network != "*":
                try:
                    ipaddress.ip_network(network, strict=False)
                except ValueError as exc:
                    raise ValueError(
                        f"{network!r} is not a network (e.g. 10.0.0.0/8) or '*'"
                    ) from exc
        return value

    @field_validator("reminder_days", mode="before")
    @classmethod
    def _reminder_days(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip().strip("[]")
            return [int(part) for part in text.split(",") if part.strip()]
        return value

    @field_validator("reminder_days")
    @classmethod
    def _reminder_days_sensible(cls, value: list[int]) -> list[int]:
        if any(d < 0 or d > 90 for d in value):
            raise ValueError("reminder days must be between 0 and 90")
        return sorted(set(value), reverse=True)

    @model_validator(mode="after")
    def _no_password_in_clear(self) -> Settings:
        """Refuse to send SMTP credentials unencrypted to another machine."""
        if (
            self.smtp_username
            and not self.smtp_starttls
            and not _loopback(self.smtp_host)
        ):
            raise ValueError(
                "PMF_SMTP_USERNAME is set but PMF_SMTP_STARTTLS is off: the "
                "password would cross the network in clear"
            )
        return self

    def embedded_database_url(self) -> str:
        """The SQLite file that holds the embedded log and read models."""
        return self.database_url or f"sqlite:///{self.data_dir / 'pmf.sqlite3'}"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


SERVICE_PORTS: dict[str, int] = {
    "indicators": 8001,
    "returns": 8002,
    "assessment": 8003,
    "reporting": 8004,
}


def service_urls(settings: Settings) -> dict[str, str]:
    """Each distributed service's base URL, from the settings or its default port."""
    given = {
        "indicators": settings.indicators_url,
        "returns": settings.returns_url,
        "assessment": settings.assessment_url,
        "reporting": settings.reporting_url,
    }
    return {
        name: (given[name] or f"http://127.0.0.1:{port}").rstrip("/")
        for name, port in SERVICE_PORTS.items()
    }
