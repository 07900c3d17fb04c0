"""Stand-in of parbook.tt01 (TEST DOUBLE): indicator 1 only, staff by handler."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass
class TT01Evaluation:
    scope: str
    indicators: pd.DataFrame
    total: float | None
    class_label: str | None
    excluded: list[str] = field(default_factory=list)
    staff: pd.DataFrame = field(default_factory=pd.DataFrame)


def evaluate_tt01(analysis: Any, scope: str = "period") -> TT01Evaluation:
    f = analysis.facts
    s = f[f["settled_in_window"] & ~f["withdrawn"]]
    points = s["timeliness"].map({"early": 2, "on_time": 1, "late": 0})
    score = round(float(points.mean()), 1) if len(points) else None
    table = pd.DataFrame([{"indicator": 1, "name_vi": "Tổng thời gian giải quyết", "score": score}])
    staff = points.groupby(s["handler"]).mean().round(1).rename("i1").rename_axis("handler").reset_index()
    return TT01Evaluation(scope, table, score, "khá" if score else None,
                          ["Chỉ số 2 — không có dữ liệu bước xử lý (stand-in)"], staff)
