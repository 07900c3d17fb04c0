"""The rule parameters of the time rules and the plan's targets (data/reference/rules.yaml).

Readings that the sources leave open ([U]) are configuration here, never constants in code: the
working-day limit of PAKN, the plan's on-time target and the TT 01/2018 classification minimum.
The parameters that change with the legal regime (the cut-off time, the apology deadline, the
appraisal-stage supplementation limit) are per regime (parbook.law.regimes). The report prints
what the checks and indicators use, from this one place.

>>> r = rules()
>>> r.feedback_limit_working_days, r.ontime_target
(15, 0.95)
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from parbook.store.settings import Strict, reference


class RuleParameters(Strict):
    """rules.yaml."""

    feedback_limit_working_days: int
    ontime_target: float
    ontime_target_comparison: Literal[">=", ">"]
    tt01_min_indicators_to_classify: int = Field(ge=1, le=9)


def rules() -> RuleParameters:
    """The rule parameters in force (cached per process)."""
    return reference("rules.yaml", RuleParameters)
