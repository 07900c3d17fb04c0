"""Per-dossier facts: one row per dossier in scope with every derived column (DESIGN.md §5).

Everything is evaluated as of the window's as-of date: a timestamp or event on a later calendar
day has not happened yet. All derivations are vectorised (pandas + the working-day calendar).

Legal due date (``legal_due``), from the procedure catalogue:

- ``same_day`` / ``immediate``: the effective receipt day; received on a working day strictly
  after 15:00 → the next working day. E.g. received Fri 2024-05-03 15:01 → Sat 2024-05-04
  (a make-up working Saturday).
- ``working_days`` N: the N-th working day after the effective receipt day. E.g. 2 days,
  received Thu 2025-04-24 → Sat 2025-04-26.
- appraisal-stage supplementation: with a ``supplement_received`` after an appraisal-stage
  ``supplement_request``, the clock restarts at the last such ``supplement_received``
  (same rules, 15:00 included).
- pauses add the working days from the pause day (counted) to the resume day (not counted);
  a pause with no later resume adds nothing.
- a ``verification_transfer`` adds the procedure's ``verification_extra_days`` working days.
  E.g. nhận cha, mẹ, con (3 days + 5) received Fri 2024-04-26 → Fri 2024-05-10.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from parbook.contract import CLOSED_STATUSES
from parbook.law.regimes import all_regimes, regime_of_days, rules_by_regime
from parbook.store import db
from parbook.store.unitdata import UnitData
from parbook.timeline.calendar import WorkCalendar
from parbook.timeline.periods import Window

UNKNOWN_FIELD = "Không xác định"
SETTLED = ("done", "rejected")
CLOSED = CLOSED_STATUSES
PENDING_STATES = ("pending_within", "pending_overdue")


def day_of(series: pd.Series) -> pd.Series:
    """Timestamps → their calendar day (datetime64, midnight)."""
    return pd.to_datetime(series).dt.normalize()


def as_days(values: Any, index: pd.Index) -> pd.Series:
    return pd.Series(values, index=index).astype("datetime64[us]")


def dated_by(series: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """True where the timestamp exists and is dated on or before the as-of day."""
    return series.notna() & (day_of(series) <= as_of)


def clock_due(cal: WorkCalendar, start_at: pd.Series, unit: pd.Series, value: pd.Series,
              cutoff_seconds: pd.Series | int | None = None) -> pd.Series:
    """Due day from a clock start (receipt or restart) by the procedure's time unit.

    ``same_day``/``immediate``: the effective day, or the next working day when the clock
    started on a working day strictly after the cut-off (15:00; ``cutoff_seconds`` per row, by
    default the first regime's). ``working_days`` N: the N-th working day after the effective
    day. Anything else (unknown unit) → NaT.
    """
    idx = start_at.index
    if cutoff_seconds is None:
        cutoff_seconds = all_regimes()[0].rules.cutoff_seconds
    effective = as_days(cal.next_working_day(start_at), idx)
    seconds = (start_at - day_of(start_at)).dt.total_seconds()
    after_cutoff = (seconds > cutoff_seconds) & pd.Series(
        cal.is_working_day(start_at), index=idx)
    same_day = unit.isin(["same_day", "immediate"])
    steps = pd.Series(np.nan, index=idx)
    steps[same_day] = np.where(after_cutoff[same_day], 1, 0)
    working = (unit == "working_days") & value.notna()
    steps[working] = value[working].astype("float64")
    return as_days(cal.add_working_days(effective, steps.to_numpy()), idx)


def _event_frame(events: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    ev = events[dated_by(events["event_at"], as_of)].copy()
    ev["event_day"] = day_of(ev["event_at"])
    return ev.sort_values(["dossier_code", "event_at"], kind="stable")


def _per_dossier(ev: pd.DataFrame, index: pd.Index, event_type: str, how: str = "size",
                 column: str = "event_at", stage: str | None = None) -> pd.Series:
    sel = ev[ev["event_type"] == event_type]
    if stage is not None:
        sel = sel[sel["stage"] == stage]
    grouped = sel.groupby("dossier_code")[column]
    out = grouped.size() if how == "size" else grouped.agg(how)
    return out.reindex(index)


def _paused_workdays(cal: WorkCalendar, ev: pd.DataFrame, index: pd.Index) -> pd.Series:
    """Working days of each pause (counted) up to the next resume (not counted), summed."""
    pr = ev[ev["event_type"].isin(["pause", "resume"])][["dossier_code", "event_type", "event_day"]]
    nxt = pr.groupby("dossier_code").shift(-1)
    pauses = pr[(pr["event_type"] == "pause") & (nxt["event_type"] == "resume")]
    if pauses.empty:
        return pd.Series(0, index=index, dtype="int64")
    days = cal.count_half_open(pauses["event_day"], nxt.loc[pauses.index, "event_day"])
    total = pd.Series(days, index=pauses.index).groupby(pauses["dossier_code"]).sum()
    return total.reindex(index, fill_value=0).astype("int64")


def build_facts(data: UnitData, window: Window, cal: WorkCalendar | None = None,
                include_returned: bool = False) -> pd.DataFrame:
    """The facts table of the window: one row per dossier in scope, indexed by dossier_code.

    ``include_returned`` also keeps the dossiers returned in the window that are not in its
    scope (settled before the window start, returned inside it): survey_coverage and HS15 count
    every dossier returned in the window (DESIGN.md §6, §7). Column ``in_scope`` tells them apart.
    """
    cal = cal or WorkCalendar.default()
    as_of = pd.Timestamp(window.as_of)
    start, cut = pd.Timestamp(window.start), pd.Timestamp(window.cut)
    # no copies of the rows (pandas' copy-on-write): the facts share the columns they do not
    # change, and a column they change is copied then, never changed in ``data``
    f = data.dossiers.drop(columns=list(db.PERSONAL_COLUMNS) + ["note", "batch_id"])
    phone = data.dossiers["applicant_phone"]
    f["phone_present"] = phone.notna() & (phone.astype("string").str.strip() != "")
    f = f.set_index("dossier_code", drop=False)
    f.index.name = None

    # procedure
    proc = data.procedures.set_index("procedure_code")
    pcols = ["procedure_name", "field", "processing_time_value", "processing_time_unit",
             "verification_extra_days", "fee", "online_level"]
    f = f.join(proc[pcols], on="procedure_code")
    f = f.join(proc["department"].rename("procedure_department"), on="procedure_code")
    f["procedure_known"] = f["procedure_code"].isin(proc.index)
    f["field"] = f["field"].where(f["procedure_known"] & f["field"].notna(), UNKNOWN_FIELD)
    f["department"] = f["department"].fillna(f["procedure_department"])
    f = f.drop(columns="procedure_department")

    # days, and what has happened by the as-of date
    for col in ("received", "due", "finished", "returned"):
        f[f"{col}_date"] = day_of(f[f"{col}_at"])
    f["effective_receipt_day"] = as_days(cal.next_working_day(f["received_at"]), f.index)
    finished_known = dated_by(f["finished_at"], as_of)
    f["finished_asof"] = f["finished_date"].where(finished_known)
    f["returned_in_window"] = f["returned_date"].between(start, cut)
    f["settled"] = f["status"].isin(SETTLED) & finished_known
    # withdrawn, or stopped by the as-of date (stopped later: what it was then, DESIGN.md §12)
    f["withdrawn"] = (f["status"] == "withdrawn") | ((f["status"] == "stopped") & finished_known)
    closed = f["status"].isin(CLOSED) & finished_known
    f["closed_date"] = f["finished_date"].where(closed)

    # scope (DESIGN.md §5): received by the cut and not closed before the window start
    received_ok = f["received_date"].isna() | (f["received_date"] <= cut)
    f["in_scope"] = received_ok & ~(f["closed_date"] < start)
    keep = f["in_scope"] | (f["returned_in_window"] if include_returned else False)
    f = f[keep]
    f["received_in_window"] = f["received_date"].between(start, cut)
    f["carried_over"] = f["received_date"] < start
    f["settled_in_window"] = f["settled"] & f["finished_date"].between(start, as_of)

    # events as of the as-of date
    ev = _event_frame(data.events[data.events["dossier_code"].isin(f.index)], as_of)
    idx = f.index
    f["supplement_request_count"] = _per_dossier(ev, idx, "supplement_request").fillna(0)
    f["appraisal_supplement_request_count"] = _per_dossier(
        ev, idx, "supplement_request", stage="appraisal").fillna(0)
    f["apology_count"] = _per_dossier(ev, idx, "apology").fillna(0)
    f["first_apology_at"] = _per_dossier(ev, idx, "apology", "min")
    f["last_apology_at"] = _per_dossier(ev, idx, "apology", "max")
    f["last_apology_date"] = day_of(f["last_apology_at"]).astype("datetime64[us]")
    f["verification_transfer_count"] = _per_dossier(ev, idx, "verification_transfer").fillna(0)
    f["rejection_event_count"] = _per_dossier(ev, idx, "rejection").fillna(0)
    reasons = ev[(ev["event_type"] == "rejection")
                 & ev["reason"].fillna("").astype(str).str.strip().ne("")]
    f["has_rejection_reason"] = f.index.isin(reasons["dossier_code"])
    for col in ("supplement_request_count", "appraisal_supplement_request_count", "apology_count",
                "verification_transfer_count", "rejection_event_count"):
        f[col] = f[col].astype("int64")

    # the legal regime of each dossier: that of its receipt day (DESIGN.md §12)
    f["regime"] = regime_of_days(f["received_at"], window.end)
    regime_rules = rules_by_regime()

    def by_regime(name: str) -> pd.Series:
        return f["regime"].map({k: getattr(r, name) for k, r in regime_rules.items()})

    # clock restart after an appraisal-stage supplementation (NĐ 61 Điều 19.4)
    first_appraisal_req = _per_dossier(ev, idx, "supplement_request", "min", stage="appraisal")
    last_received = _per_dossier(ev, idx, "supplement_received", "max")
    f["clock_restarted"] = last_received.notna() & (last_received >= first_appraisal_req)
    f["clock_start_at"] = last_received.where(f["clock_restarted"], f["received_at"])

    # legal due date
    base = clock_due(cal, f["clock_start_at"], f["processing_time_unit"],
                     f["processing_time_value"], by_regime("cutoff_seconds"))
    f["paused_workdays"] = _paused_workdays(cal, ev, idx)
    has_verif = (f["verification_transfer_count"] > 0) & f["verification_extra_days"].notna()
    f["verification_extra_applied"] = (
        f["verification_extra_days"].where(has_verif, 0).fillna(0).astype("int64"))
    extra = (f["paused_workdays"] + f["verification_extra_applied"]).to_numpy()
    f["legal_due"] = as_days(cal.add_working_days(base, extra), idx)

    # timeliness against the appointment date due_at (calendar dates)
    f["timeliness"] = _timeliness(f, as_of)
    f["is_late"] = f["timeliness"].isin(["late", "pending_overdue"])
    f["pending_at_asof"] = f["timeliness"].isin(PENDING_STATES)

    # apology deadline (NĐ 61 Điều 19.9), per the dossier's regime, and lateness of every apology
    lead = by_regime("apology_lead_days").astype("int64")
    by_calendar = by_regime("apology_deadline_reading") == "calendar"
    f["apology_deadline"] = as_days(cal.add_working_days(f["due_date"], -lead.to_numpy()), idx)
    f.loc[by_calendar, "apology_deadline"] = (
        f["due_date"] - pd.to_timedelta(lead, unit="D"))[by_calendar]
    apologies = ev[ev["event_type"] == "apology"]
    late_apology = apologies["event_day"].to_numpy() > f["apology_deadline"].reindex(
        apologies["dossier_code"]).to_numpy()
    f["apology_late"] = f.index.isin(apologies.loc[late_apology, "dossier_code"])

    # appraisal-stage supplementation within 3 working days of the effective receipt day
    limit = by_regime("appraisal_supplement_limit_working_days").astype("int64")
    f["appraisal_request_limit"] = as_days(
        cal.add_working_days(f["effective_receipt_day"], limit.to_numpy()), idx)
    requests = ev[(ev["event_type"] == "supplement_request") & (ev["stage"] == "appraisal")]
    late_req = requests["event_day"].to_numpy() > f["appraisal_request_limit"].reindex(
        requests["dossier_code"]).to_numpy()
    f["appraisal_request_late"] = f.index.isin(requests.loc[late_req, "dossier_code"])
    f["last_appraisal_request_date"] = day_of(_per_dossier(
        ev, idx, "supplement_request", "max", stage="appraisal")).astype("datetime64[us]")
    f["verification_unexpected"] = (
        (f["verification_transfer_count"] > 0) & f["procedure_known"]
        & f["verification_extra_days"].isna())

    # surveys and staff complaints
    surveyed = data.surveys[dated_by(data.surveys["surveyed_at"], as_of)]
    f["has_survey"] = f.index.isin(surveyed["dossier_code"].dropna())
    fb = data.feedback[dated_by(data.feedback["received_at"], as_of)
                       & data.feedback["about_staff"].fillna(False).astype(bool)]
    f["staff_complaint"] = f.index.isin(fb["dossier_code"].dropna())

    # latest event on record, whether or not it happened by the as-of date (HS04: data from the future)
    f["last_event_at"] = data.events.groupby("dossier_code")["event_at"].max().reindex(idx).astype(
        "datetime64[us]")

    # dossier code (HS01): its YYMMDD segment and the receipt day in the same form
    code = f["dossier_code"].astype("string")
    code_date = code.str.slice(-11, -5).where(code.str.match(r".*-\d{6}-\d{4}$"))
    f["code_yymmdd"] = db.shared_strings(code_date.astype(object).where(code_date.notna(), None))
    rd = f["received_date"]
    yymmdd = (rd.dt.year % 100) * 10000 + rd.dt.month * 100 + rd.dt.day
    received = yymmdd.astype("Int64").astype("string").str.zfill(6)
    f["received_yymmdd"] = db.shared_strings(received.astype(object).where(received.notna(), None))
    return f


def _timeliness(f: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    out = pd.Series(None, index=f.index, dtype="object")
    settled = f["settled"] & f["due_date"].notna()
    out[settled & (f["finished_date"] < f["due_date"])] = "early"
    out[settled & (f["finished_date"] == f["due_date"])] = "on_time"
    out[settled & (f["finished_date"] > f["due_date"])] = "late"
    pending = ~f["settled"] & ~f["withdrawn"] & f["due_date"].notna()
    out[pending & (as_of > f["due_date"])] = "pending_overdue"
    out[pending & (as_of <= f["due_date"])] = "pending_within"
    out[f["withdrawn"]] = f["status"][f["withdrawn"]]      # withdrawn / stopped
    return out
