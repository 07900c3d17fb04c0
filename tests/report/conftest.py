"""Fixtures of the report tests: the fixture commune, stand-ins for unmerged modules, one report.

Kernels started by these tests get ``tests/report/standins`` on PYTHONPATH: its sitecustomize
registers a stand-in only for a module of another work branch that is not importable (see
parbook_standins). The host process gets the same stand-ins here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from parbook.periods import Window
from tests.report import fixture_db

STANDINS = Path(__file__).resolve().parent / "standins"
if str(STANDINS) not in sys.path:
    sys.path.insert(0, str(STANDINS))
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(STANDINS), os.environ.get("PYTHONPATH", "")) if p)

import parbook_standins  # noqa: E402

INSTALLED_STANDINS = parbook_standins.install()


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
    from parbook.render import run_report

    out = tmp_path_factory.mktemp("outputs") / fixture_db.UNIT / fixture_db.PERIOD
    yield run_report(fixture_db.UNIT, window, url=fixture_commune.url, out_dir=out,
                     include_personal_data=False)
