"""Stand-in of parbook.indicators (TEST DOUBLE): some §7 indicators with their contract formulas."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from parbook import db
from parbook.labels import indicator_label
from parbook.pipeline import INDICATOR_COLUMNS
from parbook.registers import feedback_facts

TARGETS = {"ontime_rate": 0.95, "apology_coverage": 1.0, "multi_supplement_count": 0,
           "feedback_ontime_rate": 1.0, "legal_docs_reviewed_rate": 1.0, "plan_task_ontime_rate": 1.0,
           "online_rate": 0.3, "survey_coverage": 1.0, "satisfaction_rate": None, "tt01_total": 12}


def _ratio(num: float, den: float) -> float:
    return num / den if den else np.nan


def _rows(analysis: Any, scope: str) -> list[dict[str, Any]]:
    f = analysis.facts if scope == "period" else analysis.ytd_facts
    window = analysis.window if scope == "period" else analysis.window.year_to_date()
    settled = f[f["settled_in_window"] & ~f["withdrawn"]]
    ontime = settled["timeliness"].isin(["early", "on_time"])
    late = f[f["is_late"] & ~f["withdrawn"]]
    received = f[f["received_in_window"]]
    returned = f[f["returned_in_window"]]
    fb = feedback_facts(analysis.data, window)
    fb_den = fb[fb["in_scope"] & fb["limit_reached"]]
    docs, tasks = analysis.legal_documents, analysis.plan_tasks
    sv = analysis.surveys
    ratings = sv[["access", "procedure", "staff", "result", "feedback_handling"]].stack()
    ratings = ratings[(ratings >= 1) & (ratings <= 5)]
    values = {
        "ontime_rate": (ontime.sum(), len(settled)),
        "online_rate": ((received["channel"] == "online").sum(), len(received)),
        "apology_coverage": ((late["apology_count"] > 0).sum(), len(late)),
        "multi_supplement_count": ((f["supplement_request_count"] > 1).sum(), None),
        "survey_coverage": (returned["has_survey"].sum(), len(returned)),
        "satisfaction_rate": ((ratings >= 4).sum(), len(ratings)),
        "feedback_ontime_rate": (fb_den["resolved_on_time"].sum(), len(fb_den)),
        "legal_docs_reviewed_rate": (docs["reviewed"].sum(), len(docs)),
        "plan_task_ontime_rate": (tasks["done_on_time"].sum(), len(tasks)),
        "tt01_total": (None, None),
    }
    rows = []
    for iid, (num, den) in values.items():
        if iid == "tt01_total":
            value = round(float(1 + ontime.mean()) * 6, 1) if len(settled) else np.nan
            num = value
        elif den is None:
            value = float(num)
        else:
            value = _ratio(float(num), float(den))
        target = TARGETS.get(iid)
        met = (np.nan if (pd.isna(value) or target is None)
               else bool(value <= target) if iid == "multi_supplement_count" else bool(value >= target))
        rows.append({"indicator_id": iid, "scope": scope,
                     "numerator": float(num) if num is not None else np.nan,
                     "denominator": float(den) if den is not None else np.nan, "value": value,
                     "target": np.nan if target is None else float(target), "met": met})
    return rows


def compute_indicators(analysis: Any) -> pd.DataFrame:
    return pd.DataFrame(_rows(analysis, "period") + _rows(analysis, "ytd"), columns=INDICATOR_COLUMNS)


def indicator_details(analysis: Any) -> pd.DataFrame:
    out = compute_indicators(analysis)
    out["label_vi"] = out["indicator_id"].map(indicator_label)
    out["value_text"] = out["value"].map(lambda v: "—" if pd.isna(v) else f"{v:.3f}")
    out["empty_reason"] = out["value"].map(lambda v: "mẫu số bằng 0" if pd.isna(v) else None)
    return out


def ontime_by_month(analysis: Any, scope: str = "ytd") -> pd.DataFrame:
    f = analysis.ytd_facts if scope == "ytd" else analysis.facts
    s = f[f["settled_in_window"] & ~f["withdrawn"]]
    month = s["finished_date"].dt.to_period("M")
    on = s["timeliness"].isin(["early", "on_time"])
    t = pd.DataFrame({"numerator": on.groupby(month).sum(), "denominator": on.groupby(month).size()})
    t = t.astype("float64").rename_axis("month").reset_index()
    t["value"] = t["numerator"] / t["denominator"]
    t["target"] = 0.95
    return t


def indicator_breakdown(analysis: Any, by: str, scope: str = "period") -> pd.DataFrame:
    f = analysis.facts
    s = f[f["settled_in_window"] & ~f["withdrawn"]]
    on = s["timeliness"].isin(["early", "on_time"])
    g = pd.DataFrame({"numerator": on.groupby(s[by].fillna("?")).sum(),
                      "denominator": on.groupby(s[by].fillna("?")).size()}).astype("float64")
    g["value"] = g["numerator"] / g["denominator"]
    g.insert(0, "label_vi", indicator_label("ontime_rate"))
    g.insert(0, "indicator_id", "ontime_rate")
    return g.rename_axis("group").reset_index()


def late_by_handler(analysis: Any, scope: str = "period") -> pd.DataFrame:
    f = analysis.facts
    late = f[f["is_late"] & ~f["withdrawn"]]
    return pd.DataFrame({"late": late.groupby("handler").size(),
                         "without_apology": (late["apology_count"] == 0).groupby(late["handler"]).sum()}
                        ).rename_axis("handler").reset_index()


@dataclass
class OntimeOutlook:
    summary_vi: str
    assumption: str


def ontime_outlook(analysis: Any) -> OntimeOutlook:
    return OntimeOutlook("Bản thay thế (stand-in): chưa có dự báo.", "Không có giả định.")


def store_indicator_run(conn: Any, analysis: Any, run_id: str) -> int:
    rows = [{"run_id": run_id, "unit_code": analysis.unit_code, "period": analysis.window.period,
             "window": analysis.window.window, "as_of": analysis.window.as_of,
             "indicator_id": r.indicator_id, "scope": r.scope,
             "numerator": None if pd.isna(r.numerator) else float(r.numerator),
             "denominator": None if pd.isna(r.denominator) else float(r.denominator),
             "value": None if pd.isna(r.value) else float(r.value), "created_at": datetime.now()}
            for r in analysis.indicators.itertuples()]
    if rows:
        conn.execute(db.indicator_runs.insert(), rows)
    return len(rows)


def indicator_trend(conn: Any, unit_code: str, indicator_id: str, scope: str = "period",
                    window: str = "nd09", n: int = 4, until: str | None = None) -> pd.DataFrame:
    t = db.indicator_runs
    runs = db.read_table(conn, t, (t.c.unit_code == unit_code) & (t.c.indicator_id == indicator_id)
                         & (t.c.scope == scope) & (t.c.window == window))
    if until is not None:
        runs = runs[runs["period"] <= until]
    runs = runs.sort_values(["created_at", "id"]).drop_duplicates("period", keep="last")
    out = runs.sort_values("period").tail(n)[["period", "as_of", "value"]].reset_index(drop=True)
    out["change"] = out["value"].diff()
    return out
