"""TT 01/2018/TT-VPCP evaluation: hand-computed cases and every threshold boundary."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from parbook.analysis import tt01
from parbook.analysis.tt01 import commune_class, dossier_scores, round1, staff_band, unit_settings
from parbook.timeline import scope
from parbook.timeline.periods import Window
from tests.builders import UNIT, dossier, event, unit_data

DEFAULTS = unit_settings(UNIT)


def prepared(dossiers=(), events=(), procedures_online=None, **registers):
    data = unit_data(list(dossiers), list(events), **registers)
    if procedures_online is not None:
        data.procedures["online_level"] = data.procedures["procedure_code"].map(
            procedures_online).fillna("none")
    return scope.build(data, Window.parse("2024-Q3"))


def evaluate(a, **settings):
    return tt01.evaluate(a.period, a.data.procedures, {**DEFAULTS, **settings})


def score(ev, number: int) -> float:
    return ev.indicators.set_index("indicator").loc[number, "score"]


def settled(code, due, finished, status="done", **kw):
    return dossier(code, due=due, finished=finished, status=status, **kw)


@pytest.mark.parametrize("points,count,expected", [
    (1, 4, 0.3),     # 0.25 → 0.3: half up, not banker's 0.2
    (5, 3, 1.7), (3, 8, 0.4), (1, 20, 0.1), (7, 7, 1.0), (0, 5, 0.0), (3, 2, 1.5),
])
def test_round1_is_half_up_and_exact(points: int, count: int, expected: float) -> None:
    assert round1(points, count) == expected


@pytest.mark.parametrize("total,label", [
    (18, "xuất sắc"), (15, "xuất sắc"), (14.9, "tốt"), (12, "tốt"), (11.9, "khá"), (9, "khá"),
    (8.9, "trung bình"), (6, "trung bình"), (5.9, "yếu"), (0, "yếu"), (None, None),
])
def test_commune_class_boundaries(total, label) -> None:
    assert commune_class(total) == label


@pytest.mark.parametrize("total,max_total,label", [
    (8.4, 14, "khá"),            # 8,4 × 18/14 = 10,8 (the 18-point thresholds would say trung bình)
    (11.7, 14, "xuất sắc"),      # 15,04
    (13.4, 16, "xuất sắc"),      # 15,075 ≥ 15
    (13.3, 16, "tốt"),           # 14,9625
    (4.6, 14, "yếu"),            # 5,914…
])
def test_commune_class_on_thresholds_scaled_to_the_indicators_evaluated(total, max_total,
                                                                         label) -> None:
    assert commune_class(total, max_total) == label


@pytest.mark.parametrize("value,band", [
    (10, "hoàn thành 100% nhiệm vụ"), (5, "hoàn thành 100% nhiệm vụ"),
    (4.9, "hoàn thành từ 70% đến dưới 100% nhiệm vụ"),
    (3.5, "hoàn thành từ 70% đến dưới 100% nhiệm vụ"),
    (3.4, "hoàn thành dưới 70% nhiệm vụ"), (0, "hoàn thành dưới 70% nhiệm vụ"), (None, None),
])
def test_staff_band_boundaries(value, band) -> None:
    assert staff_band(value) == band


def test_dossier_points_for_indicators_1_3_7() -> None:
    a = prepared([
        settled("EARLY", "2024-07-03", "2024-07-02 09:00"),
        settled("ONTIME1", "2024-07-03", "2024-07-03 09:00"),
        settled("LATE2", "2024-07-03", "2024-07-04 09:00", status="rejected"),
        settled("COMPLAINT", "2024-07-03", "2024-07-02 09:00"),
        settled("NODUE", None, "2024-07-02 09:00"),
        dossier("PENDING", due="2024-09-20"),
        settled("WITHDRAWN", "2024-07-03", "2024-07-02 09:00", status="withdrawn"),
    ], [event("ONTIME1", "supplement_request", "2024-07-01 10:00"),
        event("LATE2", "supplement_request", "2024-07-01 10:00"),
        event("LATE2", "supplement_request", "2024-07-02 10:00")],
        feedback=[{"feedback_id": "F1", "unit_code": UNIT, "received_at": "2024-07-05 09:00",
                   "dossier_code": "COMPLAINT", "about_staff": True, "in_scope": True}])
    s = dossier_scores(a.period.dossiers).set_index("dossier_code")
    assert set(s.index) == {"EARLY", "ONTIME1", "LATE2", "COMPLAINT", "NODUE"}
    assert s.loc["EARLY", ["i1", "i3", "i7"]].tolist() == [2, 2, 2]
    assert s.loc["ONTIME1", ["i1", "i3", "i7"]].tolist() == [1, 1, 1]
    assert s.loc["LATE2", ["i1", "i3", "i7"]].tolist() == [0, 0, 0]
    assert s.loc["COMPLAINT", ["i1", "i3", "i7"]].tolist() == [2, 2, 0]   # PAKN about staff
    assert math.isnan(s.loc["NODUE", "i1"]) and math.isnan(s.loc["NODUE", "i7"])
    assert s.loc["NODUE", "i3"] == 2


def test_hand_computed_commune_total() -> None:
    a = prepared([
        settled("E", "2024-07-03", "2024-07-02 09:00"),
        settled("O", "2024-07-03", "2024-07-03 09:00"),
        settled("L", "2024-07-03", "2024-07-04 09:00"),
    ], [event("O", "supplement_request", "2024-07-01 10:00")])
    ev = evaluate(a)
    # 1: (2+1+0)/3 = 1.0; 3: (2+1+2)/3 = 1.67 → 1.7; 7: 1.0; 5: 1 and 6: 1 (default settings);
    # 8: no PAKN → 2; 9: the catalogue has no DVCTT level → excluded; 2, 4: no step data.
    assert [score(ev, i) for i in (1, 3, 5, 6, 7, 8)] == [1.0, 1.7, 1, 1, 1.0, 2]
    # 6 indicators had data (max 12 points): 7,7 × 18/12 = 11,55 → khá (not "trung bình" on the
    # thresholds of all 9 indicators, which 12 points could never reach)
    assert ev.total == pytest.approx(7.7) and ev.class_label == "khá"
    assert ev.max_total == 12 and ev.evaluated == 6
    excluded = ev.indicators.loc[~ev.indicators["included"], "indicator"].tolist()
    assert excluded == [2, 4, 9] and len(ev.excluded) == 3
    assert "Chỉ số 9" in ev.excluded[2]


def test_no_settled_dossier_excludes_the_dossier_indicators() -> None:
    ev = evaluate(prepared([dossier("P", due="2024-09-20")]))
    assert not ev.indicators.set_index("indicator").loc[[1, 3, 7], "included"].any()
    # 5: 1, 6: 1, 8: 2 — three indicators are too few to classify (rules.yaml: at least 6)
    assert ev.total == 4 and ev.evaluated == 3 and ev.class_label is None


@pytest.mark.parametrize("settings,expected", [
    ({"bpmc_processes_all": True, "bpmc_receives_returns_all": True}, 2),
    ({"bpmc_processes_all": False, "bpmc_receives_returns_all": True}, 1),
    ({"bpmc_processes_all": False, "bpmc_receives_returns_all": False}, 0),
    ({"bpmc_processes_all": None, "bpmc_receives_returns_all": None}, None),
])
def test_indicator5_from_settings(settings, expected) -> None:
    ev = evaluate(prepared([dossier("P")]), **settings)
    value = score(ev, 5)
    assert (None if math.isnan(value) else value) == expected


@pytest.mark.parametrize("office,online,complete,expected", [
    (True, True, True, 2), (True, True, False, 1), (True, False, True, 1), (False, True, True, 1),
    (False, False, True, 0), (None, None, None, None),
])
def test_indicator6_from_settings(office, online, complete, expected) -> None:
    ev = evaluate(prepared([dossier("P")]), published_at_office=office, published_online=online,
                  published_accurate_complete_timely=complete)
    value = score(ev, 6)
    assert (None if math.isnan(value) else value) == expected


def _pakn(n_ontime: int, n_late: int) -> list[dict]:
    rows = []
    for i in range(n_ontime + n_late):
        resolved = "2024-07-05 09:00" if i < n_ontime else "2024-08-30 09:00"
        rows.append({"feedback_id": f"F{i}", "unit_code": UNIT, "received_at": "2024-07-01 09:00",
                     "resolved_at": resolved, "in_scope": True})
    return rows


@pytest.mark.parametrize("ontime,late,expected", [
    (0, 0, 2), (10, 0, 2), (9, 1, 1), (17, 2, 0), (18, 2, 1), (0, 1, 0),
])
def test_indicator8_boundaries(ontime: int, late: int, expected: int) -> None:
    # 9/10 = 90% → 1 point; 17/19 = 89.5% → 0; 18/20 = 90% → 1
    ev = evaluate(prepared([dossier("P")], feedback=_pakn(ontime, late)))
    assert score(ev, 8) == expected


def _received(n_online: int, n_total: int, late_online: bool = False) -> list[dict]:
    rows = []
    for i in range(n_total):
        online = i < n_online
        due = "2024-07-03" if not (late_online and i == 0) else "2024-07-02"
        rows.append(settled(f"D{i:03}", due, "2024-07-03 09:00",
                            channel="online" if online else "direct"))
    return rows


@pytest.mark.parametrize("n_online,share,expected", [
    (12, 0.20, 2),    # 30% online and 20% of TTHC with DVCTT 3–4
    (11, 0.20, 1),    # 27.5%
    (12, 0.19, 1),    # 30% but the catalogue share below 20%
    (6, 0.20, 1),     # 15% exactly
    (5, 0.20, 0),     # 12.5%
    (12, 0.0, 0),     # no DVCTT mức 3, 4
])
def test_indicator9_boundaries(n_online: int, share: float, expected: int) -> None:
    ev = evaluate(prepared(_received(n_online, 40)), online_service_share=share)
    assert score(ev, 9) == expected


def test_indicator9_late_online_dossier_and_catalogue_share() -> None:
    ev = evaluate(prepared(_received(12, 40, late_online=True)), online_service_share=0.5)
    assert score(ev, 9) == 0                                   # an online dossier overdue
    a = prepared(_received(12, 40), procedures_online={"2.001035": "full", "1.001193": "partial"})
    n = len(a.data.procedures)
    share, text = tt01.service_share(a.data.procedures, DEFAULTS)
    assert share == pytest.approx(2 / n) and "(danh mục)" in text
    assert score(evaluate(a), 9) == (2 if 2 / n >= 0.2 else 1)
    assert pd.isna(score(evaluate(prepared([])), 9))           # nothing received: excluded


def test_staff_scores_per_handler() -> None:
    a = prepared([
        settled("A1", "2024-07-03", "2024-07-02 09:00", handler="An"),
        settled("A2", "2024-07-03", "2024-07-03 09:00", handler="An"),
        settled("B1", "2024-07-03", "2024-07-04 09:00", handler="Bình"),
        settled("C1", "2024-07-03", "2024-07-03 09:00", handler="Chi"),
        settled("C2", "2024-07-03", "2024-07-03 09:00", handler="Chi"),
        settled("C3", "2024-07-03", "2024-07-03 09:00", handler="Chi"),
        settled("C4", "2024-07-03", "2024-07-02 09:00", handler="Chi"),
        settled("X", "2024-07-03", "2024-07-02 09:00"),
    ], [event("B1", "supplement_request", "2024-07-01 10:00"),
        event("B1", "supplement_request", "2024-07-02 10:00"),
        event("C1", "supplement_request", "2024-07-01 10:00")])
    staff = evaluate(a).staff.set_index("handler")
    # An: 1 = (2+1)/2 = 1.5, 3 = 2, 7 = 1.5 → 5.0
    assert staff.loc["An", ["i1", "i3", "i7", "total"]].tolist() == [1.5, 2.0, 1.5, 5.0]
    assert staff.loc["An", "band"] == "hoàn thành 100% nhiệm vụ"
    assert staff.loc["Bình", "total"] == 0 and staff.loc["Bình", "band"].endswith("dưới 70% nhiệm vụ")
    # Chi: 1 = 5/4 = 1.25 → 1.3; 3 = 7/4 = 1.75 → 1.8; 7 = 1.3 → 4.4 (each rounded first)
    assert staff.loc["Chi", ["i1", "i3", "i7"]].tolist() == [1.3, 1.8, 1.3]
    assert staff.loc["Chi", "total"] == pytest.approx(4.4)
    assert staff.loc["Chi", "band"] == "hoàn thành từ 70% đến dưới 100% nhiệm vụ"
    assert staff.loc["(chưa ghi cán bộ xử lý)", "n_dossiers"] == 1
    assert (staff["max_total"] == 6).all()


def test_unit_settings_merge_defaults_and_unit_entries() -> None:
    assert DEFAULTS["bpmc_receives_returns_all"] is True
    assert DEFAULTS["published_accurate_complete_timely"] is False
    demo = unit_settings("DEMO-ANLOC")
    assert demo["published_accurate_complete_timely"] is True
    assert demo["bpmc_receives_returns_all"] is True and "mô phỏng" in demo["status"]


def test_a_year_and_its_year_to_date_are_evaluated_once() -> None:
    # the year's window and its year to date share their frames: one evaluation, both scopes;
    # a quarter's differ: evaluated apart
    from parbook.analysis.scores import tt01_scores

    data = unit_data([settled("E", "2024-07-03", "2024-07-02 09:00"),
                      settled("L", "2024-03-04", "2024-03-05 09:00")])
    year = tt01_scores(scope.build(data, Window.parse("2024")))
    assert year["ytd"].dossiers is year["period"].dossiers
    assert (year["period"].scope, year["ytd"].scope) == ("period", "ytd")
    quarter_facts = scope.build(data, Window.parse("2024-Q3"))
    quarter = tt01_scores(quarter_facts)
    assert len(quarter["period"].dossiers) == 1 and len(quarter["ytd"].dossiers) == 2
    pd.testing.assert_frame_equal(quarter["ytd"].indicators,
                                  tt01.evaluate_tt01(quarter_facts, "ytd").indicators)
