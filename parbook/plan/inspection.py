"""Self-inspection against the plan: a status for each requirement, and duties by section.

Each requirement of the plan file is measured from the documented frames of a window
(DESIGN.md §6–§7): the indicators (indicator_id, scope, numerator, denominator, value, target,
met), the findings (check_id, severity, entity, record_key, message), the task register (the
period's plan-task facts; the unit's rows for tasks not yet due) and the PAR self-assessment.
Statuses:

- ``đạt`` (met) — every measure that decides is met;
- ``chưa đạt`` (not met) — a measure failed: target missed, findings, a duty overdue or done
  late (NV01), a manual duty done without evidence (NV02);
- ``chưa có dữ liệu`` (no data) — a measure cannot be computed (zero denominator, no tasks
  loaded, nothing in the register);
- ``chưa đến hạn`` (not yet due) — only duties due later.

A requirement combines its measures: any not met → not met; else a register, check or criteria
measure without data → no data; else any met → met; else any not yet due → not yet due; else (only
empty rates) → no data. An indicator with a zero denominator does not outweigh a measure that
decided: no late dossier leaves apology_coverage empty, and HS08 with no finding says the duty
was kept. Informative measures only add their figure.

How to show it (notebook 04)::

    table = analysis.plan.inspection                  # one row per requirement R1…
    table[["requirement_id", "requirement", "sections", "status", "figure", "evidence"]]
    table.groupby("status").size()                    # how many met / not met …
    duties = analysis.plan.duties                     # NV01 / NV02 duties, grouped by section
    for section, rows in duties.groupby("section"): ...
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from parbook import vnformat
from parbook.analysis.figures import indicator_value
from parbook.plan.assessment import SOURCE_AUTO, SOURCE_MANUAL, STATUS_NO_DATA, STATUS_UNSCORED
from parbook.plan.model import (
    COMPARISON_VI,
    COMPARISONS,
    EVALUATIONS,
    Measure,
    Plan,
    Requirement,
    plans_for_year,
)
from parbook.plan.sections import canonical_section
from parbook.timeline.facts import dated_by
from parbook.timeline.periods import Window
from parbook.timeline.scope import Facts

MET, NOT_MET, NOT_DUE, NO_DATA = "met", "not_met", "not_due", "no_data"
STATUS_VI = {MET: "đạt", NOT_MET: "chưa đạt", NOT_DUE: "chưa đến hạn", NO_DATA: "chưa có dữ liệu"}
INSPECTION_COLUMNS = [
    "requirement_id", "plan_ref", "requirement", "sections", "evaluation", "measure", "target",
    "status", "status_code", "figure", "evidence", "next_due",
]
DUTY_COLUMNS = [
    "section", "task_id", "requirement_id", "title", "due_date", "done_date", "check_id",
    "severity", "problem", "days_late", "message",
]
DUTY_CHECKS = ("NV01", "NV02")
# Check id prefix → (frame of the window's facts it runs on, Vietnamese noun) — DESIGN.md §6.
CHECK_ENTITIES = {
    "HS": ("dossiers", "hồ sơ"), "BM": ("dossiers", "hồ sơ"), "PA": ("feedback", "PAKN"),
    "KS": ("surveys", "phiếu đánh giá"), "VB": ("legal_documents", "văn bản QPPL"),
    "NV": ("plan_tasks", "nhiệm vụ"),
}
MEASURE_VI = {
    "indicator": "chỉ số", "checks": "kiểm tra", "register": "sổ nhiệm vụ, báo cáo",
    "manual": "tự đánh giá có kiểm chứng", "criteria": "bộ tiêu chí tự chấm điểm",
    "staff_late": "hồ sơ trễ hạn theo công chức",
}


@dataclass
class MeasureResult:
    """The outcome of one measure: its status (None = informative), figure, evidence, next due."""

    status: str | None
    figure: str
    evidence: str = ""
    next_due: date | None = None
    soft: bool = False      # an empty rate: yields to any measure that decided


@dataclass(frozen=True)
class Inputs:
    """What the measures of one window read: its facts, indicators (contract frame), findings
    (contract frame) and the PAR self-assessment (parbook.plan.assessment)."""

    facts: Facts
    indicators: pd.DataFrame
    findings: pd.DataFrame
    assessment: pd.DataFrame


class _Context:
    """The inputs, the plan and the as-of date that the measures of one window share."""

    def __init__(self, inputs: Inputs, plan: Plan) -> None:
        self.facts = inputs.facts
        self.indicators = inputs.indicators
        self.findings = inputs.findings
        self.assessment = inputs.assessment
        self.plan = plan
        self.window = inputs.facts.window
        self.as_of = pd.Timestamp(self.window.as_of)

    def tasks(self, requirement_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """All tasks of the requirement in this plan, and those the window's checks look at
        (with facts: ``duty_scope`` for the tasks due by as-of)."""
        def mine(frame: pd.DataFrame) -> pd.DataFrame:
            if frame.empty:
                return frame
            return frame[(frame["plan_code"] == self.plan.code)
                         & (frame["requirement_id"] == requirement_id)]
        return mine(self.facts.data.plan_tasks), mine(self.facts.period.plan_tasks)


def _fmt_date(value: Any) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%d/%m/%Y")


def _indicator(m: Measure, ctx: _Context) -> MeasureResult:
    iv = indicator_value(ctx.indicators, m.indicator or "", m.scope)
    figure = iv.describe()
    if m.target is not None and m.comparison is not None:
        target, comparison = float(m.target), m.comparison
    elif iv.target is not None and iv.met is None:
        target, comparison = iv.target, ">="
    else:
        target, comparison = iv.target, None
    if target is not None:
        sign = f"{COMPARISON_VI[comparison]} " if comparison else ""
        figure += f"; chỉ tiêu {sign}{(vnformat.percent(target) if iv.is_rate else vnformat.compact(target))}"
    if m.note:
        figure += f" ({m.note})"
    if m.informative:
        return MeasureResult(None, figure)
    if not iv.known:
        return MeasureResult(NO_DATA, figure, soft=True)
    if comparison is not None:
        met = COMPARISONS[comparison](float(iv.value), float(target))
    elif iv.met is not None:
        met = iv.met
    else:
        return MeasureResult(NO_DATA, figure + "; chưa có chỉ tiêu để so sánh")
    return MeasureResult(MET if met else NOT_MET, figure)


def _checks(m: Measure, req: Requirement, ctx: _Context) -> MeasureResult:
    """No finding of the measure's checks; plan-task checks count the requirement's own tasks."""
    findings = ctx.findings
    hits = findings[findings["check_id"].isin(m.checks)] if len(findings) else findings
    own_tasks, own_checked = ctx.tasks(req.id)
    if len(hits) and len(own_tasks):
        task_check = hits["check_id"].str[:2].map(lambda p: CHECK_ENTITIES[p][0]) == "plan_tasks"
        hits = hits[~task_check | hits["record_key"].astype(str).isin(own_tasks["task_id"])]
    counts = hits.groupby("check_id").size() if len(hits) else pd.Series(dtype="int64")
    parts = ", ".join(f"{c}: {int(counts.get(c, 0))}" for c in m.checks)
    figure = f"Phát hiện ({parts})"
    if len(hits):
        return MeasureResult(NOT_MET, figure)
    frames = {CHECK_ENTITIES[c[:2]] for c in m.checks}
    checked = {attr: getattr(ctx.facts.period, attr) for attr, _ in frames}
    if "plan_tasks" in checked and len(own_tasks):
        checked["plan_tasks"] = own_checked[own_checked["duty_scope"]]
    empty = [noun for attr, noun in frames if len(checked[attr]) == 0]
    if empty:
        if empty == ["nhiệm vụ"] and len(ctx.facts.data.plan_tasks):
            return MeasureResult(NOT_DUE, f"{figure}; chưa có nhiệm vụ đến hạn")
        return MeasureResult(NO_DATA, f"{figure}; chưa có dữ liệu {', '.join(sorted(empty))} "
                                      f"trong phạm vi kiểm tra")
    return MeasureResult(MET, figure)


def _tasks(m: Measure, req: Requirement, ctx: _Context) -> MeasureResult:
    all_tasks, checked = ctx.tasks(req.id)
    due = checked[checked["duty_scope"]] if len(checked) else checked
    if all_tasks.empty:
        return MeasureResult(NO_DATA, "Chưa có nhiệm vụ trong sổ (chạy 'parbook plan load')")
    done_asof = dated_by(all_tasks["done_date"], ctx.as_of)
    pending = all_tasks[~done_asof]
    next_due = pending["due_date"].min() if len(pending) else None
    evidence = "; ".join(dict.fromkeys(
        str(e).strip() for e in all_tasks.loc[done_asof, "evidence"].dropna() if str(e).strip()))
    later = int((all_tasks["due_date"] > ctx.as_of).sum())
    if due.empty:
        return MeasureResult(NOT_DUE, f"{len(all_tasks)} nhiệm vụ, chưa đến hạn; hạn gần nhất "
                                      f"{_fmt_date(all_tasks['due_date'].min())}",
                             evidence, next_due)
    on_time = int(due["done_on_time"].sum())
    done_late = int((due["done"] & ~due["done_on_time"]).sum())
    open_overdue = int((~due["done"]).sum())
    no_evidence = int((checked["done"] & ~checked["has_evidence"]).sum())
    figure = (f"Nhiệm vụ đến hạn {len(due)}: đúng hạn {on_time}, hoàn thành trễ {done_late}, "
              f"quá hạn chưa xong {open_overdue}")
    if no_evidence:
        figure += f"; thiếu kiểm chứng {no_evidence}"
    if later:
        figure += f"; chưa đến hạn {later}"
    failed = done_late or open_overdue or (m.needs_evidence and no_evidence)
    return MeasureResult(NOT_MET if failed else MET, figure, evidence, next_due)


def _criteria(m: Measure, ctx: _Context) -> MeasureResult:
    a = ctx.assessment
    leaves = a[a["is_leaf"]]
    if m.sections:
        leaves = leaves[leaves["section_code"].isin(m.sections)]
    label = " (bộ tiêu chí mẫu)" if a.attrs.get("criteria", {}).get("template") else ""
    if leaves.empty:
        return MeasureResult(NO_DATA, f"Bộ tiêu chí{label} không có tiêu chí của các bộ phận này")
    unscored = int(((leaves["source"] == SOURCE_MANUAL)
                    & (leaves["status"] == STATUS_UNSCORED)).sum())
    no_data = int(((leaves["source"] == SOURCE_AUTO) & (leaves["status"] == STATUS_NO_DATA)).sum())
    flagged = int(leaves["flagged"].sum())
    score, top = vnformat.compact(leaves["score"].sum()), vnformat.compact(leaves["max"].sum())
    figure = (f"Tự chấm{label}: {score}/{top}"
              f" điểm, {len(leaves)} tiêu chí; chưa chấm {unscored}, chưa có dữ liệu {no_data}, "
              f"thiếu kiểm chứng hoặc điểm sai {flagged}")
    manual = leaves[leaves["source"] == SOURCE_MANUAL]
    with_evidence = int(manual["evidence"].fillna("").astype(str).str.strip().ne("").sum())
    evidence = f"{with_evidence}/{len(manual)} tiêu chí tự chấm có tài liệu kiểm chứng"
    year_due = Window.parse(str(ctx.window.year), "nd09").end
    if flagged:
        return MeasureResult(NOT_MET, figure, evidence)
    if unscored or no_data:
        status = NOT_DUE if ctx.as_of < pd.Timestamp(year_due) else NOT_MET
        return MeasureResult(status, figure, evidence, year_due)
    return MeasureResult(MET, figure, evidence)


def _staff_late(m: Measure, ctx: _Context) -> MeasureResult:
    f = ctx.facts.ytd.dossiers
    if f.empty:
        return MeasureResult(None, "Chưa có hồ sơ trong năm")
    late = f[f["is_late"] & f["handler"].notna()]
    per_handler = late.groupby("handler").size()
    repeat = int((per_handler >= m.min_late).sum())
    return MeasureResult(None, f"Công chức có từ {m.min_late} hồ sơ trễ hạn trở lên (lũy kế năm): "
                               f"{repeat}")


def evaluate_measure(m: Measure, req: Requirement, ctx: _Context) -> MeasureResult:
    """The outcome of one measure of a requirement."""
    if m.kind == "indicator":
        return _indicator(m, ctx)
    if m.kind == "checks":
        return _checks(m, req, ctx)
    if m.kind in ("register", "manual"):
        return _tasks(m, req, ctx)
    if m.kind == "criteria":
        return _criteria(m, ctx)
    if m.kind == "staff_late":
        return _staff_late(m, ctx)
    raise ValueError(f"unknown measure kind {m.kind!r}")


def combine(results: list[MeasureResult]) -> str:
    """The status of a requirement from its measures' results (see the module docstring)."""
    deciding = [r for r in results if r.status is not None]
    statuses = [r.status for r in deciding if not r.soft]
    if NOT_MET in statuses:
        return NOT_MET
    for status in (NO_DATA, MET, NOT_DUE):
        if status in statuses:
            return status
    return NO_DATA


