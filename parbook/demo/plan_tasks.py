"""Plan tasks of the demo commune for the requirements R1–R48 of the 2024 PAR/SIPAS plan
(../shared/domain/plan-2024.md, Part 2).

The demo expands the plan file itself (it does not call parbook.plan): one task per duty,
department and due date — quarterly duties at the end of each NĐ 09/2019 quarter (14/3, 14/6,
14/9, 14/12), yearly ones on 14/12 — numbered ``<plan_code>-<requirement>-<n>`` in file order, as
``parbook plan load`` makes them (a test checks that the two agree). The demo adds done dates
and evidence: every clean task is done on or before its due date with a piece of evidence.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from parbook.demo import profile
from parbook.demo.context import Context
from parbook.demo.times import DAY, wd_add
from parbook.store.config import REFERENCE_DIR

QUARTERS = ("I", "II", "III", "IV")


def _yaml(path: Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _plan_file(year: int) -> dict[str, Any]:
    """The plan of the year, or the 2024 plan's duties re-dated to that year."""
    for path in sorted((REFERENCE_DIR / "plans").glob("*.yaml")):
        plan = _yaml(path)
        if plan.get("year") == year:
            return plan
    plan = _yaml(REFERENCE_DIR / "plans" / f"{profile.PLAN_CODE_PATTERN.format(year=2024)}.yaml")
    return {**plan, "year": year, "plan_code": profile.PLAN_CODE_PATTERN.format(year=year)}


def _dues(schedule: str, year: int) -> list[date]:
    if schedule == "quarterly":
        return [date(year, month, 14) for month in (3, 6, 9, 12)]
    return [date(year, 12, 14)]


def expand(plan: dict[str, Any], unit_code: str) -> list[dict[str, Any]]:
    """The task rows of a plan file for a unit (the demo's own reading of the plan format)."""
    names = {code: spec["name"] for code, spec in
             _yaml(REFERENCE_DIR / "sections.yaml")["sections"].items()}
    rows = []
    for req in plan["requirements"]:
        n = 0
        for duty in req.get("tasks") or []:
            departments = duty["department"]
            departments = [departments] if isinstance(departments, str) else departments
            dues = _dues(duty["schedule"], plan["year"])
            for dept in departments:
                for i, due in enumerate(dues):
                    n += 1
                    title = str(duty["title"]).strip()
                    if duty["schedule"] == "quarterly":
                        title = f"{title} (quý {QUARTERS[i]}/{plan['year']})"
                    rows.append({"task_id": f"{plan['plan_code']}-{req['id']}-{n}",
                                 "unit_code": unit_code, "plan_code": plan["plan_code"],
                                 "requirement_id": req["id"], "department": names[dept],
                                 "title": title, "due_date": due})
    return rows


def generate_plan_tasks(ctx: Context) -> pd.DataFrame:
    """Every task of the year's plan for the unit, done on time with evidence (a span segment:
    the plans of each of its years; a task that would be done after the export is not done)."""
    rows = [row for year in ctx.years for row in expand(_plan_file(year), ctx.unit_code)]
    tasks = pd.DataFrame(rows)
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
    if ctx.segment:
        later = tasks["done_date"] > pd.Timestamp(ctx.export_at)
        tasks.loc[later, "done_date"] = pd.NaT
        tasks.loc[later, "evidence"] = None
    return tasks.drop(columns=["report", "number"])
