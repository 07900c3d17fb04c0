"""The scores of a window and its year to date: TT 01/2018, the QĐ 766 estimate, satisfaction."""

from __future__ import annotations

from dataclasses import dataclass, replace

from parbook.analysis.index766 import Index766Estimate, estimate_766
from parbook.analysis.satisfaction import SatisfactionSummary, satisfaction_summary
from parbook.analysis.tt01 import TT01Evaluation, evaluate_tt01
from parbook.timeline.scope import SCOPES, Facts


@dataclass(frozen=True)
class Scores:
    """Per scope (``period``, ``ytd``): the TT 01/2018 evaluation, the 766 estimate and the
    SIPAS-style satisfaction summary."""

    tt01: dict[str, TT01Evaluation]
    index766: dict[str, Index766Estimate]
    satisfaction: dict[str, SatisfactionSummary]


def tt01_scores(facts: Facts) -> dict[str, TT01Evaluation]:
    """The TT 01/2018 evaluation of each scope (tt01_total of the indicators comes from it); a
    scope whose frames are the other's (a year's window and its year to date) is evaluated once."""
    evaluations: dict[str, TT01Evaluation] = {}
    for scope in SCOPES:
        frames = facts.of(scope)
        same = next((e for s, e in evaluations.items() if facts.of(s).dossiers is frames.dossiers
                     and facts.of(s).feedback is frames.feedback), None)
        evaluations[scope] = (replace(same, scope=scope) if same is not None
                              else evaluate_tt01(facts, scope))
    return evaluations


def compute_scores(facts: Facts, tt01: dict[str, TT01Evaluation]) -> Scores:
    """Every score of the facts (the TT 01 evaluations already computed for the indicators)."""
    return Scores(tt01=tt01,
                  index766={scope: estimate_766(facts, scope) for scope in SCOPES},
                  satisfaction={scope: satisfaction_summary(facts, scope) for scope in SCOPES})
