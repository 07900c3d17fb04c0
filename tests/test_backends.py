"""SQLite and a real PostgreSQL server give the same results on the demo commune (issue 9)."""

from __future__ import annotations

import pandas as pd
import pytest

from parbook.commands.main import main
from parbook.demo import write_demo
from parbook.pipeline import analyse
from parbook.timeline.periods import Window

UNIT = "DEMO-ANLOC"


@pytest.fixture(scope="module")
def both(pg_server, tmp_path_factory) -> tuple[str, str]:
    folder = tmp_path_factory.mktemp("backends")
    sqlite = f"sqlite:///{folder / 'demo.sqlite'}"
    pg = pg_server.create_database("backends_demo")
    for url in (sqlite, pg):
        write_demo(url, ground_truth_dir=folder)
    return sqlite, pg


@pytest.mark.parametrize("period", ["2024-Q4", "2024"])
def test_same_facts_findings_indicators_and_form(both: tuple[str, str], period: str) -> None:
    window = Window.parse(period)
    lite, pg = (analyse(UNIT, window, url) for url in both)
    lf, pf = lite.facts.period.dossiers, pg.facts.period.dossiers
    cols = sorted(lf.columns)
    pd.testing.assert_frame_equal(lf[cols].sort_index(), pf[cols].sort_index())
    pd.testing.assert_frame_equal(lite.findings.frame, pg.findings.frame)
    pd.testing.assert_frame_equal(lite.indicators.frame, pg.indicators.frame)
    pd.testing.assert_frame_equal(lite.forms.bieu06, pg.forms.bieu06)
    pd.testing.assert_frame_equal(lite.plan.inspection, pg.plan.inspection)
    assert len(lite.findings.frame) > 20 and len(lf) > 600


def test_commands_work_on_postgresql(pg_url: str, tmp_path) -> None:
    """init → template → ingest → check, all with --db postgresql+psycopg://…"""
    from parbook.demo import build_demo
    from parbook.demo.store import workbook_tables
    from parbook.intake.template import write_workbook

    book = write_workbook(tmp_path / "demo.xlsx", workbook_tables(build_demo().tables))
    assert main(["init", "--db", pg_url, "--unit", UNIT, "--unit-name", "Xã An Lộc (mô phỏng)"]) == 0
    assert main(["template", str(tmp_path / "mau.xlsx")]) == 0
    assert main(["ingest", "--db", pg_url, "--no-progress", str(book)]) == 0
    out = tmp_path / "out"
    assert main(["check", "--db", pg_url, "--unit", UNIT, "--period", "2024-Q4",
                 "--out", str(out)]) == 0
    findings = pd.read_csv(out / "findings.csv")
    assert list(findings.columns) == ["check_id", "severity", "entity", "record_key", "message", "regime"]
    assert len(findings) > 10
