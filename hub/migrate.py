"""Alembic, configured in code so `hub migrate` needs no alembic.ini in the working directory."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from hub.search_index import is_search_index_object

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def include_name(name, type_, parent_names) -> bool:  # noqa: ANN001
    """SQLite's FTS5 table and its shadow tables come from a migration, not from a model."""
    return not (type_ == "table" and is_search_index_object(name))
