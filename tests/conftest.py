"""Shared fixtures: a real PostgreSQL server for the session, fresh databases per test."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

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


# Each test is one of three kinds (`pytest -m …`; `make test-fast` runs unit and contract):
# e2e — runs notebooks, reports, subprocesses, a PostgreSQL server or the whole demo;
# contract — holds one of DESIGN.md's contracts (schema, import, time rules, checks, indicators);
# unit — the rest: one function or module on small inputs.
# A test marked ``@pytest.mark.e2e`` in a contract or unit module is e2e (a subprocess, a kill).
E2E_MODULES = {"test_demo", "test_backtests", "test_bad_records", "test_checks_backends",
               "test_bench_harness", "test_wheel",
               "test_backends", "test_indicators_db", "test_cli_errors"}
CONTRACT_MODULES = {"test_checks", "test_indicators", "test_indicator_properties", "test_ingest",
                    "test_ingest_cli", "test_ingest_guards", "test_ingest_hostile", "test_ingest_profile",
                    "test_ingest_safety", "test_db", "test_template", "test_periods", "test_calendar",
                    "test_point_in_time", "test_index766", "test_tt01", "test_satisfaction", "test_plan",
                    "test_selfassessment", "test_selfinspection", "test_trends", "test_csv_injection"}


def _kind(item: pytest.Item) -> str:
    module = item.path.stem
    on_postgres = "postgresql" in getattr(getattr(item, "callspec", None), "id", "")
    needs_server = {"pg_server", "pg_url"} & set(getattr(item, "fixturenames", ()))
    if (item.path.parent.name == "report" or module in E2E_MODULES or on_postgres or needs_server
            or item.get_closest_marker("e2e")):
        return "e2e"
    return "contract" if module in CONTRACT_MODULES else "unit"


def _runs_e2e(config: pytest.Config) -> bool:
    """Whether the ``-m`` expression selects an e2e test (always, without ``-m``)."""
    markexpr = config.getoption("markexpr")
    if not markexpr:
        return True
    from _pytest.mark.expression import Expression
    return Expression.compile(markexpr).evaluate(lambda name, /, **kw: name == "e2e")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """``-m "unit or contract"`` does not even import the e2e modules (seaborn, nbformat, …)."""
    whole_e2e = (collection_path.name == "report" and collection_path.parent.name == "tests"
                 or collection_path.suffix == ".py" and collection_path.stem in E2E_MODULES)
    if whole_e2e and not _runs_e2e(config):
        return True
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(_kind(item))
