"""Self-inspection statuses on hand-made indicator, finding and task frames; duties by section."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from parbook.contract import FINDINGS_COLUMNS, INDICATOR_COLUMNS
from parbook.pipeline import prepare
from parbook.plan.inspection import (
    DUTY_COLUMNS,
    INSPECTION_COLUMNS,
    duties_by_section,
    self_inspection,
)
from parbook.plan.model import expand_tasks, load_plan
from parbook.timeline.periods import Window
from tests.builders import UNIT, dossier, unit_data

PLAN = load_plan()
T = pd.Timestamp


def tid(requirement: str, n: int) -> str:
    return f"kh-par-sipas-2024-{requirement}-{n}"


def tasks(done: dict[str, tuple[str, str | None]] | None = None) -> list[dict[str, Any]]:
    """The plan's tasks of the test unit; ``done`` maps task ids to (done_date, evidence)."""
    rows = expand_tasks(PLAN, UNIT)
    for row in rows:
        if done and row["task_id"] in done:
            row["done_date"], row["evidence"] = done[row["task_id"]]
    return rows


def ind(*rows: tuple) -> pd.DataFrame:
    """(indicator_id, scope, numerator, denominator, value[, target, met]) rows."""
    full = [(*r, *(None,) * (7 - len(r))) for r in rows]
    return pd.DataFrame(full, columns=INDICATOR_COLUMNS)


def find(*rows: tuple[str, str]) -> pd.DataFrame:
    """(check_id, record_key) findings."""
    return pd.DataFrame([{"check_id": c, "severity": "violation", "entity": "x", "record_key": k,
                          "message": f"{c} {k}"} for c, k in rows], columns=FINDINGS_COLUMNS)


def inspect(indicators: pd.DataFrame | None = None, findings: pd.DataFrame | None = None,
            plan_tasks: list[dict] | None = None, period: str = "2024-Q3", as_of: str | None = None,
            dossiers: list[dict] | None = None, criteria_file: Path | None = None, **kw: Any
            ) -> tuple[pd.DataFrame, Any]:
    data = unit_data(dossiers if dossiers is not None else [dossier("A")], plan_tasks=plan_tasks,
                     **kw)
    a = prepare(data, Window.parse(period, as_of=as_of))
    a.indicators = indicators if indicators is not None else ind()
    a.findings = findings if findings is not None else find()
    return self_inspection(a, PLAN, criteria_file).set_index("requirement_id"), a


def status(table: pd.DataFrame, rid: str) -> str:
    return table.loc[rid, "status"]


def test_table_shape_and_vocabulary() -> None:
    table, _ = inspect()
    assert list(table.reset_index().columns) == INSPECTION_COLUMNS
    assert list(table.index) == [f"R{i}" for i in range(1, 49)]
    assert set(table["status"]) <= {"đạt", "chưa đạt", "chưa đến hạn", "chưa có dữ liệu"}
    assert table.loc["R11", "sections"].startswith("Văn phòng – Thống kê; Tư pháp")


@pytest.mark.parametrize("value,r8,r12", [
    (0.951, "đạt", "đạt"), (0.95, "chưa đạt", "đạt"), (0.9499, "chưa đạt", "chưa đạt"),
])
def test_on_time_targets_strict_and_not(value: float, r8: str, r12: str) -> None:
    table, _ = inspect(ind(("ontime_rate_766", "ytd", value * 1000, 1000, value),
                           ("ontime_rate", "ytd", value * 1000, 1000, value, 0.95, None)))
    assert (status(table, "R8"), status(table, "R12")) == (r8, r12)
    assert "chỉ tiêu > 95,0%" in table.loc["R8", "figure"]


def test_indicator_met_flag_and_missing_rows() -> None:
    table, _ = inspect(ind(("ontime_rate", "ytd", 90, 100, 0.9, 0.95, True),
                           ("tt01_total", "ytd", 11.5, None, 11.5, 12, False)))
    assert status(table, "R12") == "đạt"                  # the frame's met decides
    assert status(table, "R14") == "chưa đạt"
    assert "11,5" in table.loc["R14", "figure"]
    assert status(table, "R8") == "chưa có dữ liệu"       # no row
    assert "chưa có dữ liệu" in table.loc["R8", "figure"]


