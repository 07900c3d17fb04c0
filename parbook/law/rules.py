"""The rule parameters of the time rules and the plan's targets (data/reference/rules.yaml).

Readings that the sources leave open ([U]) are configuration here, never constants in code: the
same-day cut-off time, the apology deadline reading, the working-day limits of PAKN and of an
appraisal-stage supplementation request, and the plan's on-time target. The report prints what
the checks and indicators use, from this one place.

>>> r = rules()
>>> r.feedback_limit_working_days, r.ontime_target, r.cutoff_seconds
(15, 0.95, 54000)
"""

from __future__ import annotations

from datetime import time
from typing import Literal

from pydantic import Field

from parbook.store.settings import Strict, reference


class RuleParameters(Strict):
    """rules.yaml."""

    cutoff_time: time
    apology_deadline_reading: Literal["working_day", "calendar"]
    feedback_limit_working_days: int
    appraisal_supplement_limit_working_days: int
    ontime_target: float
    ontime_target_comparison: Literal[">=", ">"]
    tt01_min_indicators_to_classify: int = Field(ge=1, le=9)

    @property
    def cutoff_seconds(self) -> int:
        """The cut-off as seconds after midnight (received strictly later → next working day)."""
        t = self.cutoff_time
        return t.hour * 3600 + t.minute * 60 + t.second


def rules() -> RuleParameters:
    """The rule parameters in force (cached per process)."""
    return reference("rules.yaml", RuleParameters)
