"""One analysis of a unit and window: the one place that orders the stages.

``analyse()`` reads the unit's rows once, then hands each stage's typed result to the next:

    timeline (Facts) → analysis (Forms: Biểu 06) → quality (Findings: the checks, BM01 on the
    form) → analysis (Scores: TT 01/2018 first, then Indicators; the 766 estimate, satisfaction)
    → plan (PlanStatus: self-inspection, duties, PAR self-assessment)

``parbook check``, the notebooks and the report all call it, so the kernel runs exactly the code
the command line runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from parbook.analysis.forms import Forms, build_forms
from parbook.analysis.indicators import Indicators, compute_indicators
from parbook.analysis.scores import Scores, compute_scores, tt01_scores
from parbook.plan.assessment import CriteriaTree
from parbook.plan.inspection import DUTY_CHECKS
from parbook.plan.model import Plan
from parbook.plan.status import PlanStatus, plan_status
from parbook.quality.checks import Findings, run_checks
from parbook.store import db
from parbook.store.params import validate_unit_code
from parbook.store.unitdata import UnitData
from parbook.timeline import scope
from parbook.timeline.periods import Window
from parbook.timeline.scope import Facts


@dataclass(frozen=True)
class Analysis:
    """Everything computed for one unit and window (and its year to date)."""

    facts: Facts
    forms: Forms
    findings: Findings
    scores: Scores
    indicators: Indicators
    plan: PlanStatus

    @property
    def window(self) -> Window:
        return self.facts.window

    @property
    def data(self) -> UnitData:
        return self.facts.data

    @property
    def unit_code(self) -> str:
        return self.facts.unit_code


def _no_progress(_step: str) -> None:
    return None


# The steps :func:`analyse` reports to ``on_step`` as each begins (for a progress bar).
ANALYSE_STEPS = ("đọc CSDL (reading)", "dựng dữ liệu (facts)", "kiểm tra (checks)", "chỉ số (indicators)")


def analyse_data(data: UnitData, window: Window, backend: str = "pandas", url: str | None = None,
                 now: datetime | None = None, plan: Plan | str | Path | None = None,
                 criteria: str | Path | CriteriaTree | None = None,
                 on_step: Callable[[str], None] = _no_progress) -> Analysis:
    """Every stage on already-loaded unit data (``url`` only for the SQL check backend);
    ``on_step`` is told each of ANALYSE_STEPS but the first as it begins."""
    on_step(ANALYSE_STEPS[1])
    facts = scope.build(data, window)
    forms = build_forms(facts.period)
    on_step(ANALYSE_STEPS[2])
    findings = run_checks(facts, forms.bieu06, backend=backend, url=url, now=now)
    on_step(ANALYSE_STEPS[3])
    tt01 = tt01_scores(facts)
    indicators = compute_indicators(facts, tt01)
    return Analysis(
        facts=facts, forms=forms, findings=findings, scores=compute_scores(facts, tt01),
        indicators=indicators,
        plan=plan_status(facts, indicators.frame, findings.frame_of(DUTY_CHECKS), plan, criteria))


def analyse(unit_code: str, window: Window, url: str | None = None, backend: str = "pandas",
            now: datetime | None = None, on_step: Callable[[str], None] = _no_progress) -> Analysis:
    """Load the unit's data from the database, then every stage (:func:`analyse_data`);
    ``on_step`` is told each of ANALYSE_STEPS as it begins."""
    validate_unit_code(unit_code)
    on_step(ANALYSE_STEPS[0])
    with db.engine(url).connect() as conn:
        data = scope.load(conn, unit_code, window)
    return analyse_data(data, window, backend=backend, url=url, now=now, on_step=on_step)