def test_count_target_and_checks() -> None:
    table, _ = inspect(ind(("multi_supplement_count", "period", 0, None, 0)))
    assert status(table, "R16") == "đạt"
    table, _ = inspect(ind(("multi_supplement_count", "period", 1, None, 1)),
                       find(("HS11", "A")))
    assert status(table, "R16") == "chưa đạt" and "HS11: 1, HS12: 0" in table.loc["R16", "figure"]
    table, _ = inspect(findings=find(("HS10", "A"), ("HS10", "B")))
    assert status(table, "R28") == "chưa đạt" and "HS10: 2" in table.loc["R28", "figure"]
    assert status(table, "R18") == "chưa đạt"


def test_checks_without_data_in_scope() -> None:
    table, _ = inspect()
    assert status(table, "R28") == "đạt"                  # a dossier in scope, no HS10 finding
    assert status(table, "R31") == "chưa có dữ liệu"      # no PAKN: PA01 has nothing to look at
    table, _ = inspect(dossiers=[])
    assert status(table, "R28") == "chưa có dữ liệu"


def test_empty_rate_yields_to_a_deciding_check() -> None:
    empty_rate = ind(("apology_coverage", "ytd", 0, 0, None, 1.0, None))
    table, _ = inspect(empty_rate)
    assert status(table, "R19") == "đạt"                  # no late dossier, no HS08 finding
    table, _ = inspect(empty_rate, find(("HS08", "A")))
    assert status(table, "R19") == "chưa đạt"
    table, _ = inspect(ind(("apology_coverage", "ytd", 1, 2, 0.5, 1.0, False)))
    assert status(table, "R19") == "chưa đạt"


def test_manual_duties_statuses() -> None:
    ev = "Báo cáo số 5/BC-UBND"
    on_time = {tid("R4", 1): ("2024-03-10", ev), tid("R4", 2): ("2024-06-14", ev),
               tid("R4", 3): ("2024-09-13", ev)}
    table, _ = inspect(plan_tasks=tasks(on_time))
    assert status(table, "R4") == "đạt"
    assert table.loc["R4", "figure"].startswith("Nhiệm vụ đến hạn 3: đúng hạn 3")
    assert table.loc["R4", "evidence"] == ev and table.loc["R4", "next_due"] == T("2024-12-14")

    table, _ = inspect(plan_tasks=tasks({**on_time, tid("R4", 3): (None, None)}))
    assert status(table, "R4") == "chưa đạt" and "quá hạn chưa xong 1" in table.loc["R4", "figure"]
    assert table.loc["R4", "next_due"] == T("2024-09-14")

    table, _ = inspect(plan_tasks=tasks({**on_time, tid("R4", 2): ("2024-06-20", ev)}))
    assert status(table, "R4") == "chưa đạt" and "hoàn thành trễ 1" in table.loc["R4", "figure"]

    table, _ = inspect(plan_tasks=tasks({**on_time, tid("R4", 2): ("2024-06-10", " ")}))
    assert status(table, "R4") == "chưa đạt" and "thiếu kiểm chứng 1" in table.loc["R4", "figure"]


def test_register_duties_do_not_require_evidence() -> None:
    done = {tid("R23", n): (d, None) for n, d in ((1, "2024-03-14"), (2, "2024-06-01"),
                                                   (3, "2024-09-02"))}
    table, _ = inspect(plan_tasks=tasks(done))
    assert status(table, "R23") == "đạt" and "thiếu kiểm chứng 3" in table.loc["R23", "figure"]


def test_duties_not_yet_due_and_not_loaded() -> None:
    table, _ = inspect(plan_tasks=tasks(), period="2024-Q1", as_of="2024-03-01")
    assert status(table, "R4") == "chưa đến hạn"
    assert "hạn gần nhất 14/03/2024" in table.loc["R4", "figure"]
    assert status(table, "R1") == "chưa đến hạn"          # NV01 has no due task; rate empty
    table, _ = inspect()
    assert status(table, "R4") == "chưa có dữ liệu"
    assert "parbook plan load" in table.loc["R4", "figure"]


