"""Stand-in of parbook.index766 (TEST DOUBLE): component 2.1 only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass
class Index766Estimate:
    components: pd.DataFrame
    score: float
    status: str


def estimate_766(analysis: Any, scope: str = "period") -> Index766Estimate:
    ind = analysis.indicators.set_index(["indicator_id", "scope"])
    ratio = ind.loc[("ontime_rate", "period"), "value"]
    comps = pd.DataFrame([{"group": "2", "component": "2.1", "name_vi": "Tỷ lệ đúng hạn", "max": 20.0,
                           "ratio": ratio, "score": None if pd.isna(ratio) else 20.0 * float(ratio)}])
    return Index766Estimate(comps, float(comps["score"].fillna(0).sum()), "ước tính (stand-in)")


def group_totals(est: Index766Estimate) -> pd.DataFrame:
    return est.components.groupby("group", as_index=False)[["max", "score"]].sum()
