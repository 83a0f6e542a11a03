"""Running the reporting read model's Alembic migrations from code."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

HERE = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic configuration for the reporting database at ``url``."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Bring the reporting database at ``url`` to the newest schema."""
    command.upgrade(alembic_config(url), "head")


def check(url: str) -> None:
    """Fail when the tables in code differ from the migrations (``alembic check``)."""
    command.check(alembic_config(url))
