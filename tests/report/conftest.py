"""Fixtures of the report tests: the fixture commune and one report of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from parbook.timeline.periods import Window
from tests.report import fixture_db


@pytest.fixture(scope="session")
def fixture_commune(tmp_path_factory: pytest.TempPathFactory) -> fixture_db.Fixture:
    """The fixture commune in a SQLite file (built once per session)."""
    path = tmp_path_factory.mktemp("db") / "parbook.sqlite"
    return fixture_db.build(f"sqlite:///{path}")


@pytest.fixture(scope="session")
def window() -> Window:
    return Window.parse(fixture_db.PERIOD)


@pytest.fixture(scope="session")
def report_dir(fixture_commune: fixture_db.Fixture, window: Window,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One complete report of the fixture commune, shared by the read-only tests."""
    from parbook.report.run import run_report

    out = tmp_path_factory.mktemp("outputs") / fixture_db.UNIT / fixture_db.PERIOD
    yield run_report(fixture_db.UNIT, window, url=fixture_commune.url, out_dir=out,
                     include_personal_data=False)
