"""Facts of hand-made dossiers: the legal due date, timeliness, scope and as-of rules."""

from datetime import date

import pandas as pd
import pytest

from parbook.analysis.forms import bieu06
from parbook.store.params import validate_unit_code
from parbook.store.privacy import mask_name, mask_phone
from parbook.store.spreadsheet import spreadsheet_text
from parbook.timeline import scope
from parbook.timeline.facts import build_facts
from parbook.timeline.periods import Window
from tests.builders import dossier, event, unit_data

T = pd.Timestamp


def facts(dossiers, events=None, period="2024-Q2", **kw):
    return build_facts(unit_data(dossiers, events, **kw), Window.parse(period))


@pytest.mark.parametrize("procedure,received,expected", [
    ("2.000635", "2024-04-26 14:30", "2024-04-26"),   # same_day before 15:00
    ("2.000635", "2024-04-26 15:30", "2024-05-02"),   # after 15:00 → next working day
    ("2.000635", "2024-05-03 15:01", "2024-05-04"),   # make-up Saturday
    ("2.000635", "2024-04-26 15:00", "2024-04-26"),   # 15:00:00 is not after 15:00
    ("2.000635", "2024-02-07 16:00", "2024-02-15"),   # Tết
    ("1.001193", "2024-04-26 10:00", "2024-04-26"),   # immediate
    ("2.000635", "2024-04-27 16:00", "2024-05-02"),   # non-working day: effective day only
    ("2.001035", "2025-04-24 09:00", "2025-04-26"),   # 2 working days
    ("1.004222", "2025-04-28 09:00", "2025-05-12"),   # 7 working days
])
def test_legal_due(procedure: str, received: str, expected: str) -> None:
    period = "2025-Q2" if received.startswith("2025") else "2024-Q2"
    f = facts([dossier("A", procedure, received, due=expected)], period=period)
    assert f.loc["A", "legal_due"] == T(expected)


def test_verification_restart_and_pauses() -> None:
    f = facts([
        dossier("V", "1.001022", "2024-04-26 09:00", due="2024-05-10"),
        dossier("R", "2.001035", "2024-06-03 09:00", due="2024-06-05"),
        dossier("S", "2.001035", "2024-06-03 09:00", due="2024-06-05"),
    ], [
        event("V", "verification_transfer", "2024-04-29 10:00"),
        event("R", "supplement_request", "2024-06-04 10:00", "appraisal"),
        event("R", "supplement_received", "2024-06-06 09:00"),
        event("R", "supplement_received", "2024-06-07 16:00"),
        event("S", "supplement_request", "2024-06-03 09:30", "reception"),
        event("S", "supplement_received", "2024-06-04 09:00"),
        event("S", "pause", "2024-06-04 10:00"), event("S", "resume", "2024-06-06 10:00"),
    ])
    assert f.loc["V", "legal_due"] == T("2024-05-10")          # 3 + 5 verification days
    assert f.loc["R", "clock_restarted"] and f.loc["R", "legal_due"] == T("2024-06-11")
    assert not f.loc["S", "clock_restarted"]                    # reception stage: no restart
    assert f.loc["S", "paused_workdays"] == 2 and f.loc["S", "legal_due"] == T("2024-06-07")


def test_timeliness_and_as_of() -> None:
    rows = [
        dossier("E", due="2024-07-03", finished="2024-07-02 10:00", status="done"),
        dossier("O", due="2024-07-03", finished="2024-07-03 17:00", status="done"),
        dossier("L", due="2024-07-03", finished="2024-07-04 08:00", status="rejected"),
        dossier("F", due="2024-07-03", finished="2024-09-20 08:00", status="done"),  # after as-of
        dossier("W", due="2024-07-03", finished="2024-07-02 08:00", status="withdrawn"),
        dossier("P", due="2024-09-20"),
    ]
    f = facts(rows, period="2024-Q3")
    assert f["timeliness"].to_dict() == {
        "E": "early", "O": "on_time", "L": "late", "F": "pending_overdue",
        "W": "withdrawn", "P": "pending_within"}
    assert f["is_late"].sum() == 2


