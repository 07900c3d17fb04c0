"""Small hand-made unit data for unit tests (no database needed)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from parbook.analysis.forms import build_forms
from parbook.quality.checks import Findings, run_checks
from parbook.store import db
from parbook.store.reference import read_procedures
from parbook.store.unitdata import UnitData
from parbook.timeline import scope
from parbook.timeline.periods import Window
from parbook.timeline.scope import Facts

UNIT = "TEST01"


def frame(table: Any, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A frame with every column of the table, typed like db.read_table gives it."""
    cols = [c.name for c in table.columns]
    data = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols)
    return db.coerce_frame(data, table)


def dossier(code: str, procedure: str = "2.001035", received: str = "2024-07-01 09:00",
            due: str | None = None, finished: str | None = None, status: str = "processing",
            **kw: Any) -> dict[str, Any]:
    """A dossier row with sensible defaults (chứng thực hợp đồng: 2 working days)."""
    return {"dossier_code": code, "unit_code": UNIT, "procedure_code": procedure,
            "channel": "direct", "received_at": received, "due_at": due,
            "finished_at": finished, "status": status, **kw}


def event(code: str, event_type: str, at: str, stage: str | None = None, **kw: Any
          ) -> dict[str, Any]:
    return {"event_id": f"{code}/{event_type}/{at}", "dossier_code": code,
            "event_type": event_type, "event_at": at, "stage": stage, **kw}


def unit_data(dossiers: list[dict], events: list[dict] | None = None,
              surveys: list[dict] | None = None, feedback: list[dict] | None = None,
              legal_documents: list[dict] | None = None, plan_tasks: list[dict] | None = None,
              self_scores: list[dict] | None = None) -> UnitData:
    procs, _ = read_procedures()
    return UnitData(
        unit_code=UNIT,
        unit={"unit_code": UNIT, "unit_name": "Xã Thử", "district": None, "province": None},
        procedures=frame(db.procedures, procs),
        dossiers=frame(db.dossiers, dossiers),
        events=frame(db.dossier_events, events or []),
        surveys=frame(db.surveys, surveys or []),
        feedback=frame(db.feedback, feedback or []),
        legal_documents=frame(db.legal_documents, legal_documents or []),
        plan_tasks=frame(db.plan_tasks, plan_tasks or []),
        self_scores=frame(db.self_scores, self_scores or []),
    )


def facts_of(data: UnitData, window: Window) -> Facts:
    """The timeline stage on hand-made data."""
    return scope.build(data, window)


def findings_of(data: UnitData, window: Window, **kw: Any) -> Findings:
    """The checks on hand-made data (facts, the form for BM01, then the catalogue)."""
    facts = facts_of(data, window)
    return run_checks(facts, build_forms(facts.period).bieu06, **kw)
