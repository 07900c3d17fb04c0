"""Facts of the other registers, as of the as-of date (DESIGN.md §5, §6 scopes).

PAKN (feedback), surveys, legal documents (VBQPPL) and plan tasks: one frame each, restricted to
the rows the window's checks and indicators look at, with the derived columns they need.
"""

from __future__ import annotations

import pandas as pd

from parbook.calendar import WorkCalendar
from parbook.config import rules
from parbook.facts import UnitData, as_days, dated_by, day_of
from parbook.periods import Window

REVIEW_NEEDS_HANDLING = ("amend", "repeal")


def feedback_facts(data: UnitData, window: Window, cal: WorkCalendar | None = None
                   ) -> pd.DataFrame:
    """PAKN received by the cut and not resolved before the window start, indexed by id.

    ``limit_date`` = the 15th working day after the effective receipt day; ``overdue`` = resolved
    after it, or still open at the as-of date past it; ``limit_reached`` = the limit falls on or
    before the as-of date (the denominator of feedback_ontime_rate).
    """
    cal = cal or WorkCalendar.default()
    as_of, start, cut = (pd.Timestamp(x) for x in (window.as_of, window.start, window.cut))
    fb = data.feedback.set_index("feedback_id", drop=False)
    fb.index.name = None
    resolved = dated_by(fb["resolved_at"], as_of)
    fb["resolved_date"] = day_of(fb["resolved_at"]).where(resolved)
    fb["received_date"] = day_of(fb["received_at"])
    received_ok = fb["received_date"].isna() | (fb["received_date"] <= cut)
    fb = fb[received_ok & ~(fb["resolved_date"] < start)].copy()
    effective = cal.next_working_day(fb["received_at"])
    fb["limit_date"] = as_days(
        cal.add_working_days(effective, rules()["feedback_limit_working_days"]), fb.index)
    fb["in_scope"] = fb["in_scope"].fillna(False).astype(bool)
    fb["limit_reached"] = fb["limit_date"] <= as_of
    fb["resolved_on_time"] = fb["resolved_date"].notna() & (fb["resolved_date"] <= fb["limit_date"])
    fb["overdue"] = (fb["resolved_date"] > fb["limit_date"]) | (
        fb["resolved_date"].isna() & (as_of > fb["limit_date"]))
    return fb


def survey_facts(data: UnitData, window: Window) -> pd.DataFrame:
    """Surveys dated in the window, with the returned_at of their dossier (NaT if unknown)."""
    start, cut = pd.Timestamp(window.start), pd.Timestamp(window.cut)
    sv = data.surveys.set_index("survey_id", drop=False)
    sv.index.name = None
    sv = sv[day_of(sv["surveyed_at"]).between(start, cut)].copy()
    dossiers = data.dossiers.set_index("dossier_code")
    sv["dossier_known"] = sv["dossier_code"].isin(dossiers.index)
    # reindex, not Series.map: pandas 3 fails mapping through an empty datetime Series
    sv["dossier_returned_at"] = pd.Series(
        dossiers["returned_at"].reindex(sv["dossier_code"]).to_numpy(), index=sv.index
    ).astype("datetime64[us]")
    return sv


def legal_document_facts(data: UnitData, window: Window) -> pd.DataFrame:
    """Legal documents of the unit issued on or before the as-of date, as of that date."""
    as_of = pd.Timestamp(window.as_of)
    docs = data.legal_documents.set_index("document_id", drop=False)
    docs.index.name = None
    docs = docs[dated_by(docs["issued_at"], as_of)].copy()
    docs["reviewed"] = dated_by(docs["reviewed_at"], as_of)
    docs["handled"] = dated_by(docs["handled_at"], as_of)
    docs["needs_handling"] = docs["reviewed"] & docs["review_result"].isin(REVIEW_NEEDS_HANDLING)
    return docs


def plan_task_facts(data: UnitData, window: Window) -> pd.DataFrame:
    """Tasks due by as-of that are due within the year to date or still not done."""
    as_of, ytd_start = pd.Timestamp(window.as_of), pd.Timestamp(window.ytd_start)
    tasks = data.plan_tasks.set_index("task_id", drop=False)
    tasks.index.name = None
    tasks["done"] = dated_by(tasks["done_date"], as_of)
    due = tasks["due_date"].notna() & (tasks["due_date"] <= as_of)
    tasks = tasks[due & ((tasks["due_date"] >= ytd_start) | ~tasks["done"])].copy()
    tasks["done_on_time"] = tasks["done"] & (tasks["done_date"] <= tasks["due_date"])
    tasks["has_evidence"] = tasks["evidence"].fillna("").astype(str).str.strip().ne("")
    return tasks
