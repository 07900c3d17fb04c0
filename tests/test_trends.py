"""Indicator runs in the database (SQLite and PostgreSQL) and the year's on-time outlook."""

from __future__ import annotations

import pytest

from parbook.analysis import definitions as defs
from parbook.analysis.indicators import compute_indicators
from parbook.analysis.scores import tt01_scores
from parbook.analysis.trends import indicator_trend, ontime_outlook, store_indicator_run, trend_table
from parbook.store import db
from parbook.timeline import scope
from parbook.timeline.periods import Window
from tests.builders import UNIT, dossier, unit_data


def _quarter(period: str, n_ontime: int, n_late: int, as_of: str | None = None):
    """A quarter's analysis with n_ontime + n_late dossiers settled in its window."""
    w = Window.parse(period, as_of=as_of)
    day = w.start.replace(day=20)
    rows = [dossier(f"{period}-{i}", received=f"{day} 09:00", due=f"{day}",
                    finished=f"{day} 10:00" if i < n_ontime else f"{w.end} 10:00", status="done")
            for i in range(n_ontime + n_late)]
    facts = scope.build(unit_data(rows), w)
    return w, compute_indicators(facts, tt01_scores(facts)).frame


def test_runs_are_stored_and_read_back_as_a_trend(any_db_url: str) -> None:
    eng = db.engine(any_db_url)
    db.create_schema(eng)
    runs = [("r1", _quarter("2024-Q1", 1, 1)), ("r2", _quarter("2024-Q2", 3, 1)),
            ("r3", _quarter("2024-Q3", 9, 1)), ("r2b", _quarter("2024-Q2", 4, 0)),
            ("y", _quarter("2024", 2, 0))]
    with db.begin(any_db_url) as conn:
        for run_id, (w, frame) in runs:
            assert store_indicator_run(conn, UNIT, w, frame, run_id) == 32
        w, frame = runs[0][1]
        assert store_indicator_run(conn, UNIT, w, frame, "r1") == 32   # replaced, not doubled
    with eng.connect() as conn:
        stored = db.read_table(conn, db.indicator_runs)
        assert len(stored) == 5 * 32
        trend = indicator_trend(conn, UNIT, "ontime_rate", n=3)
        assert trend["period"].tolist() == ["2024-Q1", "2024-Q2", "2024-Q3"]   # year run left out
        assert trend["value"].tolist() == [0.5, 1.0, 0.9]                 # Q2: the later run r2b
        assert trend["run_id"].tolist() == ["r1", "r2b", "r3"]
        assert trend["change"].iloc[1:].round(10).tolist() == [0.5, -0.1]
        assert indicator_trend(conn, UNIT, "ontime_rate", n=4, until="2024-Q2")["period"].tolist() \
            == ["2024-Q1", "2024-Q2"]
        assert str(trend["as_of"].iloc[0].date()) == "2024-03-14"
        wide = trend_table(conn, UNIT, ["ontime_rate", "multi_supplement_count"], n=2)
        assert list(wide.columns) == ["2024-Q2", "2024-Q3"]
        assert wide.loc["ontime_rate"].tolist() == [1.0, 0.9]
        assert wide.loc["multi_supplement_count"].tolist() == [0, 0]


def _year_to_date(n_ontime: int, n_late: int, n_overdue: int = 0):
    rows = [dossier(f"S{i}", received="2024-07-01 09:00", due="2024-07-03",
                    finished="2024-07-03 09:00" if i < n_ontime else "2024-07-05 09:00",
                    status="done") for i in range(n_ontime + n_late)]
    rows += [dossier(f"O{i}", received="2024-08-01 09:00", due="2024-08-05")
             for i in range(n_overdue)]
    return scope.build(unit_data(rows), Window.parse("2024-Q3"))


@pytest.mark.parametrize("remaining,required,reachable,max_late", [
    (30, 29, True, 1),      # 0.95 × 40 − 9 = 29
    (10, 10, True, 0),      # 0.95 × 20 − 9 = 10
    (5, 6, False, None),    # 0.95 × 15 − 9 = 5.25 → 6 > 5
])
def test_outlook_required_ontime(remaining, required, reachable, max_late) -> None:
    o = ontime_outlook(_year_to_date(9, 1), remaining_volume=remaining)
    assert (o.ontime_ytd, o.settled_ytd, o.rate_ytd) == (9, 10, 0.9)
    assert (o.required_ontime, o.reachable, o.max_late_allowed) == (required, reachable, max_late)
    assert o.required_share == pytest.approx(required / remaining)
    assert "người dùng nhập" in o.assumption


def test_outlook_secured_strict_and_overdue(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ontime_outlook(_year_to_date(100, 0), remaining_volume=5).required_ontime == 0
    o = ontime_outlook(_year_to_date(100, 0), remaining_volume=5)
    assert "đã bảo đảm" in o.summary_vi
    # already overdue dossiers will be late: 19 needed of 20, but 2 are overdue → unreachable
    o = ontime_outlook(_year_to_date(19, 1, n_overdue=2), remaining_volume=20)
    assert o.required_ontime == 19 and o.pending_overdue_now == 2 and o.reachable is False
    strict = defs.rules().model_copy(update={"ontime_target_comparison": ">"})
    monkeypatch.setattr(defs, "rules", lambda: strict)
    defs.definitions.cache_clear()
    try:
        assert ontime_outlook(_year_to_date(9, 1), remaining_volume=30).required_ontime == 30
    finally:
        defs.definitions.cache_clear()


def test_outlook_default_assumption_uses_the_working_day_pace() -> None:
    o = ontime_outlook(_year_to_date(36, 1))
    # nd09 year 15/12/2023–14/12/2024, as of 14/09/2024: 196 weekdays − 12 holidays + the
    # make-up Saturday 04/05 = 185 working days elapsed; 16/09–13/12: 65 left.
    assert (o.working_days_elapsed, o.working_days_left) == (185, 65)
    assert o.expected_remaining == 13                     # round(37 / 185 × 65) = round(13.0)
    assert o.year_end.isoformat() == "2024-12-14" and "65 ngày làm việc" in o.assumption
    assert o.trajectory["cumulative_denominator"].iloc[-1] == 37
    assert o.required_ontime == 12                        # ceil(0.95 × 50 − 36) = ceil(11.5)
    assert "Cần ít nhất 12/13" in o.summary_vi
