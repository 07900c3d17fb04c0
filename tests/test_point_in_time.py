"""Every table shows the world as it was on the as-of date (DESIGN.md §5): a resolution, review,
return or completion dated after it has not happened yet, in the frames the notebooks show as in
the figures."""

from __future__ import annotations

import pandas as pd

from parbook.pipeline import Analysis, analyse_data
from parbook.quality.checks import failing_records as quality_failing_records
from parbook.timeline.periods import Window
from tests.builders import UNIT, dossier, unit_data


def failing_records(analysis: Analysis, check_id: str) -> pd.DataFrame:
    return quality_failing_records(analysis.findings.frame, analysis.facts, analysis.forms.bieu06,
                                   check_id)

WINDOW = Window.parse("2024-Q3")          # 2024-06-15 … 2024-09-14, as-of 2024-09-14


def _analysis():
    data = unit_data(
        [dossier("LATE", due="2024-07-03", finished="2024-09-20 09:00", status="done",
                 returned_at="2024-09-20 10:00")],
        feedback=[{"feedback_id": "F1", "unit_code": UNIT, "received_at": "2024-07-01 09:00",
                   "resolved_at": "2024-09-20 09:00", "in_scope": True}],
        legal_documents=[{"document_id": "D1", "unit_code": UNIT, "issued_at": "2024-01-10",
                          "reviewed_at": "2024-09-20", "review_result": "amend",
                          "handled_at": "2024-09-25", "handling": "Sửa đổi"}],
        surveys=[{"survey_id": "S1", "dossier_code": "LATE", "surveyed_at": "2024-09-10 09:00"}],
        plan_tasks=[{"task_id": "T1", "unit_code": UNIT, "requirement_id": "R1",
                     "due_date": "2024-08-01", "done_date": "2024-09-20", "evidence": "x"}],
    )
    return analyse_data(data, WINDOW)


def test_registers_show_nothing_after_the_as_of_date() -> None:
    a = _analysis()
    period = a.facts.period
    assert pd.isna(period.feedback.loc["F1", "resolved_at"])
    docs = period.legal_documents.loc["D1"]
    assert pd.isna(docs["reviewed_at"]) and docs["review_result"] is None
    assert pd.isna(docs["handled_at"]) and docs["handling"] is None
    assert pd.isna(period.plan_tasks.loc["T1", "done_date"])
    assert pd.isna(period.surveys.loc["S1", "dossier_returned_at"])


def test_failing_records_show_the_as_of_state() -> None:
    """Notebook 01's tables: a task done after as-of is "not done" there, as in notebook 04."""
    a = _analysis()
    nv01 = failing_records(a, "NV01").set_index("task_id")
    assert pd.isna(nv01.loc["T1", "done_date"])
    assert "chưa hoàn thành" in nv01.loc["T1", "message"]
    duties = a.plan.duties.set_index("task_id")
    assert pd.isna(duties.loc["T1", "done_date"]) and duties.loc["T1", "problem"].startswith("quá hạn")
    hs08 = failing_records(a, "HS08").set_index("dossier_code")
    assert pd.isna(hs08.loc["LATE", "finished_asof"])
    assert hs08.loc["LATE", "timeliness"] == "pending_overdue"
    pa01 = failing_records(a, "PA01").set_index("feedback_id")
    assert pd.isna(pa01.loc["F1", "resolved_at"])
    vb02 = failing_records(a, "VB02").set_index("document_id")
    assert pd.isna(vb02.loc["D1", "reviewed_at"])
