"""Stand-in of parbook.selfinspection (TEST DOUBLE): plan tasks as the status table."""

from __future__ import annotations

from typing import Any

import pandas as pd


def self_inspection(analysis: Any) -> pd.DataFrame:
    t = analysis.plan_tasks
    return pd.DataFrame({"requirement_id": t["requirement_id"], "title": t["title"],
                         "section": t["department"],
                         "status_vi": t["done_on_time"].map({True: "đạt", False: "chưa đạt"})})


def duties_by_section(analysis: Any) -> pd.DataFrame:
    t = analysis.plan_tasks
    return t.groupby("department").agg(overdue=("done_on_time", lambda s: int((~s).sum()))).reset_index()