def test_a_done_date_after_as_of_has_not_happened_yet() -> None:
    table, _ = inspect(plan_tasks=tasks({tid("R4", 1): ("2024-03-10", "x"),
                                         tid("R4", 2): ("2024-06-14", "y")}),
                       period="2024-Q2", as_of="2024-06-13")
    assert status(table, "R4") == "đạt"                   # Q2 due 14/6, after as-of
    table, _ = inspect(plan_tasks=tasks({tid("R4", 1): ("2024-03-20", "x")}),
                       period="2024-Q1", as_of="2024-03-14")
    assert status(table, "R4") == "chưa đạt"              # done on 20/3: not done at 14/3


CRITERIA = """
code: thu
title: "Thử"
nodes:
  - id: "1"
    name: "Tư pháp"
    max: 3
    section: TP
    children:
      - {id: "1.1", name: "Rà soát", max: 1, auto: {indicator: legal_docs_reviewed_rate,
         bands: [{at_least: 1.0, points: 1}]}}
      - {id: "1.2", name: "Theo dõi thi hành pháp luật", max: 2}
  - id: "2"
    name: "Văn phòng"
    max: 2
    section: VP-TK
"""


@pytest.fixture
def criteria(tmp_path: Path) -> Path:
    path = tmp_path / "criteria.yaml"
    path.write_text(CRITERIA, encoding="utf-8")
    return path


def self_score(cid: str, score: float, evidence: str | None) -> dict:
    return {"unit_code": UNIT, "year": 2024, "criterion_id": cid, "score": score,
            "evidence": evidence}


def test_criteria_measures(criteria: Path) -> None:
    reviewed = ind(("legal_docs_reviewed_rate", "ytd", 4, 4, 1.0, 1.0, True))
    table, _ = inspect(reviewed, criteria_file=criteria)
    assert status(table, "R44") == "chưa đến hạn"         # 1.2 not scored, before 14/12
    assert status(table, "R7") == "chưa đến hạn"
    table, _ = inspect(reviewed, criteria_file=criteria, period="2024",
                       self_scores=[self_score("1.2", 2, "KH 3/KH-UBND")])
    assert status(table, "R44") == "đạt"                  # only TP criteria count for R44
    assert status(table, "R7") == "chưa đạt"              # "2" unscored at the year end
    assert "Tự chấm: 3/3 điểm" in table.loc["R44", "figure"]
    table, _ = inspect(reviewed, criteria_file=criteria,
                       self_scores=[self_score("1.2", 2, None), self_score("2", 2, "QĐ 1")])
    assert status(table, "R44") == "chưa đạt"             # scored without evidence
    assert table.loc["R7", "evidence"] == "1/2 tiêu chí tự chấm có tài liệu kiểm chứng"


def test_staff_with_repeated_late_dossiers_is_a_figure_not_a_status() -> None:
    late = [dossier(c, received="2024-07-01 09:00", due="2024-07-03", finished=f"2024-07-{d}",
                    status="done", handler=h)
            for c, d, h in (("A", "10", "Cán bộ 1"), ("B", "11", "Cán bộ 1"), ("C", "12", "Cán bộ 2"))]
    table, _ = inspect(dossiers=late)
    assert "Công chức có từ 2 hồ sơ trễ hạn trở lên (lũy kế năm): 1" in table.loc["R29", "figure"]
    assert "Cán bộ" not in table.loc["R29", "figure"]
    assert status(table, "R29") == "chưa có dữ liệu"      # its manual duty is not loaded


