"""Opening the decisions store: which database (argument, else COACHING_DATABASE_URL, else
the SQLite file data/app/decisions.sqlite under the working directory, like the other default
paths), with its migrations applied on open. The environment is read when open_store is
called, never at import."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from .models import StoreIdentity

DEFAULT_STORE = "data/app/decisions.sqlite"
MIGRATIONS = Path(__file__).with_name("migrations")
# How long a SQLite writer waits for another one (the web app and a CLI command) before failing.
BUSY_TIMEOUT_MS = 10_000


def store_url(url: str | None = None) -> str:
    chosen = url or os.environ.get("COACHING_DATABASE_URL") or None
    if chosen:
        return chosen
    path = Path(DEFAULT_STORE).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys = ON")  # SQLite ignores foreign keys otherwise
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):  # the driver installed with the product
        url = "postgresql+psycopg2://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (a no-op when it is there)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@dataclass
class Store:
    """The store's engine and sessions; `record` makes it the workbench's audit sink."""

    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def uuid(self) -> str:
        with self.sessions() as session:
            return session.scalars(select(StoreIdentity.store_uuid)).one()

    def record(self, actor, action, target, allowed, detail=None) -> None:
        from .audit import audit

        with self.sessions.begin() as session:
            audit(session, actor, action, target, allowed=allowed, detail=detail)

    def close(self) -> None:
        self.engine.dispose()


def store_exists(url: str | None = None) -> bool:
    """False only for the default SQLite file not created yet (no decision was ever made): the
    coaching step then has nothing to apply and creates no file. A configured URL is assumed
    to exist (open_store tells otherwise)."""
    if url or os.environ.get("COACHING_DATABASE_URL"):
        return True
    return Path(DEFAULT_STORE).expanduser().resolve().exists()


def open_store(url: str | None = None) -> Store:
    """The store at `url`, else COACHING_DATABASE_URL, else data/app/decisions.sqlite (created
    with its folder), migrated to the newest revision."""
    engine = _engine(store_url(url))
    migrate(engine)
    return Store(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))
