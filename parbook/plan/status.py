"""Where the unit stands against its plan in a window: the hand-over of the plan stage."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from parbook.plan.assessment import CriteriaTree, par_assessment
from parbook.plan.inspection import Inputs, default_plan, duties_by_section, self_inspection
from parbook.plan.model import Plan, check_plan_year, load_plan
from parbook.timeline.scope import Facts


@dataclass(frozen=True)
class PlanStatus:
    """The plan of the window's year (None when there is none), the self-inspection (one row per
    requirement), the NV01/NV02 duties by section and the PAR self-assessment."""

    plan: Plan | None
    inspection: pd.DataFrame
    duties: pd.DataFrame
    assessment: pd.DataFrame


def plan_status(facts: Facts, indicators: pd.DataFrame, findings: pd.DataFrame,
                plan: Plan | str | Path | None = None,
                criteria: str | Path | CriteriaTree | None = None) -> PlanStatus:
    """The plan status of a window from its facts, indicators and findings (contract frames;
    of the findings' messages only the duty checks' are read, see Findings.frame_of).

    ``plan``: a Plan, a plan name or path, or None for the plan of the window's year.
    ``criteria``: a criteria file or tree, or None for the district's file or the template.
    """
    if isinstance(plan, str | Path):
        plan = load_plan(plan)
        check_plan_year(plan, facts.window.year)
    elif plan is None:
        plan = default_plan(facts.window.year)
    assessment = par_assessment(facts.data.self_scores, facts.window.year, indicators, criteria)
    inputs = Inputs(facts=facts, indicators=indicators, findings=findings, assessment=assessment)
    return PlanStatus(plan=plan, inspection=self_inspection(inputs, plan),
                      duties=duties_by_section(findings, facts), assessment=assessment)
