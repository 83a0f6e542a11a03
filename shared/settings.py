"""Typed process settings, read from the environment with the ``PMF_`` prefix.

Only how a process runs lives here (where data is kept, which broker to use).
Framework settings that change answers (rag_mode, amber_fraction, significance)
are events in the log, never environment variables, so that a past assessment
can always be reproduced.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


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
    # Writes need a bearer token; reads of aggregate performance data are open
    # to anyone unless anonymous_reads is off.
    auth_required: bool = True
    anonymous_reads: bool = True
    # Where tokens live in distributed mode (one database for every service).
    auth_database_url: str | None = None
    council_name: str = "Northshire County Council"
    # Published figures that count fewer children than this are shown as "c".
    small_number_threshold: int = 5

    def embedded_database_url(self) -> str:
        """The SQLite file that holds the embedded log and read models."""
        return self.database_url or f"sqlite:///{self.data_dir / 'pmf.sqlite3'}"


SERVICE_PORTS: dict[str, int] = {
    "indicators": 8001,
    "returns": 8002,
    "assessment": 8003,
    "reporting": 8004,
}
