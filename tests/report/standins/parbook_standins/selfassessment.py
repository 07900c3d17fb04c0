"""Stand-in of parbook.selfassessment (TEST DOUBLE): two criteria from self_scores."""

from __future__ import annotations

from typing import Any

import pandas as pd


def par_assessment(analysis: Any, criteria_file: Any = None) -> pd.DataFrame:
    scores = analysis.data.self_scores.set_index("criterion_id")["score"]
    rows = [{"id": cid, "name": f"Tiêu chí {cid}", "section": "VP-TK", "max": 3.0,
             "score": float(scores.get(cid, 0.0)), "source": "manual"} for cid in ("1.1", "1.2", "1.3")]
    out = pd.DataFrame(rows)
    out["gap"] = out["max"] - out["score"]
    return out


def largest_gaps(assessment: pd.DataFrame, n: int) -> pd.DataFrame:
    return assessment.sort_values("gap", ascending=False).head(n)
