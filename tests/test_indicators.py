"""Indicators of DESIGN.md §7 on hand-made data, each figure checked by hand.

Window 2024-Q3 (nd09): 2024-06-15 … 2024-09-14, as-of the window end unless stated; year to
date from 2023-12-15.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from parbook.analysis import definitions as defs
from parbook.analysis.indicators import (
    Indicators,
    compute_indicators,
    indicator_breakdown,
    late_by_handler,
    ontime_by_month,
    ontime_rate_bases,
)
from parbook.analysis.scores import tt01_scores
from parbook.contract import INDICATOR_COLUMNS, INDICATOR_IDS
from parbook.pipeline import analyse_data
from parbook.report.files import write_check_outputs
from parbook.store.db import SURVEY_ELEMENTS
from parbook.timeline import scope as timeline_scope
from parbook.timeline.periods import Window
from parbook.timeline.scope import Facts
from tests.builders import UNIT, dossier, event, unit_data

Q3 = "2024-Q3"


def analysis(dossiers=(), events=(), period=Q3, as_of=None, window="nd09", **registers) -> Facts:
    data = unit_data(list(dossiers), list(events), **registers)
    return timeline_scope.build(data, Window.parse(period, window, as_of))


def indicators_of(facts: Facts) -> Indicators:
    return compute_indicators(facts, tt01_scores(facts))


def compute(facts: Facts) -> pd.DataFrame:
    """The contract frame of indicators.csv."""
    return indicators_of(facts).frame


def row(frame: pd.DataFrame, indicator_id: str, scope: str = "period") -> pd.Series:
    hit = frame[(frame["indicator_id"] == indicator_id) & (frame["scope"] == scope)]
    assert len(hit) == 1
    return hit.iloc[0]


def figures(frame, indicator_id, scope="period"):
    r = row(frame, indicator_id, scope)
    den = None if math.isnan(r["denominator"]) else r["denominator"]
    return r["numerator"], den


def test_contract_frame_has_sixteen_indicators_in_both_scopes() -> None:
    frame = compute(analysis([dossier("A", due="2024-07-03")]))
    assert list(frame.columns) == INDICATOR_COLUMNS
    assert len(list(INDICATOR_IDS)) == 16
    assert frame.groupby("scope")["indicator_id"].apply(list).to_dict() == {
        "period": list(INDICATOR_IDS), "ytd": list(INDICATOR_IDS)}
    assert set(list(INDICATOR_IDS)) == {
        "ontime_rate", "ontime_rate_766", "online_rate", "postal_rate", "apology_coverage",
        "multi_supplement_count", "verification_rate", "survey_coverage", "satisfaction_rate",
        "feedback_ontime_rate", "legal_docs_reviewed_rate", "legal_docs_handled_rate",
        "digitized_rate", "electronic_result_rate", "plan_task_ontime_rate", "tt01_total"}


TIMELINESS_ROWS = ([
        dossier("E", due="2024-07-03", finished="2024-07-02 10:00", status="done"),
        dossier("O", due="2024-07-03", finished="2024-07-03 17:00", status="done"),
        dossier("L", due="2024-07-03", finished="2024-07-04 08:00", status="rejected"),
        dossier("N", due=None, finished="2024-07-05 08:00", status="done"),        # no due date
        dossier("M", due="2024-07-03", finished="2024-07-02 08:00", status="done"),  # 2 requests
        dossier("PW", received="2024-09-10 09:00", due="2024-09-20"),
        dossier("PO", due="2024-09-01"),
        dossier("PN", due=None),                                                  # pending, no due
        dossier("F", due="2024-09-10", finished="2024-09-20 08:00", status="done"),  # after as-of
        dossier("W", due="2024-07-03", finished="2024-07-02 08:00", status="withdrawn"),
        dossier("OLD", received="2024-04-01 09:00", due="2024-04-03",
                finished="2024-04-02 09:00", status="done"),                      # Q2 only
    ], [event("M", "supplement_request", "2024-07-01 10:00", "reception"),
        event("M", "supplement_request", "2024-07-01 11:00", "reception")])


def timeliness_case() -> Facts:
    return analysis(*TIMELINESS_ROWS)


def test_ontime_rate_counts_every_settled_dossier_and_766_counts_pending() -> None:
    frame = compute(timeliness_case())
    # settled in the window: E, O, L, N, M (N has no due date: settled, not on time)
    assert figures(frame, "ontime_rate") == (3, 5)
    assert figures(frame, "ontime_rate", "ytd") == (4, 6)                 # + OLD (early)
    r = row(frame, "ontime_rate")
    assert r["value"] == pytest.approx(0.6) and r["target"] == 0.95 and not r["met"]
    # 766: (E, O — M has two requests — + pending within PW) ÷ (5 settled + PW, PO, F pending)
    assert figures(frame, "ontime_rate_766") == (3, 8)
    assert figures(frame, "ontime_rate_766", "ytd") == (4, 9)
    assert pd.isna(row(frame, "ontime_rate_766")["met"])                 # no target


def test_ontime_target_comparison_from_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [dossier(f"D{i:02}", due="2024-07-03", finished="2024-07-03 09:00", status="done")
            for i in range(19)]
    rows.append(dossier("LATE", due="2024-07-03", finished="2024-07-05 09:00", status="done"))
    a = analysis(rows)
    r = row(compute(a), "ontime_rate")
    assert (r["numerator"], r["denominator"], r["value"]) == (19, 20, 0.95)
    assert r["met"]                                                     # 0.95 >= 0.95
    strict = defs.rules().model_copy(update={"ontime_target_comparison": ">"})
    monkeypatch.setattr(defs, "rules", lambda: strict)
    defs.definitions.cache_clear()
    try:
        assert not row(compute(a), "ontime_rate")["met"]     # 0.95 > 0.95 is false
    finally:
        defs.definitions.cache_clear()


def test_received_rates_online_postal_verification_digitized() -> None:
    a = analysis([
        dossier("A", channel="online", digitized=True),
        dossier("B", channel="postal"),
        dossier("C", result_delivery="postal"),
        dossier("D"),
        dossier("X", received="2024-09-01 09:00"),                      # verification after as-of
        dossier("CAR", received="2024-06-10 09:00", channel="online"),  # before the window
        dossier("W", channel="online", status="withdrawn"),
        dossier("LATER", received="2024-09-05 09:00", channel="online"),  # after as-of: out
    ], [event("C", "verification_transfer", "2024-07-02 09:00"),
        event("X", "verification_transfer", "2024-09-02 09:00")],
        as_of="2024-09-01")
    frame = compute(a)
    assert figures(frame, "online_rate") == (1, 5)
    assert figures(frame, "postal_rate") == (2, 5)
    assert figures(frame, "verification_rate") == (1, 5)
    assert figures(frame, "digitized_rate") == (1, 5)
    assert figures(frame, "online_rate", "ytd") == (2, 6)             # CAR received 10/06
    assert figures(frame, "digitized_rate", "ytd") == (1, 6)
    assert row(frame, "online_rate")["target"] == 0.30 and not row(frame, "online_rate")["met"]


def test_apology_coverage_counts_apologies_by_as_of() -> None:
    a = analysis([
        dossier("L1", due="2024-07-03", finished="2024-07-05 09:00", status="done"),
        dossier("L2", due="2024-07-03"),
        dossier("L3", due="2024-09-10"),
        dossier("OK", due="2024-07-03", finished="2024-07-03 09:00", status="done"),
    ], [event("L1", "apology", "2024-07-02 09:00"), event("L3", "apology", "2024-09-20 09:00"),
        event("OK", "apology", "2024-07-02 09:00")])
    frame = compute(a)
    assert figures(frame, "apology_coverage") == (1, 3)
    assert row(frame, "apology_coverage")["target"] == 1.0
    assert not row(frame, "apology_coverage")["met"]


def test_multi_supplement_count_is_a_count() -> None:
    requests = [event("A", "supplement_request", f"2024-07-0{d} 09:00") for d in (1, 2)]
    requests += [event("B", "supplement_request", "2024-07-01 09:00")]
    requests += [event("C", "supplement_request", f"2024-07-0{d} 09:00") for d in (1, 2, 3)]
    requests += [event("D", "supplement_request", "2024-07-01 09:00"),
                 event("D", "supplement_request", "2024-09-20 09:00")]   # second after as-of
    a = analysis([dossier("A"), dossier("B"), dossier("C", status="withdrawn"), dossier("D")],
                 requests)
    r = row(compute(a), "multi_supplement_count")
    assert r["numerator"] == 1 and r["value"] == 1 and math.isnan(r["denominator"])
    assert r["target"] == 0 and not r["met"]
    clean = row(compute(analysis([dossier("A")])), "multi_supplement_count")
    assert clean["value"] == 0 and clean["met"]


def test_survey_coverage_whatever_the_status() -> None:
    a = analysis([
        dossier("R1", due="2024-07-03", finished="2024-07-03 09:00", status="done",
                returned_at="2024-07-03 10:00"),
        dossier("R2", due="2024-07-03", finished="2024-07-03 09:00", status="done",
                returned_at="2024-07-04 10:00"),
        dossier("R3", due="2024-07-03", returned_at="2024-07-04 10:00"),   # processing
        dossier("R4", due="2024-07-03", finished="2024-07-03 09:00", status="done",
                returned_at="2024-07-04 10:00"),
        dossier("W", due="2024-07-03", finished="2024-07-03 09:00", status="withdrawn",
                returned_at="2024-07-04 10:00"),
        # settled before the window (2024-06-15 …), returned inside it: counted by returned_at
        dossier("B1", received="2024-06-10 09:00", due="2024-06-12", finished="2024-06-12 09:00",
                status="done", returned_at="2024-06-17 10:00"),
        dossier("B2", received="2024-06-10 09:00", due="2024-06-12", finished="2024-06-12 09:00",
                status="done", returned_at="2024-06-18 10:00"),
        dossier("B3", received="2024-06-10 09:00", due="2024-06-12", finished="2024-06-12 09:00",
                status="done", returned_at="2024-06-13 10:00"),     # returned before the window
    ], surveys=[
        {"survey_id": "SB2", "dossier_code": "B2", "surveyed_at": "2024-06-18 11:00"},
        {"survey_id": "S1", "dossier_code": "R1", "surveyed_at": "2024-07-03 11:00"},
        {"survey_id": "S3", "dossier_code": "R3", "surveyed_at": "2024-07-05 11:00"},
        {"survey_id": "S4", "dossier_code": "R4", "surveyed_at": "2024-09-20 11:00"},
        {"survey_id": "SW", "dossier_code": "W", "surveyed_at": "2024-07-05 11:00"},
    ])
    frame = compute(a)
    assert figures(frame, "survey_coverage") == (3, 6)
    # the dossiers settled before the window are not in its scope for anything else
    assert not {"B1", "B2", "B3"} & set(a.period.dossiers.index)


def _survey(sid: str, at: str, ratings: tuple, overall=5) -> dict:
    return {"survey_id": sid, "dossier_code": "A", "surveyed_at": at, "overall": overall,
            **dict(zip(SURVEY_ELEMENTS, ratings, strict=True))}


def test_satisfaction_rate_pools_valid_element_ratings() -> None:
    a = analysis([dossier("A")], surveys=[
        _survey("S1", "2024-07-02 09:00", (5, 4, 3, 2, 1)),
        _survey("S2", "2024-07-03 09:00", (4, 4, 4, 4, None), overall=1),
        _survey("S3", "2024-07-04 09:00", (6, 0, 5, 5, 5)),
        _survey("S4", "2024-05-04 09:00", (1, 1, 1, 1, 1)),          # Q2: year to date only
        _survey("S5", "2024-09-20 09:00", (5, 5, 5, 5, 5)),          # after as-of
    ])
    frame = compute(a)
    assert figures(frame, "satisfaction_rate") == (9, 12)
    assert figures(frame, "satisfaction_rate", "ytd") == (9, 17)
    assert pd.isna(row(frame, "satisfaction_rate")["target"])


def _pakn(fid: str, received: str, resolved: str | None, in_scope: bool = True) -> dict:
    return {"feedback_id": fid, "unit_code": UNIT, "received_at": received,
            "resolved_at": resolved, "in_scope": in_scope}


def test_feedback_ontime_rate_uses_the_fifteen_working_day_limit() -> None:
    # received Mon 01/07/2024 → limit = 15th working day after = Mon 22/07/2024
    a = analysis([dossier("A")], feedback=[
        _pakn("P1", "2024-07-01 09:00", "2024-07-10 09:00"),
        _pakn("P2", "2024-07-01 09:00", "2024-07-25 09:00"),           # late
        _pakn("P3", "2024-07-01 09:00", None),                          # open past its limit
        _pakn("P4", "2024-09-10 09:00", None),                          # limit after as-of
        _pakn("P5", "2024-07-01 09:00", "2024-07-02 09:00", in_scope=False),
        _pakn("P6", "2024-05-02 09:00", "2024-05-06 09:00"),            # closed before Q3
        _pakn("P7", "2024-07-01 09:00", "2024-07-22 16:00"),            # on the limit day
    ])
    assert a.period.feedback.loc["P1", "limit_date"] == pd.Timestamp("2024-07-22")
    frame = compute(a)
    assert figures(frame, "feedback_ontime_rate") == (2, 4)
    assert figures(frame, "feedback_ontime_rate", "ytd") == (3, 5)


def _doc(did: str, issued: str, reviewed=None, result=None, handled=None) -> dict:
    return {"document_id": did, "unit_code": UNIT, "issued_at": issued, "reviewed_at": reviewed,
            "review_result": result, "handled_at": handled}


def test_legal_document_rates() -> None:
    a = analysis([dossier("A")], legal_documents=[
        _doc("D1", "2024-01-10", "2024-03-01", "valid"),
        _doc("D2", "2024-02-01", "2024-07-01", "amend", "2024-08-01"),
        _doc("D3", "2024-03-01", "2024-07-15", "repeal"),
        _doc("D4", "2024-04-01"),
        _doc("D5", "2024-05-01", "2024-09-20", "amend"),                # reviewed after as-of
        _doc("D6", "2024-09-20"),                                      # issued after as-of
        _doc("D7", "2024-03-05", "2024-07-01", "amend", "2024-09-30"),  # handled after as-of
    ])
    frame = compute(a)
    for scope in ("period", "ytd"):
        assert figures(frame, "legal_docs_reviewed_rate", scope) == (4, 6)
        assert figures(frame, "legal_docs_handled_rate", scope) == (1, 3)


def _task(tid: str, due: str, done: str | None = None) -> dict:
    return {"task_id": tid, "unit_code": UNIT, "due_date": due, "done_date": done,
            "title": tid}


def test_plan_task_ontime_rate() -> None:
    a = analysis([dossier("A")], plan_tasks=[
        _task("T1", "2024-03-31", "2024-03-30"),
        _task("T2", "2024-06-30", "2024-07-05"),
        _task("T3", "2024-08-31"),
        _task("T4", "2024-10-31"),                       # not due yet
        _task("T5", "2023-11-30", "2023-11-29"),         # done, due before the year: out
        _task("T6", "2023-10-31"),                       # still not done: in
        _task("T7", "2024-09-10", "2024-09-20"),         # done after as-of
    ])
    frame = compute(a)
    assert figures(frame, "plan_task_ontime_rate") == (1, 5)
    assert figures(frame, "plan_task_ontime_rate", "ytd") == (1, 5)


def test_electronic_result_rate_counts_status_done_only() -> None:
    a = analysis([
        dossier("A", due="2024-07-03", finished="2024-07-03 09:00", status="done",
                electronic_result=True),
        dossier("B", due="2024-07-03", finished="2024-07-03 09:00", status="done"),
        dossier("C", due="2024-07-03", finished="2024-07-03 09:00", status="rejected",
                electronic_result=True),
        dossier("D", due="2024-09-10", finished="2024-09-20 09:00", status="done",
                electronic_result=True),
    ])
    assert figures(compute(a), "electronic_result_rate") == (1, 2)


def test_tt01_total_row_is_the_tt01_score() -> None:
    """Counted by hand (TT 01/2018 Điều 13–15; unit defaults of unit_settings.yaml):
    period — i1 (E 2, O 1, L 0, M 2; N has no appointment) 5/4 → 1,3; i3 (E, O, L, N 2, M 0)
    8/5 → 1,6; i7 = i1 (no complaint) 1,3; i5 1, i6 1 (defaults); i8 2 (no PAKN due); i9 0
    (no online dossier) → 8,2. Year to date adds OLD (early, no request): i1 7/5 → 1,4;
    i3 10/6 → 1,7; i7 1,4 → 8,5."""
    frame = compute(timeliness_case())
    for scope_name, total in (("period", 8.2), ("ytd", 8.5)):
        r = row(frame, "tt01_total", scope_name)
        assert r["value"] == r["numerator"] == total and math.isnan(r["denominator"])
        assert r["target"] == 12 and not r["met"]


def test_zero_denominators_are_empty_and_explained() -> None:
    a = analysis([])
    frame = compute(a)
    rate = row(frame, "ontime_rate")
    assert (rate["numerator"], rate["denominator"]) == (0, 0)
    assert math.isnan(rate["value"]) and pd.isna(rate["met"])
    details = indicators_of(a).details
    d = row(details, "ontime_rate")
    assert d["empty_reason"] == "Không có hồ sơ được giải quyết trong kỳ"
    assert d["value_text"] == "—"


def test_details_carry_labels_units_sources_and_the_tt01_class() -> None:
    details = indicators_of(timeliness_case()).details
    assert len(details) == 32
    r = row(details, "ontime_rate")
    assert r["unit"] == "%" and r["value_text"] == "60,0%" and pd.isna(r["empty_reason"])
    assert r["scope_label"] == "trong kỳ" and row(details, "ontime_rate", "ytd")["scope_label"] \
        == "lũy kế từ đầu năm"
    assert "NĐ 61/2018" in r["source"] and r["comparison"] == ">="
    tt = row(details, "tt01_total")
    assert tt["unit"] == "điểm" and tt["class_label"] in tt["label_vi"]
    assert row(details, "multi_supplement_count")["value_text"] == "1 hồ sơ"


def test_csv_keeps_only_the_contract_columns(tmp_path) -> None:
    data = unit_data(*TIMELINESS_ROWS)
    write_check_outputs(analyse_data(data, Window.parse(Q3)), tmp_path)
    back = pd.read_csv(tmp_path / "indicators.csv")
    assert list(back.columns) == INDICATOR_COLUMNS and len(back) == 32
    r = back[(back.indicator_id == "ontime_rate") & (back.scope == "period")].iloc[0]
    assert (r.numerator, r.denominator, r.value, r.target) == (3, 5, 0.6, 0.95)
    assert not r.met
    empty = back[(back.indicator_id == "survey_coverage") & (back.scope == "period")].iloc[0]
    assert math.isnan(empty.value) and math.isnan(empty.met)


def test_breakdown_by_handler_and_field() -> None:
    a = analysis([
        dossier("A1", due="2024-07-03", finished="2024-07-02 09:00", status="done", handler="An"),
        dossier("A2", due="2024-07-03", finished="2024-07-05 09:00", status="done", handler="An"),
        dossier("B1", "2.000635", due="2024-07-01", finished="2024-07-01 10:00", status="done",
                handler="Bình"),
        dossier("X1", due="2024-07-03", finished="2024-07-03 09:00", status="done"),
    ], [event("A1", "supplement_request", "2024-07-01 10:00"),
        event("A1", "supplement_request", "2024-07-01 11:00")])
    by_handler = indicator_breakdown(a.period, "handler")
    ontime = by_handler[by_handler.indicator_id == "ontime_rate"].set_index("group")
    assert ontime["numerator"].to_dict() == {"An": 1, "Bình": 1, "(chưa ghi cán bộ xử lý)": 1}
    assert ontime.loc["An", "denominator"] == 2 and ontime.loc["An", "value"] == 0.5
    multi = by_handler[by_handler.indicator_id == "multi_supplement_count"]
    assert multi["group"].tolist() == ["An"] and multi["denominator"].isna().all()
    assert "online_rate" not in set(by_handler.indicator_id)          # not per handler
    by_field = indicator_breakdown(a.period, "field")
    fields = by_field[by_field.indicator_id == "ontime_rate"].set_index("group")["denominator"]
    assert fields.to_dict() == {"Chứng thực": 3, "Hộ tịch": 1}
    with pytest.raises(ValueError):
        indicator_breakdown(a.period, "applicant_name")


def test_ontime_by_month_follows_the_window_kind() -> None:
    rows = [
        dossier("A", received="2024-07-10 09:00", due="2024-07-14",
                finished="2024-07-12 09:00", status="done"),
        dossier("B", received="2024-07-10 09:00", due="2024-07-14",
                finished="2024-07-15 09:00", status="done"),
        dossier("C", received="2024-07-10 09:00", due="2024-07-20",
                finished="2024-07-16 09:00", status="done"),
    ]
    nd09 = ontime_by_month(analysis(rows).ytd)
    assert [str(m) for m in nd09["month"]] == ["2024-07", "2024-08"]   # 15/7 opens August
    assert nd09["label_vi"].tolist() == ["T07/2024", "T08/2024"]
    assert nd09["numerator"].tolist() == [1, 1] and nd09["denominator"].tolist() == [1, 2]
    assert nd09["cumulative_value"].iloc[-1] == pytest.approx(2 / 3)
    cal = ontime_by_month(analysis(rows, window="calendar").ytd)
    assert [str(m) for m in cal["month"]] == ["2024-07"] and cal["denominator"].tolist() == [3]


def test_ontime_rate_on_each_base() -> None:
    bases = ontime_rate_bases(timeliness_case().period).set_index("base")
    assert bases.loc["settled", ["numerator", "denominator"]].tolist() == [3, 5]
    # received in the window (not withdrawn): E O L N M PW PO PN F = 9
    assert bases.loc["received", "denominator"] == 9
    # due = settled (E, O, L, N, M) + pending overdue (PO, F) = 7
    assert bases.loc["due", "denominator"] == 7


def test_late_dossiers_per_handler() -> None:
    a = analysis([
        dossier("A1", due="2024-07-03", handler="An"),
        dossier("A2", due="2024-07-03", finished="2024-07-05 09:00", status="done", handler="An"),
        dossier("B1", due="2024-07-03", handler="Bình"),
        dossier("B2", due="2024-07-03", finished="2024-07-02 09:00", status="done", handler="Bình"),
    ], [event("A2", "apology", "2024-07-02 09:00")])
    late = late_by_handler(a.period).set_index("handler")
    assert late.loc["An", ["late", "without_apology", "repeated"]].tolist() == [2, 1, True]
    assert late.loc["Bình", ["late", "without_apology", "repeated"]].tolist() == [1, 1, False]


def test_survey_facts_map_returned_at_also_for_an_empty_unit() -> None:
    """registers.survey_facts (changed here): repeated and unknown dossier codes, empty unit."""
    a = analysis([dossier("A", returned_at="2024-07-02 10:00")], surveys=[
        {"survey_id": "S1", "dossier_code": "A", "surveyed_at": "2024-07-03 09:00"},
        {"survey_id": "S2", "dossier_code": "A", "surveyed_at": "2024-07-04 09:00"},
        {"survey_id": "S3", "dossier_code": "ZZ", "surveyed_at": "2024-07-04 09:00"},
    ])
    returned = a.period.surveys["dossier_returned_at"]
    assert returned.loc["S1"] == returned.loc["S2"] == pd.Timestamp("2024-07-02 10:00")
    assert pd.isna(returned.loc["S3"]) and not a.period.surveys.loc["S3", "dossier_known"]
    assert analysis([]).period.surveys.empty