def test_scope_and_apology_deadline() -> None:
    rows = [
        dossier("OLD", received="2024-01-10 09:00", due="2024-01-12",
                finished="2024-01-11 09:00", status="done"),        # settled before Q3
        dossier("CARRY", received="2024-06-10 09:00", due="2024-06-12"),
        dossier("AP", received="2024-07-01 09:00", due="2024-07-03"),
    ]
    ev = [event("AP", "apology", "2024-07-02 09:00"), event("AP", "apology", "2024-07-03 09:00")]
    f = facts(rows, ev, period="2024-Q3")
    assert set(f.index) == {"CARRY", "AP"}
    assert f.loc["CARRY", "carried_over"] and not f.loc["AP", "carried_over"]
    assert f.loc["AP", "apology_deadline"] == T("2024-07-02")
    assert f.loc["AP", "apology_late"] and f.loc["AP", "apology_count"] == 2


def test_returned_dossiers_outside_the_scope_are_kept_once() -> None:
    rows = [
        dossier("EARLY", received="2024-06-03 09:00", due="2024-06-05",
                finished="2024-06-04 09:00", returned_at="2024-07-02 09:00", status="done"),
        dossier("IN", received="2024-07-01 09:00", due="2024-07-03",
                finished="2024-07-02 09:00", returned_at="2024-07-03 09:00", status="done"),
        dossier("OPEN", received="2024-07-01 10:00", due="2024-07-03"),
    ]
    period = scope.build(unit_data(rows), Window.parse("2024-Q3")).period
    assert list(period.dossiers.index) == ["IN", "OPEN"]
    assert list(period.returned.index) == ["EARLY", "IN"]
    assert list(period.returned.columns) == list(scope.RETURNED_COLUMNS)
    assert list(period.outside.index) == ["EARLY"]
    assert list(period.outside.columns) == list(period.dossiers.columns)


def test_facts_share_the_rows_columns_and_leave_the_rows_unchanged() -> None:
    """A year's facts hold every dossier: their columns read from the unit's rows are the rows'
    own (pandas' copy-on-write: a province's dossiers are not held twice), and deriving them
    changes nothing in the rows (their department gaps are filled in the facts only)."""
    import numpy as np

    rows = [dossier("A", received="2024-03-01 09:00", due="2024-03-05",
                    finished="2024-03-04 09:00", status="done"),
            dossier("B", received="2024-07-01 10:00", due="2024-07-03", department=None)]
    data = unit_data(rows)
    before = data.dossiers.copy()
    f = build_facts(data, Window.parse("2024"))
    assert f["department"].notna().all()                      # filled from the catalogue
    pd.testing.assert_frame_equal(data.dossiers, before)
    for col in ("received_at", "due_at", "status", "channel"):
        assert np.shares_memory(f[col].to_numpy(), data.dossiers[col].to_numpy()), col


def test_bieu06_identity_holds_on_clean_data() -> None:
    rows = [dossier(c, due="2024-07-03", channel=ch) for c, ch in
            [("A", "online"), ("B", "direct"), ("C", "postal")]]
    form = bieu06(facts(rows, period="2024-Q3")).set_index("field")
    total = form.loc["TOTAL"]
    assert total["received_total"] == 3 == total["settled_total"] + total["pending_total"]


def test_privacy_and_validation() -> None:
    assert mask_name("Trần Thị Bích Ngọc") == "Trần T. B. N."
    assert mask_phone("+84 912.345.678") == "84xx xxx 678"
    assert spreadsheet_text("@SUM(A1)") == "'@SUM(A1)" and spreadsheet_text(3) == 3
    for bad in ("../etc", "a/b", "", "x" * 70, "a b"):
        with pytest.raises(ValueError):
            validate_unit_code(bad)
    assert validate_unit_code("DEMO-ANLOC") == "DEMO-ANLOC"


def test_window_dates_are_dates() -> None:
    assert Window.parse("2024").start == date(2023, 12, 15)
