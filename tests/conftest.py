"""Shared fixtures: a real PostgreSQL server for the session, fresh databases per test."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from tests.pgserver import PgServer

_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    server = PgServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """A new empty PostgreSQL database (SQLAlchemy URL) for one test."""
    return pg_server.create_database(f"t{next(_counter)}")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A new SQLite database file (SQLAlchemy URL) for one test."""
    return f"sqlite:///{tmp_path / 'parbook.sqlite'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """Each test using it runs once on SQLite and once on a real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'parbook.sqlite'}"
    return request.getfixturevalue("pg_server").create_database(f"t{next(_counter)}")