def test_duties_by_section_from_nv_findings() -> None:
    rows = tasks({tid("R40", 1): ("2024-12-20", "BC 1"), tid("R9", 1): ("2024-12-01", None)})
    rows.append({"task_id": "NV-RIENG-1", "unit_code": UNIT, "plan_code": "kh-xa",
                 "requirement_id": None, "department": "văn phòng - thống kê",
                 "title": "Nhiệm vụ riêng", "due_date": "2024-11-30"})
    _, a = inspect(plan_tasks=rows, period="2024", as_of="2024-12-31",
                   findings=find(("NV01", tid("R40", 1)), ("NV02", tid("R9", 1)),
                                 ("NV01", tid("R4", 4)), ("NV01", "NV-RIENG-1"), ("HS08", "A")))
    duties = duties_by_section(a)
    assert list(duties.columns) == DUTY_COLUMNS
    assert list(duties["section"]) == ["Tư pháp", "Văn phòng – Thống kê", "Văn phòng – Thống kê",
                                       "Văn phòng – Thống kê"]
    vp = duties[duties["section"] == "Văn phòng – Thống kê"]
    assert list(vp["task_id"]) == ["NV-RIENG-1", tid("R4", 4), tid("R9", 1)]
    by_id = duties.set_index("task_id")
    assert by_id.loc[tid("R40", 1), "problem"] == "hoàn thành trễ hạn"
    assert by_id.loc[tid("R40", 1), "days_late"] == 6
    assert by_id.loc[tid("R4", 4), "problem"] == "quá hạn, chưa hoàn thành"
    assert by_id.loc[tid("R4", 4), "days_late"] == 17
    assert by_id.loc[tid("R9", 1), "problem"] == "hoàn thành nhưng thiếu tài liệu kiểm chứng"
    assert pd.isna(by_id.loc[tid("R9", 1), "days_late"])
    _, a = inspect(plan_tasks=rows)
    assert duties_by_section(a).empty


def test_no_plan_for_the_year_gives_an_empty_table() -> None:
    a = prepare(unit_data([dossier("A", received="2025-07-01 09:00")]), Window.parse("2025-Q3"))
    table = self_inspection(a)
    assert table.empty and list(table.columns) == INSPECTION_COLUMNS
    a = prepare(unit_data([dossier("A")]), Window.parse("2024-Q3"))
    assert len(self_inspection(a)) == 48                  # the 2024 plan is found by year


def test_a_unit_without_dossiers_can_be_inspected() -> None:
    """registers.survey_facts once failed on an empty dossier frame (pandas 3 Series.map)."""
    from parbook.timeline.registers import survey_facts

    survey = {"survey_id": "S1", "dossier_code": "A", "surveyed_at": "2024-07-03 10:00"}
    facts = survey_facts(unit_data([], surveys=[survey]), Window.parse("2024-Q3"))
    assert not facts.loc["S1", "dossier_known"]
    assert pd.isna(facts.loc["S1", "dossier_returned_at"])
    facts = survey_facts(unit_data([dossier("A", returned_at="2024-07-02 10:00")],
                                   surveys=[survey]), Window.parse("2024-Q3"))
    assert facts.loc["S1", "dossier_returned_at"] == T("2024-07-02 10:00")
    table, _ = inspect(dossiers=[], plan_tasks=tasks({tid("R4", 1): ("2024-03-01", "BC 1")}))
    assert status(table, "R12") == "chưa có dữ liệu"


def test_a_requirement_status_comes_from_its_own_tasks() -> None:
    """R32's own duties are done on time: NV01 findings on other requirements' tasks do not make
    it "chưa đạt"; a finding on one of its own tasks does."""
    own = {t["task_id"]: (str(t["due_date"]), "Báo cáo số 1") for t in tasks()
           if t["requirement_id"] == "R32" and t["due_date"] <= pd.Timestamp("2024-09-14").date()}
    others = find(("NV01", tid("R40", 1)), ("NV01", tid("R10", 2)))
    table, _ = inspect(findings=others, plan_tasks=tasks(own))
    assert status(table, "R32") == "đạt", table.loc["R32", "figure"]
    assert "NV01: 0" in table.loc["R32", "figure"]
    assert status(table, "R10") == "chưa đạt"             # its own task has the finding
    table, _ = inspect(findings=find(("NV01", tid("R32", 2))), plan_tasks=tasks(own))
    assert status(table, "R32") == "chưa đạt"
