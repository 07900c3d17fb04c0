"""Facts of the other registers, as of the as-of date (DESIGN.md §5, §6 scopes).

PAKN (feedback), surveys, legal documents (VBQPPL) and plan tasks: one frame each, restricted to
the rows the window's checks and indicators look at, with the derived columns they need.
"""

from __future__ import annotations

import pandas as pd

from parbook.law.regimes import regime_of_days
from parbook.law.rules import rules
from parbook.store.unitdata import UnitData
from parbook.timeline.calendar import WorkCalendar
from parbook.timeline.facts import as_days, dated_by, day_of
from parbook.timeline.periods import Window

REVIEW_NEEDS_HANDLING = ("amend", "repeal")


def feedback_facts(data: UnitData, window: Window, cal: WorkCalendar | None = None
                   ) -> pd.DataFrame:
    """PAKN received by the cut and not resolved before the window start, indexed by id.

    As of the as-of date: a resolution dated later has not happened yet (``resolved_at`` blank).

    ``limit_date`` = the 15th working day after the effective receipt day; ``overdue`` = resolved
    after it, or still open at the as-of date past it; ``limit_reached`` = the limit falls on or
    before the as-of date (the denominator of feedback_ontime_rate).
    """
    cal = cal or WorkCalendar.default()
    as_of, start, cut = (pd.Timestamp(x) for x in (window.as_of, window.start, window.cut))
    fb = data.feedback.set_index("feedback_id", drop=False)
    fb.index.name = None
    resolved = dated_by(fb["resolved_at"], as_of)
    fb["resolved_at"] = fb["resolved_at"].where(resolved)   # not resolved yet at as-of
    fb["resolved_date"] = day_of(fb["resolved_at"])
    fb["received_date"] = day_of(fb["received_at"])
    received_ok = fb["received_date"].isna() | (fb["received_date"] <= cut)
    fb = fb[received_ok & ~(fb["resolved_date"] < start)].copy()
    effective = cal.next_working_day(fb["received_at"])
    fb["limit_date"] = as_days(
        cal.add_working_days(effective, rules().feedback_limit_working_days), fb.index)
    fb["in_scope"] = fb["in_scope"].fillna(False).astype(bool)
    fb["limit_reached"] = fb["limit_date"] <= as_of
    fb["resolved_on_time"] = fb["resolved_date"].notna() & (fb["resolved_date"] <= fb["limit_date"])
    fb["overdue"] = (fb["resolved_date"] > fb["limit_date"]) | (
        fb["resolved_date"].isna() & (as_of > fb["limit_date"]))
    fb["regime"] = regime_of_days(fb["received_at"], window.end)
    return fb


def survey_facts(data: UnitData, window: Window) -> pd.DataFrame:
    """Surveys dated in the window, with the returned_at of their dossier (NaT if unknown, or
    if returned after the as-of date)."""
    start, cut = pd.Timestamp(window.start), pd.Timestamp(window.cut)
    sv = data.surveys.set_index("survey_id", drop=False)
    sv.index.name = None
    sv = sv[day_of(sv["surveyed_at"]).between(start, cut)].copy()
    known = pd.concat([data.dossiers[["dossier_code", "returned_at"]], data.survey_dossiers])
    dossiers = known.drop_duplicates("dossier_code").set_index("dossier_code")
    sv["dossier_known"] = sv["dossier_code"].isin(dossiers.index)
    # reindex, not map: Series.map with an empty datetime mapper fails (unit without dossiers)
    returned = dossiers["returned_at"].reindex(sv["dossier_code"].astype(object)).to_numpy()
    returned = pd.Series(returned, index=sv.index).astype("datetime64[us]")
    sv["dossier_returned_at"] = returned.where(dated_by(returned, pd.Timestamp(window.as_of)))
    sv["regime"] = regime_of_days(sv["surveyed_at"], window.end)
    return sv


def legal_document_facts(data: UnitData, window: Window) -> pd.DataFrame:
    """Legal documents of the unit issued on or before the as-of date, as of that date (a review
    or handling dated later has not happened yet: its date and result are blank)."""
    as_of = pd.Timestamp(window.as_of)
    docs = data.legal_documents.set_index("document_id", drop=False)
    docs.index.name = None
    docs = docs[dated_by(docs["issued_at"], as_of)].copy()
    docs["reviewed"] = dated_by(docs["reviewed_at"], as_of)
    docs["handled"] = dated_by(docs["handled_at"], as_of)
    for col, known in (("reviewed_at", "reviewed"), ("review_result", "reviewed"),
                       ("handled_at", "handled"), ("handling", "handled")):
        docs[col] = docs[col].where(docs[known], None if docs[col].dtype == object else pd.NaT)
    docs["needs_handling"] = docs["reviewed"] & docs["review_result"].isin(REVIEW_NEEDS_HANDLING)
    docs["regime"] = regime_of_days(docs["issued_at"], window.end)
    return docs


def plan_task_facts(data: UnitData, window: Window) -> pd.DataFrame:
    """Plan tasks the window's checks look at, as of the as-of date (DESIGN.md §6).

    ``duty_scope`` (NV01 and plan_task_ontime_rate): due by as-of, and due within the year to
    date or still not done. NV02 also looks at every task done within the year to date (on or
    before as-of) whatever its due date, so those rows are kept too with ``duty_scope`` false.
    A done date after as-of has not happened yet: it is blank here.
    """
    as_of, ytd_start = pd.Timestamp(window.as_of), pd.Timestamp(window.ytd_start)
    tasks = data.plan_tasks.set_index("task_id", drop=False)
    tasks.index.name = None
    tasks["done"] = dated_by(tasks["done_date"], as_of)
    due = tasks["due_date"].notna() & (tasks["due_date"] <= as_of)
    duty = due & ((tasks["due_date"] >= ytd_start) | ~tasks["done"])
    done_in_ytd = tasks["done"] & (tasks["done_date"] >= ytd_start)
    tasks = tasks[duty | done_in_ytd].copy()
    tasks["duty_scope"] = duty[tasks.index]
    tasks["done_date"] = tasks["done_date"].where(tasks["done"])
    tasks["done_on_time"] = tasks["done"] & (tasks["done_date"] <= tasks["due_date"])
    tasks["has_evidence"] = tasks["evidence"].fillna("").astype(str).str.strip().ne("")
    tasks["regime"] = regime_of_days(tasks["due_date"], window.end)
    return tasks
