"""One bad record already in the database never stops a unit's check or report: a date no import
would accept (03/07/1900, 2204) — written by another tool or an old version — becomes an HS04
finding naming its dossier, and the rest of the unit's figures are computed as usual."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import sqlalchemy as sa

from parbook.commands.main import main
from parbook.pipeline import analyse_data
from parbook.store import db
from parbook.timeline.calendar import WorkCalendar
from parbook.timeline.periods import Window
from tests.builders import dossier, unit_data
from tests.report import fixture_db


def test_the_calendar_has_no_answer_outside_its_years_instead_of_an_error() -> None:
    cal = WorkCalendar.default()
    assert cal.add_working_days(date(1900, 7, 3), 3) is None
    assert cal.add_working_days(date(2204, 1, 1), 3) is None
    assert cal.add_working_days(date(2040, 12, 28), 30) is None          # the result outside
    days = cal.add_working_days(pd.Series(pd.to_datetime(["1900-07-03", "2024-04-26"])), 3)
    assert pd.isna(days[0]) and pd.Timestamp(days[1]) == pd.Timestamp("2024-05-04")
    assert cal.count_working_days(date(1900, 1, 1), date(2024, 5, 6)) is None
    assert not cal.is_working_day(date(2204, 1, 2))


def test_implausible_dates_become_findings_naming_their_dossiers() -> None:
    rows = [
        dossier("OLD-TYPO", received="1900-07-03 09:00", due="2024-07-05"),
        dossier("FUTURE-TYPO", received="2024-07-01 09:00", due="2024-07-03",
                finished="2204-07-02 09:00", status="done"),
        dossier("FINE", received="2024-07-01 09:00", due="2024-07-03",
                finished="2024-07-02 09:00", status="done"),
    ]
    a = analyse_data(unit_data(rows), Window.parse("2024-Q3"))
    hs04 = a.findings.frame.query("check_id == 'HS04'").set_index("record_key")["message"]
    assert "OLD-TYPO" in hs04.index and "sai năm" in hs04["OLD-TYPO"]
    assert "FUTURE-TYPO" in hs04.index and "ở tương lai" in hs04["FUTURE-TYPO"]
    assert "FINE" not in hs04.index
    ontime = a.indicators.figure("ontime_rate")
    assert (ontime.numerator, ontime.denominator) == (1, 1), "FINE is counted as usual"


def test_check_and_report_of_a_unit_with_a_bad_record_succeed(tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    fixture_db.build(url)
    bad = fixture_db.code(date(2024, 7, 1), 1)
    with db.begin(url) as conn:
        hit = conn.execute(db.dossiers.update().where(db.dossiers.c.dossier_code == bad)
                           .values(received_at=datetime(1900, 7, 3, 8)))
        assert hit.rowcount == 1
        n = conn.execute(sa.select(sa.func.count()).select_from(db.dossiers)).scalar()
    assert main(["check", "--db", url, "--unit", fixture_db.UNIT, "--period", fixture_db.PERIOD,
                 "--out", str(tmp_path / "check")]) == 0
    findings = pd.read_csv(tmp_path / "check" / "findings.csv")
    named = findings[(findings["check_id"] == "HS04") & (findings["record_key"] == bad)]
    assert len(named) == 1 and "03/07/1900" in named["message"].iloc[0]
    assert main(["report", "--db", url, "--unit", fixture_db.UNIT, "--period", fixture_db.PERIOD,
                 "--out", str(tmp_path / "report")]) == 0
    assert (tmp_path / "report" / "report.pdf").is_file()
    report_findings = pd.read_csv(tmp_path / "report" / "findings.csv")
    assert bad in set(report_findings["record_key"])
    with db.begin(url) as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(db.dossiers)).scalar() == n
    capsys.readouterr()