def _describe(m: Measure) -> str:
    if m.kind == "indicator":
        text = f"chỉ số {m.indicator} ({m.scope})"
    elif m.kind == "checks":
        text = "kiểm tra " + ", ".join(m.checks)
    elif m.kind == "criteria" and m.sections:
        text = f"{MEASURE_VI[m.kind]} ({', '.join(m.sections)})"
    else:
        text = MEASURE_VI[m.kind]
    return text + (" — tham khảo" if m.informative else "")


def default_plan(year: int) -> Plan | None:
    """The plan of data/reference/plans/ for the year (the first by file name), if any."""
    plans = plans_for_year(year)
    return plans[0] if plans else None


def self_inspection(inputs: Inputs, plan: Plan | None) -> pd.DataFrame:
    """One row per requirement of the plan: status, the figures behind it, sections, evidence.

    No plan (none for the window's year) → an empty table with the columns.
    """
    if plan is None:
        return pd.DataFrame(columns=INSPECTION_COLUMNS)
    ctx = _Context(inputs, plan)
    rows = []
    for req in plan.requirements:
        results = [evaluate_measure(m, req, ctx) for m in req.measures]
        status = combine(results)
        dues = [r.next_due for r in results if r.next_due is not None and not pd.isna(r.next_due)]
        rows.append({
            "requirement_id": req.id, "plan_ref": req.plan_ref, "requirement": req.text,
            "sections": req.responsible_vi, "evaluation": EVALUATIONS[req.evaluation],
            "measure": "; ".join(_describe(m) for m in req.measures), "target": req.target,
            "status": STATUS_VI[status], "status_code": status,
            "figure": " | ".join(r.figure for r in results),
            "evidence": "; ".join(r.evidence for r in results if r.evidence),
            "next_due": min(pd.Timestamp(d) for d in dues) if dues else pd.NaT,
        })
    frame = pd.DataFrame(rows, columns=INSPECTION_COLUMNS)
    frame["next_due"] = pd.to_datetime(frame["next_due"])
    frame.attrs["plan"] = {"code": plan.code, "title": plan.title, "year": plan.year}
    return frame


