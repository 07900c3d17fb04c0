"""Plan tasks of the demo commune for the requirements R1–R48 of the 2024 PAR/SIPAS plan
(../shared/domain/plan-2024.md, Part 2).

The tasks are exactly those ``parbook plan load`` creates (parbook.plan.model.expand_tasks of
data/reference/plans/); the demo adds done dates and evidence. Every clean task is done on or
before its due date with a piece of evidence.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from parbook.demo import profile
from parbook.demo.context import Context
from parbook.demo.times import DAY, wd_add
from parbook.plan.model import expand_tasks, load_plan, plans_for_year


def generate_plan_tasks(ctx: Context) -> pd.DataFrame:
    """Every task the plan loader makes for the unit (parbook.plan.model), done on time with evidence."""
    plans = plans_for_year(ctx.year)
    # another demo year reuses the duties of the shipped 2024 plan, dated in that year
    plan = plans[0] if plans else replace(load_plan(), year=ctx.year)
    tasks = pd.DataFrame(expand_tasks(plan, profile.UNIT_CODE))
    tasks["report"] = tasks["title"].str.startswith("Báo cáo")
    rng = ctx.rng(8)
    due = tasks["due_date"].to_numpy().astype(DAY)
    done = wd_add(ctx.cal, due, -rng.integers(1, 9, size=len(tasks)))
    tasks["done_date"] = pd.to_datetime(done)
    numbers = pd.Series(np.arange(1, len(tasks) + 1), index=tasks.sort_values("done_date").index)
    tasks["number"] = numbers.sort_index() + 10
    tasks["evidence"] = [
        (f"Báo cáo số {num}/BC-UBND ngày {d:%d/%m/%Y}" if report
         else f"Văn bản số {num}/UBND-VP ngày {d:%d/%m/%Y}")
        for num, d, report in zip(tasks["number"], tasks["done_date"], tasks["report"], strict=True)
    ]
    tasks["due_date"] = pd.to_datetime(tasks["due_date"])
    return tasks.drop(columns=["report", "number"])
