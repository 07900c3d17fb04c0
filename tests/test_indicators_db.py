"""The indicators computed from a real database (SQLite and PostgreSQL) equal those of the same
rows built in memory: the typed frames of db.read_table feed the same counting rules."""

from __future__ import annotations

from typing import Any

import pandas as pd

from parbook.analysis.indicators import compute_indicators
from parbook.analysis.scores import tt01_scores
from parbook.store import db
from parbook.store.init import init_database
from parbook.timeline import scope
from parbook.timeline.periods import Window
from tests.builders import UNIT, dossier, event, frame, unit_data

DOSSIERS = [
    dossier("E", due="2024-07-03", finished="2024-07-02 10:00", status="done", channel="online",
            digitized=True, electronic_result=True, handler="An", returned_at="2024-07-02 11:00"),
    dossier("L", due="2024-07-03", finished="2024-07-04 08:00", status="rejected", handler="An"),
    dossier("PO", due="2024-09-01", channel="postal"),
    dossier("W", due="2024-07-03", finished="2024-07-02 08:00", status="withdrawn"),
    dossier("OLD", received="2024-04-01 09:00", due="2024-04-03", finished="2024-04-02 09:00",
            status="done"),
]
EVENTS = [event("L", "apology", "2024-07-02 09:00"),
          event("PO", "supplement_request", "2024-07-02 09:00"),
          event("PO", "supplement_request", "2024-07-03 09:00")]
REGISTERS: dict[str, list[dict[str, Any]]] = {
    "surveys": [{"survey_id": "S1", "dossier_code": "E", "surveyed_at": "2024-07-03 09:00",
                 "access": 5, "procedure": 4, "staff": 3, "result": 5, "feedback_handling": 2,
                 "overall": 4}],
    "feedback": [{"feedback_id": "P1", "unit_code": UNIT, "received_at": "2024-07-01 09:00",
                  "resolved_at": "2024-07-30 09:00", "in_scope": True, "about_staff": True,
                  "dossier_code": "E"}],
    "legal_documents": [{"document_id": "D1", "unit_code": UNIT, "issued_at": "2024-01-10",
                         "reviewed_at": "2024-03-01", "review_result": "amend"}],
    "plan_tasks": [{"task_id": "T1", "unit_code": UNIT, "due_date": "2024-06-30",
                    "done_date": "2024-06-20", "evidence": "QĐ 12"}],
}
TABLES = {"surveys": db.surveys, "feedback": db.feedback, "legal_documents": db.legal_documents,
          "plan_tasks": db.plan_tasks}


def _records(table, rows) -> list[dict[str, Any]]:
    typed = frame(table, rows).drop(columns="batch_id")
    typed = typed.astype(object).where(typed.notna(), None)
    return [{k: (v.to_pydatetime() if isinstance(v, pd.Timestamp) else v) for k, v in r.items()}
            for r in typed.to_dict("records")]


def _indicators(facts: scope.Facts) -> pd.DataFrame:
    return compute_indicators(facts, tt01_scores(facts)).frame


def test_database_and_memory_give_the_same_indicators(any_db_url: str) -> None:
    init_database(any_db_url, [{"unit_code": UNIT, "unit_name": "Xã Thử"}])
    with db.begin(any_db_url) as conn:
        conn.execute(db.dossiers.insert(), _records(db.dossiers, DOSSIERS))
        conn.execute(db.dossier_events.insert(), _records(db.dossier_events, EVENTS))
        for name, rows in REGISTERS.items():
            conn.execute(TABLES[name].insert(), _records(TABLES[name], rows))
    window = Window.parse("2024-Q3")
    with db.engine(any_db_url).connect() as conn:
        from_db = _indicators(scope.build(scope.load(conn, UNIT, window), window))
    in_memory = _indicators(scope.build(unit_data(DOSSIERS, EVENTS, **REGISTERS), window))
    pd.testing.assert_frame_equal(from_db, in_memory)
    period = from_db[from_db.scope == "period"].set_index("indicator_id")
    assert period.loc["ontime_rate", ["numerator", "denominator"]].tolist() == [1, 2]
    assert period.loc["multi_supplement_count", "value"] == 1
    assert period.loc["satisfaction_rate", ["numerator", "denominator"]].tolist() == [3, 5]
