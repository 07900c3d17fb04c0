"""The small tables behind two of the report's charts, from the facts frame (DESIGN.md §5).

The on-time rate by month and satisfaction by element come from the indicator modules
(``parbook.analysis.indicators.ontime_by_month``, ``parbook.analysis.satisfaction``); these two are counts the
indicator modules do not give: dossiers per channel and late dossiers per field.
"""

from __future__ import annotations

import pandas as pd

from parbook.report.labels import CHANNEL_LABELS
from parbook.timeline.facts import UNKNOWN_FIELD


def channel_counts(facts: pd.DataFrame) -> pd.DataFrame:
    """Dossiers received in the window per channel (Vietnamese label, count, share): the base of
    online_rate and Biểu 06, so withdrawn dossiers are left out as there."""
    f = facts[facts["received_in_window"].fillna(False).astype(bool) & ~facts["withdrawn"]]
    counts = f["channel"].map(CHANNEL_LABELS).fillna("Không rõ").value_counts()
    order = [*CHANNEL_LABELS.values(), "Không rõ"]
    counts = counts.reindex([o for o in order if o in counts.index])
    out = counts.rename_axis("channel").reset_index(name="count")
    total = out["count"].sum()
    out["share"] = out["count"] / total if total else float("nan")
    return out


def late_by_field(facts: pd.DataFrame) -> pd.DataFrame:
    """Late dossiers per field: settled late in the window and pending overdue at the as-of date."""
    f = facts[~facts["withdrawn"]]
    late = f["settled_in_window"] & (f["timeliness"] == "late")
    overdue = f["timeliness"] == "pending_overdue"
    out = pd.DataFrame({"field": f["field"].fillna(UNKNOWN_FIELD), "settled_late": late,
                        "pending_overdue": overdue}).groupby("field").sum().astype("int64")
    out["total"] = out["settled_late"] + out["pending_overdue"]
    out = out[out["total"] > 0].sort_values(["total", "settled_late"], ascending=False)
    return out.reset_index()