def duties_by_section(findings: pd.DataFrame, facts: Facts) -> pd.DataFrame:
    """Duties flagged NV01 (overdue or done late) and NV02 (done without evidence), by section.

    Built from the findings (the checks decide what is flagged) joined to the task
    register for the section, title and dates; sorted by section, check and due date.
    ``days_late``: calendar days past the due date (to as-of if not done, to the done date if
    done late); empty for NV02.
    """
    hits = findings[findings["check_id"].isin(DUTY_CHECKS)] if len(findings) else findings
    if hits is None or hits.empty:
        return pd.DataFrame(columns=DUTY_COLUMNS)
    tasks = facts.data.plan_tasks.set_index("task_id", drop=False)
    as_of = pd.Timestamp(facts.window.as_of)
    rows = []
    for hit in hits.to_dict("records"):
        key = str(hit["record_key"])
        task = tasks.loc[key] if key in tasks.index else None
        due = task["due_date"] if task is not None else pd.NaT
        done = task["done_date"] if task is not None else pd.NaT
        if not pd.isna(done) and pd.Timestamp(done).normalize() > as_of:
            done = pd.NaT
        if hit["check_id"] == "NV02":
            problem, days = "hoàn thành nhưng thiếu tài liệu kiểm chứng", None
        elif pd.isna(done):
            problem = "quá hạn, chưa hoàn thành"
            days = (as_of - pd.Timestamp(due)).days if not pd.isna(due) else None
        else:
            problem = "hoàn thành trễ hạn"
            days = (pd.Timestamp(done) - pd.Timestamp(due)).days if not pd.isna(due) else None
        rows.append({
            "section": canonical_section(task["department"] if task is not None else None),
            "task_id": key,
            "requirement_id": task["requirement_id"] if task is not None else None,
            "title": task["title"] if task is not None else None,
            "due_date": due, "done_date": done, "check_id": hit["check_id"],
            "severity": hit["severity"], "problem": problem, "days_late": days,
            "message": hit["message"],
        })
    out = pd.DataFrame(rows, columns=DUTY_COLUMNS)
    out["due_date"] = pd.to_datetime(out["due_date"])
    out["done_date"] = pd.to_datetime(out["done_date"])
    out["days_late"] = pd.to_numeric(out["days_late"]).astype("Int64")
    return out.sort_values(["section", "check_id", "due_date", "task_id"],
                           kind="stable").reset_index(drop=True)
